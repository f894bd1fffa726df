"""Retention: guests' names become stable pseudonyms N days after a workshop's last date (participant rows and
the event log, whose shape stays), their tokens and browser sessions end, results stay; expired operational
rows are pruned; a run is idempotent and two runs at once do the work once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.board.conftest import LiveWorkshop, as_guest, join, plan, start
from tests.conftest import csrf_headers
from tests.factories import make_account, sign_in
from werkstatt.board.models import Idea
from werkstatt.db import create_sessionmaker
from werkstatt.idempotency import ApiRequest
from werkstatt.network.models import Account, ApiToken, Invitation, LoginAttempt, PasswordReset, Role
from werkstatt.privacy.pseudonyms import pseudonym
from werkstatt.privacy.retention import apply_retention
from werkstatt.sessions import WebSession
from werkstatt.settings import Settings
from werkstatt.workshops.dates import last_date
from werkstatt.workshops.models import Participant, ParticipantRole

DAYS = 30


def later(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def run(settings: Settings, now: datetime) -> Any:
    engine = create_async_engine(settings.resolved_database_url)
    try:
        return await apply_retention(create_sessionmaker(engine), settings, now)
    finally:
        await engine.dispose()


async def sign_in_again(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, workshop: LiveWorkshop
) -> None:
    """A run a month ahead prunes the coach's own session (expired by then) too."""
    account = await db.get(Account, workshop.coach.id)
    assert account is not None
    await sign_in(client, db, settings, account)


