"""The broker carries news between workers: Litestar channels, in memory (embedded, one process) or
through Redis pub/sub (several workers). It keeps no history; the event log in the database does."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis

if TYPE_CHECKING:
    from werkstatt.settings import Settings


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


def make_channels(settings: Settings, redis: Redis | None) -> ChannelsPlugin:
    backend = (
        RedisChannelsPubSubBackend(redis=redis, key_prefix="werkstatt")
        if redis is not None
        else MemoryChannelsBackend()
    )
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
