"""The board's HTML face: joining by code in the browser's way, the page and fragment, and script payloads
that must stay text in the page, the fragment and the websocket fragment another browser receives."""

from __future__ import annotations

import json
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, as_guest, bearer, join, start
from tests.conftest import csrf_headers
from tests.html import parse, text_of

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>"]


async def test_guest_joins_by_code_and_sees_the_board(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    coach_client.cookies = httpx.Cookies()
    headers = await csrf_headers(coach_client)
    wrong = await coach_client.post("/beitreten", data={"code": "ZZZZ99"}, headers=headers)
    assert wrong.status_code == 422
    assert "Diesen Code gibt es nicht" in text_of(wrong.text, ".field-error")
    found = await coach_client.post(
        "/beitreten", data={"code": workshop.code.lower()}, headers=headers, follow_redirects=False
    )
    assert found.status_code == 303 and found.headers["location"] == f"/beitreten/{workshop.code}"
    form = await coach_client.get(f"/beitreten/{workshop.code}")
    assert text_of(form.text, "h1") == "Ideen für den Markt"
    empty = await coach_client.post(f"/beitreten/{workshop.code}", data={"display_name": "  "}, headers=headers)
    assert empty.status_code == 422
    joined = await coach_client.post(
        f"/beitreten/{workshop.code}",
        data={"display_name": "Greta", "target_group": "senioren"},
        headers=headers,
        follow_redirects=False,
    )
    assert joined.status_code == 303 and joined.headers["location"] == f"/w/{workshop.id}"
    board = await coach_client.get(f"/w/{workshop.id}")
    assert board.status_code == 200
    soup = parse(board.text)
    assert soup.select_one("#board")["class"] == ["board", "mode-collect"]
    assert soup.select_one(".board-shell")["ws-connect"] == f"/w/{workshop.id}/live"
    assert soup.select_one("#idea-text") is not None
    assert soup.select_one(".coach-panel") is None
    posted = await coach_client.post(
        f"/w/{workshop.id}/ideen", data={"text": "Mehr Grün am Markt"}, headers={**headers, "hx-request": "true"}
    )
    assert posted.status_code == 200
    assert "Ihre Karte ist auf dem Board" in posted.text
    fragment = await coach_client.get(f"/w/{workshop.id}/board", headers={"hx-request": "true"})
    assert fragment.text.lstrip().startswith('<section id="board"')
    assert text_of(fragment.text, ".idea-text") == "Mehr Grün am Markt"
    too_long = await coach_client.post(
        f"/w/{workshop.id}/ideen", data={"text": "x" * 300}, headers={**headers, "hx-request": "true"}
    )
    assert too_long.status_code == 422
    assert "höchstens 280 Zeichen" in text_of(too_long.text, "[role=alert]")


async def test_other_workshop_board_is_404_for_a_guest(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: Any
) -> None:
    from tests.board.conftest import plan

    other = await plan(db, workshop.coach, workshop.town_id, "Andere")
    guest = await join(coach_client, workshop.code)
    response = await as_guest(coach_client, "GET", f"/w/{other.id}", guest["token"])
    assert response.status_code == 404
    assert (await as_guest(coach_client, "GET", f"/w/{other.id}", None)).status_code == 404


async def test_script_payloads_render_as_text_everywhere(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    authors = [await join(coach_client, workshop.code, payload[:60]) for payload in PAYLOADS]
    watcher = await join(coach_client, workshop.code, "Beobachterin")
    saved = coach_client.cookies
    coach_client.cookies = httpx.Cookies()
    with await coach_client.websocket_connect(
        f"/w/{workshop.id}/live?after=4", headers=bearer(watcher["token"])
    ) as socket:
        for author, payload in zip(authors, PAYLOADS, strict=True):
            response = await as_guest(
                coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", author["token"], json={"text": payload}
            )
            assert response.status_code == 201
        received = []
        while len(received) < len(PAYLOADS):
            message = socket.receive_text(timeout=5)
            if message.startswith("<!--seq:") and "idea-text" in message:
                received.append(message)
    for message, payload in zip(received, PAYLOADS, strict=True):
        soup = parse(message)
        assert soup.find("script") is None and soup.find("img") is None and soup.find("svg") is None
        assert payload in soup.get_text()
    coach_client.cookies = saved
    page = await coach_client.get(f"/w/{workshop.id}")
    soup = parse(page.text)
    cards = soup.select(".ideas .idea")
    assert len(cards) == len(PAYLOADS)
    for card in cards:
        assert card.find("script") is None and card.find("img") is None and card.find("svg") is None
    assert sorted(c.select_one(".idea-text").get_text() for c in cards) == sorted(PAYLOADS)
    events = (await coach_client.get(f"/api/workshops/{workshop.id}/events")).json()
    assert json.dumps(events, ensure_ascii=False).count("<script>alert(1)</script>") >= 1
