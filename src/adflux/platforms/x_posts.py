"""What an X promoted-only post shows for an AdFlux creative: its text, its card title, and a
digest of the whole copy that names a replacement post."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from adflux.platforms.base import Creative

NAME_LIMIT = 80  # post and card names; campaign and line item names allow 255


def copy_digest(creative: Creative) -> str:
    """A short digest of everything an X post shows (text, link, card title, image)."""
    digest = hashlib.sha256()
    for part in (post_text(creative), creative.link_url, card_title(creative)):
        digest.update(part.encode() + b"\0")
    digest.update(creative.image_png or b"")
    return digest.hexdigest()[:12]


def shows_copy(post: Mapping[str, Any], creative: Creative, name: str) -> bool:
    """Whether a held post already shows `creative`: it is the post made for this copy, or it
    has the very text and no card while the copy has no image."""
    if post.get("name") == name:
        return True
    return (
        post.get("full_text") == post_text(creative)
        and not post.get("card_uri")
        and not creative.image_png
    )


def post_text(creative: Creative) -> str:
    """The promoted-only post: its text carries the link (X counts any URL as 23 characters).

    campaigns/creatives.py already fits the link into the text for X; a text without it gets it
    appended.
    """
    if creative.link_url in creative.primary_text:
        return creative.primary_text
    return f"{creative.primary_text} {creative.link_url}"


def card_title(creative: Creative) -> str:
    """The website card's title: the creative's card headline (campaigns/creatives.py fits it to
    X's 70 characters), else its first."""
    return creative.headlines[1] if len(creative.headlines) > 1 else creative.headlines[0]
