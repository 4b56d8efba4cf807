"""What the sandbox learns from an uploaded image file: its real format and pixel size.

Platforms decode what they are sent; so does the sandbox (with Pillow), instead of trusting a
file name or the first bytes. Each platform module applies its own documented limits.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# Pillow's format names -> the names platforms use in their answers.
FORMATS = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "BMP": "bmp", "TIFF": "tiff", "WEBP": "webp"}


@dataclass(frozen=True)
class ImageFile:
    format: str  # "png", "jpeg", ...
    width: int
    height: int
    size: int  # bytes

    @property
    def ratio(self) -> float:
        return self.width / self.height


def inspect_image(content: bytes) -> ImageFile | None:
    """The decoded image's format and size, or None when `content` is not a readable image."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()  # decode it all: a truncated or corrupt file fails here
            name = FORMATS.get(image.format or "")
            if name is None:
                return None
            return ImageFile(name, image.width, image.height, len(content))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None


def has_ratio(image: ImageFile, width: int, height: int, tolerance: float = 0.01) -> bool:
    """True when the image's aspect ratio is width:height within `tolerance` (1 %)."""
    return abs(image.ratio / (width / height) - 1) <= tolerance
