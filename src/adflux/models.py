"""Imports every table so that metadata (and Alembic) sees the whole schema."""

from adflux.audiences.models import AudienceMember, AudienceSync
from adflux.audit.models import AuditLog
from adflux.auth.models import ApiToken
from adflux.campaign_templates.models import CampaignTemplate, TemplateCampaign
from adflux.campaigns.models import AdCampaign, PlatformCredential, PlatformPublication
from adflux.candidates.models import Candidate
from adflux.feeds.models import FeedImport
from adflux.jobs.models import JobOpening
from adflux.optimisation.models import AllocationMove, AllocationRun, CampaignRule, RuleFiring
from adflux.results.models import Application, CampaignMetric, ReportSync
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

__all__ = [
    "AdCampaign",
    "AllocationMove",
    "AllocationRun",
    "ApiToken",
    "Application",
    "AudienceMember",
    "AudienceSync",
    "AuditLog",
    "CampaignMetric",
    "CampaignRule",
    "CampaignTemplate",
    "Candidate",
    "FeedImport",
    "JobOpening",
    "PlatformCredential",
    "PlatformPublication",
    "ReportSync",
    "RuleFiring",
    "Segment",
    "SegmentMembership",
    "SegmentationRun",
    "TemplateCampaign",
]
