"""Joining never refuses the right code because of others' typos: wrong codes count strictly per device (the
signed `werkstatt_geraet` cookie) and generously per address; join codes stop working JOIN_CODE_DAYS after the
workshop's last date. Phones are separate cookie jars of one test client (all share one address, as in a town
hall behind one NAT); counting runs in memory (SQLite) and in Redis (PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop
from tests.conftest import REDIS_URL, make_settings, port_open
from tests.html import parse, text_of
from werkstatt.settings import Settings
from werkstatt.workshops.models import Workshop

PER_DEVICE = 3
PER_ADDRESS = 8


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    redis = REDIS_URL if database_url.startswith("postgresql") and port_open("127.0.0.1", 6379) else None
    if redis:  # the test client's address is always "testclient": start from an empty count
        import redis as redis_sync

        connection = redis_sync.Redis.from_url(redis)
        for key in connection.scan_iter("werkstatt:rl:join-fail:*"):
            connection.delete(key)
        connection.close()
    return make_settings(
        database_url,
        tmp_path,
        redis_url=redis,
        join_failures_per_device=PER_DEVICE,
        join_failures_per_address=PER_ADDRESS,
    )


class Phone:
    """One browser: its own cookies (device, CSRF, session) on the shared test client."""

    def __init__(self, client: AsyncTestClient[Any]) -> None:
        self.client = client
        self.cookies = httpx.Cookies()

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        saved = self.client.cookies
        self.client.cookies = self.cookies
        try:
            headers = dict(kwargs.pop("headers", {}) or {})
            if method == "POST":
                if "csrftoken" not in self.client.cookies:
                    await self.client.get("/beitreten")
                headers["x-csrftoken"] = self.client.cookies["csrftoken"]
            response = await self.client.request(method, url, headers=headers, follow_redirects=False, **kwargs)
            self.cookies = self.client.cookies
            return response
        finally:
            self.client.cookies = saved

    async def open_join_page(self) -> httpx.Response:
        return await self.request("GET", "/beitreten")

    async def try_code(self, code: str) -> httpx.Response:
        return await self.request("POST", "/beitreten", data={"code": code})


async def _room(client: AsyncTestClient[Any], phones: int) -> list[Phone]:
    room = [Phone(client) for _ in range(phones)]
    for phone in room:
        page = await phone.open_join_page()
        assert page.status_code == 200
    return room


async def test_the_join_page_gives_each_phone_a_signed_httponly_device_cookie(
    client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    phone = Phone(client)
    page = await phone.open_join_page()
    header = next(value for key, value in page.headers.multi_items() if value.startswith("werkstatt_geraet="))
    assert "HttpOnly" in header and "SameSite=lax" in header.replace("SameSite=Lax", "SameSite=lax")
    device = phone.cookies["werkstatt_geraet"]
    again = await phone.open_join_page()
    assert phone.cookies["werkstatt_geraet"] == device, "the device keeps its id"
    assert again.status_code == 200
    soup = parse(page.text)
    assert soup.select_one(".main-nav") is None, "the join page shows no site navigation"
    assert soup.select_one("#f-code").has_attr("autofocus")


async def test_a_phone_that_has_not_failed_gets_in_while_its_neighbour_is_locked(
    client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    typist, careful = await _room(client, 2)
    for _ in range(PER_DEVICE):
        assert (await typist.try_code("ZZZZ99")).status_code == 422
    locked = await typist.try_code(workshop.code)
    assert locked.status_code == 429
    assert "Zu viele falsche Codes von diesem Gerät" in locked.text
    found = await careful.try_code(workshop.code)
    assert found.status_code == 303 and found.headers["location"] == f"/beitreten/{workshop.code}"
    form = await careful.request("GET", found.headers["location"])
    soup = parse(form.text)
    assert soup.select_one("#f-display_name").has_attr("autofocus")
    assert soup.select_one(".main-nav") is None
    joined = await careful.request("POST", f"/beitreten/{workshop.code}", data={"display_name": "Greta"})
    assert joined.status_code == 303 and joined.headers["location"] == f"/w/{workshop.id}"
    assert "werkstatt_geraet=" in joined.headers.get("set-cookie", ""), "set again after a successful join"


async def test_a_forged_device_cookie_counts_as_no_device(client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    phone = Phone(client)
    await phone.open_join_page()
    genuine = phone.cookies["werkstatt_geraet"]
    device, _, _signature = genuine.partition(".")
    phone.cookies.set("werkstatt_geraet", f"{device}.{'0' * 32}", domain="testserver.local")
    page = await phone.open_join_page()
    issued = next(v for k, v in page.headers.multi_items() if v.startswith("werkstatt_geraet="))
    assert not issued.startswith(f"werkstatt_geraet={device}."), "a forged id is replaced, not adopted"


async def test_the_address_limit_holds_against_cookie_dropping_guessers(
    client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    """Every fresh cookie is a new device, so the address is the real bound on guessing: PER_ADDRESS wrong codes,
    then every phone of that address waits (a room of honest phones stops at PER_DEVICE each long before)."""
    guesses = 0
    while guesses < PER_ADDRESS:
        guesser = Phone(client)  # drops its cookies every time
        assert (await guesser.try_code("ZZZZ99")).status_code == 422
        guesses += 1
    refused = await Phone(client).try_code(workshop.code)
    assert refused.status_code == 429
    assert "Zu viele falsche Codes aus diesem Netz" in refused.text


async def test_a_room_of_forty_phones_with_typos_never_reaches_the_address_limit(
    database_url: str, tmp_path: Path, workshop: LiveWorkshop
) -> None:
    """With the defaults (10 per device, 600 per address) every one of 40 phones behind one address may fail until
    its own device limit, and each of them still gets in with the right code once its window has passed; a
    41st phone that never failed gets in at once."""
    from werkstatt.app import create_app

    app = create_app(make_settings(database_url, tmp_path))
    assert app.state.settings.join_failures_per_address >= 40 * app.state.settings.join_failures_per_device
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as room_client:
        room = await _room(room_client, 40)
        for phone in room:
            for _ in range(app.state.settings.join_failures_per_device):
                assert (await phone.try_code("ZZZZ99")).status_code == 422
            assert (await phone.try_code(workshop.code)).status_code == 429, "its own limit, not the room's"
        newcomer = (await _room(room_client, 1))[0]
        found = await newcomer.try_code(workshop.code)
        assert found.status_code == 303, "400 typos in the room do not lock out a phone that has not failed"


async def test_join_codes_stop_working_after_the_last_date(
    client: AsyncTestClient[Any], db: AsyncSession, workshop: LiveWorkshop, settings: Settings
) -> None:
    row = await db.get(Workshop, workshop.id)
    assert row is not None
    row.starts_at = datetime.now(UTC) - timedelta(days=settings.join_code_days + 1)
    await db.commit()
    api = await client.post("/api/join", json={"code": workshop.code, "display_name": "Spät"})
    assert api.status_code == 422
    assert "gilt nicht mehr" in api.text
    phone = Phone(client)
    form = await phone.request("GET", f"/beitreten/{workshop.code}")
    assert "Dieser Code gilt nicht mehr" in text_of(form.text, ".notice-error")
    assert parse(form.text).select_one("#f-display_name") is None
    row.starts_at = datetime.now(UTC) - timedelta(days=settings.join_code_days - 1)
    await db.commit()
    again = await client.post("/api/join", json={"code": workshop.code, "display_name": "Rechtzeitig"})
    assert again.status_code == 201, again.text
