"""The segment picture: a labelled PCA scatter plot as PNG bytes (matplotlib Agg, no display).

Uses a bare ``Figure`` with an Agg canvas instead of pyplot: no global backend switch, no figure
registry to leak in a long-running worker, safe from several threads.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

POINT_SIZE = 6
DPI = 120


def render_projection_png(
    projection: Mapping[str, Any],
    names: Mapping[int, str] | Mapping[str, str],
    *,
    title: str = "Segmentos de candidatos (PCA)",
) -> bytes:
    """PNG of ``projection`` (the dict stored with a run) with a legend of segment names."""
    x = np.asarray(projection["x"], dtype=float)
    y = np.asarray(projection["y"], dtype=float)
    labels = np.asarray(projection["labels"], dtype=int)
    ratio: Sequence[float] = projection.get("explained_variance_ratio", (0.0, 0.0))
    by_index = {int(index): name for index, name in names.items()}  # JSON made keys strings
    figure = Figure(figsize=(10, 6.5), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    segments = sorted(set(labels.tolist()) | set(by_index))
    colours = _colours(len(segments))
    for colour, segment in zip(colours, segments, strict=True):
        mask = labels == segment
        label = f"{segment}: {by_index.get(segment, f'segmento {segment}')}"
        axes.scatter(x[mask], y[mask], s=POINT_SIZE, color=colour, alpha=0.6, label=label)
    axes.set_title(f"{title}: muestra de {len(x)} candidatos")
    axes.set_xlabel(f"componente 1 ({ratio[0]:.0%} de la varianza)")
    axes.set_ylabel(f"componente 2 ({ratio[1]:.0%} de la varianza)")
    if segments:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, markerscale=2.5)
    else:
        axes.text(0.5, 0.5, "sin datos", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _colours(count: int) -> list[Any]:
    cmap = colormaps["tab10" if count <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(count)]


def write_projection_png(
    projection: Mapping[str, Any],
    names: Mapping[int, str] | Mapping[str, str],
    path: Path,
    **options: Any,
) -> Path:
    """Write the picture to ``path`` and return it."""
    path.write_bytes(render_projection_png(projection, names, **options))
    return path
