"""Behind the reverse proxy (compose.yaml: Caddy in front, X-Forwarded-For believed from it), the join-code
limit counts each participant's own address: JOIN_FAILURES wrong codes from one address lock that phone out, not the
whole venue. When the proxy is not among WERKSTATT_FORWARDED_ALLOW_IPS, the header is ignored (a client
cannot pick its address) and everyone behind it shares one count. Real `werkstatt serve` processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, server_env, start_server

pytestmark = pytest.mark.multiprocess
JOIN_FAILURES = 20  # per address (WERKSTATT_JOIN_FAILURES_PER_ADDRESS, lowered here to keep the test short)


@pytest.fixture(params=["*", "10.0.0.1"], ids=["proxy-believed", "proxy-unknown"])
def proxied(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Server, str]]:
    shutil.copy(sqlite_template, tmp_path / "werkstatt.db")
    env = server_env(
        f"sqlite+aiosqlite:///{tmp_path / 'werkstatt.db'}",
        tmp_path,
        WERKSTATT_TRUST_PROXY_HEADERS="true",
        WERKSTATT_FORWARDED_ALLOW_IPS=request.param,
        WERKSTATT_JOIN_FAILURES_PER_ADDRESS=str(JOIN_FAILURES),
    )
    server = start_server(env, tmp_path / "server.log")
    yield server, request.param
    server.stop()


def _join(server: Server, address: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/join",
        json={"code": "FALSCH", "display_name": "Rätselnde"},
        headers={"X-Forwarded-For": address},
        timeout=10,
    )


def test_join_limit_counts_each_address_behind_the_proxy(proxied: tuple[Server, str]) -> None:
    server, allowed = proxied
    for _ in range(JOIN_FAILURES):
        assert _join(server, "203.0.113.7").status_code == 422
    locked = _join(server, "203.0.113.7")
    assert locked.status_code == 429 and "Zu viele falsche Codes" in locked.json()["detail"]
    neighbour = _join(server, "203.0.113.8")  # another phone on the venue's Wi-Fi
    if allowed == "*":
        assert neighbour.status_code == 422, "a neighbour's own count is untouched"
    else:
        assert neighbour.status_code == 429, "an unknown proxy's header is ignored: one shared count"
