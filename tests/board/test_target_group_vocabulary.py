"""One vocabulary of target groups: a new network's groups (workshop form, join page) are the catalogue's
(method filters), with the same slugs and names."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop
from tests.html import parse
from werkstatt.network.models import TargetGroup
from werkstatt.network.service import create_network
from werkstatt.network.topics import TARGET_GROUPS


async def test_a_new_network_starts_with_the_catalogue_target_groups(db: AsyncSession) -> None:
    network = await create_network(db, "Neues Netzwerk")
    await db.commit()
    rows = (
        await db.execute(
            select(TargetGroup.slug, TargetGroup.name)
            .where(TargetGroup.network_id == network.id)
            .order_by(TargetGroup.position)
        )
    ).all()
    assert dict(rows) == TARGET_GROUPS
    assert [slug for slug, _name in rows] == list(TARGET_GROUPS)


async def test_join_page_and_method_filter_offer_the_same_names(
    client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    """The join page lists the network's groups; where a group has a catalogue slug, it has the catalogue's name."""
    methods = await client.get("/methoden")
    assert methods.status_code == 200, methods.status_code
    filter_names = {
        option.get_text(strip=True)
        for option in parse(methods.text).select("#f-target_group option")
        if option.get("value")
    }
    assert filter_names == set(TARGET_GROUPS.values())
    form = await client.get(f"/beitreten/{workshop.code}")
    offered = {
        option["value"]: option.get_text(strip=True)
        for option in parse(form.text).select("#f-target_group option")
        if option.get("value")
    }
    assert offered, "the join page offers the network's target groups"
    for slug, name in offered.items():
        if slug in TARGET_GROUPS:
            assert name == TARGET_GROUPS[slug]
