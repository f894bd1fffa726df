"""The helper itself, with two sessions as two requests: a key whose answer is not stored yet (a service that
commits on its own), a key held by a request that died, a failure after such a commit, retention, sealing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.waiting import until
from werkstatt import idempotency
from werkstatt.db import create_engine, create_sessionmaker
from werkstatt.errors import Conflict, Invalid
from werkstatt.idempotency import ApiRequest, Effect, once
from werkstatt.settings import Settings

SECRET = b"test-secret"


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions configured like the app's (on SQLite: WAL and BEGIN IMMEDIATE)."""
    engine = create_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def call(
    db: AsyncSession, run: Any, key: str = "k", body: Any = None, *, sealed: bool = False, secret: bytes = SECRET
) -> idempotency.Outcome:
    outcome = await once(
        db, "account:test", key, "POST", "/api/x", body or {"a": 1}, run, status=201, secret=secret, sealed=sealed
    )
    await db.commit()
    return outcome


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    async with sessions() as db:
        return [(r.key, r.status) for r in (await db.execute(select(ApiRequest).order_by(ApiRequest.key))).scalars()]


class Died(BaseException):
    """A request that ends without cleaning up (a killed worker)."""


async def test_a_retry_waits_for_the_answer_of_a_request_that_committed_early(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    committed, release = asyncio.Event(), asyncio.Event()
    runs = 0
    looks: list[int] = []  # the retry's looks at the stored key: status each time
    stored = idempotency._stored

    async def look(*args: Any) -> Any:
        found = await stored(*args)
        looks.append(found.status if found is not None else -1)
        return found

    monkeypatch.setattr(idempotency, "_stored", look)

    async def slow(db: AsyncSession) -> Effect:
        nonlocal runs
        runs += 1
        await db.commit()  # like network/service.py: the key row is committed with the effect
        committed.set()
        await release.wait()
        return Effect({"id": "erste"})

    async with sessions() as first_db, sessions() as retry_db:
        first = asyncio.create_task(call(first_db, lambda: slow(first_db)))
        await committed.wait()
        retry = asyncio.create_task(call(retry_db, lambda: slow(retry_db)))
        await until(lambda: len(looks) >= 3, what="the retry looks at the pending key again and again")
        assert set(looks) == {idempotency._PENDING}
        assert not retry.done(), "the retry waits for the answer instead of running again"
        release.set()
        assert (await first).body == (await retry).body == {"id": "erste"}
        assert (await retry).replayed and runs == 1


async def test_a_key_whose_request_died_is_a_conflict_after_a_while(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "PENDING_WAIT_SECONDS", 0.3)

    async def dies(db: AsyncSession) -> Effect:
        await db.commit()
        raise Died

    async with sessions() as db:
        with pytest.raises(Died):
            await call(db, lambda: dies(db))
    assert await rows(sessions) == [("k", 0)]

    async def fine() -> Effect:
        raise AssertionError("must not run")

    async with sessions() as db:
        with pytest.raises(Conflict) as refused:
            await call(db, fine)
    assert refused.value.detail.startswith("Eine Anfrage mit diesem Idempotency-Key wird noch bearbeitet.")
    assert refused.value.errors == {"Idempotency-Key": "Wird noch bearbeitet."}


async def test_a_failure_after_an_early_commit_frees_the_key(sessions: async_sessionmaker[AsyncSession]) -> None:
    async def fails(db: AsyncSession) -> Effect:
        await db.commit()  # e.g. a failed login is counted and committed before the error
        raise Invalid("Nein.")

    async with sessions() as db:
        with pytest.raises(Invalid):
            await call(db, lambda: fails(db))
    assert await rows(sessions) == []

    async def works() -> Effect:
        return Effect({"ok": True})

    async with sessions() as db:
        assert (await call(db, works)).body == {"ok": True}
    assert await rows(sessions) == [("k", 201)]


async def test_keys_older_than_a_day_are_pruned(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as db:
        old = datetime.now(UTC) - timedelta(hours=25)
        for index in range(3):
            db.add(
                ApiRequest(
                    principal="account:alt",
                    key=f"alt-{index}",
                    method="POST",
                    path="/api/x",
                    body_hash="0" * 64,
                    status=201,
                    created_at=old,
                    updated_at=old,
                )
            )
        db.add(ApiRequest(principal="account:alt", key="frisch", method="POST", path="/api/x", body_hash="0" * 64))
        await db.commit()

    async def works() -> Effect:
        return Effect({"ok": True})

    async with sessions() as db:
        await call(db, works)
    assert [key for key, _status in await rows(sessions)] == ["frisch", "k"]


async def test_a_sealed_answer_is_only_readable_with_the_body_and_the_secret(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def token() -> Effect:
        return Effect({"token": "geheimes-token"})

    async with sessions() as db:
        first = await call(db, token, body={"password": "pw"}, sealed=True)
        stored = (await db.execute(select(ApiRequest.response))).scalar_one()
    assert "geheimes-token" not in str(stored)
    async with sessions() as db:
        again = await call(db, token, body={"password": "pw"}, sealed=True)
    assert again.replayed and again.body == first.body == {"token": "geheimes-token"}
    async with sessions() as db:
        with pytest.raises(Conflict):  # after a change of the server secret: a conflict, never a garbled answer
            await call(db, token, body={"password": "pw"}, sealed=True, secret=b"another-secret")
        count = (await db.execute(select(func.count()).select_from(ApiRequest))).scalar_one()
    assert count == 1
