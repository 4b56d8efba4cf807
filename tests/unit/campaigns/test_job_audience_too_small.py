"""The warning for a job audience smaller than some chosen platform targets."""

from __future__ import annotations

from adflux.campaigns.compliance import ACKNOWLEDGEABLE_WARNINGS
from adflux.campaigns.service import JOB_AUDIENCE_TOO_SMALL, job_audience_too_small

MINIMUMS = {"Meta": 100, "TikTok": 1000, "X": 100}


def test_it_names_each_platform_whose_minimum_the_reach_misses_with_that_minimum():
    warning = job_audience_too_small(42, MINIMUMS)

    assert warning is not None
    assert (warning.rule, warning.field) == (JOB_AUDIENCE_TOO_SMALL, "job_audience_size")
    assert "reúne 42 personas" in warning.message.render("es")
    assert "(Meta: 100; TikTok: 1.000; X: 100)" in warning.message.render("es")
    assert "holds 42 people, fewer than each platform requires" in warning.message.render("en")
    assert "(Meta: 100; TikTok: 1,000; X: 100)" in warning.message.render("en")


def test_only_the_platforms_missed_are_named():
    warning = job_audience_too_small(150, MINIMUMS)

    assert warning is not None
    assert "(TikTok: 1.000)" in warning.message.render("es")
    assert "Meta" not in warning.message.render("es") and "X:" not in warning.message.render("es")


def test_an_audience_at_every_minimum_is_not_warned_about():
    assert job_audience_too_small(1000, MINIMUMS) is None
    assert job_audience_too_small(100, {"meta": 100}) is None
    assert job_audience_too_small(5, {}) is None  # no platform chosen yet


def test_it_is_said_not_acknowledged():
    assert JOB_AUDIENCE_TOO_SMALL not in ACKNOWLEDGEABLE_WARNINGS
