"""The join QR code as SVG (segno): crisp on a projector, no external service, no image library."""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from markupsafe import Markup


@lru_cache(maxsize=256)
def qr_svg(url: str) -> bytes:
    """A standalone, scalable SVG of `url`: dark modules on white with the standard quiet zone."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer,
        kind="svg",
        scale=8,
        border=4,
        dark="#1b1f24",
        light="#ffffff",
        omitsize=True,
        title="QR-Code zum Beitreten",
        svgclass=None,
        lineclass=None,
    )
    return buffer.getvalue()


def qr_markup(url: str) -> Markup:
    """The same QR code as inline SVG for printed pages (run sheet, poster): no XML declaration, no request."""
    text = qr_svg(url).decode()
    svg = text[text.index("<svg") :]
    return Markup(svg)  # noqa: S704 - segno's own SVG of our join URL (escaped by segno), not user markup
