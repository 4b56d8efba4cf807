"""The budget and rules endpoints, on PostgreSQL and SQLite: reads, an on-demand run, the dry
run, rules with their firings, and bad input refused naming the field."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.conftest import count_rows

from adflux.auth import service as auth_service
from adflux.campaigns.changes import CHANGE_TASK
from adflux.campaigns.service import campaign_today
from adflux.extensions import db
from adflux.optimisation.models import AllocationMove, AllocationRun, CampaignRule, RuleFiring

from .arms import make_armed_campaign, make_learning_campaign

TODAY = campaign_today()
# Meta · Desarrolladores: 5 applications a day for 25.000 COP, against 6 for 50.000 together.
MEDIA_ES = (
    r"Meta · Desarrolladores (?:[+-]\d+ %|sin cambio): "
    r"\$5\.000 por postulación frente a \$8\.333 de media"
)
MEDIA_EN = (
    r"Meta · Desarrolladores (?:[+-]\d+ %|unchanged): "
    r"COP 5,000 per application against COP 8,333 on average"
)


@pytest.fixture
def auth(any_app):
    """A token of the given role (one per role), as an Authorization header."""
    made: dict[str, dict[str, str]] = {}

    def make(role: str = "operator") -> dict[str, str]:
        if role not in made:
            _row, plain = auth_service.create_token(
                db_session=db.session, name=f"opt-{role}", role=role
            )
            made[role] = {"Authorization": f"Bearer {plain}"}
        return made[role]

    return make


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def campaign(platforms, segments, dispatcher):
    return make_learning_campaign(platforms, segments)


def test_budget_shows_the_split_and_a_rebalance_moves_it_with_reasons(
    client, auth, campaign, dispatcher
):
    before = client.get(f"/api/v1/campaigns/{campaign.id}/budget", headers=auth("viewer"))
    assert before.status_code == 200, before.json
    body = before.json
    assert body["daily_budget_cop"] == 50_000 and body["runs"]["items"] == []
    assert [(a["platform"], a["name"], a["share"]) for a in body["arms"]] == [
        ("meta", "Desarrolladores", 0.5),
        ("google", "Contadores", 0.5),
    ]
    assert body["allocation_paused_reason"] is None

    run = client.post(f"/api/v1/campaigns/{campaign.id}/budget/rebalance", headers=auth())
    assert run.status_code == 201, run.json
    assert run.json["trigger"] == "on_demand" and len(run.json["moves"]) == 2
    reasons = " | ".join(m["reason"] for m in run.json["moves"])
    assert re.search(MEDIA_ES, reasons), reasons
    in_english = client.get(
        f"/api/v1/campaigns/{campaign.id}/budget",
        headers={**auth("viewer"), "Accept-Language": "en"},
    ).json
    reasons_en = " | ".join(m["reason"] for m in in_english["runs"]["items"][0]["moves"])
    assert re.search(MEDIA_EN, reasons_en), reasons_en
    assert [args for name, args, _ in dispatcher.sent if name == CHANGE_TASK]

    after = client.get(
        f"/api/v1/campaigns/{campaign.id}/budget?limit=1", headers=auth("viewer")
    ).json
    assert after["runs"]["total"] == 1 and after["runs"]["items"][0]["id"] == run.json["id"]
    budgets = {a["publication_id"]: a["daily_budget_cop"] for a in after["arms"]}
    assert all(budgets[m["publication_id"]] == m["to_cop"] for m in run.json["moves"])
    assert all(a["change_pending"] for a in after["arms"])


def test_a_viewer_cannot_rebalance_and_a_campaign_that_cannot_be_split_says_why(
    client, auth, campaign
):
    refused = client.post(
        f"/api/v1/campaigns/{campaign.id}/budget/rebalance", headers=auth("viewer")
    )
    assert refused.status_code == 403
    campaign.auto_allocate = False
    db.session.commit()
    conflict = client.post(f"/api/v1/campaigns/{campaign.id}/budget/rebalance", headers=auth())
    assert conflict.status_code == 409
    assert conflict.json["error"]["message"] == (
        "no se puede repartir el presupuesto: la asignación automática está desactivada"
    )
    assert count_rows(AllocationRun) == 0


def test_the_dry_run_decides_the_last_days_again_and_stores_nothing(
    client, auth, campaign, dispatcher
):
    client.post(
        f"/api/v1/campaigns/{campaign.id}/rules",
        json={"kind": "max_applications", "max_applications": 30},
        headers=auth(),
    )
    revisions = [arm.revision for arm in campaign.publications]
    stored = (count_rows(AllocationRun), count_rows(AllocationMove), count_rows(RuleFiring))
    dispatcher.take()

    answer = client.get(
        f"/api/v1/campaigns/{campaign.id}/budget/dry-run?days=5", headers=auth("viewer")
    )

    assert answer.status_code == 200, answer.json
    body = answer.json
    assert [d["day"] for d in body["days"]] == [
        (TODAY - timedelta(days=back)).isoformat() for back in range(5, 0, -1)
    ]
    for day in body["days"]:
        assert sum(a["budget_cop"] for a in day["arms"]) <= day["total_daily_cop"] == 50_000
        assert all(a["spent_cop"] == 25_000 for a in day["arms"])
    assert body["spent_cop"] == 5 * 50_000 and body["applications"] == 5 * 6
    meta, google = body["totals"]
    assert meta["budget_cop"] > meta["spent_cop"] and google["budget_cop"] < google["spent_cop"]
    # The 30th application came the day before the window: the rule, not fired then, shows
    # on the window's first day, once.
    fired = [(d["day"], f["kind"]) for d in body["days"] for f in d["firings"]]
    assert fired == [((TODAY - timedelta(days=5)).isoformat(), "max_applications")]
    # Each arm's reason, in the reader's language: pesos as each writes them.
    in_english = client.get(
        f"/api/v1/campaigns/{campaign.id}/budget/dry-run?days=5",
        headers={**auth("viewer"), "Accept-Language": "en"},
    ).json
    assert all("$" in a["reason"] for d in body["days"] for a in d["arms"])
    assert all("COP " in a["reason"] for d in in_english["days"] for a in d["arms"])

    assert (count_rows(AllocationRun), count_rows(AllocationMove), count_rows(RuleFiring)) == (
        stored
    )
    db.session.expire_all()
    assert [arm.revision for arm in campaign.publications] == revisions
    assert dispatcher.sent == []


def test_rules_are_listed_added_disabled_and_removed(client, auth, campaign):
    url = f"/api/v1/campaigns/{campaign.id}/rules"
    listed = client.get(url, headers=auth("viewer"))
    assert [(r["kind"], r["standing"]) for r in listed.json] == [
        ("job_closed", True),
        ("end_date", True),
    ]
    added = client.post(
        url,
        json={"kind": "max_cpa", "max_cpa_cop": 20_000, "min_spend_cop": 50_000},
        headers=auth(),
    )
    assert added.status_code == 201, added.json
    assert added.json["enabled"] is True and added.json["firings"] == []
    rule_url = f"{url}/{added.json['id']}"

    disabled = client.patch(rule_url, json={"enabled": False}, headers=auth())
    assert disabled.status_code == 200 and disabled.json["enabled"] is False
    standing = client.delete(f"{url}/{listed.json[0]['id']}", headers=auth())
    assert (
        standing.status_code == 409
        and "desactívela en lugar de borrarla" in standing.json["error"]["message"]
    )
    assert client.delete(rule_url, headers=auth()).status_code == 204
    assert client.delete(rule_url, headers=auth()).status_code == 404
    assert count_rows(CampaignRule) == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("get", "/budget/dry-run?days=0", None, "days"),
        ("get", "/budget/dry-run?days=61", None, "days"),
        ("get", "/budget/dry-run?days=siete", None, "days"),
        ("get", "/budget?limit=500", None, "limit"),
        (
            "post",
            "/rules",
            {"kind": "max_applications", "max_applications": "5"},
            "max_applications",
        ),
        ("post", "/rules", {"kind": "max_applications"}, "max_applications"),
        ("post", "/rules", {"kind": "job_closed"}, "kind"),
        ("post", "/rules", {"kind": "max_cpa", "max_cpa_cop": 1_000}, "min_spend_cop"),
        (
            "post",
            "/rules",
            {"kind": "max_cpa", "max_cpa_cop": -1, "min_spend_cop": 1},
            "max_cpa_cop",
        ),
        (
            "post",
            "/rules",
            {"kind": "max_applications", "max_applications": 3, "period": "day"},
            "period",
        ),
        ("post", "/rules", {"kind": "max_applications", "max_applications": 3, "x": 1}, "x"),
        ("patch", "/rules/RULE", {"enabled": "no"}, "enabled"),
        ("patch", "/rules/RULE", {}, "enabled"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(client, auth, campaign, method, path, body, field):
    rule = client.post(
        f"/api/v1/campaigns/{campaign.id}/rules",
        json={"kind": "max_applications", "max_applications": 9},
        headers=auth(),
    ).json
    url = f"/api/v1/campaigns/{campaign.id}{path.replace('RULE', str(rule['id']))}"
    kwargs = {} if body is None else {"json": body}
    answer = getattr(client, method)(url, headers=auth(), **kwargs)
    assert 400 <= answer.status_code < 500, answer.json
    assert field in answer.json["error"]["fields"], answer.json


def test_unknown_campaigns_and_rules_are_404(client, auth, campaign):
    assert client.get("/api/v1/campaigns/999999/budget", headers=auth()).status_code == 404
    assert client.get("/api/v1/campaigns/999999/rules", headers=auth()).status_code == 404
    other = make_armed_campaign(
        client.application.extensions["adflux_platforms"], [("x", None, 5_000)], start=TODAY
    )
    rule = client.post(
        f"/api/v1/campaigns/{other.id}/rules",
        json={"kind": "max_applications", "max_applications": 9},
        headers=auth(),
    ).json
    wrong = client.patch(
        f"/api/v1/campaigns/{campaign.id}/rules/{rule['id']}",
        json={"enabled": False},
        headers=auth(),
    )
    assert wrong.status_code == 404


def test_a_dry_run_writes_no_rule_and_shows_the_standing_ones(client, auth, campaign):
    campaign.end_date = TODAY - timedelta(days=3)
    db.session.commit()
    body = client.get(
        f"/api/v1/campaigns/{campaign.id}/budget/dry-run?days=5", headers=auth("viewer")
    ).json
    fired = [(d["day"], f["kind"], f["rule_id"]) for d in body["days"] for f in d["firings"]]
    assert fired == [((TODAY - timedelta(days=2)).isoformat(), "end_date", None)]
    assert count_rows(CampaignRule) == 0
