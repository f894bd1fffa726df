"""Limits per person, not per socket: one participant's cards are counted over the JSON API, the HTML form and
the websocket together; refusals are a German 429 with Retry-After (an error frame on the socket, which
stays open) and change nothing; a step's card cap holds under parallel posts; a fourth socket of one
participant closes the oldest (4008). Memory in one process, Redis across workers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import AGENDA, LiveWorkshop, as_guest, bearer, join, start
from tests.conftest import csrf_headers, make_settings
from tests.html import text_of
from werkstatt.board import service as board
from werkstatt.board.models import Comment, Idea
from werkstatt.db import create_engine, create_sessionmaker
from werkstatt.errors import DomainError
from werkstatt.settings import Settings
from werkstatt.workshops.models import Workshop
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop, resolve_actor

ORIGIN = {"origin": "http://testserver.local"}


@pytest.fixture
def overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def backend() -> str:
    return "memory"


@pytest.fixture
def settings(
    database_url: str, data_dir: Path, overrides: dict[str, Any], backend: str, request: pytest.FixtureRequest
) -> Settings:
    extra = dict(overrides)
    if backend == "redis":
        extra["redis_url"] = request.getfixturevalue("redis_url")
    return make_settings(database_url, data_dir, **extra)


both_backends = pytest.mark.parametrize("backend", ["memory", pytest.param("redis", marks=pytest.mark.redis)])


async def stored(db: AsyncSession, workshop: LiveWorkshop) -> tuple[int, int]:
    """Cards in the workshop and its last event number."""
    workshop_id = UUID(workshop.id)
    cards = (await db.execute(select(func.count(Idea.id)).where(Idea.workshop_id == workshop_id))).scalar_one()
    seq = (await db.execute(select(Workshop.last_seq).where(Workshop.id == workshop_id))).scalar_one()
    return int(cards), int(seq)


async def post(client: AsyncTestClient[Any], workshop: LiveWorkshop, token: str, text: str) -> httpx.Response:
    return await as_guest(client, "POST", f"/api/workshops/{workshop.id}/ideas", token, json={"text": text})


def next_frame(socket: Any, timeout: float = 5) -> dict[str, Any]:
    """The next message that is not presence news."""
    while True:
        message = json.loads(socket.receive_text(timeout=timeout))
        if message.get("type") != "presence":
            return dict(message)


@both_backends
async def test_api_burst_then_german_429_with_retry_after_and_nothing_stored(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Flora")
    statuses = [(await post(coach_client, workshop, guest["token"], f"Idee {n}")).status_code for n in range(5)]
    assert statuses == [201] * 5, "a burst of five goes through"
    before = await stored(db, workshop)
    refused = await post(coach_client, workshop, guest["token"], "Noch eine")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"] == "2"
    problem = refused.json()
    assert problem["status"] == 429 and "Bitte etwas langsamer" in problem["detail"]
    assert "in 2 Sekunden" in problem["detail"]
    assert await stored(db, workshop) == before, "no card, no event"
    events = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", guest["token"])).json()
    assert "Noch eine" not in json.dumps(events)


async def test_html_form_gets_the_notice_with_429_and_retry_after(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    coach_client.cookies = httpx.Cookies()
    headers = await csrf_headers(coach_client)
    joined = await coach_client.post(
        f"/beitreten/{workshop.code}", data={"display_name": "Greta"}, headers=headers, follow_redirects=False
    )
    assert joined.status_code == 303
    htmx = {**headers, "hx-request": "true"}
    for n in range(5):
        posted = await coach_client.post(f"/w/{workshop.id}/ideen", data={"text": f"Karte {n}"}, headers=htmx)
        assert posted.status_code == 200, posted.text
    before = await stored(db, workshop)
    refused = await coach_client.post(f"/w/{workshop.id}/ideen", data={"text": "Zu schnell"}, headers=htmx)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Bitte etwas langsamer" in text_of(refused.text, ".notice")
    assert await stored(db, workshop) == before


@both_backends
async def test_socket_gets_an_error_frame_stays_open_and_shares_the_count_with_http(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Hugo")
    for n in range(3):
        assert (await post(coach_client, workshop, guest["token"], f"HTTP {n}")).status_code == 201
    coach_client.cookies.clear()
    with await coach_client.websocket_connect(
        f"/api/workshops/{workshop.id}/live?after=-1", headers=bearer(guest["token"])
    ) as socket:
        acks = []
        for n in range(3):
            socket.send_text(json.dumps({"type": "post_idea", "text": f"Socket {n}"}))
            frame = next_frame(socket)
            while frame.get("type") not in {"ack", "error"}:  # the card itself comes back too
                frame = next_frame(socket)
            acks.append(frame)
        assert [frame["type"] for frame in acks] == ["ack", "ack", "error"], "3 over HTTP + 2 here = the burst"
        refusal = acks[2]
        assert refusal["status"] == 429 and refusal["retry_after"] >= 1
        assert "Bitte etwas langsamer" in refusal["detail"]
        assert pong(socket) == {"type": "pong"}, "the socket stays open"
        over_http = await post(coach_client, workshop, guest["token"], "Und per HTTP")
        assert over_http.status_code == 429, "the socket's posts count for HTTP too"
    cards, _seq = await stored(db, workshop)
    assert cards == 5


async def test_comments_have_their_own_bucket(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Ida")
    card = (await post(coach_client, workshop, guest["token"], "Trinkbrunnen")).json()
    url = f"/api/workshops/{workshop.id}/ideas/{card['id']}/comments"
    statuses = [
        (await as_guest(coach_client, "POST", url, guest["token"], json={"text": f"Gedanke {n}"})).status_code
        for n in range(6)
    ]
    assert statuses == [201] * 5 + [429]
    assert (await db.execute(select(func.count(Comment.id)))).scalar_one() == 5
    assert (await post(coach_client, workshop, guest["token"], "Noch eine Karte")).status_code == 201


@pytest.mark.parametrize("overrides", [{"cards_per_step": 3, "post_burst": 50}])
async def test_default_cards_per_step_and_the_coach_is_not_limited_per_person(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Jana")
    statuses = [(await post(coach_client, workshop, guest["token"], f"Idee {n}")).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 422]
    refused = await post(coach_client, workshop, guest["token"], "Idee 5")
    assert "höchstens 3 Karten pro Person" in refused.json()["detail"]
    assert "retry-after" not in refused.headers, "waiting does not help: the next step does"
    coach_url = f"/api/workshops/{workshop.id}/ideas"
    for n in range(4):
        response = await coach_client.post(coach_url, json={"text": f"Von der Wand {n}"}, headers=ORIGIN)
        assert response.status_code == 201, response.text
    await start(coach_client, workshop, step=1)
    assert (await post(coach_client, workshop, guest["token"], "Neuer Schritt")).status_code == 201


async def plan_with_cap(db: AsyncSession, workshop: LiveWorkshop, cap: int) -> LiveWorkshop:
    agenda = [{**AGENDA[0], "board": {"mechanic": "collect", "config": {"max_cards_per_person": cap}}}]
    data = WorkshopCreate.model_validate({"town_id": workshop.town_id, "title": "Mit Deckel", "agenda": agenda})
    planned = await create_workshop(db, workshop.coach, data)
    await db.commit()
    return LiveWorkshop(str(planned.id), planned.join_code, workshop.coach, workshop.network_id, workshop.town_id)


async def race(settings: Settings, workshop: LiveWorkshop, tokens: list[str]) -> list[str]:
    """Each token posts once, all at the same moment, each in its own session and transaction (as on
    separate workers); returns what each got: "ok" or the refusal's detail."""
    engine = create_engine(settings)  # SQLite: the app's BEGIN IMMEDIATE
    factory = create_sessionmaker(engine)
    ready = asyncio.Barrier(len(tokens))

    async def one(token: str, n: int) -> str:
        await ready.wait()
        async with factory() as db:
            actor = await resolve_actor(db, UUID(workshop.id), account=None, session=None, bearer=token)
            try:
                await board.post_idea(db, actor, f"Gleichzeitig {n}")
            except DomainError as error:
                return error.detail
            await db.commit()
            return "ok"

    try:
        return await asyncio.gather(*(one(token, n) for n, token in enumerate(tokens)))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("overrides", [{"post_burst": 100, "workshop_posts_per_second": 1000}])
