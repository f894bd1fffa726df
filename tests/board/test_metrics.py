"""`/metrics`: off by default, never public, and counting what the live board does (one process here; the
sum over several workers is tested in tests/multiprocess/test_metrics_workers.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.board.conftest import LiveWorkshop, as_guest, bearer, join, start
from tests.conftest import make_settings
from tests.waiting import until
from werkstatt import metrics
from werkstatt.app import create_app
from werkstatt.settings import SettingsError, load_settings

TOKEN = "metrics-token-0123456789abcdef"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metrics_settings(database_url: str, data_dir: Path) -> Any:
    return make_settings(database_url, data_dir, metrics=True, metrics_token=TOKEN)


@pytest.fixture
async def metrics_client(metrics_settings: Any) -> Any:
    async with AsyncTestClient(app=create_app(metrics_settings), base_url="http://testserver.local") as test_client:
        yield test_client


async def scrape(client: AsyncTestClient[Any]) -> str:
    response = await client.get("/metrics", headers=bearer(TOKEN))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return str(response.text)


def test_enabling_metrics_needs_a_token_or_client_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WERKSTATT_METRICS", "true")
    with pytest.raises(SettingsError, match="WERKSTATT_METRICS braucht WERKSTATT_METRICS_TOKEN"):
        load_settings()
    monkeypatch.setenv("WERKSTATT_METRICS_CLIENTS", "10.0.0.0/8, kein-netz")
    with pytest.raises(SettingsError, match="METRICS_CLIENTS: kein-netz ist keine Adresse"):
        load_settings()
    monkeypatch.setenv("WERKSTATT_METRICS_CLIENTS", "10.0.0.0/8,::1")
    assert load_settings().metrics_clients == ["10.0.0.0/8", "::1"]
    monkeypatch.setenv("WERKSTATT_METRICS_TOKEN", "zu-kurz")
    with pytest.raises(SettingsError, match="WERKSTATT_METRICS_TOKEN"):
        load_settings()


def test_scraper_allowed_by_token_or_network_only() -> None:
    settings = make_settings("sqlite+aiosqlite://", Path("var"), metrics=True, metrics_clients=["10.1.0.0/16"])
    assert metrics.scraper_allowed(settings, "", "10.1.2.3")
    assert not metrics.scraper_allowed(settings, "", "10.2.0.1")
    assert not metrics.scraper_allowed(settings, "", "testclient")
    assert not metrics.scraper_allowed(settings, f"Bearer {TOKEN}", "127.0.0.1")  # no token configured
    with_token = make_settings("sqlite+aiosqlite://", Path("var"), metrics=True, metrics_token=TOKEN)
    assert metrics.scraper_allowed(with_token, f"Bearer {TOKEN}", None)
    assert not metrics.scraper_allowed(with_token, f"Bearer {TOKEN}x", None)
    assert not metrics.scraper_allowed(with_token, TOKEN, "127.0.0.1")


async def test_metrics_are_off_by_default(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/metrics", headers=bearer(TOKEN))
    assert response.status_code == 404


async def test_enabled_metrics_answer_404_without_the_token(metrics_client: AsyncTestClient[Any]) -> None:
    for headers in ({}, bearer("falsch-falsch-falsch-falsch"), {"Authorization": TOKEN}):
        response = await metrics_client.get("/metrics", headers=headers)
        assert response.status_code == 404
        assert "werkstatt_" not in response.text


async def test_metrics_count_sockets_events_deliveries_latency_and_refusals(
    metrics_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: Any, settings: Any
) -> None:
    from tests.factories import sign_in
    from werkstatt.network.models import Account

    account = await db.get(Account, workshop.coach.id)
    await sign_in(metrics_client, db, settings, account)
    await start(metrics_client, workshop)
    guest = await join(metrics_client, workshop.code, "Anna")
    before = await scrape(metrics_client)
    url = f"/api/workshops/{workshop.id}/live?after=2"
    saved = metrics_client.cookies
    metrics_client.cookies.clear()
    with await metrics_client.websocket_connect(url, headers=bearer(guest["token"])) as socket:
        during = await scrape(metrics_client)
        assert value(during, "werkstatt_sockets_open") == value(before, "werkstatt_sockets_open") + 1
        for text in ("eins", "zwei"):
            posted = await as_guest(
                metrics_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": text}
            )
            assert posted.status_code == 201
        received = []
        while len(received) < 2:
            message = json.loads(socket.receive_text(timeout=5))
            if message.get("type") == "idea_posted":
                received.append(message["data"]["idea"]["text"])
        assert received == ["eins", "zwei"]
        metrics.post_refused("rate")
        after = await scrape(metrics_client)
    metrics_client.cookies = saved
    assert value(after, "werkstatt_events_published_total") == value(before, "werkstatt_events_published_total") + 2
    assert value(after, "werkstatt_events_delivered_total") >= value(before, "werkstatt_events_delivered_total") + 2
    latency = "werkstatt_delivery_latency_seconds_count"
    assert value(after, latency) >= value(before, latency) + 2
    assert value(after, "werkstatt_delivery_latency_seconds_bucket", le="+Inf") == value(after, latency)
    refused = "werkstatt_posts_refused_total"
    assert value(after, refused, reason="rate") == value(before, refused, reason="rate") + 1

    async def closed() -> bool:  # the server notices the close a moment later
        return value(await scrape(metrics_client), "werkstatt_sockets_open") == value(before, "werkstatt_sockets_open")

    await until(closed, what="the closed socket leaves the gauge")


async def test_a_429_is_counted(metrics_client: AsyncTestClient[Any]) -> None:
    before = value(await scrape(metrics_client), "werkstatt_http_too_many_requests_total")
    statuses = []
    for _ in range(700):  # wrong join codes from one address are limited (600 per address and hour)
        response = await metrics_client.post("/api/join", json={"code": "ZZZZZZ", "display_name": "Gast"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429
    assert value(await scrape(metrics_client), "werkstatt_http_too_many_requests_total") == before + 1
