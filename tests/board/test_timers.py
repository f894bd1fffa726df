"""Step timers run out on the server: once (two sweeps at the same moment give one event), only on a live
workshop's current step, with auto-advance to the next step, and pushed to open sockets with no browser
asking for it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, bearer, join
from tests.board.test_websocket import receive_json
from tests.factories import make_account, make_network, sign_in
from werkstatt import db as database
from werkstatt.board.timers import expire_timers
from werkstatt.live.models import WorkshopEvent
from werkstatt.network.models import Account, Role
from werkstatt.sessions import account_snapshot
from werkstatt.settings import Settings
from werkstatt.workshops.models import AgendaStep, Workshop, WorkshopState
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

AGENDA = [
    {"title": "Ankommen", "minutes": 5, "board": {"mechanic": "timer", "config": {"auto_advance": True}}},
    {"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect"}},
    {"title": "Schluss", "minutes": 5, "board": {"mechanic": "timer", "config": {"auto_advance": True}}},
]


class Published:
    """The broker's side of publish(): what went out, in order (the database part is all real)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def publish(self, data: bytes, channels: list[str]) -> None:
        self.sent.append(data)


async def _timed_workshop(db: AsyncSession, client: AsyncTestClient[Any], settings: Settings) -> LiveWorkshop:
    network = await make_network(db)
    account = await make_account(db, Role.coach, network.network)
    coach = account_snapshot(account)
    data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Zeit", "agenda": AGENDA})
    workshop = await create_workshop(db, coach, data)
    await db.commit()
    signed = await db.get(Account, account.id)
    assert signed is not None
    await sign_in(client, db, settings, signed)
    return LiveWorkshop(str(workshop.id), workshop.join_code, coach, str(network.network.id), str(network.towns[0].id))


async def command(client: AsyncTestClient[Any], workshop: LiveWorkshop, **body: Any) -> Any:
    response = await client.post(
        f"/api/workshops/{workshop.id}/commands", json=body, headers={"sec-fetch-site": "same-origin"}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _state(db: AsyncSession, workshop: LiveWorkshop) -> tuple[int | None, list[tuple[Any, Any]], list[str]]:
    db.expire_all()
    workshop_id = UUID(workshop.id)
    current = await db.scalar(select(Workshop.current_step).where(Workshop.id == workshop_id))
    timers = (
        await db.execute(
            select(AgendaStep.timer_ends_at, AgendaStep.timer_remaining)
            .where(AgendaStep.workshop_id == workshop_id)
            .order_by(AgendaStep.position)
        )
    ).all()
    types = list(
        (
            await db.execute(
                select(WorkshopEvent.type).where(WorkshopEvent.workshop_id == workshop_id).order_by(WorkshopEvent.seq)
            )
        ).scalars()
    )
    return current, [tuple(row) for row in timers], types


async def test_two_sweeps_at_once_advance_exactly_once(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    workshop = await _timed_workshop(db, client, settings)
    await command(client, workshop, type="start_step", step=0)
    await command(client, workshop, type="start_timer", seconds=300)
    later = datetime.now(UTC) + timedelta(seconds=301)  # the app's own sweep (real time) leaves it alone
    engines = [database.create_engine(settings) for _ in range(2)]
    brokers = [Published(), Published()]
    try:
        done = await asyncio.gather(
            *(
                expire_timers(database.create_sessionmaker(engine), broker, later)  # type: ignore[arg-type]
                for engine, broker in zip(engines, brokers, strict=True)
            )
        )
        assert sorted(len(events) for events in done) == [0, 1]
        assert sum(len(broker.sent) for broker in brokers) == 1
        assert await expire_timers(database.create_sessionmaker(engines[0]), brokers[0], later) == []  # type: ignore[arg-type]
    finally:
        for engine in engines:
            await engine.dispose()
    current, timers, types = await _state(db, workshop)
    assert current == 1
    assert types == ["step_started", "timer_changed", "step_started"]
    assert timers[0] == (None, 0), "the step that ran out shows 0:00"
    assert timers[1] == (None, None), "the next step starts without a timer, as the coach's step change does"


async def test_without_auto_advance_the_timer_just_runs_out(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    workshop = await _timed_workshop(db, client, settings)
    await command(client, workshop, type="start_step", step=1)
    await command(client, workshop, type="start_timer", seconds=120)
    sessionmaker = database.create_sessionmaker(engine := database.create_engine(settings))
    broker = Published()
    try:
        assert await expire_timers(sessionmaker, broker, datetime.now(UTC) + timedelta(seconds=60)) == []  # type: ignore[arg-type]
        (event,) = await expire_timers(sessionmaker, broker, datetime.now(UTC) + timedelta(seconds=121))  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    assert event.type == "timer_changed" and event.data["action"] == "expire"
    assert event.data["timer"]["ends_at"] is None and event.data["timer"]["remaining"] == 0
    current, timers, _types = await _state(db, workshop)
    assert current == 1 and timers[1] == (None, 0)
    # The clock stays at 0:00, marked as run out; "+1 Minute" runs one more minute at once.
    page = await client.get(f"/w/{workshop.id}/")
    assert 'data-expired="true"' in page.text and ">0:00<" in page.text
    await command(client, workshop, type="add_minute")
    _current, timers, _types = await _state(db, workshop)
    ends_at, remaining = timers[1]
    assert remaining is None and ends_at is not None
    assert 55 <= (ends_at - datetime.now(UTC)).total_seconds() <= 60


async def test_no_expiry_on_a_closed_workshop_a_paused_timer_or_a_step_left_behind(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    workshop = await _timed_workshop(db, client, settings)
    await command(client, workshop, type="start_step", step=1)
    await command(client, workshop, type="start_timer", seconds=60)
    await command(client, workshop, type="start_step", step=2)  # step 1's timer is left running behind
    await command(client, workshop, type="start_timer", seconds=60)
    await command(client, workshop, type="pause_timer")
    sessionmaker = database.create_sessionmaker(engine := database.create_engine(settings))
    broker = Published()
    much_later = datetime.now(UTC) + timedelta(hours=2)
    try:
        assert await expire_timers(sessionmaker, broker, much_later) == []  # type: ignore[arg-type]
        await command(client, workshop, type="start_timer")
        await command(client, workshop, type="close")
        assert await expire_timers(sessionmaker, broker, much_later) == []  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    assert broker.sent == []
    db.expire_all()
    assert await db.scalar(select(Workshop.state).where(Workshop.id == UUID(workshop.id))) == WorkshopState.closed


async def test_the_running_app_advances_and_pushes_with_no_browser_asking(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    """The app's own scheduler (every second) ends a 1-second timer; a guest's open socket gets step_started."""
    workshop = await _timed_workshop(db, client, settings)
    await command(client, workshop, type="start_step", step=0)
    guest = await join(client, workshop.code, "Anna")
    saved = client.cookies
    client.cookies = type(saved)()
    try:
        with await client.websocket_connect(
            f"/api/workshops/{workshop.id}/live?after=2", headers=bearer(guest["token"])
        ) as socket:
            client.cookies = saved
            await command(client, workshop, type="start_timer", seconds=1)
            assert receive_json(socket)["type"] == "timer_changed"
            started = receive_json(socket, timeout=10)
            assert started["type"] == "step_started" and started["data"]["step"]["position"] == 1
    finally:
        client.cookies = saved
    events = (await as_guest(client, "GET", f"/api/workshops/{workshop.id}/events?after=0", guest["token"])).json()
    assert [event["type"] for event in events] == [
        "step_started",
        "participant_joined",
        "timer_changed",
        "step_started",
    ]
