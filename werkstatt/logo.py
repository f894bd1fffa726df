"""The operator's or town's logo (PNG or JPEG): on the join poster and at the top of the PDF and DOCX protocol.

A town's logo is uploaded by an admin on the town's admin page and stored as DATA_DIR/logos/<town id>.png (or
.jpg); a workshop of that town prints it. Otherwise the operator's logo: LOGO_FILE, else DATA_DIR/content/logo.png
(or logo.jpg); nothing when neither is there. Only a file whose first bytes say PNG or JPEG and that is at most
MAX_BYTES large is used. Uploads are stricter (check_upload): PNG or JPEG only (no SVG: it can carry scripts),
at most MAX_UPLOAD bytes, and an image Pillow reads with sensible dimensions."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.params import FromPath
from PIL import Image

from werkstatt.errors import Invalid, NotFound
from werkstatt.i18n import Message, _

if TYPE_CHECKING:
    from werkstatt.settings import Settings

MAX_BYTES = 2 * 1024 * 1024
MAX_UPLOAD = 1024 * 1024
MIN_SIDE = 16
MAX_SIDE = 4000
KINDS = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
SUFFIX = {"PNG": ".png", "JPEG": ".jpg"}


def logo_path(settings: Settings) -> Path | None:
    for candidate in (
        settings.logo_file,
        settings.data_dir / "content" / "logo.png",
        settings.data_dir / "content" / "logo.jpg",
    ):
        if candidate is not None and candidate.is_file() and candidate.stat().st_size <= MAX_BYTES:
            return candidate
    return None


def _logos(settings: Settings) -> Path:
    return settings.data_dir / "logos"


def town_logo_path(settings: Settings, town_id: UUID) -> Path | None:
    """The town's uploaded logo, if any (the file name is the town's id: nothing from the upload names it)."""
    for suffix in SUFFIX.values():
        candidate = _logos(settings) / f"{town_id}{suffix}"
        if candidate.is_file() and candidate.stat().st_size <= MAX_BYTES:
            return candidate
    return None


def _read(path: Path | None) -> tuple[bytes, str] | None:
    if path is None:
        return None
    data = path.read_bytes()
    for magic, media_type in KINDS.items():
        if data.startswith(magic):
            return data, media_type
    return None


def logo(settings: Settings, town_id: UUID | None = None) -> tuple[bytes, str] | None:
    """The logo's bytes and media type: the town's when it has one, else the operator's; or None (no file, too
    large, or not PNG/JPEG)."""
    if town_id is not None and (found := _read(town_logo_path(settings, town_id))) is not None:
        return found
    return _read(logo_path(settings))


def logo_url(settings: Settings, town_id: UUID | None = None) -> str | None:
    """Where a page loads the logo `logo()` picks (with the file's time, so a replaced logo is not cached)."""
    if town_id is not None and (path := town_logo_path(settings, town_id)) is not None:
        return f"/logo/{town_id}?v={path.stat().st_mtime_ns}"
    return "/logo" if logo(settings) else None


def check_upload(data: bytes) -> str:
    """The file suffix for an uploaded logo, or Invalid with a German message (field `logo`)."""

    def refuse(message: Message) -> Invalid:
        return Invalid(_("Das Logo wurde nicht gespeichert."), {"logo": message})

    if not data:
        raise refuse(_("Bitte eine Bilddatei auswählen (PNG oder JPEG)."))
    if len(data) > MAX_UPLOAD:
        raise refuse(_("Die Datei ist zu groß: höchstens 1 MB."))
    if not any(data.startswith(magic) for magic in KINDS):
        raise refuse(_("Nur PNG- oder JPEG-Bilder sind erlaubt (kein SVG, kein PDF)."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
                image.verify()
    except Exception:  # Pillow raises many kinds for a broken file; each means the same to the admin
        raise refuse(_("Die Bilddatei ist beschädigt oder kein gültiges PNG/JPEG.")) from None
    if kind not in SUFFIX:
        raise refuse(_("Nur PNG- oder JPEG-Bilder sind erlaubt (kein SVG, kein PDF)."))
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        raise refuse(
            _("Das Bild ist %(w)d × %(h)d Pixel groß; erlaubt sind %(min)d bis %(max)d Pixel je Seite.")
            % {"w": width, "h": height, "min": MIN_SIDE, "max": MAX_SIDE}
        )
    return SUFFIX[kind]


def save_town_logo(settings: Settings, town_id: UUID, data: bytes) -> Path:
    """Checks and stores the town's logo (replacing an earlier one); written to a temporary file first and
    renamed, so a reader never sees half a logo."""
    suffix = check_upload(data)
    folder = _logos(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{town_id}{suffix}"
    partial = folder / f".{town_id}{suffix}.part"
    partial.write_bytes(data)
    os.replace(partial, target)
    for other in SUFFIX.values():
        if other != suffix:
            (folder / f"{town_id}{other}").unlink(missing_ok=True)
    return target


def remove_town_logo(settings: Settings, town_id: UUID) -> bool:
    """Removes the town's logo; False when it had none."""
    removed = False
    for suffix in SUFFIX.values():
        path = _logos(settings) / f"{town_id}{suffix}"
        if path.is_file():
            path.unlink()
            removed = True
    return removed


def _image(found: tuple[bytes, str] | None, cache: str) -> Response[bytes]:
    if found is None:
        raise NotFound(_("Es ist kein Logo eingerichtet."))
    data, media_type = found
    return Response(
        data,
        media_type=media_type,
        headers={"cache-control": cache, "content-security-policy": "default-src 'none'"},
    )


@get("/logo", name="logo", include_in_schema=False)
async def logo_image(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _image(logo(request.app.state.settings), "public, max-age=3600")


@get("/logo/{town_id:uuid}", name="town_logo", include_in_schema=False)
async def town_logo_image(request: Request[Any, Any, Any], town_id: FromPath[UUID]) -> Response[bytes]:
    """A town's logo (public like the posters it is printed on); the operator's when the town has none."""
    return _image(logo(request.app.state.settings, town_id), "public, max-age=300")