def shape(value: Any) -> Any:
    """Keys and value types of an event list, without the values (what a client's parser relies on)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


async def events(client: AsyncTestClient[Any], workshop: LiveWorkshop) -> list[dict[str, Any]]:
    response = await client.get(f"/api/workshops/{workshop.id}/events")
    assert response.status_code == 200, response.text
    return list(response.json())


async def room_with_guests(client: AsyncTestClient[Any], workshop: LiveWorkshop) -> dict[str, Any]:
    """Two guests (one by token, one in a browser) post and comment."""
    await start(client, workshop)
    anna = await join(client, workshop.code, "Anna Apfelbaum")
    url = f"/api/workshops/{workshop.id}/ideas"
    idea = (await as_guest(client, "POST", url, anna["token"], json={"text": "Wochenmarkt länger"})).json()
    saved = client.cookies
    client.cookies = httpx.Cookies()
    headers = await csrf_headers(client)
    joined = await client.post(
        f"/beitreten/{workshop.code}", data={"display_name": "Bernd Birnbaum"}, headers=headers, follow_redirects=False
    )
    assert joined.status_code == 303
    commented = await client.post(
        f"/w/{workshop.id}/ideen/{idea['id']}/kommentare",
        data={"text": "Und samstags!"},
        headers={**headers, "hx-request": "true"},
    )
    assert commented.status_code == 200, commented.text
    bernd_cookies = client.cookies
    client.cookies = saved
    return {"anna": anna, "idea": idea, "bernd_cookies": bernd_cookies}


async def test_guests_become_pseudonyms_everywhere_after_the_retention_days(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    room = await room_with_guests(coach_client, workshop)
    url = f"/api/workshops/{workshop.id}/ideas"
    oops = (
        await as_guest(coach_client, "POST", url, room["anna"]["token"], json={"text": "Vertippt: Telefon 0170"})
    ).json()
    assert (await as_guest(coach_client, "DELETE", f"{url}/{oops['id']}", room["anna"]["token"])).status_code == 204
    before = await events(coach_client, workshop)
    assert "Vertippt" in json.dumps(before, ensure_ascii=False)
    assert "Anna Apfelbaum" in json.dumps(before) and "Bernd Birnbaum" in json.dumps(before)

    early = await run(settings, later(DAYS - 1))
    assert early.guests_pseudonymised == 0

    report = await run(settings, later(DAYS + 1))
    assert report.workshop_ids == [workshop.id]
    assert report.guests_pseudonymised == 2

    guests = (await db.execute(select(Participant).where(Participant.workshop_id == UUID(workshop.id)))).scalars().all()
    names = {p.display_name for p in guests if p.role == ParticipantRole.guest}
    assert names == {pseudonym(p.id) for p in guests if p.role == ParticipantRole.guest}
    assert all(name.startswith("Gast ") and len(name) == 9 for name in names)
    coach = next(p for p in guests if p.role == ParticipantRole.coach)
    assert coach.display_name == "Test coach" and coach.pseudonymised_at is None

    await sign_in_again(coach_client, db, settings, workshop)
    after = await events(coach_client, workshop)
    text = json.dumps(after, ensure_ascii=False)
    assert "Anna" not in text and "Bernd" not in text
    assert "Vertippt" not in text  # a withdrawn card's text goes with the names
    assert await db.scalar(select(Idea.text).where(Idea.id == UUID(oops["id"]))) == ""
    assert shape(after) == shape(before)  # same events, same keys, same types
    assert [e["seq"] for e in after] == [e["seq"] for e in before]
    anna_id = room["anna"]["participant_id"]
    posted = next(e for e in after if e["type"] == "idea_posted")
    assert posted["data"]["idea"]["author_name"] == pseudonym(anna_id)
    assert posted["data"]["idea"]["text"] == "Wochenmarkt länger"  # the result stays

    # The card stays on the board and in the results, under the pseudonym.
    ideas = (await coach_client.get(f"/api/workshops/{workshop.id}/ideas")).json()
    assert [idea["text"] for idea in ideas] == ["Wochenmarkt länger"]
    # The guest's token and browser session are gone.
    token_use = await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", room["anna"]["token"])
    assert token_use.status_code in {401, 404}
    coach_cookies = coach_client.cookies
    coach_client.cookies = room["bernd_cookies"]
    assert (await coach_client.get(f"/w/{workshop.id}")).status_code == 404
    coach_client.cookies = coach_cookies

    again = await run(settings, later(DAYS + 2))
    assert (again.guests_pseudonymised, again.events_rewritten) == (0, 0)


async def test_a_guest_session_still_running_ends_with_the_pseudonym(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    """With a retention shorter than a guest session (operator's choice), the session is deleted, not left."""
    await room_with_guests(coach_client, workshop)
    await db.execute(update(WebSession).where(WebSession.account_id.is_(None)).values(expires_at=later(DAYS + 10)))
    await db.commit()
    report = await run(settings, later(DAYS + 1))
    assert report.guest_sessions_deleted == 1  # Bernd's browser session
    assert await db.scalar(select(func.count()).select_from(WebSession).where(WebSession.account_id.is_(None))) == 0


async def test_a_workshop_with_recent_activity_keeps_its_names(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    """The last date is the later of the planned end and the last event: a date long past does not count
    when the workshop met again since."""
    await start(coach_client, workshop)
    await join(coach_client, workshop.code, "Clara")
    report = await run(settings, datetime.now(UTC) + timedelta(days=DAYS - 2))
    assert report.guests_pseudonymised == 0
    assert await db.scalar(select(func.count()).where(Participant.display_name == "Clara")) == 1


def test_last_date_is_the_later_of_planned_end_and_last_event() -> None:
    start_at = datetime(2026, 5, 1, 18, tzinfo=UTC)
    assert last_date(start_at, 120, None) == datetime(2026, 5, 1, 20, tzinfo=UTC)
    assert last_date(start_at, 120, datetime(2026, 5, 8, tzinfo=UTC)) == datetime(2026, 5, 8, tzinfo=UTC)
    assert last_date(None, 120, None) is None


async def test_two_runs_at_once_pseudonymise_each_guest_once(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    await start(coach_client, workshop)
    for name in ("Dora", "Emil", "Frieda", "Gustav"):
        await join(coach_client, workshop.code, name)
    other = await plan(db, workshop.coach, workshop.town_id, "Zweite Werkstatt")
    first, second = await asyncio.gather(run(settings, later(DAYS + 1)), run(settings, later(DAYS + 1)))
    assert first.guests_pseudonymised + second.guests_pseudonymised == 4
    assert first.events_rewritten + second.events_rewritten == 4  # one participant_joined each
    left = await db.scalar(
        select(func.count()).where(Participant.role == ParticipantRole.guest, Participant.pseudonymised_at.is_(None))
    )
    assert left == 0
    assert other.id is not None


async def test_expired_rows_are_pruned_and_live_ones_kept(
    workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    now = datetime.now(UTC)
    account = await make_account(db, Role.coach)
    hour = timedelta(hours=1)
    db.add_all(
        [
            WebSession(token_hash="a" * 64, last_seen_at=now - 2 * hour, expires_at=now - hour),
            WebSession(token_hash="b" * 64, last_seen_at=now, expires_at=now + hour),
            WebSession(token_hash="c" * 64, account_id=account.id, last_seen_at=now - 3 * hour, expires_at=now + hour),
            WebSession(token_hash="d" * 64, account_id=account.id, last_seen_at=now, expires_at=now + hour),
            ApiRequest(principal="p", key="old", method="POST", path="/x", body_hash="0", created_at=now - 25 * hour),
            ApiRequest(principal="p", key="new", method="POST", path="/x", body_hash="0", created_at=now),
            LoginAttempt(key="k" * 64, at=now - timedelta(minutes=16)),
            LoginAttempt(key="k" * 64, at=now),
            PasswordReset(account_id=account.id, token_hash="e" * 64, expires_at=now + hour, used_at=now),
            PasswordReset(account_id=account.id, token_hash="f" * 64, expires_at=now + hour),
            Invitation(
                email="x@example.org", role=Role.coach, token_hash="g" * 64, expires_at=now + hour, accepted_at=now
            ),
            Invitation(
                email="y@example.org", role=Role.coach, token_hash="h" * 64, expires_at=now - timedelta(days=31)
            ),
            Invitation(email="z@example.org", role=Role.coach, token_hash="i" * 64, expires_at=now - timedelta(days=1)),
            ApiToken(
                account_id=account.id,
                name="alt",
                prefix="wst_a",
                token_hash="j" * 64,
                expires_at=now - timedelta(days=31),
            ),
            ApiToken(account_id=account.id, name="neu", prefix="wst_b", token_hash="l" * 64, expires_at=now + hour),
            ApiToken(account_id=account.id, name="ewig", prefix="wst_c", token_hash="m" * 64),
        ]
    )
    await db.commit()
    report = await run(settings, now)
    assert report.sessions_pruned == 2  # expired guest session, idle account session
    assert report.idempotency_keys_pruned == 1
    assert report.login_attempts_pruned == 1
    assert report.links_pruned == 3  # used reset, accepted invitation, invitation expired 31 days ago
    assert report.tokens_pruned == 1
    db.expire_all()
    assert set((await db.execute(select(WebSession.token_hash))).scalars()) == {"b" * 64, "d" * 64}
    assert set((await db.execute(select(ApiRequest.key))).scalars()) == {"new"}
    assert set((await db.execute(select(Invitation.email))).scalars()) == {"z@example.org"}
    assert set((await db.execute(select(ApiToken.name))).scalars()) == {"neu", "ewig"}
    assert await db.scalar(select(func.count()).select_from(PasswordReset)) == 1
    again = await run(settings, now)
    assert again.sessions_pruned == again.links_pruned == again.tokens_pruned == 0


async def test_cards_votes_and_results_survive_retention(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    room = await room_with_guests(coach_client, workshop)
    results_before = (await coach_client.get(f"/api/workshops/{workshop.id}/results")).json()
    await run(settings, later(DAYS + 1))
    await sign_in_again(coach_client, db, settings, workshop)
    results_after = (await coach_client.get(f"/api/workshops/{workshop.id}/results")).json()
    names = [idea.pop("author_name") for idea in results_after["ideas"]]
    assert names == [pseudonym(room["anna"]["participant_id"])]
    for idea in results_before["ideas"]:
        idea.pop("author_name")
    assert results_after == results_before  # the same cards, votes, ranks: only the name changed
    assert await db.scalar(select(func.count()).select_from(Idea)) == 1
