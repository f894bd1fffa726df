"""A town's logo: an admin uploads it on the town's admin page (PNG or JPEG, at most 1 MB, dimensions checked
with Pillow, CSRF as every form), sees a preview, replaces or removes it; the join poster and the DOCX
protocol of the town's workshops print it. Bad files get a German message and change nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import make_settings
from tests.html import parse
from tests.network.conftest import Org, login_as
from werkstatt.logo import town_logo_path
from werkstatt.sessions import account_snapshot
from werkstatt.settings import Settings
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop


@pytest.fixture
def settings(database_url: str, data_dir: Path) -> Settings:
    return make_settings(database_url, data_dir)


def image(kind: str = "PNG", size: tuple[int, int] = (120, 40), color: str = "#1f4e79") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, kind)
    return buffer.getvalue()


async def upload(
    client: AsyncTestClient[Any], url: str, content: bytes, name: str = "logo.png", token: Any = True
) -> Any:
    data = {"_csrf_token": client.cookies["csrftoken"]} if token else {}
    return await client.post(url, data=data, files={"logo": (name, content, "image/png")}, follow_redirects=False)


async def test_admin_uploads_previews_replaces_and_removes_the_town_logo(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    await login_as(client, db, settings, org.accounts["network_admin"])
    town = org.a.towns[0]
    page_url = f"/verwaltung/{org.a.network.id}/staedte/{town.id}"
    before = parse((await client.get(page_url)).text)
    assert before.select_one("#town-logo-none") is not None and before.select_one("#town-logo-preview") is None

    saved = await upload(client, f"{page_url}/logo", image())
    assert saved.status_code == 303 and saved.headers["location"].endswith("?ok=logo")
    page = parse((await client.get(page_url)).text)
    preview = page.select_one("#town-logo-preview")
    assert preview is not None and preview["src"].startswith(f"/logo/{town.id}?v=")
    served = await client.get(preview["src"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.content == image()

    replaced = await upload(client, f"{page_url}/logo", image("JPEG"), "logo.jpg")
    assert replaced.status_code == 303
    assert town_logo_path(settings, town.id) == settings.data_dir / "logos" / f"{town.id}.jpg", "one logo per town"
    assert (await client.get(f"/logo/{town.id}")).headers["content-type"] == "image/jpeg"

    removed = await client.post(
        f"{page_url}/logo/entfernen", data={"_csrf_token": client.cookies["csrftoken"]}, follow_redirects=False
    )
    assert removed.status_code == 303 and town_logo_path(settings, town.id) is None
    assert (await client.get(f"/logo/{town.id}")).status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Bitte eine Bilddatei auswählen (PNG oder JPEG)."),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "Nur PNG- oder JPEG-Bilder sind erlaubt"),
        (b"\x89PNG\r\n\x1a\nkaputt", "beschädigt"),
        (image(size=(8, 8)), "Das Bild ist 8 × 8 Pixel groß; erlaubt sind 16 bis 4000 Pixel je Seite."),
        (image(size=(4100, 20)), "4100 × 20"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), "Die Datei ist zu groß: höchstens 1 MB."),
    ],
)
async def test_a_bad_file_is_refused_in_german_and_changes_nothing(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org, content: bytes, message: str
) -> None:
    await login_as(client, db, settings, org.accounts["admin"])
    town = org.a.towns[0]
    url = f"/verwaltung/{org.a.network.id}/staedte/{town.id}/logo"
    refused = await upload(client, url, content)
    assert refused.status_code == 422
    error = parse(refused.text).select_one("#town-logo-errors")
    assert error is not None and message in error.get_text(), error
    assert town_logo_path(settings, town.id) is None


async def test_only_admins_of_the_town_with_csrf_may_upload(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    town = org.a.towns[0]
    await login_as(client, db, settings, org.accounts["coach"])
    assert (await upload(client, f"/verwaltung/{org.a.network.id}/staedte/{town.id}/logo", image())).status_code == 403
    await login_as(client, db, settings, org.accounts["network_admin"])
    other = f"/verwaltung/{org.b.network.id}/staedte/{org.b.towns[0].id}/logo"
    assert (await upload(client, other, image())).status_code == 404, "another network's town"
    url = f"/verwaltung/{org.a.network.id}/staedte/{town.id}/logo"
    assert (await upload(client, url, image(), token=False)).status_code == 403, "no CSRF token"
    assert town_logo_path(settings, town.id) is None and town_logo_path(settings, org.b.towns[0].id) is None


async def test_the_poster_and_the_protocol_print_the_towns_logo(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    from docx import Document

    town = org.a.towns[0]
    coach = org.accounts["coach"]
    data = WorkshopCreate.model_validate({"town_id": str(town.id), "title": "Abend am Markt"})
    workshop = await create_workshop(db, account_snapshot(coach), data)
    await db.commit()
    await login_as(client, db, settings, org.accounts["network_admin"])
    assert (await upload(client, f"/verwaltung/{org.a.network.id}/staedte/{town.id}/logo", image())).status_code == 303
    await login_as(client, db, settings, coach)
    poster = parse((await client.get(f"/werkstaetten/{workshop.id}/plakat")).text)
    logo = poster.select_one("img[src^='/logo']")
    assert logo is not None and logo["src"].startswith(f"/logo/{town.id}?v=")
    exported = await client.get(f"/api/workshops/{workshop.id}/export?format=docx")
    assert exported.status_code == 200, exported.text
    images = [
        part.blob for part in Document(io.BytesIO(exported.content)).part.package.parts if "image" in part.content_type
    ]
    assert image() in images, "the town's logo heads the protocol"
