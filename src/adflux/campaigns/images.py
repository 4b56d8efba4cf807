"""The ad image of a job opening: a PNG drawn with Pillow, in the sizes the platforms ask for.

Sizes: 1200×628 (1.91:1, Meta link ads and X website cards), 1080×1080 (1:1, TikTok image
ads) and 1080×1920 (9:16, Snapchat's full-screen Top Snap); see `PLATFORM_IMAGE_SIZE`. The
image shows the brand, the job title, the place and the salary on the brand colour, with a call
to action. Text is set in DejaVu Sans, the font matplotlib (a dependency) ships with its
licence, so every machine renders the same pixels and
Spanish accents and "ñ" always have glyphs. A long title is wrapped and made smaller, then cut at
a word with "…": nothing is ever drawn outside its box.

The same job and size give the same bytes (no timestamps or random data in the PNG), so a
retried publication uploads the very image it uploaded before.
"""

from __future__ import annotations

import functools
import io
import math
import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from adflux.campaigns.text_fit import ELLIPSIS, fit_words

LANDSCAPE = (1200, 628)
SQUARE = (1080, 1080)
PORTRAIT = (1080, 1920)
# The image each platform's ad shows; a platform not listed shows none (Google's responsive
# search ads are text only).
PLATFORM_IMAGE_SIZE: dict[str, tuple[int, int]] = {
    "meta": LANDSCAPE,  # link ad, 1.91:1 (Meta's recommendation for link ads)
    "x": LANDSCAPE,  # website card, 1.91:1 (X: at least 800×418)
    "tiktok": SQUARE,  # SINGLE_IMAGE ad, 1:1
    "snapchat": PORTRAIT,  # the Top Snap: full screen, 9:16, 1080×1920
}

BRAND_COLOUR = "#3451b2"  # the dashboard's --brand
BRAND_DARK = "#22357a"
INK_ON_BRAND = "#ffffff"
SOFT_ON_BRAND = "#e8edfb"
ACCENT = "#ffd166"
ACCENT_INK = "#1c2433"
CALL_TO_ACTION = "Postúlate ya"

_FONT_DIR = "mpl-data/fonts/ttf"
REGULAR_FONT = "DejaVuSans.ttf"
BOLD_FONT = "DejaVuSans-Bold.ttf"


def font_path(name: str) -> Path:
    """Path of one of matplotlib's bundled DejaVu fonts (read without importing matplotlib)."""
    return Path(str(resources.files("matplotlib").joinpath(f"{_FONT_DIR}/{name}")))


@functools.lru_cache(maxsize=1)
def can_draw() -> tuple[bool, str]:
    """Whether ad images can be drawn here (Pillow with FreeType, the fonts), and why not."""
    if not features.check("freetype2"):
        return False, "Pillow was built without FreeType"
    missing = [name for name in (REGULAR_FONT, BOLD_FONT) if not font_path(name).is_file()]
    if missing:
        return False, f"font {', '.join(missing)} not found in matplotlib's package data"
    return True, "DejaVu Sans"


@functools.lru_cache(maxsize=64)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    # Basic layout: the same glyph positions whether or not libraqm is installed.
    return ImageFont.truetype(str(font_path(name)), size, layout_engine=ImageFont.Layout.BASIC)


def _measure(name: str, size: int):
    font = _font(name, size)
    return lambda text: math.ceil(font.getlength(text))


# --------------------------------------------------------------------------- fitting text


@dataclass(frozen=True)
class TextBlock:
    """Lines of one font and size, each at most `width` pixels wide."""

    lines: tuple[str, ...]
    font: str
    size: int
    width: int

    @property
    def line_height(self) -> int:
        return round(self.size * 1.18)

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def _split_long_word(word: str, width: int, measure) -> list[str]:
    """A word wider than the box (a code, a URL) broken between characters."""
    pieces, current = [], ""
    for ch in word:
        if current and measure(current + ch) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return [*pieces, current] if current else pieces


