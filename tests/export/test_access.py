"""Who may export (the coach and those who may run the workshop), how (bearer token or session), the German
422 for an unknown format, the rate limit, rendering off the event loop, the result page's links, the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, join, plan
from tests.export.conftest import COLLECT, Scenario
from tests.factories import make_account, make_network
from werkstatt.cli import main
from werkstatt.export import handlers
from werkstatt.export.formats import FORMATS, Format
from werkstatt.network.auth import create_api_token
from werkstatt.network.models import Role
from werkstatt.settings import Settings

ALL = ("pdf", "docx", "xlsx", "csv", "md", "json")


async def _token(db: AsyncSession, role: Role, network: Any = None) -> str:
    account = await make_account(db, role, network)
    _row, token = await create_api_token(db, account.id, "Test", 1)
    await db.commit()
    return token


async def test_only_those_who_run_the_workshop_export(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    room = Scenario(coach_client, workshop)
    await room.step(COLLECT)
    guest = await join(coach_client, workshop.code, "Gast", "jugendliche")
    url = f"{room.base}/export?format=md"
    browser = f"/w/{workshop.id}/ergebnis/export/md"

    assert (await as_guest(coach_client, "GET", url, None)).status_code == 401
    anonymous = await as_guest(coach_client, "GET", browser, None)
    assert anonymous.status_code == 401 and "Anmeldung" in anonymous.text
    guest_answer = await as_guest(coach_client, "GET", url, guest["token"])
    assert guest_answer.status_code == 403 and guest_answer.json()["status"] == 403

    other = await plan(db, workshop.coach, UUID(workshop.town_id), "Andere Werkstatt")
    stranger = await join(coach_client, other.join_code, "Fremd")
    assert (await as_guest(coach_client, "GET", url, stranger["token"])).status_code == 404
    elsewhere = await make_network(db, "Fremdes Netz", towns=("Zwickau",))
    foreign_coach = await _token(db, Role.coach, elsewhere.network)
    assert (await as_guest(coach_client, "GET", url, foreign_coach)).status_code == 404

    own_coach = await _token(db, Role.coach, await _network(db, workshop))
    by_token = await as_guest(coach_client, "GET", url, own_coach)
    assert by_token.status_code == 200 and by_token.text.startswith("# Ergebnisprotokoll")
    admin = await _token(db, Role.admin)
    assert (await as_guest(coach_client, "GET", url, admin)).status_code == 200
    by_session = await coach_client.get(browser)
    assert by_session.status_code == 200 and by_session.headers["content-type"].startswith("text/markdown")
    assert by_session.headers["cache-control"] == "no-store"


async def _network(db: AsyncSession, workshop: LiveWorkshop) -> Any:
    from werkstatt.network.models import Network

    return await db.get(Network, UUID(workshop.network_id))


async def test_unknown_format_is_a_german_422_naming_format(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    for query in ("?format=exe", "", "?format=PDF"):
        response = await coach_client.get(f"/api/workshops/{workshop.id}/export{query}")
        assert response.status_code == 422, (query, response.text)
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["errors"][0]["field"] == "format"
        assert "Erlaubt sind: pdf, docx, xlsx, csv, md, json." in problem["errors"][0]["message"]
    page = await coach_client.get(f"/w/{workshop.id}/ergebnis/export/exe")
    assert page.status_code == 422 and "Dieses Exportformat gibt es nicht." in page.text


async def test_exports_are_rate_limited(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers, "EXPORT_LIMIT", 2)
    url = f"/api/workshops/{workshop.id}/export?format=json"
    assert [(await coach_client.get(url)).status_code for _ in range(3)] == [200, 200, 429]
    refused = await coach_client.get(url)
    assert int(refused.headers["retry-after"]) > 0


async def test_slow_formats_render_off_the_event_loop(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, bool] = {}

    def probe(name: str) -> Any:
        def render(_data: Any) -> bytes:
            try:
                asyncio.get_running_loop()
                seen[name] = False
            except RuntimeError:
                seen[name] = True  # no loop here: a worker thread
            return b"ok"

        return render

    for name, fmt in list(FORMATS.items()):
        monkeypatch.setitem(FORMATS, name, Format(name, probe(name), fmt.media_type, fmt.slow))
    for name in ALL:
        assert (await coach_client.get(f"/api/workshops/{workshop.id}/export?format={name}")).status_code == 200
    assert seen == {"pdf": True, "docx": True, "xlsx": True, "csv": False, "md": False, "json": False}


async def test_result_page_offers_six_downloads_to_the_coach_only(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    room = Scenario(coach_client, workshop)
    await room.step(COLLECT)
    guest = await join(coach_client, workshop.code, "Gast")
    page = await coach_client.get(f"/w/{workshop.id}/ergebnis")
    assert page.status_code == 200, page.text
    section = BeautifulSoup(page.text, "html.parser").find(id="export")
    assert section is not None and section.find("h2").get_text() == "Ergebnis exportieren"
    links = section.find_all("a")
    assert [a.get_text(strip=True) for a in links] == [
        "PDF-Protokoll herunterladen",
        "Word (DOCX) herunterladen",
        "Excel (XLSX) herunterladen",
        "CSV herunterladen",
        "Markdown herunterladen",
        "JSON herunterladen",
    ]
    assert [a["href"] for a in links] == [f"/w/{workshop.id}/ergebnis/export/{fmt}" for fmt in ALL]
    assert all(a.has_attr("download") and section.find(id=a["aria-describedby"]) for a in links)
    markdown = await coach_client.get(links[4]["href"])  # the session cookie is enough
    assert markdown.status_code == 200 and markdown.text.startswith("# Ergebnisprotokoll")
    as_guest_page = await as_guest(coach_client, "GET", f"/w/{workshop.id}/ergebnis", guest["token"])
    assert as_guest_page.status_code == 200 and 'id="export"' not in as_guest_page.text


async def test_cli_writes_the_same_export(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, settings: Settings, tmp_path: Path
) -> None:
    room = Scenario(coach_client, workshop)
    await room.step(COLLECT)
    room.guests.append(await join(coach_client, workshop.code, "Gast", "senioren"))
    await room.post(0, "Mehr Grün am Markt")
    env = {"WERKSTATT_DATABASE_URL": settings.resolved_database_url, "WERKSTATT_DATA_DIR": str(tmp_path)}
    target = tmp_path / "protokoll.json"

    def cli(*args: str) -> Any:  # in a thread: the command runs its own event loop
        return CliRunner().invoke(main, ["export", *args], env=env)

    done = await asyncio.to_thread(cli, workshop.id, "--format", "json", "--output", str(target))
    assert done.exit_code == 0, done.output
    assert "Export geschrieben" in done.stdout
    data = json.loads(target.read_text())
    assert [i["text"] for i in data["ideas"]] == ["Mehr Grün am Markt"] and "Gast" not in target.read_text()
    to_stdout = await asyncio.to_thread(cli, workshop.id, "--format", "md", "-o", "-")
    assert to_stdout.exit_code == 0 and to_stdout.stdout.startswith("# Ergebnisprotokoll: Was wird aus dem Markt?")
    missing = await asyncio.to_thread(cli, "00000000-0000-0000-0000-000000000000")
    assert missing.exit_code == 1 and "Diese Werkstatt gibt es nicht" in missing.stderr
