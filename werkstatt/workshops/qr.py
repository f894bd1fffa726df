"""The join QR code as SVG (segno): crisp on a projector, no external service, no image library."""

from __future__ import annotations

import io
from functools import lru_cache

import segno


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
