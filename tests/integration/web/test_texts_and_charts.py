"""Pure parts of the dashboard: the message catalogue and the chart geometry.

(No database; they sit here with the rest of the dashboard's tests.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adflux.web import charts
from adflux.web.profiles import age_proxy_warning, number, traits

TEMPLATES = Path(__file__).parents[3] / "src" / "adflux" / "web" / "templates" / "web"
SOURCES = Path(__file__).parents[3] / "src" / "adflux" / "web"


def test_scatter_reads_each_projection_shape_and_fits_the_viewbox():
    shapes = [
        {"x": [0, 10, 5], "y": [0, 4, 8], "labels": [0, 1, 1]},
        {"points": [[0, 0, 0], [10, 4, 1], [5, 8, 1]]},
        {
            "points": [
                {"x": 0, "y": 0, "cluster": 0},
                {"x": 10, "y": 4, "segment": 1},
                {"x": 5, "y": 8, "label": 1},
            ]
        },
    ]
    for projection in shapes:
        chart = charts.scatter(projection, {0: "A", 1: "B"}, width=200, height=100, pad=10)
        assert chart is not None
        assert [(d.x, d.y) for d in chart.dots] == [(10.0, 90.0), (190.0, 50.0), (100.0, 10.0)]
        assert [(e.label, e.count) for e in chart.legend] == [("A", 1), ("B", 2)]
        assert chart.dots[0].colour != chart.dots[1].colour
    assert charts.scatter(None, {}) is None
    assert charts.scatter({"unknown": []}, {}) is None


def test_scatter_thins_large_projections_but_counts_every_point():
    n = charts.MAX_DOTS * 3 + 1
    chart = charts.scatter({"x": list(range(n)), "y": list(range(n)), "labels": [0] * n}, {})
    assert chart is not None
    assert len(chart.dots) <= charts.MAX_DOTS
    assert chart.legend[0].count == n


def test_metric_lines_from_either_table_shape():
    as_mapping = {"per_k": {"3": {"silhouette": 0.3}, "2": {"silhouette": 0.5, "inertia": 9}}}
    as_rows = {"per_k": [{"k": 2, "silhouette": 0.5}, {"k": 3, "silhouette": 0.3}]}
    assert charts.per_k(as_mapping, "silhouette") == [(2, 0.5), (3, 0.3)]
    assert charts.per_k(as_rows, "silhouette") == [(2, 0.5), (3, 0.3)]
    assert charts.per_k(as_mapping, "inertia") == [(2, 9.0)]
    assert charts.per_k({}, "silhouette") == []
    line = charts.line_chart([(2, 0.5), (3, 0.3), (4, 0.4)], chosen_k=2, width=300, height=200)
    assert line is not None
    chosen = [m for m in line.markers if m[4]]
    assert [m[2] for m in chosen] == [2]
    assert line.markers[0][1] < line.markers[1][1]  # higher value drawn higher up
    assert [t.label for t in line.x_ticks] == ["2", "3", "4"]
    assert charts.line_chart([], chosen_k=None) is None


def test_profile_readers_accept_both_trait_shapes():
    profile = {
        "top_cities": [{"value": "Cali", "share": 0.5}, "Pasto", None, {"name": "Neiva"}],
        "age": {"median": 31},
        "age_proxy": {"warning": True},
    }
    assert [(t.value, t.share) for t in traits(profile, "top_cities", limit=5)] == [
        ("Cali", 0.5),
        ("Pasto", None),
        ("Neiva", None),
    ]
    assert number(profile, "median_age", "age.median") == 31.0
    assert number(profile, "missing") is None
    assert age_proxy_warning(profile) is True
    assert age_proxy_warning({"age_proxy": {"warning": "yes"}}) is False
    assert age_proxy_warning(None) is False


def test_daily_chart_draws_every_day_from_zero_with_rounded_axes():
    from datetime import date

    chart = charts.daily_chart([(date(2026, 11, 23), 180_000, 4), (date(2026, 11, 25), 120_000, 0)])
    assert chart is not None
    # The day between the two rows is drawn (an empty bar), not skipped.
    assert [bar.day for bar in chart.bars] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    empty = chart.bars[1]
    assert (empty.height, empty.spend_cop, empty.applications) == (0.0, 0, 0)
    # Axes start at zero and end at a round figure: 180.000 -> 200.000; 4 -> 5.
    # In Spanish (the default outside a request) by CLDR's short form: 100 k.
    assert [tick.label for tick in chart.spend_ticks] == ["0", "100\xa0k", "200\xa0k"]
    assert [tick.label for tick in chart.application_ticks] == ["0", "5"]  # no half person
    tallest = chart.bars[0]
    assert tallest.height == pytest.approx((chart.height - chart.bottom - 12) * 0.9, abs=0.2)
    # Everything inside the viewBox.
    for bar in chart.bars:
        assert chart.left <= bar.x and bar.x + bar.width <= chart.width - chart.right
        assert 0 <= bar.point_y <= chart.height - chart.bottom
    assert charts.daily_chart([]) is None
