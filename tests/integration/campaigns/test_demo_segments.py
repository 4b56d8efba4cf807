"""The run command's demo campaign is aimed by the recommendation: for the first open job some
segments fit, at the segments that fit it best, never an age-proxy segment on its own."""

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
    make_job(title="Enfermera jefe", area="Salud", city="Cali")  # first, but no segment fits
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


def test_when_no_job_has_a_fitting_segment_the_demo_says_why(app, platforms, dispatcher):
    first = make_job(title="Enfermera jefe", area="Salud", city="Cali")
    make_job(title="Médico general", area="Salud", city="Cali")
    make_segmented_run({"Vendedores · Cali": [{"area": "Ventas y comercial", "city": "Cali"}]})
    db.session.commit()
    first_id = first.id

    campaign = publish_demo_campaign(timeout_s=0)

    assert (campaign.job_id, campaign.segment_ids) == (first_id, [])
    assert [w.rule for w in campaign.warnings] == ["no_segment_fits"]
