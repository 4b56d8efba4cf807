"""The compiled page serialiser gives exactly marshmallow's output."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields
from tests.factories import candidate_payload, job_payload

from adflux.api.campaigns import CampaignPageSchema
from adflux.api.candidates import CandidatePageSchema
from adflux.api.fastdump import CompiledDumpSchema
from adflux.api.jobs import JobPageSchema
from adflux.api.results import ResultsSchema
from adflux.i18n.messages import Message, to_json

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)


def _job(i: int) -> SimpleNamespace:
    extra = {"id": i, "currency": "COP", "status": "open", "created_at": NOW, "updated_at": NOW}
    return SimpleNamespace(**job_payload(salary_min_cop=None if i % 2 else 1_500_000), **extra)


def _candidate(i: int) -> SimpleNamespace:
    payload = candidate_payload(phone=None if i % 3 else "3001234567", last_active_at=None)
    return SimpleNamespace(**payload, id=i, created_at=NOW)


def _campaign(i: int) -> SimpleNamespace:
    publication = SimpleNamespace(
        id=i,
        platform="meta",
        status="failed",
        external_ids={"campaign": "120", "ad_set": "121"},
        attempts=2,
        last_error="Texto demasiado largo",
        last_error_field=None,
        next_attempt_at=None,
        published_at=None,
        updated_at=NOW,
    )
    return SimpleNamespace(
        id=i,
        job_id=3,
        segment_ids=[1, 2],
        name="Auxiliar contable · Cali",
        daily_budget_cop=50_000,
        start_date=date(2026, 12, 1),
        end_date=None,
        objective="traffic",
        status="partially_published",
        created_by="token:ops",
        created_at=NOW,
        updated_at=NOW,
        publications=[publication],
        # As list_campaigns gives them: one rendered from a Message, one stored as its JSON.
        warnings=[
            {
                "code": "segment_low_fit",
                "rule": "segment_low_fit",
                "field": "segment_ids",
                "message": Message("the campaign aims at the job's own city, area and skills"),
            },
            {
                "code": "no_segment_fits",
                "rule": "no_segment_fits",
                "field": "segment_ids",
                "message": to_json(
                    Message("No segment recommended: %(why)s; %(instead)s.", why="x", instead="y")
                ),
            },
        ],
    )


@pytest.mark.parametrize(
    ("schema", "make"),
    [(JobPageSchema, _job), (CandidatePageSchema, _candidate), (CampaignPageSchema, _campaign)],
)
def test_compiled_dump_equals_marshmallow(schema, make):
    page = {"items": [make(i) for i in range(1, 6)], "total": 5, "limit": 50, "offset": 0}
    instance = schema()
    assert instance.dump(page) == Schema.dump(instance, page)


def test_a_field_that_serialises_itself_leaves_the_rest_of_the_page_compiled(monkeypatch):
    """A campaign's warnings carry a message rendered in the reader's language (MessageText):
    that one field is serialised by marshmallow, the other fields of the page stay compiled."""
    page = {"items": [_campaign(i) for i in range(1, 6)], "total": 5, "limit": 50, "offset": 0}
    instance = CampaignPageSchema()
    expected = Schema.dump(instance, page)
    assert expected["items"][0]["warnings"][0]["message"] == (
        "la campaña se dirige a la ciudad, el área y las habilidades de la vacante"
    )

    def whole_schema(*args, **kwargs):
        raise AssertionError("a page schema went back through marshmallow")

    monkeypatch.setattr(Schema, "_serialize", whole_schema)
    assert instance.dump(page) == expected


def test_unknown_fields_fall_back_to_marshmallow():
    class WithMethod(CompiledDumpSchema):
        name = fields.String()
        shout = fields.Method("loud")

        def loud(self, obj):
            return obj.name.upper()

    assert WithMethod().dump(SimpleNamespace(name="cali")) == {"name": "cali", "shout": "CALI"}


def _rows(objects: list[SimpleNamespace]) -> list[sa.Row]:
    """The objects as database rows are read (a Row per object, names as columns, a total)."""
    names = [*vars(objects[0]), "_total"]
    metadata = sa.MetaData()
    table = sa.Table("t", metadata, *(sa.Column(n, sa.JSON) for n in names))
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{**vars(o), "_total": len(objects)} for o in objects])
        return list(connection.execute(sa.select(table)).all())


def test_rows_and_mappings_dump_as_objects_do():
    jobs = [_job(i) for i in range(1, 6)]
    for job in jobs:  # as JSON columns bring them back
        job.created_at = job.updated_at = None
    instance = JobPageSchema()
    expected = Schema.dump(instance, {"items": jobs, "total": 5, "limit": 50, "offset": 0})
    rows = _rows(jobs)
    assert instance.dump({"items": rows, "total": 5, "limit": 50, "offset": 0}) == expected
    mappings = [row._mapping for row in rows]
    assert instance.dump({"items": mappings, "total": 5, "limit": 50, "offset": 0}) == expected


def test_fields_that_write_differently_fall_back_to_marshmallow():
    class Numbers(CompiledDumpSchema):
        as_text = fields.Integer(as_string=True)
        email = fields.Email()

    value = SimpleNamespace(as_text=12, email="ana@x.co")
    assert Numbers().dump(value) == {"as_text": "12", "email": "ana@x.co"}


def test_results_dump_as_marshmallow_does():
    figures = {
        "impressions": 1000,
        "clicks": 40,
        "spend_cop": 52_000,
        "applications": 3,
        "ctr": Decimal("0.0400"),
        "cpc_cop": 1300,
        "apply_rate": Decimal("0.0750"),
        "cost_per_application_cop": None,
    }
    row = {
        **figures,
        "campaign_id": 4,
        "segments": [3, 5],
        "shared": True,
        "segment_applications": [{"segment_id": 3, "applications": 2}],
        "day": date(2026, 12, 1),
    }
    body = {
        "by": ["campaign", "segment", "day"],
        "totals": figures,
        "items": [row],
        "total": 1,
        "limit": 50,
        "offset": 0,
    }
    instance = ResultsSchema()
    assert instance.dump(body) == Schema.dump(instance, body)


def test_rows_without_some_fields_leave_them_out_as_marshmallow_does():
    """Rows are dumped by their columns' positions: a field the row has no column for is left
    out, a column no field names is ignored, whatever the columns' order."""
    jobs = [_job(i) for i in range(1, 4)]
    for job in jobs:
        job.created_at = job.updated_at = None
        del job.currency, job.skills
    reordered = [SimpleNamespace(**dict(reversed(vars(job).items()))) for job in jobs]
    instance = JobPageSchema()
    expected = Schema.dump(instance, {"items": jobs, "total": 3, "limit": 50, "offset": 0})
    assert "currency" not in expected["items"][0]
    for objects in (jobs, reordered):
        page = {"items": _rows(objects), "total": 3, "limit": 50, "offset": 0}
        assert instance.dump(page) == expected


def test_a_list_of_nested_rows_keeps_a_missing_item_as_none():
    class Item(CompiledDumpSchema):
        name = fields.String()

    class Holder(CompiledDumpSchema):
        items = fields.List(fields.Nested(Item))

    rows = _rows([SimpleNamespace(name="Cali"), SimpleNamespace(name="Pasto")])
    dumped = Holder().dump({"items": [*rows, None]})
    assert dumped == {"items": [{"name": "Cali"}, {"name": "Pasto"}, None]}
