"""Chart geometry for inline SVG drawn by the templates: no JavaScript, no image files.

Pure functions from stored figures (a segmentation run's projection and metrics per k, a
campaign's daily results) to coordinates in a fixed viewBox; the templates only place shapes and
labels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adflux.i18n import formats
from adflux.i18n.http import request_language

# Okabe-Ito plus three: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#000000",
    # After the first six, which a typical segmentation uses: sky blue beside blue and yellow on
    # white are the hardest to tell apart.
    "#56B4E9",
    "#8C564B",
    "#7F7F7F",
    "#F0E442",
)
MAX_DOTS = 2500


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    colour: str


@dataclass(frozen=True)
class LegendEntry:
    series: int
    label: str
    colour: str
    count: int


@dataclass(frozen=True)
class Scatter:
    width: int
    height: int
    dots: list[Dot]
    legend: list[LegendEntry]


def projection_points(projection: Mapping[str, Any] | None) -> list[tuple[float, float, int]]:
    """(x, y, cluster) triples from the shapes a projection may be stored in:
    ``{"points": [{"x", "y", "cluster"|"segment"|"label"}]}``, ``{"points": [[x, y, c]]}`` or
    parallel lists ``{"x": [...], "y": [...], "labels"|"clusters": [...]}``."""
    if not projection:
        return []
    points = projection.get("points")
    if isinstance(points, list):
        out = []
        for p in points:
            if isinstance(p, Mapping):
                label = next((p[k] for k in ("cluster", "segment", "label") if k in p), 0)
                out.append((float(p["x"]), float(p["y"]), int(label)))
            elif isinstance(p, Sequence) and len(p) >= 2:
                out.append((float(p[0]), float(p[1]), int(p[2]) if len(p) > 2 else 0))
        return out
    xs, ys = projection.get("x"), projection.get("y")
    if isinstance(xs, list) and isinstance(ys, list):
        labels = next(
            (projection[k] for k in ("labels", "clusters", "segments") if k in projection),
            [0] * len(xs),
        )
        return [(float(x), float(y), int(c)) for x, y, c in zip(xs, ys, labels, strict=False)]
    return []


def scatter(
    projection: Mapping[str, Any] | None,
    names: Mapping[int, str],
    *,
    width: int = 640,
    height: int = 420,
    pad: int = 16,
) -> Scatter | None:
    """Dots scaled into the viewBox, one colour per cluster, at most MAX_DOTS (evenly thinned)."""
    points = projection_points(projection)
    if not points:
        return None
    step = max(1, -(-len(points) // MAX_DOTS))
    shown = points[::step]
    xs = [p[0] for p in shown]
    ys = [p[1] for p in shown]
    sx = _scale(min(xs), max(xs), pad, width - pad)
    # SVG's y grows downwards; flip so the picture reads like a plot.
    sy = _scale(min(ys), max(ys), height - pad, pad)
    dots = [Dot(round(sx(x), 1), round(sy(y), 1), colour(c)) for x, y, c in shown]
    counts: dict[int, int] = {}
    for _x, _y, c in points:
        counts[c] = counts.get(c, 0) + 1
    legend = [LegendEntry(c, names.get(c, f"#{c}"), colour(c), counts[c]) for c in sorted(counts)]
    return Scatter(width, height, dots, legend)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    polyline: str
    markers: list[tuple[float, float, int, str, bool]]  # x, y, k, value label, chosen
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: int
    bottom: int


def per_k(metrics: Mapping[str, Any] | None, name: str) -> list[tuple[int, float]]:
    """(k, value) for metric `name` from ``metrics["per_k"]`` stored as a mapping k -> metrics
    or a list of rows with a ``k``."""
    if not metrics:
        return []
    table = next(
        (metrics[key] for key in ("per_k", "by_k", "k_scores", "candidates") if key in metrics),
        None,
    )
    rows: Iterable[tuple[Any, Any]]
    if isinstance(table, Mapping):
        rows = table.items()
    elif isinstance(table, list):
        rows = ((row.get("k"), row) for row in table if isinstance(row, Mapping))
    else:
        return []
    out = []
    for k, row in rows:
        value = row.get(name) if isinstance(row, Mapping) else None
        if k is not None and isinstance(value, int | float):
            out.append((int(k), float(value)))
    return sorted(out)


def line_chart(
    series: Sequence[tuple[int, float]],
    *,
    chosen_k: int | None,
    width: int = 360,
    height: int = 220,
    left: int = 56,
    bottom: int = 28,
) -> LineChart | None:
    if not series:
        return None
    ks = [k for k, _ in series]
    values = [v for _, v in series]
    top, right = 12, 12
    sx = _scale(min(ks), max(ks), left, width - right)
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1
    sy = _scale(low, high, height - bottom, top)
    markers = [(round(sx(k), 1), round(sy(v), 1), k, _short(v), k == chosen_k) for k, v in series]
    polyline = " ".join(f"{x},{y}" for x, y, *_ in markers)
    y_ticks = [Tick(round(sy(v), 1), _short(v)) for v in (low, (low + high) / 2, high)]
    x_ticks = [Tick(round(sx(k), 1), str(k)) for k in ks]
    return LineChart(width, height, polyline, markers, x_ticks, y_ticks, left, bottom)


def _scale(lo: float, hi: float, out_lo: float, out_hi: float):  # type: ignore[no-untyped-def]
    span = hi - lo
    if span == 0:
        middle = (out_lo + out_hi) / 2
        return lambda _v: middle
    return lambda v: out_lo + (v - lo) / span * (out_hi - out_lo)


def _short(value: float) -> str:
    """Compact numbers for axis labels, in the reader's formats: 0,412 · 12,3 k · 4,1 M."""
    return formats.compact(value, request_language())


