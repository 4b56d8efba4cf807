"""The campaign page's budget and rules panel: the split with its share bars, the moves with
their reasons, rebalance now, rules added, disabled and removed, and the dry run."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from tests.conftest import count_rows
from tests.factories import make_segmented_run
from tests.integration.optimisation.arms import make_learning_campaign
from tests.integration.optimisation.test_optimisation_api import MEDIA_EN, MEDIA_ES
from tests.integration.web.conftest import csrf_token

from adflux.campaigns.service import campaign_today
from adflux.extensions import db
from adflux.optimisation.models import AllocationRun, CampaignRule

TODAY = campaign_today()


@pytest.fixture
def campaign(app, platforms, dispatcher):
    segments = make_segmented_run({"Desarrolladores": [], "Contadores": []})
    return make_learning_campaign(platforms, segments)


def _post(client, path: str, page: str, **data: str):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def test_the_panel_shows_the_split_and_rebalancing_shows_the_moves_with_reasons(
    client, sign_in, campaign
):
    sign_in("operator")
    page_path = f"/campaigns/{campaign.id}"
    page = client.get(page_path).get_data(as_text=True)
    assert 'id="campaign-optimisation"' in page
    assert "Desarrolladores" in page and "$25.000" in page
    assert page.count('style="width: 50.0%"') == 2
    assert "Aún no hay movimientos" in page
    assert "Pausar cuando la vacante se cierre o se pause" in page  # the standing rules

    moved = _post(client, f"{page_path}/budget/rebalance", page_path)
    assert moved.status_code == 302 and moved.location.endswith("#campaign-optimisation")
    page = client.get(page_path).get_data(as_text=True)
    assert "Presupuesto repartido de nuevo" in page
    assert re.search(MEDIA_ES, page)
    run = db.session.scalars(sa.select(AllocationRun)).one()
    for move in run.moves:  # the split shown is what the run decided
        row = re.search(rf'<tr data-arm="{move.publication_id}".*?</tr>', page, re.S)
        assert row and f'data-budget="{move.to_cop}"' in row.group(0)

    english = client.get(page_path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(MEDIA_EN, english)


def test_rules_are_added_disabled_and_removed_from_the_page(client, sign_in, campaign):
    sign_in("operator")
    page_path = f"/campaigns/{campaign.id}"
    added = _post(
        client,
        f"{page_path}/rules",
        page_path,
        kind="max_cpa",
        max_cpa_cop="20000",
        min_spend_cop="50000",
    )
    assert added.status_code == 302
    page = client.get(page_path).get_data(as_text=True)
    assert "Regla añadida." in page
    assert "Pausar la combinación que pase de $20.000 por postulación tras gastar $50.000" in page
    rule = db.session.scalars(sa.select(CampaignRule).where(CampaignRule.kind == "max_cpa")).one()

    _post(client, f"{page_path}/rules/{rule.id}/enabled", page_path, enabled="false")
    db.session.refresh(rule)
    assert rule.enabled is False
    _post(client, f"{page_path}/rules/{rule.id}/delete", page_path)
    assert count_rows(CampaignRule) == 2  # the standing ones stay

    refused = _post(client, f"{page_path}/rules", page_path, kind="max_cpa", max_cpa_cop="mil")
    assert refused.status_code == 302
    page = client.get(page_path).get_data(as_text=True)
    assert "max_cpa_cop: no es un número entero" in page
    assert count_rows(CampaignRule) == 2


def test_a_viewer_sees_the_panel_without_its_controls(client, sign_in, campaign):
    sign_in("viewer")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'id="campaign-arms"' in page
    assert 'id="rebalance"' not in page and 'id="rule-form"' not in page
    refused = _post(
        client, f"/campaigns/{campaign.id}/budget/rebalance", f"/campaigns/{campaign.id}"
    )
    assert refused.status_code == 403
    assert count_rows(AllocationRun) == 0


def test_the_dry_run_page_compares_what_was_spent_with_what_would_have_been(
    client, sign_in, campaign
):
    sign_in("viewer")
    page = client.get(f"/campaigns/{campaign.id}/budget/dry-run?days=4")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Nada se guarda ni se envía" in text
    assert "Gastado $200.000 por 24 postulaciones" in text
    assert text.count('class="dry-run-day"') == 4
    assert count_rows(AllocationRun) == 0
    for days in ("0", "61", "siete"):
        bad = client.get(f"/campaigns/{campaign.id}/budget/dry-run?days={days}")
        assert bad.status_code == 400
        assert "entre 1 y 60" in bad.get_data(as_text=True)
