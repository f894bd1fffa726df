"""The broker carries news between workers: Litestar channels, in memory (embedded, one process) or
through Redis pub/sub (several workers). It keeps no history; the event log in the database does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Iterable
from functools import partial
from typing import TYPE_CHECKING

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from redis.asyncio import Redis

from werkstatt.sessions import ended_sessions
from werkstatt.uow import UnitOfWork

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.settings import Settings

logger = logging.getLogger("werkstatt.live")

RECONNECTED = b'{"broker":"reconnected"}'
"""Put on every subscribed channel after the Redis connection came back: what went past meanwhile was lost
on the way, and the hub fetches it from the event log."""
RECONNECT_FIRST = 0.1
RECONNECT_MAX = 2.0
PUBLISH_PAUSE = 1.0
READ_WAIT = 1.0


def make_redis(settings: Settings) -> Redis | None:
    if not settings.redis_url:
        return None
    redis: Redis = Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=15,
        retry_on_timeout=True,
    )
    return redis


class RedisBroker(ChannelsBackend):
    """Redis pub/sub that outlives a Redis restart.

    With Litestar's own pub/sub backend a connection error ends the channels plugin's reader and publisher
    tasks for good: the worker then neither sends nor receives news until it is restarted, and its shutdown
    waits forever on the queue nobody publishes any more (SIGTERM hangs). Here a failed publish is logged
    and dropped (the event is in the database already; the hub's catch-up delivers it), and the reader
    reconnects with backoff, subscribes again to every channel and then passes RECONNECTED on each of them.
    """

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._pubsub: PubSub | None = None
        self._wanted: set[str] = set()
        self._broken = False
        self._announce = False
        self._paused_until = 0.0
        self._publish_failing = False
        # Created on first use, inside the running loop (an app can be built outside one).
        self._lock_: asyncio.Lock | None = None
        self._has_channels_: asyncio.Event | None = None

    @property
    def _lock(self) -> asyncio.Lock:
        if self._lock_ is None:
            self._lock_ = asyncio.Lock()
        return self._lock_

    @property
    def _has_channels(self) -> asyncio.Event:
        if self._has_channels_ is None:
            self._has_channels_ = asyncio.Event()
        return self._has_channels_

    async def on_startup(self) -> None:
        """Nothing to do: the connection is made at the first subscription."""

    async def on_shutdown(self) -> None:
        async with self._lock:
            await self._drop()

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        if time.monotonic() < self._paused_until:
            return
        try:
            for channel in set(channels):
                await self._redis.publish(channel, data)
        except Exception as error:  # never stop publishing for good; the event log has the event
            self._paused_until = time.monotonic() + PUBLISH_PAUSE
            if not self._publish_failing:
                logger.warning("Redis: Veröffentlichen fehlgeschlagen, Nachrichten werden verworfen: %s", error)
            self._publish_failing = True
            return
        if self._publish_failing:
            logger.warning("Redis: Veröffentlichen geht wieder")
            self._publish_failing = False

    async def subscribe(self, channels: Iterable[str]) -> None:
        channels = set(channels)
        self._wanted |= channels
        self._has_channels.set()
        async with self._lock:
            if self._broken:  # the reader is reconnecting and will subscribe to everything wanted; a socket
                return  # joining meanwhile must not wait for a connect timeout
            try:
                if self._pubsub is None:
                    await self._connect()
                else:
                    await self._pubsub.subscribe(*channels)
            except Exception as error:
                self._fail("subscribe", error)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        channels = set(channels)
        self._wanted -= channels
        if not self._wanted:
            self._has_channels.clear()
        async with self._lock:
            if self._pubsub is None or self._broken:
                return
            try:
                await self._pubsub.unsubscribe(*channels)
            except Exception as error:
                self._fail("unsubscribe", error)

    async def stream_events(self) -> AsyncGenerator[tuple[str, bytes], None]:
        delay = RECONNECT_FIRST
        while True:
            await self._has_channels.wait()
            if self._pubsub is None or self._broken:
                async with self._lock:
                    try:
                        if self._pubsub is None or self._broken:
                            await self._connect()
                    except Exception as error:
                        self._fail("connect", error)
                if self._broken:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RECONNECT_MAX)
                    continue
                delay = RECONNECT_FIRST
            if self._announce:
                self._announce = False
                for channel in sorted(self._wanted):
                    yield channel, RECONNECTED
            pubsub = self._pubsub
            if pubsub is None:
                continue
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=READ_WAIT)
            except Exception as error:
                if pubsub is self._pubsub:
                    self._fail("read", error)
                continue
            if not message or message.get("type") != "message":
                continue
            channel = message["channel"].decode()
            if channel in self._wanted:
                yield channel, message["data"]

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        raise NotImplementedError("Redis pub/sub keeps no history; the event log does")

    async def _connect(self) -> None:
        """A fresh pub/sub connection with every wanted channel (call under the lock)."""
        outage = self._broken
        await self._drop()
        pubsub = self._redis.pubsub()
        try:
            if self._wanted:
                await pubsub.subscribe(*sorted(self._wanted))
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            raise
        self._pubsub = pubsub
        self._broken = False
        self._paused_until = 0.0
        if outage:
            logger.warning("Redis: wieder verbunden, %d Kanäle abonniert", len(self._wanted))
            self._announce = True

    async def _drop(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _fail(self, what: str, error: BaseException) -> None:
        if not self._broken:
            logger.warning("Redis: Verbindung für Nachrichten unterbrochen (%s): %s", what, error)
        self._broken = True
        self._paused_until = time.monotonic() + PUBLISH_PAUSE


def make_channels(settings: Settings, redis: Redis | None) -> ChannelsPlugin:
    backend: ChannelsBackend = RedisBroker(redis) if redis is not None else MemoryChannelsBackend()
    return ChannelsPlugin(
        backend=backend,
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=5000,
        subscriber_backlog_strategy="dropleft",
    )


def workshop_channel(workshop_id: object) -> str:
    """The one function that names a workshop's channel; the server decides it, never the client."""
    return f"workshop:{workshop_id}"


async def broker_state(redis: Redis | None) -> str:
    if redis is None:
        return "memory"
    try:
        await redis.ping()
    except Exception:  # any failure means the broker is down for health purposes
        return "unreachable"
    return "ok"


SESSIONS_CHANNEL = "sessions"


def announce_session_ended(channels: ChannelsPlugin, token_hash: str) -> None:
    """After a logout commits: every worker closes the websockets that this session opened."""
    channels.publish(json.dumps({"ended": token_hash}).encode(), channels=[SESSIONS_CHANNEL])


def announce_token_revoked(channels: ChannelsPlugin, token_hash: str) -> None:
    """After a token's revocation commits: every worker closes the websockets that token opened (4410)."""
    channels.publish(json.dumps({"revoked_token": token_hash}).encode(), channels=[SESSIONS_CHANNEL])


def announce_account_changed(channels: ChannelsPlugin, account_id: str) -> None:
    """After an account was locked, moved out of its network, given another role, or removed from (or linked
    to) a town's Kernteam: every worker closes the websockets it opened, by cookie or token (4410); a
    reconnect is admitted, or not, with the new rights."""
    channels.publish(json.dumps({"account": account_id}).encode(), channels=[SESSIONS_CHANNEL])


def announce_sessions_ended(channels: ChannelsPlugin, db: AsyncSession) -> None:
    """Once `db`'s unit of work has committed: the sessions that `sessions.end_account_sessions` ended in it
    close their websockets on every worker (nothing, if it rolls back)."""
    hashes = ended_sessions(db)
    for token_hash in hashes:
        UnitOfWork.of(db).after_commit(partial(announce_session_ended, channels, token_hash))
