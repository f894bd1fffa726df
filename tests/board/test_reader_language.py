"""Errors in the reader's language: the error page, a refused board action (HTML fragment and websocket frame)
and a refused API call (problem detail) are English for a reader who chose English, and German otherwise."""

from __future__ import annotations

import json
import queue
import time
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, start
from tests.conftest import csrf_headers
from tests.html import parse, text_of
from werkstatt.network.auth import create_api_token
from werkstatt.network.models import Account

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
LOCKED = {
    "de": "Das Board ist gerade gesperrt. Die Moderation gibt es gleich wieder frei.",
    "en": "The board is locked right now. The facilitator will unlock it shortly.",
}


async def choose(client: AsyncTestClient[Any], locale: str) -> dict[str, str]:
    """The language switch in the footer, as a browser uses it; returns the form headers."""
    headers = await csrf_headers(client)
    switched = await client.post("/sprache", data={"locale": locale}, headers=headers, follow_redirects=False)
    assert switched.status_code == 303
    return headers


async def guest_in_browser(client: AsyncTestClient[Any], workshop: LiveWorkshop, locale: str) -> dict[str, str]:
    """A guest who joined by code in the browser (a cookie session) and chose a language."""
    client.cookies = httpx.Cookies()
    headers = await choose(client, locale)
    joined = await client.post(
        f"/beitreten/{workshop.code}", data={"display_name": "Greta"}, headers=headers, follow_redirects=False
    )
    assert joined.status_code == 303, joined.text
    return await csrf_headers(client)  # the session was rotated on joining


async def lock(coach: httpx.Cookies, client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    saved, client.cookies = client.cookies, coach
    try:
        response = await client.post(
            f"/api/workshops/{workshop.id}/commands", json={"type": "lock"}, headers=SAME_ORIGIN
        )
        assert response.status_code == 200, response.text
    finally:
        client.cookies = saved


def error_frame(socket: Any, timeout: float = 5) -> dict[str, Any]:
    """The next JSON error frame (the board socket also carries HTML fragments and presence)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            text = socket.receive_text(timeout=left)
        except queue.Empty:
            break
        if text.startswith("{"):
            frame = json.loads(text)
            if frame.get("type") == "error":
                return dict(frame)
    raise AssertionError("no error frame arrived")


@pytest.mark.parametrize(
    ("locale", "title", "detail"),
    [
        ("en", "Page not found", "This address does not exist (any more)."),
        ("de", "Seite nicht gefunden", "Diese Adresse gibt es nicht (mehr)."),
    ],
)
async def test_the_404_page_speaks_the_readers_language(
    client: AsyncTestClient[Any], locale: str, title: str, detail: str
) -> None:
    await choose(client, locale)
    response = await client.get("/gibt-es-nicht")
    assert response.status_code == 404
    soup = parse(response.text)
    assert soup.html is not None and soup.html["lang"] == locale
    assert text_of(response.text, "h1") == title
    assert detail in text_of(response.text, ".error-page")


async def test_a_domain_404_page_is_english_too(client: AsyncTestClient[Any]) -> None:
    """Not only Litestar's 404: a refusal raised by a service (NotFound) is translated on its way out."""
    await choose(client, "en")
    response = await client.get("/w/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert text_of(response.text, "h1") == "Not found"
    assert "Nicht" not in text_of(response.text, ".error-page")


@pytest.mark.parametrize("locale", ["en", "de"])
async def test_posting_on_a_locked_board_is_refused_in_the_readers_language(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, locale: str
) -> None:
    await start(coach_client, workshop)
    coach = coach_client.cookies
    headers = await guest_in_browser(coach_client, workshop, locale)
    await lock(coach, coach_client, workshop)
    refused = await coach_client.post(
        f"/w/{workshop.id}/ideen", data={"text": "Mehr Bänke"}, headers={**headers, "hx-request": "true"}
    )
    assert refused.status_code == 422
    assert text_of(refused.text, "[role=alert]") == LOCKED[locale]
    page = await coach_client.post(f"/w/{workshop.id}/ideen", data={"text": "Mehr Bänke"}, headers=headers)
    assert page.status_code == 403
    assert LOCKED[locale] in text_of(page.text, ".error-page")
    assert text_of(page.text, "h1") == {"en": "Not possible", "de": "Nicht möglich"}[locale]


@pytest.mark.parametrize("locale", ["en", "de"])
async def test_the_board_socket_refuses_in_the_connections_language(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, locale: str
) -> None:
    await start(coach_client, workshop)
    coach = coach_client.cookies
    await guest_in_browser(coach_client, workshop, locale)
    await lock(coach, coach_client, workshop)
    url = f"/w/{workshop.id}/live?after=1000"
    with await coach_client.websocket_connect(url, headers={"origin": "http://testserver.local"}) as socket:
        socket.send_text(json.dumps({"type": "post_idea", "text": "Mehr Bänke"}))
        frame = error_frame(socket)
        assert (frame["status"], frame["detail"]) == (403, LOCKED[locale])
        socket.send_text("{kaputt")
        broken = {"en": "The message is not valid JSON.", "de": "Nachricht ist kein gültiges JSON."}[locale]
        assert error_frame(socket)["detail"] == broken


@pytest.mark.parametrize(
    ("locale", "title", "detail", "field"),
    [
        ("en", "Invalid input", "Unknown command: zaubern", "Unknown command."),
        ("de", "Eingabe ungültig", "Unbekannter Befehl: zaubern", "Unbekannter Befehl."),
    ],
)
async def test_a_refused_api_call_answers_in_the_accounts_language(
    client: AsyncTestClient[Any],
    db: AsyncSession,
    workshop: LiveWorkshop,
    locale: str,
    title: str,
    detail: str,
    field: str,
) -> None:
    """A program signs in with the account's API key; the account's language is the problem's language
    (German unless the account chose English, as API.md promises)."""
    account = await db.get(Account, workshop.coach.id)
    assert account is not None
    account.locale = locale
    _row, token = await create_api_token(db, account.id, "Test", 1)
    await db.commit()
    client.cookies = httpx.Cookies()
    response = await client.post(
        f"/api/workshops/{workshop.id}/commands",
        json={"type": "zaubern"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert (problem["title"], problem["detail"]) == (title, detail)
    assert problem["errors"] == [{"field": "type", "message": field}]


async def test_a_refused_api_call_of_an_english_browser_is_english(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    """The coach's own page calls the API with the session cookie: the session's language counts."""
    await choose(coach_client, "en")
    await start(coach_client, workshop)
    await lock(coach_client.cookies, coach_client, workshop)
    response = await coach_client.post(
        f"/api/workshops/{workshop.id}/commands", json={"type": "start_step", "step": 99}, headers=SAME_ORIGIN
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "This step is not in the agenda."
    assert response.json()["errors"] == [{"field": "step", "message": "Unknown step."}]


async def test_a_form_field_error_is_english(client: AsyncTestClient[Any]) -> None:
    headers = await choose(client, "en")
    wrong = await client.post("/beitreten", data={"code": "ZZZZ99"}, headers=headers)
    assert wrong.status_code == 422
    assert text_of(wrong.text, ".field-error") == "This code does not exist. Please check it."
