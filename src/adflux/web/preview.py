"""What the employment-ad compliance check will say about a campaign, before it is created.

The targeting shown is the one the publishing task builds (`targeting.aim.campaign_targeting`:
the job's places, its title, skills and area; ages 18-65+, all genders), checked with the same
rules for every chosen platform. Audiences do not exist yet at this point; the task uploads only
consenting candidates, so the consent rule is met by construction and is not simulated here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP, PlatformInfo
from adflux.campaigns.compliance import (
    Advisory,
    Violation,
    check_targeting,
    segment_advisories,
)
from adflux.db import DbSession
from adflux.i18n.catalogs import N_
from adflux.jobs.models import JobOpening
from adflux.platforms.base import Targeting
from adflux.segmentation.models import Segment
from adflux.targeting.aim import campaign_targeting
from adflux.targeting.places import job_places


@dataclass(frozen=True)
class PlatformCheck:
    name: str
    display_name: str
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Problem:
    """Something the service would refuse on submit, said early: field, message key, values."""

    field_name: str
    key: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    targeting: Targeting
    checks: list[PlatformCheck]
    advisories: list[Advisory]
    problems: list[Problem]
    # The segments aimed at, and whether they are the recommendation (none was chosen).
    segment_names: list[str] = field(default_factory=list)
    recommended: bool = False

    @property
    def blocked(self) -> bool:
        return any(not c.ok for c in self.checks) or bool(self.problems)


def campaign_preview(
    *,
    db_session: DbSession,
    job: JobOpening,
    platforms: Sequence[PlatformInfo],
    segments: Sequence[Segment],
    daily_budget_cop: int | None,
    start_date: date | None,
    end_date: date | None,
    fit_warnings: Sequence[Advisory] = (),
    recommended: bool = False,
) -> Preview:
    """The targeting the campaign would publish, each platform's compliance verdict on it, the
    segments' warnings and what the service would refuse on submit."""
    # The publishing task's targeting, without the audiences it syncs first (see above).
    targeting = campaign_targeting(
        job=job, segments=segments, places=job_places(db_session=db_session, job=job)
    )
    checks = [
        PlatformCheck(info.name, info.display_name, check_targeting(info.name, targeting))
        for info in platforms
    ]
    # Age proxies first (they need a confirmation), then how well the segments fit the job.
    advisories = [
        *segment_advisories({s.name: s.profile or {} for s in segments}),
        *fit_warnings,
    ]
    problems = [
        Problem(
            "daily_budget_cop",
            N_("%(platform)s needs at least %(amount)s per day."),
            {"platform": info.display_name, "amount": MIN_DAILY_BUDGET_COP[info.name]},
        )
        for info in platforms
        if daily_budget_cop is not None
        and daily_budget_cop < MIN_DAILY_BUDGET_COP.get(info.name, 1)
    ]
    if start_date and end_date and end_date < start_date:
        problems.append(Problem("end_date", N_("The end date is before the start date.")))
    return Preview(targeting, checks, advisories, problems, [s.name for s in segments], recommended)
