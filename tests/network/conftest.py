"""An organisation to test against: network A (towns, topics, one account per role), network B with a coach
of its own, and an instance admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import csrf_headers
from tests.factories import PASSWORD, NetworkFixture, make_account, make_network, sign_in
from werkstatt.network.models import Account, Role
from werkstatt.settings import Settings


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with the production parameters takes most of a second on a busy CI core; these tests check what
    happens around the hash, so they hash with the cheapest parameters (hashes still verify the same way)."""
    from argon2 import PasswordHasher

    from werkstatt import passwords

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", quick)
    monkeypatch.setattr(passwords, "_DUMMY", quick.hash("werkstatt-dummy-password"))


@dataclass
class Org:
    a: NetworkFixture
    b: NetworkFixture
    accounts: dict[str, Account]  # role name (and "other_coach") → account


@pytest.fixture
async def org(db: AsyncSession) -> Org:
    a = await make_network(db, "Netzwerk Erzgebirge", towns=("Annaberg-Buchholz", "Zschopau"))
    b = await make_network(db, "Netzwerk Vogtland", towns=("Plauen",))
    accounts = {
        "kernteam": await make_account(db, Role.kernteam, a.network),
        "coach": await make_account(db, Role.coach, a.network),
        "network_admin": await make_account(db, Role.network_admin, a.network),
        "admin": await make_account(db, Role.admin, None),
        "other_coach": await make_account(db, Role.coach, b.network),
    }
    return Org(a, b, accounts)


async def login_as(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, account: Account | None
) -> dict[str, str]:
    """Sign the client in (or leave it anonymous) and return the CSRF header for unsafe requests."""
    if account is not None:
        await sign_in(client, db, settings, account)
    return await csrf_headers(client)


async def post_form(client: AsyncTestClient[Any], url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """A form post as the browser sends it: the CSRF token as a hidden field."""
    if "csrftoken" not in client.cookies:
        await client.get("/")
    return await client.post(
        url, data={**data, "_csrf_token": client.cookies["csrftoken"]}, follow_redirects=False, **kwargs
    )


__all__ = ["PASSWORD", "Org", "login_as", "post_form"]
