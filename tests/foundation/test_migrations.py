from __future__ import annotations

import asyncio
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from werkstatt.migrate import compare_type, current, downgrade, include_object, upgrade
from werkstatt.models import metadata
from werkstatt.network.models import FocusTopic, Network


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"compare_type": compare_type, "include_object": include_object}
                    ),
                    metadata,
                )
            )
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(database_url: str) -> None:
    assert await _diff(database_url) == []


async def test_migrations_go_down_to_base_and_up_again(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await asyncio.to_thread(current, database_url) == ""
    await asyncio.to_thread(upgrade, database_url)
    assert "(head)" in await asyncio.to_thread(current, database_url)
    assert await _diff(database_url) == []


async def test_0009_gives_network_topics_named_like_standard_ones_the_standard_slug(database_url: str) -> None:
    """Data written before 0009 (a topic slugged from its name) reads afterwards like a topic created now."""
    await asyncio.to_thread(downgrade, database_url, "0008")
    engine = create_async_engine(database_url)
    network_id, rows = uuid.uuid4(), []
    for slug, name in (
        ("funktionsvielfalt-der-innenstadt", "Funktionsvielfalt der Innenstadt"),
        ("kultur-und-freizeit", "Kultur und Freizeit"),
    ):
        rows.append({"id": uuid.uuid4(), "network_id": network_id, "name": name, "slug": slug})
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(Network), [{"id": network_id, "name": "Alt", "slug": "alt"}])
            await connection.execute(insert(FocusTopic), rows)
        await asyncio.to_thread(upgrade, database_url)
        async with engine.connect() as connection:
            slugs = (await connection.execute(select(FocusTopic.name, FocusTopic.slug).order_by(FocusTopic.name))).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in slugs] == [
        ("Funktionsvielfalt der Innenstadt", "funktionsvielfalt"),
        ("Kultur und Freizeit", "kultur-und-freizeit"),
    ]


async def test_0015_gives_every_network_the_catalogue_target_groups(database_url: str) -> None:
    """A network with the six old default groups (and one of its own) ends with the catalogue's ten plus its own;
    the untouched old default names take the catalogue's names."""
    from werkstatt.network.models import TargetGroup
    from werkstatt.network.topics import TARGET_GROUPS

    await asyncio.to_thread(downgrade, database_url, "0014")
    engine = create_async_engine(database_url)
    network_id = uuid.uuid4()
    old = ["Jugendliche", "Familien", "Senioren", "Händler", "Eigentümer", "Bürgerschaft", "Pendler"]
    slugs = ["jugendliche", "familien", "senioren", "haendler", "eigentuemer", "buergerschaft", "pendler"]
    rows = [
        {"id": uuid.uuid4(), "network_id": network_id, "name": name, "slug": slug, "position": position}
        for position, (name, slug) in enumerate(zip(old, slugs, strict=True))
    ]
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(Network), [{"id": network_id, "name": "Alt", "slug": "alt"}])
            await connection.execute(insert(TargetGroup), rows)
        await asyncio.to_thread(upgrade, database_url)
        async with engine.connect() as connection:
            groups = dict(
                (
                    await connection.execute(select(TargetGroup.slug, TargetGroup.name).order_by(TargetGroup.position))
                ).all()
            )
    finally:
        await engine.dispose()
    assert {slug: groups[slug] for slug in TARGET_GROUPS} == TARGET_GROUPS
    assert groups["pendler"] == "Pendler" and len(groups) == len(TARGET_GROUPS) + 1
