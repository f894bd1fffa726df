"""Structured logs: JSON lines with a request id (taken from a sane X-Request-ID, else generated, and echoed),
and no token, guest name, join code or client address in any line, from a real `werkstatt serve` process."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import server_env, start_server
from tests.factories import make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, Scrub, redact
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import Actor, create_workshop

GUEST_NAME = "Zyprian Unverwechselbar"
INVITATION = "Q" * 10 + "kXy_9-Rt2LmNoPqRsTuVwXyZ0123456789ab"  # token_urlsafe(32)-shaped, 46 characters
GENERATED = re.compile(r"[0-9a-f]{32}")


def _record(name: str, msg: str, args: Any) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)


def _through_handler(record: logging.LogRecord, client_addresses: bool = False) -> dict[str, Any]:
    for log_filter in (RequestIdFilter(), Scrub(client_addresses)):
        assert log_filter.filter(record)
    return dict(json.loads(JsonFormatter().format(record)))


def test_an_access_line_has_its_fields_and_request_id_but_no_address_or_secret() -> None:
    token = REQUEST_ID.set("anfrage-42")
    try:
        line = _through_handler(
            _record(
                "uvicorn.access",
                '%s - "%s %s HTTP/%s" %d',
                ("203.0.113.7:51234", "GET", f"/einladung/{INVITATION}?token=geheim&seite=2", "1.1", 200),
            )
        )
    finally:
        REQUEST_ID.reset(token)
    assert set(line) == {"time", "level", "logger", "message", "request_id", "method", "path", "status"}
    assert line["request_id"] == "anfrage-42" and line["level"] == "info" and line["logger"] == "uvicorn.access"
    assert (line["method"], line["status"]) == ("GET", 200)
    assert line["message"] == "GET /einladung/[entfernt]?token=[entfernt]&seite=2 HTTP/1.1 200"
    assert line["path"] == "/einladung/[entfernt]?token=[entfernt]&seite=2"
    text = json.dumps(line)
    assert "203.0.113.7" not in text and INVITATION not in text and "geheim" not in text


def test_websocket_lines_lose_the_address_and_messages_their_secrets() -> None:
    line = _through_handler(
        _record("uvicorn.error", '%s - "WebSocket %s" [accepted]', ("198.51.100.9:4444", "/api/workshops/x/live"))
    )
    assert line["message"] == '"WebSocket /api/workshops/x/live" [accepted]' and line["request_id"] == "-"
    kept = _through_handler(
        _record("uvicorn.error", '%s - "WebSocket %s" [accepted]', ("198.51.100.9:4444", "/live")),
        client_addresses=True,
    )
    assert kept["message"].startswith("198.51.100.9:4444")
    app_line = _through_handler(_record("werkstatt", "sending %s with Authorization: Bearer %s", ("x", INVITATION)))
    assert INVITATION not in app_line["message"] and "Bearer [entfernt]" in app_line["message"]


def test_redact_leaves_ids_and_ordinary_words() -> None:
    assert redact("workshop 01a24694-a9ba-71d1-95dc-5f28615f4de7: 3 event(s)") == (
        "workshop 01a24694-a9ba-71d1-95dc-5f28615f4de7: 3 event(s)"
    )
    assert redact("/beitreten/K7M2QX") == "/beitreten/[entfernt]"
    assert redact("/passwort-neu/abc?x=1") == "/passwort-neu/[entfernt]?x=1"
    assert redact("a" * 40) == "[entfernt]"


async def test_the_request_id_is_echoed_when_sane_and_generated_otherwise(client: AsyncTestClient[Any]) -> None:
    sane = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:2026.12.05_x"})
    assert sane.headers["x-request-id"] == "lb-7f3a:2026.12.05_x"
    for insane in ("zwei Wörter".encode(), b"zwei woerter", b"x" * 129, b"<script>", b"", b"a\x00b"):
        response = await client.get("/healthz", headers={"X-Request-ID": insane})
        assert GENERATED.fullmatch(response.headers["x-request-id"]), insane
    first, second = await client.get("/healthz"), await client.get("/healthz")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    unknown = await client.get("/api/gibt-es-nicht", headers={"X-Request-ID": "auch-beim-404"})
    assert unknown.status_code == 404 and unknown.headers["x-request-id"] == "auch-beim-404"


async def _live_workshop(database_url: str) -> tuple[str, str]:
    from werkstatt.board.service import start_step

    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db)
        coach = account_snapshot(await make_account(db, Role.coach, network.network))
        data = WorkshopCreate.model_validate(
            {
                "town_id": str(network.towns[0].id),
                "title": "Protokoll",
                "agenda": [{"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect"}}],
            }
        )
        workshop = await create_workshop(db, coach, data)
        await start_step(db, Actor(workshop, None, coach, is_coach=True), 0)
        await db.commit()
        result = (str(workshop.id), workshop.join_code)
    await engine.dispose()
    return result


@pytest.mark.multiprocess
async def test_a_served_instance_logs_json_lines_without_names_tokens_or_addresses(
    tmp_path: Path, sqlite_template: Path
) -> None:
    shutil.copy(sqlite_template, tmp_path / "werkstatt.db")
    url = f"sqlite+aiosqlite:///{tmp_path / 'werkstatt.db'}"
    workshop_id, code = await _live_workshop(url)
    server = await asyncio.to_thread(
        start_server, server_env(url, tmp_path, WERKSTATT_LOG_FORMAT="json"), tmp_path / "server.log"
    )
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            joined = await http.post("/api/join", json={"code": code, "display_name": GUEST_NAME})
            assert joined.status_code == 201, joined.text
            token = joined.json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            posted = await http.post(f"/api/workshops/{workshop_id}/ideas", json={"text": "Bänke"}, headers=auth)
            assert posted.status_code == 201, posted.text
            events = await http.get(
                f"/api/workshops/{workshop_id}/events?after=0", headers={**auth, "X-Request-ID": "ops-test-0002"}
            )
            assert events.status_code == 200 and events.headers["x-request-id"] == "ops-test-0002"
            assert any(GUEST_NAME in json.dumps(event) for event in events.json()), "the name is in the data"
            await http.get(f"/einladung/{INVITATION}")
            await http.get(f"/beitreten/{code}")
            await http.get(f"/api/workshops/{workshop_id}/events?after=0&token={token}")
            async with websockets.connect(
                f"{server.url.replace('http', 'ws')}/api/workshops/{workshop_id}/live?after=0",
                additional_headers={**auth, "X-Request-ID": "ops-test-socket"},
                origin="http://127.0.0.1",  # type: ignore[arg-type]
            ) as socket:
                assert socket.response is not None
                assert socket.response.headers["x-request-id"] == "ops-test-socket"
                await socket.recv()
    finally:
        await asyncio.to_thread(server.stop)
    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        if line.startswith("Werkstatt läuft auf"):  # the command's own greeting, not a log line
            continue
        entry = json.loads(line)
        assert {"time", "level", "logger", "message", "request_id"} <= set(entry), line
        parsed.append(entry)
    access = [entry for entry in parsed if entry["logger"] == "uvicorn.access"]
    assert len(access) >= 6
    (mine,) = [entry for entry in access if entry["request_id"] == "ops-test-0002"]
    assert (mine["method"], mine["path"], mine["status"]) == (
        "GET",
        f"/api/workshops/{workshop_id}/events?after=0",
        200,
    )
    assert all(
        GENERATED.fullmatch(entry["request_id"]) or entry["request_id"].startswith("ops-test") for entry in access
    )
    assert any(entry["request_id"] == "ops-test-socket" and "WebSocket" in entry["message"] for entry in parsed)
    log = "\n".join(lines)
    for secret in (GUEST_NAME, "Zyprian", token, INVITATION, f"/beitreten/{code}"):
        assert secret not in log, f"{secret!r} is in the log"
    for entry in parsed:
        if entry["logger"] == "uvicorn.access" or "WebSocket" in entry["message"]:
            assert "127.0.0.1" not in json.dumps(entry), entry


def test_the_text_format_has_the_request_id_and_the_address_only_when_asked_for(tmp_path: Path) -> None:
    from uvicorn.logging import AccessFormatter

    from werkstatt.logs import log_config
    from werkstatt.settings import Settings

    settings = Settings(data_dir=tmp_path, secret_key="test-secret-key-that-is-long-enough-0123456789")
    lines = []
    for asked in (False, True):
        config = log_config(settings, client_addresses=asked)
        assert config["handlers"]["access"]["filters"] == ["request_id", "scrub"]
        record = _record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', ("203.0.113.7:51234", "GET", "/", "1.1", 200))
        for log_filter in (RequestIdFilter(), Scrub(asked)):
            log_filter.filter(record)
        lines.append(AccessFormatter(fmt=config["formatters"]["access"]["fmt"], use_colors=False).format(record))
    assert lines[0] == 'INFO:     [-] "GET / HTTP/1.1" 200 OK'
    assert lines[1] == 'INFO:     [-] 203.0.113.7:51234 - "GET / HTTP/1.1" 200 OK'
    json_config = log_config(Settings(**{**settings.model_dump(), "log_format": "json"}))
    assert json_config["formatters"]["access"]["()"] == "werkstatt.logs.JsonFormatter"
