"""Two app processes on PostgreSQL + Redis (the compose topology without Docker)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Server


@pytest.mark.multiprocess
@pytest.mark.postgres
@pytest.mark.redis
def test_session_started_on_one_worker_is_valid_on_the_other(cluster: list[Server]) -> None:
    first, second = cluster
    for server in cluster:
        health = httpx.get(f"{server.url}/healthz").json()
        assert health == {"status": "ok", "database": "ok", "broker": "ok"}
    with httpx.Client(base_url=first.url) as browser_a:
        browser_a.get("/")
        token = browser_a.cookies["csrftoken"]
        switched = browser_a.post("/sprache", data={"locale": "en", "next": "/"}, headers={"x-csrftoken": token})
        assert switched.status_code == 303
        cookies = dict(browser_a.cookies)
    page = httpx.get(f"{second.url}/", cookies=cookies)
    assert '<html lang="en">' in page.text
