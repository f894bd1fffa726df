"""Builders for test data on the real database, and a direct sign-in for tests that are not about login."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt import passwords
from werkstatt.network.models import Account, FocusTopic, KernteamMember, KernteamRole, Network, Role, TargetGroup, Town
from werkstatt.sessions import cookie_name, open_session
from werkstatt.settings import Settings

PASSWORD = "richtig-langes-passwort"
_HASHES: dict[tuple[object, ...], str] = {}


def password_hash() -> str:
    """PASSWORD hashed by the hasher in use, once per worker and hasher: argon2 with the production parameters
    takes most of a second on a busy core, and a test account needs no salt of its own."""
    hasher = passwords._hasher
    parameters = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.type)
    if parameters not in _HASHES:
        _HASHES[parameters] = passwords.hash_password(PASSWORD)
    return _HASHES[parameters]


@dataclass
class NetworkFixture:
    network: Network
    towns: list[Town]
    topics: list[FocusTopic]
    target_groups: list[TargetGroup]


async def make_network(
    db: AsyncSession, name: str | None = None, towns: tuple[str, ...] = ("Annaberg", "Zschopau")
) -> NetworkFixture:
    label = name or f"Netzwerk {uuid.uuid4().hex[:6]}"
    network = Network(name=label, slug=label.lower().replace(" ", "-"))
    db.add(network)
    await db.flush()
    topics = [
        FocusTopic(network_id=network.id, name=topic, slug=slug, position=index)
        for index, (slug, topic) in enumerate(
            [
                ("leerstand-brachflaechen", "Leerstand und Brachflächen"),
                ("erreichbarkeit-mobilitaet", "Erreichbarkeit und Mobilität"),
                ("digitale-innenstadt", "Digitale Innenstadt"),
            ]
        )
    ]
    groups = [
        TargetGroup(network_id=network.id, name=group, slug=slug, position=index)
        for index, (slug, group) in enumerate(
            [("jugendliche", "Jugendliche"), ("familien", "Familien"), ("senioren", "Senioren")]
        )
    ]
    db.add_all(topics + groups)
    built = [Town(network_id=network.id, name=town) for town in towns]
    db.add_all(built)
    await db.flush()
    for town in built:
        db.add(KernteamMember(town_id=town.id, display_name=f"Kernteam {town.name}", role=KernteamRole.verwaltung))
    await db.commit()
    return NetworkFixture(network, built, topics, groups)


async def make_account(
    db: AsyncSession, role: Role = Role.coach, network: Network | None = None, email: str | None = None
) -> Account:
    account = Account(
        email=email or f"{role.value}-{uuid.uuid4().hex[:8]}@werkstatt.example",
        display_name=f"Test {role.value}",
        role=role,
        password_hash=password_hash(),
        network_id=network.id if network else None,
    )
    db.add(account)
    await db.commit()
    return account


async def sign_in(client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, account: Account) -> None:
    """Put a session for `account` on the client without going through the login form."""
    token, _cookie = await open_session(db, settings, previous=None, account_id=account.id)
    await db.commit()
    client.cookies.set(cookie_name(settings), token)
