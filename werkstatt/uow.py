"""One unit of work for every face (HTML, JSON API, websocket, CLI): it owns commit and rollback.

A command records its events in the session's transaction (the event-log row with the change). The unit of
work keeps them, and what else is to be done once the change is durable (a tally to batch, sockets to close on a
logout), until the transaction ends: SQLAlchemy's `after_commit` hands them to the session's publisher (the
app's channels) and runs the follow-ups; a rollback drops them. So news never goes out about a change that did
not happen, and no route commits or publishes by hand.

Requests get one from `provide_unit_of_work` (a Litestar dependency): it commits when the handler returned and
its response is built (before anything is sent, so a failed commit still becomes an error answer) and rolls
back when the handler raised. Websocket messages, background jobs and the CLI use `unit_of_work(factory)`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar.di import NamedDependency
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

logger = logging.getLogger("werkstatt")

Publisher = Callable[[Sequence[Any]], None]
"""Puts committed events on the broker (`live.events.publish` bound to the app's channels)."""

_UOW = "werkstatt.unit_of_work"
_PUBLISHER = "werkstatt.publisher"


class UnitOfWork:
    """One session's transaction with the events it recorded and the follow-ups registered on it."""

    def __init__(self, session: AsyncSession, publisher: Publisher | None = None) -> None:
        self.session = session
        self.publisher = publisher  # else the one its session factory was given (`use_publisher`)
        self._events: list[Any] = []
        self._follow_ups: list[Callable[[], None]] = []
        self._savepoints: dict[SessionTransaction, tuple[int, int]] = {}
        session.info[_UOW] = self

    @classmethod
    def of(cls, session: AsyncSession) -> UnitOfWork:
        """The unit of work of `session` (made on first use, so a bare session from a test fixture has one too)."""
        found: UnitOfWork | None = session.info.get(_UOW)
        return found if found is not None else cls(session)

    def record(self, *events: Any) -> None:
        """Publish `events` after this transaction commits (nothing of them if it rolls back)."""
        self._events.extend(events)

    def after_commit(self, follow_up: Callable[[], None]) -> None:
        """Run `follow_up` once this transaction has committed (not at all if it rolls back)."""
        self._follow_ups.append(follow_up)

    @property
    def pending(self) -> tuple[Any, ...]:
        """The events recorded so far in this transaction."""
        return tuple(self._events)

    async def commit(self) -> None:
        """Commit; the recorded events are published and the follow-ups run (SQLAlchemy's `after_commit`)."""
        if self.session.in_transaction():
            await self.session.commit()
        else:  # nothing was done: nothing to make durable, but anything recorded outside a transaction goes out
            self._committed()

    async def release(self) -> None:
        """Done with the database before the answer is made (a long export render): commit what there is now
        and give the connection back to the pool; the request's end then has nothing left to commit."""
        await self.commit()
        await self.session.close()

    async def rollback(self) -> None:
        """Undo the transaction; its recorded events and follow-ups are dropped."""
        await self.session.rollback()
        self._dropped()

    def _committed(self) -> None:
        events, follow_ups = self._events, self._follow_ups
        self._events, self._follow_ups, self._savepoints = [], [], {}
        publisher: Publisher | None = self.publisher or self.session.info.get(_PUBLISHER)
        if events and publisher is not None:
            try:
                publisher(events)
            except Exception:  # committed all the same (the app may be stopping): clients catch up from the log
                logger.warning("publishing %d committed events failed", len(events), exc_info=True)
        for follow_up in follow_ups:
            try:
                follow_up()
            except Exception:
                logger.exception("a follow-up after commit failed")

    def _dropped(self) -> None:
        self._events, self._follow_ups, self._savepoints = [], [], {}

    def _savepoint_began(self, transaction: SessionTransaction) -> None:
        self._savepoints[transaction] = (len(self._events), len(self._follow_ups))

    def _savepoint_rolled_back(self, transaction: SessionTransaction) -> None:
        marks = self._savepoints.pop(transaction, None)
        if marks is not None:
            del self._events[marks[0] :]
            del self._follow_ups[marks[1] :]


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    uow: UnitOfWork | None = session.info.get(_UOW)
    if uow is not None:
        uow._committed()


@event.listens_for(Session, "after_transaction_create")
def _after_transaction_create(session: Session, transaction: SessionTransaction) -> None:
    uow: UnitOfWork | None = session.info.get(_UOW)
    if uow is not None and transaction.nested:
        uow._savepoint_began(transaction)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    uow: UnitOfWork | None = session.info.get(_UOW)
    if uow is None:
        return
    if previous_transaction.nested:
        uow._savepoint_rolled_back(previous_transaction)
    else:
        uow._dropped()


def use_publisher(factory: async_sessionmaker[AsyncSession], publisher: Publisher) -> None:
    """Sessions made by `factory` publish their committed events with `publisher`."""
    info = dict(factory.kw.get("info") or {})
    info[_PUBLISHER] = publisher
    factory.configure(info=info)


@asynccontextmanager
async def unit_of_work(
    factory: async_sessionmaker[AsyncSession], publisher: Publisher | None = None
) -> AsyncIterator[UnitOfWork]:
    """A unit of work outside a request (websocket message, background job, CLI): commits when the block ends,
    rolls back when it raises. `publisher` replaces the factory's (a job handed its own channels)."""
    async with factory() as session:
        uow = UnitOfWork(session, publisher)
        try:
            yield uow
        except Exception:
            await uow.rollback()
            raise
        await uow.commit()


def unit_of_work_provider(
    factory: async_sessionmaker[AsyncSession],
) -> Callable[[], AsyncIterator[UnitOfWork]]:
    """The request's unit of work (Litestar generator dependency): commit after the handler, rollback if it raised.

    A handler that answers a refusal without raising (a form shown again with its errors) calls `rollback()`
    first; what it reads afterwards is committed as an empty transaction."""

    async def provide_unit_of_work() -> AsyncIterator[UnitOfWork]:
        async with unit_of_work(factory) as uow:
            yield uow

    return provide_unit_of_work


def provide_session(uow: NamedDependency[UnitOfWork]) -> AsyncSession:
    """The request's session (`db`), the one of its unit of work."""
    return uow.session
