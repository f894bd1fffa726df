"""The broker through real Redis: what one app publishes, another app's subscriber receives."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import make_settings
from tests.waiting import until
from werkstatt.live.broker import make_channels, make_redis


@pytest.mark.redis
async def test_publish_reaches_subscriber_of_another_plugin(redis_url: str, tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path, redis_url=redis_url)
    redis_a, redis_b = make_redis(settings), make_redis(settings)
    sender, receiver = make_channels(settings, redis_a), make_channels(settings, redis_b)
    channel = f"test:{uuid.uuid4()}"
    await receiver._backend.on_startup()
    await sender._backend.on_startup()
    try:
        await receiver._backend.subscribe([channel])

        async def subscribed() -> bool:
            return dict(await redis_a.pubsub_numsub(channel)).get(channel.encode(), 0) > 0

        await until(subscribed, what="Redis has the receiver's subscription")
        await sender._backend.publish(b"hallo", [channel])
        stream = receiver._backend.stream_events()
        received: Any = await asyncio.wait_for(stream.__anext__(), timeout=5)
        assert received == (channel, b"hallo")
    finally:
        await sender._backend.on_shutdown()
        await receiver._backend.on_shutdown()
        await redis_a.aclose()
        await redis_b.aclose()


@pytest.mark.redis
async def test_healthz_reports_redis_broker(redis_url: str, tmp_path: Path) -> None:
    from werkstatt.app import create_app
    from werkstatt.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    await asyncio.to_thread(upgrade, url)
    app = create_app(make_settings(url, tmp_path, redis_url=redis_url))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        response = await client.get("/healthz")
    assert response.json()["broker"] == "ok"


async def test_healthz_reports_unreachable_broker(tmp_path: Path) -> None:
    from werkstatt.app import create_app
    from werkstatt.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    await asyncio.to_thread(upgrade, url)
    app = create_app(make_settings(url, tmp_path, redis_url="redis://127.0.0.1:1/0"))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
