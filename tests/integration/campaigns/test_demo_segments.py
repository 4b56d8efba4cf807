"""The run command's demo campaign is aimed by the recommendation: the segments that fit its job
best, never an age-proxy segment on its own."""

from __future__ import annotations

import pytest
from tests.factories import make_job, make_segmented_run

from adflux.embedded import DEMO_IDEMPOTENCY_KEY, publish_demo_campaign
from adflux.extensions import db

pytestmark = pytest.mark.postgres

ACCOUNTING = "Contabilidad"


def _accountant(**overrides):
    return {"area": ACCOUNTING, "city": "Cali", "years_experience": 1.0, **overrides}


def test_the_demo_aims_at_the_recommended_segments_and_leaves_age_proxies_out(
    app, platforms, dispatcher
):
    job = make_job(
        title="Auxiliar contable",
        area=ACCOUNTING,
        city="Cali",
        seniority="junior",
        remote_mode="presencial",
        salary_min_cop=None,
        salary_max_cop=None,
    )
    recent_graduates, accountants, _sellers = make_segmented_run(
        {
            # Fits best of all, but age explains it: no operator is there to confirm that.
            "Recién egresados · Cali": [_accountant(), _accountant(), _accountant()],
            "Contadores · Cali": [_accountant(), _accountant(), _accountant(city="Bogotá")],
            "Vendedores · Cali": [{"area": "Ventas y comercial", "city": "Cali"}],
        }
    )
    recent_graduates.profile = {"age_proxy": {"warning": True}}
    db.session.commit()
    job_id, accountants_id = job.id, accountants.id  # the demo starts a new session

    campaign = publish_demo_campaign(timeout_s=0)

    assert campaign.idempotency_key == DEMO_IDEMPOTENCY_KEY and campaign.job_id == job_id
    assert campaign.segment_ids == [accountants_id]
    # What it chose publishes without anyone confirming a warning, and says nothing of the fit.
    assert campaign.warnings == []
    assert len(dispatcher.take()) == len(campaign.publications) > 0
    # Running again shows the same campaign.
    assert publish_demo_campaign(timeout_s=0).id == campaign.id
