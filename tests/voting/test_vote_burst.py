"""500 votes into one workshop (benchmark target G4 as a test), through two app processes on PostgreSQL +
Redis and through one embedded worker: the tallies are exact at the end, tally broadcasts are coalesced to at
most five a second across the workers, and sockets that do not vote (JSON and HTML boards) receive no message
for the votes themselves, only the tallies. Prints the figures (run with -s)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
import websockets
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Server
from tests.factories import make_account, make_network
from tests.html import parse
from tests.waiting import until
from werkstatt.board.models import Idea
from werkstatt.db import create_sessionmaker
from werkstatt.live.models import WorkshopEvent
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.voting.models import Vote
from werkstatt.workshops.models import Participant
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import Actor, create_workshop

CARDS, VOTERS, DOTS, OBSERVERS = 10, 50, 10, 4  # 50 × 10 = 500 votes; observers: 2 JSON, 2 HTML sockets
VOTE_STEP = 1


async def _open_vote(database_url: str) -> tuple[str, str, list[str]]:
    """A live workshop in an open vote step (10 dots each, up to 10 on one card) with ten cards."""
    from werkstatt.board.service import start_step

    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db)
        coach = account_snapshot(await make_account(db, Role.coach, network.network))
        config = {"dots_per_person": DOTS, "max_per_item": DOTS, "hidden": False}
        data = WorkshopCreate.model_validate(
            {
                "town_id": str(network.towns[0].id),
                "title": "500 Punkte",
                "agenda": [
                    {"title": "Sammeln", "minutes": 5, "board": {"mechanic": "collect"}},
                    {"title": "Punkten", "minutes": 5, "board": {"mechanic": "vote", "config": config}},
                ],
            }
        )
        workshop = await create_workshop(db, coach, data)
        actor = Actor(workshop, None, coach, is_coach=True)
        await start_step(db, actor, 0)
        author = Participant(workshop_id=workshop.id, display_name="Autorin", token_hash=uuid.uuid4().hex * 2)
        db.add(author)
        await db.flush()
        ideas = [
            Idea(workshop_id=workshop.id, participant_id=author.id, step_position=0, text=f"Karte {i}")
            for i in range(CARDS)
        ]
        db.add_all(ideas)
        await db.flush()
        await start_step(db, actor, 1)
        await db.commit()
        result = str(workshop.id), workshop.join_code, [str(i.id) for i in ideas]
    await engine.dispose()
    return result


async def _stored(database_url: str, workshop_id: str) -> tuple[Counter[str], list[tuple[datetime, dict[str, Any]]]]:
    engine = create_async_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as db:
            rows = await db.execute(
                select(Vote.idea_id, func.count(Vote.id))
                .where(Vote.workshop_id == UUID(workshop_id))
                .group_by(Vote.idea_id)
            )
            counts = Counter({str(idea): int(n) for idea, n in rows})
            tallies = await db.execute(
                select(WorkshopEvent.created_at, WorkshopEvent.data)
                .where(WorkshopEvent.workshop_id == UUID(workshop_id), WorkshopEvent.type == "tally_updated")
                .order_by(WorkshopEvent.seq)
            )
            return counts, [(at, dict(data)) for at, data in tallies]
    finally:
        await engine.dispose()


async def _observe(url: str, token: str, got: list[dict[str, Any]], done: asyncio.Event, ready: asyncio.Event) -> None:
    """Every numbered message: JSON events as they are, HTML fragments as {"seq", "html"}."""
    headers = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as socket:
        ready.set()
        while not done.is_set():
            try:
                text = str(await asyncio.wait_for(socket.recv(), timeout=0.5))
            except TimeoutError:
                continue
            if text.startswith("<!--seq:"):
                got.append({"seq": int(text[8 : text.index("-->")]), "html": text})
            elif text.startswith("{") and "seq" in (message := json.loads(text)):
                got.append(message)


def _shows(messages: list[dict[str, Any]], expected: dict[str, int]) -> bool:
    """Whether a socket's messages leave a board with exactly these counts: a JSON client reads the last tally
    (a full count), an HTML board holds each card's count from the last message that redrew it (a tally redraws
    only the cards that changed)."""
    if not messages:
        return False
    if "html" not in messages[-1]:
        last = messages[-1]
        return last.get("type") == "tally_updated" and last["data"]["tallies"] == expected
    board: dict[str, str] = {}
    for message in messages:
        for element in parse(message["html"]).find_all(id=re.compile(f"^tally-{VOTE_STEP}-")):
            board[element["id"]] = element.get_text(" ", strip=True)
    return all(board.get(f"tally-{VOTE_STEP}-{idea}", "").startswith(f"{n} ") for idea, n in expected.items())


async def _burst(servers: list[Server], database_url: str, label: str) -> None:
    workshop_id, code, ideas = await _open_vote(database_url)
    at = [server.url for server in servers]
    async with httpx.AsyncClient(timeout=60) as http:
        tokens = []
        for index in range(VOTERS + OBSERVERS):
            body = {"code": code, "display_name": f"G{index}"}
            joined = await http.post(f"{at[index % len(at)]}/api/join", json=body)
            assert joined.status_code == 201, joined.text
            tokens.append(joined.json()["token"])
        listed = await http.get(
            f"{at[0]}/api/workshops/{workshop_id}/events", headers={"Authorization": f"Bearer {tokens[-1]}"}
        )
        head = max(int(event["seq"]) for event in listed.json())
        done = asyncio.Event()
        seen: list[list[dict[str, Any]]] = [[] for _ in range(OBSERVERS)]
        readies = [asyncio.Event() for _ in range(OBSERVERS)]
        paths = [f"/api/workshops/{workshop_id}/live", f"/w/{workshop_id}/live"]  # JSON and HTML boards
        watchers = [
            asyncio.create_task(
                _observe(
                    at[index % len(at)].replace("http", "ws") + f"{paths[index % 2]}?after={head}",
                    tokens[VOTERS + index],
                    seen[index],
                    done,
                    readies[index],
                )
            )
            for index in range(OBSERVERS)
        ]
        for ready in readies:
            await asyncio.wait_for(ready.wait(), timeout=10)

        async def dots(guest: int) -> list[int]:
            """One phone: its ten dots one after the other, alternating between the workers."""
            codes = []
            for dot in range(DOTS):
                answer = await http.post(
                    f"{at[(guest + dot) % len(at)]}/api/workshops/{workshop_id}/votes",
                    json={"idea_id": ideas[(guest + dot * dot) % CARDS]},
                    headers={"Authorization": f"Bearer {tokens[guest]}"},
                )
                codes.append(answer.status_code)
            return codes

        started = time.monotonic()
        codes = [code for phone in await asyncio.gather(*(dots(g) for g in range(VOTERS))) for code in phone]
        burst = time.monotonic() - started
        assert codes.count(201) == VOTERS * DOTS, Counter(codes)
        counts, _ = await _stored(database_url, workshop_id)
        expected = {idea: counts.get(idea, 0) for idea in ideas}
        # the last tally follows the last vote within a window or two
        await until(lambda: all(_shows(s, expected) for s in seen), within=10, what="the last tally")
        done.set()
        await asyncio.gather(*watchers)
    counts, tallies = await _stored(database_url, workshop_id)
    assert sum(counts.values()) == VOTERS * DOTS
    assert tallies[-1][1]["tallies"] == expected and tallies[-1][1]["dots"] == VOTERS * DOTS
    times = [when.timestamp() for when, _ in tallies]
    busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert busiest <= 5, times
    for observed in seen:
        assert _shows(observed, expected), observed[-1:]
        for message in observed:  # nothing but tallies: the votes themselves sent these sockets nothing
            assert message.get("type") == "tally_updated" or 'id="tally-dots-' in message.get("html", ""), message
            assert "voting-remaining" not in message.get("html", ""), message
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    sizes = [len(m["html"].encode()) for s in seen for m in s if "html" in m]
    print(
        f"\nG4 {label}: {VOTERS * DOTS} votes in {burst:.2f} s ({VOTERS * DOTS / burst:.0f}/s); "
        f"{len(tallies)} tally events over {span:.2f} s, at most {busiest} in any second; "
        f"messages per non-voting socket: {sum(len(s) for s in seen) / OBSERVERS:.1f} (tallies only; "
        f"before: one per vote + tallies); HTML tally fragment {max(sizes, default=0)} B"
    )


@pytest.mark.multiprocess
@pytest.mark.postgres
@pytest.mark.redis
async def test_500_votes_two_workers_exact_and_coalesced(cluster: list[Server], pg_database: str) -> None:
    await _burst(cluster, pg_database, "two workers, PostgreSQL + Redis")


@pytest.mark.multiprocess
async def test_500_votes_one_embedded_worker_exact_and_coalesced(live_server: Server) -> None:
    await _burst([live_server], f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}", "one worker, SQLite")