def wrap(text: str, width: int, measure) -> list[str]:
    """Greedy word wrap to `width` pixels; a word wider than a line is split."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):  # only plain spaces: a no-break space keeps "$ 19.800.000"
        if not word:
            continue
        pieces = [word] if measure(word) <= width else _split_long_word(word, width, measure)
        for piece in pieces:
            candidate = f"{current} {piece}" if current else piece
            if measure(candidate) <= width:
                current = candidate
            else:
                if current:
                    lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def fit_block(text: str, *, font: str, sizes: range, width: int, max_lines: int) -> TextBlock:
    """The largest size at which `text` wraps into `max_lines`; at the smallest size, the text
    cut at a word with "…" so it still fits."""
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()  # keeps no-break spaces
    # Binary search over the (descending) sizes: the smaller the font, the fewer the lines.
    low, high, best = 0, len(sizes) - 1, None
    while low <= high:
        middle = (low + high) // 2
        lines = wrap(text, width, _measure(font, sizes[middle]))
        if len(lines) <= max_lines:
            best, high = TextBlock(tuple(lines), font, sizes[middle], width), middle - 1
        else:
            low = middle + 1
    if best is not None:
        return best
    size = sizes[-1]
    measure = _measure(font, size)
    lines = wrap(text, width, measure)
    kept = lines[: max_lines - 1]
    rest = " ".join(lines[max_lines - 1 :])
    last = fit_words(rest, width, measure)
    if last is None:  # not even one word of the rest fits with the ellipsis
        last = _split_long_word(rest, width - measure(ELLIPSIS), measure)[0] + ELLIPSIS
    return TextBlock((*kept, last), font, size, width)


# --------------------------------------------------------------------------- the image


@dataclass(frozen=True)
class AdImageText:
    """What the image says; plain strings, already cleaned by the creative builder."""

    title: str
    place: str
    salary: str
    brand: str
    company: str = ""


@dataclass(frozen=True)
class _Layout:
    width: int
    height: int
    unit: float
    brand: TextBlock
    company: TextBlock | None
    title: TextBlock
    place: TextBlock
    salary: TextBlock
    cta: TextBlock

    @property
    def margin(self) -> int:
        return round(7 * self.unit)

    @property
    def pad(self) -> int:
        return round(2 * self.unit)

    @property
    def gap(self) -> int:
        return round(2.5 * self.unit)

    @property
    def header_bottom(self) -> int:
        bottom = round(0.75 * self.margin) + self.brand.height
        if self.company is not None:
            bottom += round(0.5 * self.unit) + self.company.height
        return bottom

    @property
    def footer_top(self) -> int:
        return (
            self.height - self.margin - self.cta.line_height - 2 * self.pad + round(2 * self.unit)
        )

    @property
    def body_height(self) -> int:
        pill = self.salary.height + 2 * self.pad
        return self.title.height + self.gap + self.place.height + self.gap + pill

    @property
    def body_room(self) -> int:
        """The height between header and footer, less a gap on each side."""
        return self.footer_top - self.header_bottom - 2 * self.gap


def _one_line_if_possible(text: str, *, font: str, sizes: range, width: int) -> TextBlock:
    single = fit_block(text, font=font, sizes=sizes, width=width, max_lines=1)
    if single.lines[0] == " ".join(text.split(" ")).strip():
        return single
    return fit_block(text, font=font, sizes=sizes, width=width, max_lines=2)


def _layout(text: AdImageText, size: tuple[int, int]) -> _Layout:
    width, height = size
    unit = min(width, height) / 100  # 6.28 px on 1200×628, 10.8 px on 1080×1080
    inner = width - 2 * round(7 * unit)
    pad = round(2 * unit)
    square = height >= width

    def scaled(high: float, low: float) -> range:
        return range(round(high * unit), round(low * unit) - 1, -1)

    brand = fit_block(text.brand, font=BOLD_FONT, sizes=scaled(5, 4), width=inner, max_lines=1)
    company = (
        fit_block(text.company, font=REGULAR_FONT, sizes=scaled(4.2, 3.4), width=inner, max_lines=1)
        if text.company
        else None
    )
    cta = fit_block(
        CALL_TO_ACTION, font=BOLD_FONT, sizes=scaled(4.6, 3.6), width=inner // 2, max_lines=1
    )
    # The salary is never cut: on one line if it fits at all, else two ("$ 12.000.000 a" /
    # "$ 15.000.000").
    salary = _one_line_if_possible(
        text.salary, font=BOLD_FONT, sizes=scaled(5.6, 3.6), width=inner - 2 * pad
    )
    place = fit_block(text.place, font=REGULAR_FONT, sizes=scaled(5, 3.8), width=inner, max_lines=1)
    # The title takes the room left: the largest size whose lines fit across and down.
    sizes, max_lines = scaled(9 if square else 8, 5), 4 if square else 3
    while True:
        title = fit_block(text.title, font=BOLD_FONT, sizes=sizes, width=inner, max_lines=max_lines)
        layout = _Layout(width, height, unit, brand, company, title, place, salary, cta)
        if layout.body_height <= layout.body_room:
            return layout
        if title.size > sizes[-1]:
            sizes = range(title.size - 1, sizes[-1] - 1, -1)
        elif max_lines > 1:
            max_lines -= 1
        else:
            return layout  # not reached at these sizes: one title line always fits


def _draw_block(draw: ImageDraw.ImageDraw, block: TextBlock, x: int, y: int, fill: str) -> int:
    font = _font(block.font, block.size)
    for line in block.lines:
        draw.text((x, y), line, font=font, fill=fill)
        y += block.line_height
    return y


def _block_width(block: TextBlock) -> int:
    measure = _measure(block.font, block.size)
    return max(measure(line) for line in block.lines)


def _render(layout: _Layout) -> Image.Image:
    w, h, m, pad, gap = layout.width, layout.height, layout.margin, layout.pad, layout.gap
    image = Image.new("RGB", (w, h), BRAND_COLOUR)
    draw = ImageDraw.Draw(image)
    # Footer band: the call to action, right-aligned, on a darker strip.
    cta, footer_top = layout.cta, layout.footer_top
    draw.rectangle((0, footer_top, w, h), fill=BRAND_DARK)
    cta_w = _block_width(cta) + 2 * pad
    cta_y = footer_top + (h - footer_top - cta.line_height - 2 * pad) // 2
    draw.rounded_rectangle(
        (w - m - cta_w, cta_y, w - m, cta_y + cta.line_height + 2 * pad), radius=pad, fill=ACCENT
    )
    _draw_block(draw, cta, w - m - cta_w + pad, cta_y + pad, ACCENT_INK)

    # Header: the brand and the employer.
    y = _draw_block(draw, layout.brand, m, round(0.75 * m), ACCENT)
    if layout.company is not None:
        _draw_block(draw, layout.company, m, y + round(0.5 * layout.unit), SOFT_ON_BRAND)

    # Body, centred between header and footer: title, place, then the salary in a white pill.
    y = layout.header_bottom + gap + max(0, (layout.body_room - layout.body_height) // 2)
    y = _draw_block(draw, layout.title, m, y, INK_ON_BRAND)
    y = _draw_block(draw, layout.place, m, y + gap, SOFT_ON_BRAND) + gap
    salary = layout.salary
    pill_h = salary.height + 2 * pad
    draw.rounded_rectangle(
        (m, y, m + _block_width(salary) + 2 * pad, y + pill_h), radius=pad, fill=INK_ON_BRAND
    )
    _draw_block(draw, salary, m + pad, y + pad, BRAND_DARK)
    return image


# The cached fonts are FreeType faces, which must not be used by two threads at once (a worker
# publishes from several threads): measuring and drawing take turns.
_FONTS_IN_USE = threading.Lock()


@functools.lru_cache(maxsize=128)
def render_ad_image(text: AdImageText, size: tuple[int, int]) -> bytes:
    """The ad image as PNG bytes, `size` = (width, height) in pixels. Deterministic."""
    with _FONTS_IN_USE:
        image = _render(_layout(text, size))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def image_lines(text: AdImageText, size: tuple[int, int]) -> dict[str, tuple[str, ...]]:
    """The lines each text block is drawn as (what a reader of the image sees)."""
    with _FONTS_IN_USE:
        layout = _layout(text, size)
    blocks = {
        "brand": layout.brand,
        "title": layout.title,
        "place": layout.place,
        "salary": layout.salary,
        "cta": layout.cta,
    }
    if layout.company is not None:
        blocks["company"] = layout.company
    return {name: block.lines for name, block in blocks.items()}
