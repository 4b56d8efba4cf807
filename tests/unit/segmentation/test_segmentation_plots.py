"""The PNG picture of a run's projection."""

from __future__ import annotations

import sys
from pathlib import Path

from adflux.segmentation.plots import render_projection_png, write_projection_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_png_with_a_legend_of_names(trained, tmp_path: Path) -> None:
    names = {i: f"Segmento de prueba {i} · Bogotá" for i in range(trained.k)}
    data = render_projection_png(trained.projection.as_dict(), names)
    assert data.startswith(PNG_SIGNATURE) and len(data) > 20_000
    path = write_projection_png(trained.projection.as_dict(), names, tmp_path / "s.png")
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_rendering_does_not_use_pyplot_or_a_display() -> None:
    projection = {"x": [0.0, 1.0], "y": [1.0, 0.0], "labels": [0, 1]}
    png = render_projection_png(projection, {0: "a", 1: "b"})
    assert png.startswith(PNG_SIGNATURE)
    # Names read back from JSON have string keys: same legend, same picture.
    assert render_projection_png(projection, {"0": "a", "1": "b"}) == png
    assert render_projection_png(projection, {}) != png
    assert "matplotlib.pyplot" not in sys.modules


def test_empty_projection_still_renders() -> None:
    data = render_projection_png({"x": [], "y": [], "labels": []}, {})
    assert data.startswith(PNG_SIGNATURE)
