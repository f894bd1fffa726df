"""The board grows linearly and stays lean: HTML bytes per card and render time for the coach, a guest and the
projector at 50, 200, 400 and 2,000 cards, with every card shown (the per-card cost) and as shipped (each
column shows its first CARDS_PER_COLUMN cards, the rest behind "weitere anzeigen")."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, bearer, join, start
from tests.factories import make_account, make_network
from tests.html import parse
from werkstatt.app import create_app
from werkstatt.board import queries
from werkstatt.board.models import Cluster, Comment, Idea, Reaction
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.settings import Settings
from werkstatt.workshops.models import Participant
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

SIZES = (50, 200, 400, 2000)
COACH_MAX, GUEST_MAX = 2500, 1500  # bytes of HTML per card
TEXT = "Idee {i}: mehr schattige Bänke am Marktplatz, damit Ältere und Familien dort gern verweilen"
AGENDA = [
    {"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect", "config": {"max_length": 280}}},
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "coach"}}},
]


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db)
    coach = account_snapshot(await make_account(db, Role.coach, network.network))
    data = WorkshopCreate.model_validate(
        {"town_id": str(network.towns[0].id), "title": "Große Werkstatt", "agenda": AGENDA}
    )
    created = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(created.id), created.join_code, coach, str(network.network.id), str(network.towns[0].id))


async def add_cards(db: AsyncSession, workshop_id: str, first: int, last: int, step: int = 0) -> None:
    """Cards `first`..`last - 1` by 25 guests, every third with a reaction, every fifth with a comment."""
    from uuid import UUID

    wid = UUID(workshop_id)
    people = [
        Participant(workshop_id=wid, display_name=f"Gast {n}", token_hash=hashlib.sha256(os.urandom(16)).hexdigest())
        for n in range(25)
    ]
    db.add_all(people)
    await db.flush()
    for i in range(first, last):
        idea = Idea(workshop_id=wid, participant_id=people[i % 25].id, step_position=step, text=TEXT.format(i=i))
        db.add(idea)
        await db.flush() if i % 200 == 0 else None
    await db.flush()
    ideas = [o for o in db.new if isinstance(o, Idea)] or []
    await db.commit()
    del ideas
    await _decorate(db, wid, people)


async def _decorate(db: AsyncSession, wid: Any, people: list[Participant]) -> None:
    from sqlalchemy import select

    rows = (await db.execute(select(Idea).where(Idea.workshop_id == wid).order_by(Idea.created_at))).scalars().all()
    have = {r for (r,) in (await db.execute(select(Reaction.idea_id)))}
    for n, idea in enumerate(rows):
        if idea.id in have:
            continue
        if n % 3 == 0:
            db.add(Reaction(idea_id=idea.id, participant_id=people[0].id, kind="zustimmung"))
        if n % 5 == 0:
            db.add(Comment(idea_id=idea.id, participant_id=people[1].id, text="Gern auch mit Trinkbrunnen."))
    await db.commit()


async def timed(request: Any) -> tuple[Any, float, float]:
    """The response, its wall time, and the longest stretch the event loop could not run anything else
    (the app runs on this loop: a ticker every 5 ms notices every blocking render or query)."""
    loop = asyncio.get_running_loop()
    longest = 0.0
    done = False

    async def ticker() -> None:
        nonlocal longest
        last = loop.time()
        while not done:
            await asyncio.sleep(0.002)
            now = loop.time()
            longest = max(longest, now - last - 0.002)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    began = time.perf_counter()
    response = await request
    elapsed = time.perf_counter() - began
    done = True
    await task
    assert response.status_code == 200, response.text[:500]
    return response, elapsed, longest


@pytest.fixture
async def inloop(settings: Settings, coach_client: AsyncTestClient[Any]) -> AsyncIterator[httpx.AsyncClient]:
    """The app on this test's own event loop (the test client runs it on another thread), so that the ticker
    in `timed` sees every moment the app blocks the loop. Signed in as the coach (same session cookie)."""
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver.local", cookies=coach_client.cookies
    ) as client:
        yield client


async def measure(client: httpx.AsyncClient, workshop: LiveWorkshop, guest: str) -> dict[str, Any]:
    url = f"/w/{workshop.id}"
    coach, coach_s, coach_lag = await timed(client.get(url))
    guest_page, guest_s, guest_lag = await timed(
        httpx.AsyncClient(transport=client._transport, base_url=client.base_url).get(url, headers=bearer(guest))
    )
    projector, projector_s, projector_lag = await timed(client.get(f"{url}/beamer"))
    return {
        "coach": (len(coach.content), coach_s, coach_lag, coach.text),
        "guest": (len(guest_page.content), guest_s, guest_lag, guest_page.text),
        "projector": (len(projector.content), projector_s, projector_lag, projector.text),
    }


def cards_in(html: str) -> int:
    return len(parse(html).select("#board article.idea"))


async def test_board_bytes_per_card_stay_within_targets_and_grow_linearly(
    coach_client: AsyncTestClient[Any],
    inloop: httpx.AsyncClient,
    db: AsyncSession,
    workshop: LiveWorkshop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await start(coach_client, workshop, 0)
    guest = (await join(coach_client, workshop.code, "Gast"))["token"]
    report = []
    full: dict[int, dict[str, Any]] = {}
    have = 0
    for size in SIZES:
        await add_cards(db, workshop.id, have, size)
        have = size
        # every card shown: what one card costs
        if size <= 400:
            monkeypatch.setattr(queries, "CARDS_PER_COLUMN", 10_000)
            full[size] = await measure(inloop, workshop, guest)
            monkeypatch.setattr(queries, "CARDS_PER_COLUMN", 60)
            assert cards_in(full[size]["coach"][3]) == size
            for who, limit in (("coach", COACH_MAX), ("guest", GUEST_MAX), ("projector", GUEST_MAX)):
                per_card = full[size][who][0] / size
                seconds = full[size][who][1]
                report.append(f"all shown {size:5d} {who:9s} {per_card:7.0f} B/card {seconds * 1000:7.0f} ms")
                assert per_card <= limit, (size, who, per_card)
        # as shipped: bounded by the column limit
        # best of three: the machine is shared, a neighbour's burst is not our render
        runs = [await measure(inloop, workshop, guest) for _ in range(3)]
        for who, limit in (("coach", COACH_MAX), ("guest", GUEST_MAX), ("projector", GUEST_MAX)):
            size_bytes, _seconds, _lag, html = runs[0][who]
            seconds = min(run[who][1] for run in runs)
            lag = min(run[who][2] for run in runs)
            assert lag < 0.1, f"{who} at {size} cards held the event loop for {lag * 1000:.0f} ms"
            shown = cards_in(html)
            assert shown == min(size, 60), (who, shown)
            report.append(
                f"shipped   {size:5d} {who:9s} {size_bytes / size:7.0f} B/card {size_bytes / 1024:7.0f} KiB "
                f"{seconds * 1000:6.0f} ms, loop blocked {lag * 1000:4.0f} ms, {shown} cards shown"
            )
            assert size_bytes / shown <= limit + 400, (who, size_bytes / shown)  # page chrome included
    # the cluster step: eight clusters and the unsorted cards, each column bounded
    clusters = [Cluster(workshop_id=UUID(workshop.id), name=f"Cluster {n}", position=n) for n in range(8)]
    db.add_all(clusters)
    await db.flush()
    for n, idea in enumerate((await db.execute(select(Idea).where(Idea.workshop_id == UUID(workshop.id)))).scalars()):
        idea.cluster_id = clusters[n % 10].id if n % 10 < 8 else None
    await db.commit()
    await start(coach_client, workshop, 1)
    runs = [await measure(inloop, workshop, guest) for _ in range(3)]
    for who in ("coach", "guest", "projector"):
        size_bytes, _seconds, _lag, html = runs[0][who]
        seconds = min(run[who][1] for run in runs)
        lag = min(run[who][2] for run in runs)
        shown = cards_in(html)
        report.append(
            f"clusters  2000 {who:9s} {size_bytes / shown:7.0f} B/shown card {size_bytes / 1024:5.0f} KiB "
            f"{seconds * 1000:6.0f} ms, loop blocked {lag * 1000:4.0f} ms, {shown} cards shown in 9 columns"
        )
        assert shown == 9 * (queries.CARDS_PER_BOARD // 9), "the columns share one bound for the board"
        assert size_bytes / shown <= (COACH_MAX if who == "coach" else GUEST_MAX)
        assert lag < 0.1, f"{who} clusters held the event loop for {lag * 1000:.0f} ms"
    print("\n" + "\n".join(report))
    # linear: the second 200 cards cost what the first 150 did per card (within 15 %)
    for who in ("coach", "guest", "projector"):
        first = (full[200][who][0] - full[50][who][0]) / 150
        second = (full[400][who][0] - full[200][who][0]) / 200
        assert abs(second - first) / first < 0.15, (who, first, second)
