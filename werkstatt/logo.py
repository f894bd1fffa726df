"""The operator's or town's logo (PNG or JPEG): on the join poster and at the top of the PDF and DOCX protocol.

Taken from LOGO_FILE, else DATA_DIR/content/logo.png (or logo.jpg); nothing when neither is there. Only a file
whose first bytes say PNG or JPEG and that is at most MAX_BYTES large is used."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get
from litestar.di import NamedDependency

from werkstatt.errors import NotFound
from werkstatt.i18n import _
from werkstatt.settings import Settings

MAX_BYTES = 2 * 1024 * 1024
KINDS = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_path(settings: Settings) -> Path | None:
    for candidate in (
        settings.logo_file,
        settings.data_dir / "content" / "logo.png",
        settings.data_dir / "content" / "logo.jpg",
    ):
        if candidate is not None and candidate.is_file() and candidate.stat().st_size <= MAX_BYTES:
            return candidate
    return None


def logo(settings: Settings) -> tuple[bytes, str] | None:
    """The logo's bytes and media type, or None (no file, too large, or not PNG/JPEG)."""
    path = logo_path(settings)
    if path is None:
        return None
    data = path.read_bytes()
    for magic, media_type in KINDS.items():
        if data.startswith(magic):
            return data, media_type
    return None


@get("/logo", name="logo", include_in_schema=False)
async def logo_image(settings: NamedDependency[Settings]) -> Response[bytes]:
    found = logo(settings)
    if found is None:
        raise NotFound(_("Es ist kein Logo eingerichtet."))
    data, media_type = found
    return Response(data, media_type=media_type, headers={"cache-control": "public, max-age=3600"})
