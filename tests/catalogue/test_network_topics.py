"""A network's focus topic named like one of the catalogue's standard topics is that topic: one entry in the
catalogue's filter, and filtering by it finds the methods tagged with it (the walk found every standard topic
twice, the network's copy finding nothing)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_account, make_network, sign_in
from tests.html import parse
from werkstatt.catalogue.editing import network_taxonomy
from werkstatt.network.models import Role
from werkstatt.network.service import create_focus_topic
from werkstatt.settings import Settings


async def test_standard_named_topic_is_one_filter_entry_that_finds_methods(
    client: AsyncTestClient[Any], synced: AsyncSession, settings: Settings
) -> None:
    db = synced
    org = await make_network(db)
    standard = await create_focus_topic(db, org.network, "funktionsvielfalt der Innenstadt")
    own = await create_focus_topic(db, org.network, "Grün in der Stadt")
    await db.commit()
    assert (standard.slug, own.slug) == ("funktionsvielfalt", "gruen-in-der-stadt")
    topics, _groups = await network_taxonomy(db, org.network.id)
    assert len(topics.values()) == len(set(topics.values())), "every topic once"
    assert topics["gruen-in-der-stadt"] == "Grün in der Stadt"

    await sign_in(client, db, settings, await make_account(db, Role.coach, org.network))
    options = parse((await client.get("/methoden")).text).select("#f-focus_topic option")
    names = [option.get_text(strip=True) for option in options]
    assert len(names) == len(set(names)), names
    chosen = (await client.get(f"/api/methods?focus_topic={standard.slug}")).json()
    assert len(chosen) >= 3, "the methods tagged with the standard topic"