@dataclass(frozen=True)
class DayBar:
    """One day of a campaign: its spend as a bar, its applications as a point of the line."""

    x: float
    y: float
    width: float
    height: float
    point_y: float
    day: str
    spend_cop: int
    applications: int


@dataclass(frozen=True)
class DailyChart:
    """Spend per day as bars (left axis, COP) and applications per day as a line (right axis):
    a recruiter sees at a glance whether the money bought applicants, and on which days."""

    width: int
    height: int
    left: int
    right: int
    bottom: int
    bars: list[DayBar]
    polyline: str
    spend_ticks: list[Tick]
    application_ticks: list[Tick]
    day_ticks: list[Tick]


def daily_chart(
    days: Sequence[tuple[date, int, int]],
    *,
    width: int = 720,
    height: int = 240,
    left: int = 64,
    right: int = 44,
    bottom: int = 28,
    top: int = 12,
) -> DailyChart | None:
    """Geometry for (day, spend_cop, applications) rows, one per day in order; None when empty.

    Both axes start at zero (a bar's height is its amount) and end at a rounded maximum, so the
    two scales read without arithmetic; days without a row are drawn empty, not skipped.
    """
    if not days:
        return None
    by_day = {day: (spend, applications) for day, spend, applications in days}
    first, last = min(by_day), max(by_day)
    span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    spend_top = _nice_ceiling(max(spend for spend, _ in by_day.values()))
    applications_top = _nice_ceiling(max(count for _, count in by_day.values()))
    plot_width = width - left - right
    slot = plot_width / len(span)
    base = height - bottom

    def spend_y(value: float) -> float:
        return round(base - value / spend_top * (base - top), 1)

    def applications_y(value: float) -> float:
        return round(base - value / applications_top * (base - top), 1)

    bars = []
    for index, day in enumerate(span):
        spend, applications = by_day.get(day, (0, 0))
        x = left + index * slot
        bars.append(
            DayBar(
                x=round(x + slot * 0.15, 1),
                y=spend_y(spend),
                width=round(slot * 0.7, 1),
                height=round(base - spend_y(spend), 1),
                point_y=applications_y(applications),
                day=day.isoformat(),
                spend_cop=spend,
                applications=applications,
            )
        )
    polyline = " ".join(f"{round(b.x + b.width / 2, 1)},{b.point_y}" for b in bars)
    every = max(1, len(span) // 8)  # at most about eight day labels, whatever the span
    day_ticks = [
        Tick(round(b.x + b.width / 2, 1), day.strftime("%d/%m"))
        for b, day in list(zip(bars, span, strict=True))[::every]
    ]
    thirds = (0.0, 0.5, 1.0)
    return DailyChart(
        width=width,
        height=height,
        left=left,
        right=right,
        bottom=bottom,
        bars=bars,
        polyline=polyline,
        spend_ticks=[Tick(spend_y(spend_top * f), _short(spend_top * f)) for f in thirds],
        # Applications are whole people: no tick at a half.
        application_ticks=[
            Tick(applications_y(applications_top * f), _short(applications_top * f))
            for f in thirds
            if (applications_top * f).is_integer()
        ],
        day_ticks=day_ticks,
    )


def _nice_ceiling(value: float) -> float:
    """The next 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (1 for nothing), for an axis's top."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)
