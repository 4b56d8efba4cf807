"""The candidate generator: columns, determinism, chunking and realism (pure, in memory)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import phonenumbers
import pytest

from adflux.datagen import CANDIDATE_COLUMNS, candidate_records, iter_candidate_chunks
from adflux.datagen import reference as ref
from adflux.datagen.generator import BLOCK_SIZE, generate_candidates
from adflux.datagen.personas import PERSONAS
from adflux.jobs import areas

N = 5_000
MOBILE = re.compile(r"^3\d{2} \d{3} \d{4}$")


@pytest.fixture(scope="module")
def columns() -> dict:
    return generate_candidates(N, seed=7, personas=6)


def _rows(columns: dict) -> list[tuple]:
    return list(candidate_records(columns))


def test_columns_are_exactly_the_candidate_fields(columns: dict) -> None:
    assert tuple(columns) == CANDIDATE_COLUMNS
    assert all(len(values) == N for values in columns.values())


def test_same_seed_same_rows_other_seed_other_rows(columns: dict) -> None:
    assert _rows(generate_candidates(N, seed=7, personas=6)) == _rows(columns)
    assert _rows(generate_candidates(N, seed=8, personas=6)) != _rows(columns)


def test_rows_do_not_depend_on_start_or_chunk_size(columns: dict) -> None:
    start, size = BLOCK_SIZE - 700, 1_500  # crosses a block boundary
    window = generate_candidates(size, seed=7, start=start)
    whole = generate_candidates(start + size, seed=7)
    assert _rows(window) == _rows(whole)[start:]

    for chunk_size in (999, 2_500):
        chunked = [
            row
            for c in iter_candidate_chunks(N, seed=7, chunk_size=chunk_size)
            for row in candidate_records(c)
        ]
        assert chunked == _rows(columns)


def test_external_refs_follow_the_row_index() -> None:
    refs = generate_candidates(3, seed=1, start=122)["external_ref"]
    assert refs == ["cand-000000122", "cand-000000123", "cand-000000124"]


def test_places_are_real_colombian_cities_with_their_department(columns: dict) -> None:
    assert set(columns["city"]) <= set(ref.CITY_NAMES)
    pairs = set(zip(columns["city"], columns["department"], strict=True))
    assert all(ref.DEPARTMENT_BY_CITY[city] == dept for city, dept in pairs)
    counts = Counter(columns["city"])
    assert counts.most_common(1)[0][0] == "Bogotá"
    assert {"Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena"} <= set(counts)


def test_contact_data_is_plausible_and_emails_unique(columns: dict) -> None:
    assert len(set(columns["email"])) == N
    assert all(e.split("@")[1] in ref.EMAIL_DOMAINS for e in columns["email"])
    assert all(e.isascii() and " " not in e for e in columns["email"])
    assert all(MOBILE.match(p) for p in columns["phone"])
    for phone in columns["phone"][:200]:
        parsed = phonenumbers.parse(phone, "CO")
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    assert all(len(name.split()) >= 3 for name in columns["full_name"])  # names + two surnames


def test_money_ages_and_categories_are_in_range(columns: dict) -> None:
    salary = columns["desired_salary_cop"]
    known = salary[~np.isnan(salary)]
    assert known.min() >= ref.SMMLV_COP
    assert known.max() <= 40_000_000
    assert np.all((known % 50_000 == 0) | (known == ref.SMMLV_COP))  # rounded like real asks
    assert 1_800_000 <= np.median(known) <= 6_000_000
    assert columns["age"].min() >= 16 and columns["age"].max() <= 75
    assert set(columns["education_level"]) <= set(ref.EDUCATION_LEVELS)
    assert set(columns["remote_preference"]) == set(ref.REMOTE_PREFERENCES)
    assert set(columns["area"]) <= set(areas.AREA_LABELS)
    assert all("es" in langs for langs in columns["languages"])
    for area, skills in zip(columns["area"][:500], columns["skills"][:500], strict=True):
        assert skills and set(skills) <= set(areas.AREA_BY_LABEL[area].skills)


def test_shares_of_consent_and_missing_values(columns: dict) -> None:
    assert 0.82 <= columns["marketing_consent"].mean() <= 0.88
    for name in ("years_experience", "desired_salary_cop"):
        assert 0.015 <= np.isnan(columns[name]).mean() <= 0.045
    assert np.nanmin(columns["years_experience"]) >= 0


def test_personas_are_the_first_n_and_hidden_only_in_their_column() -> None:
    for count in (2, 4, 10):
        generated = generate_candidates(2_000, seed=1, personas=count)
        assert set(generated["persona"]) == {p.name for p in PERSONAS[:count]}
    with pytest.raises(ValueError, match="between 2 and 10"):
        generate_candidates(10, seed=1, personas=11)


def test_activity_dates_are_before_the_reference_day(columns: dict) -> None:
    as_of = np.datetime64("2025-11-01T12:00:00")
    assert np.all(columns["last_active_at"] <= as_of)
    assert np.all(columns["last_active_at"] >= as_of - np.timedelta64(731, "D"))


def test_records_are_plain_python_for_loaders(columns: dict) -> None:
    row = dict(zip(CANDIDATE_COLUMNS, next(iter(candidate_records(columns))), strict=True))
    assert isinstance(row["age"], int) and isinstance(row["marketing_consent"], bool)
    assert row["last_active_at"].tzinfo is UTC and isinstance(row["last_active_at"], datetime)
    missing = next(r for r in candidate_records(columns) if r[10] is None)  # desired_salary_cop
    assert missing[10] is None
    assert all(isinstance(r[10], int | None) for r in candidate_records(columns))


def test_names_come_from_pools_built_once_not_from_faker_per_row(monkeypatch) -> None:
    generate_candidates(10, seed=1)  # pools built (cached)

    def no_faker(*args, **kwargs):
        raise AssertionError("Faker must not be called per row")

    monkeypatch.setattr("faker.Faker", no_faker)
    assert len(generate_candidates(2_000, seed=2)["full_name"]) == 2_000


def test_zero_rows_and_bad_arguments() -> None:
    empty = generate_candidates(0, seed=1)
    assert tuple(empty) == CANDIDATE_COLUMNS and all(len(v) == 0 for v in empty.values())
    with pytest.raises(ValueError):
        generate_candidates(-1, seed=1)
    with pytest.raises(ValueError):
        list(iter_candidate_chunks(10, seed=1, chunk_size=0))