async def test_the_steps_cap_holds_under_parallel_posts(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    capped = await plan_with_cap(db, workshop, 3)
    await start(coach_client, capped)
    guest = await join(coach_client, capped.code, "Kai")
    answers = await race(settings, capped, [guest["token"]] * 12)
    assert answers.count("ok") == 3
    assert all("höchstens 3 Karten" in answer for answer in answers if answer != "ok")
    assert (await stored(db, capped))[0] == 3


@pytest.mark.parametrize("overrides", [{"workshop_cards": 5, "workshop_posts_per_second": 1000}])
async def test_the_workshop_ceiling_holds_under_parallel_posts_of_many(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    await start(coach_client, workshop)
    guests = [await join(coach_client, workshop.code, f"Gast {n}") for n in range(12)]
    answers = await race(settings, workshop, [guest["token"] for guest in guests])
    assert answers.count("ok") == 5
    assert (await stored(db, workshop))[0] == 5


@pytest.mark.parametrize("overrides", [{"workshop_cards": 4, "post_burst": 50}])
async def test_a_workshop_holds_at_most_its_ceiling(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    anna, bert = await join(coach_client, workshop.code, "Anna"), await join(coach_client, workshop.code, "Bert")
    for n in range(2):
        assert (await post(coach_client, workshop, anna["token"], f"A{n}")).status_code == 201
        assert (await post(coach_client, workshop, bert["token"], f"B{n}")).status_code == 201
    full = await post(coach_client, workshop, anna["token"], "Eine zu viel")
    assert full.status_code == 422 and "Höchstzahl von 4 Karten" in full.json()["detail"]
    assert (await stored(db, workshop))[0] == 4


@pytest.mark.parametrize("overrides", [{"workshop_posts_per_second": 2}])
async def test_the_workshop_rate_protects_the_worker_for_everyone(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    guests = [await join(coach_client, workshop.code, f"Gast {n}") for n in range(3)]
    statuses = [(await post(coach_client, workshop, g["token"], "Karte")).status_code for g in guests]
    assert statuses[:2] == [201, 201] and statuses[2] == 429
    refused = await post(coach_client, workshop, guests[2]["token"], "Noch mal")
    assert "sehr viele Beiträge" in refused.json()["detail"] and int(refused.headers["retry-after"]) >= 1
    assert (await stored(db, workshop))[0] == 2


def closed_with(socket: Any) -> int | None:
    """The close code once the server closes the socket (None while it stays open)."""
    try:
        while True:
            socket.receive_text(timeout=5)
    except WebSocketDisconnect as closed:
        return int(closed.code)
    except queue.Empty:
        return None


@both_backends
async def test_a_fourth_socket_closes_the_oldest(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Lena")
    coach_client.cookies.clear()
    url = f"/api/workshops/{workshop.id}/live?after=-1"
    with contextlib.ExitStack() as stack:
        sockets = [
            stack.enter_context(await coach_client.websocket_connect(url, headers=bearer(guest["token"])))
            for _ in range(3)
        ]
        for socket in sockets:
            pong(socket)
        sockets.append(stack.enter_context(await coach_client.websocket_connect(url, headers=bearer(guest["token"]))))
        assert closed_with(sockets[0]) == 4008
        for socket in sockets[1:]:
            assert pong(socket) == {"type": "pong"}, "the three newest stay"


def pong(socket: Any) -> dict[str, Any]:
    socket.send_text(json.dumps({"type": "ping"}))
    frame = next_frame(socket)
    while frame.get("type") != "pong":
        frame = next_frame(socket)
    return frame
