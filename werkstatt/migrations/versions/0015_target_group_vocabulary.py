"""one vocabulary of target groups: every network has the catalogue's target groups

The workshop form and the join page listed a network's six default groups ("Händler", "Bürgerschaft" …) while
the method filters used the catalogue's ten ("Händler und Gewerbetreibende", "Bürgerinnen und Bürger" …).
Each network gets the catalogue's groups it lacks (by slug, at the end), and a default group still carrying its
old default name takes the catalogue's name. Groups a network named itself stay as they are.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The catalogue's target groups as of this revision (network.topics.TARGET_GROUPS), copied: a snapshot.
VOCABULARY = {
    "jugendliche": "Jugendliche",
    "kinder": "Kinder",
    "familien": "Familien",
    "senioren": "Senioren",
    "haendler": "Händler und Gewerbetreibende",
    "eigentuemer": "Eigentümer",
    "buergerschaft": "Bürgerinnen und Bürger",
    "verwaltung": "Verwaltung",
    "kernteam": "Kernteam",
    "netzwerk": "Netzwerkstädte",
}
OLD_DEFAULT_NAMES = {"haendler": "Händler", "buergerschaft": "Bürgerschaft"}

network = sa.table("network", sa.column("id", GUID(length=16)))
target_group = sa.table(
    "target_group",
    sa.column("id", GUID(length=16)),
    sa.column("network_id", GUID(length=16)),
    sa.column("name", sa.String(80)),
    sa.column("slug", sa.String(80)),
    sa.column("position", sa.Integer()),
    sa.column("created_at", DateTimeUTC(timezone=True)),
    sa.column("updated_at", DateTimeUTC(timezone=True)),
)


def upgrade() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    for slug, old in OLD_DEFAULT_NAMES.items():
        other = target_group.alias("other")
        taken = sa.select(sa.literal(1)).where(
            other.c.network_id == target_group.c.network_id, other.c.name == VOCABULARY[slug]
        )
        connection.execute(
            target_group.update()
            .where(target_group.c.slug == slug, target_group.c.name == old, ~sa.exists(taken))
            .values(name=VOCABULARY[slug], updated_at=now)
        )
    for (network_id,) in connection.execute(sa.select(network.c.id)).all():
        rows = connection.execute(
            sa.select(target_group.c.slug, target_group.c.name, target_group.c.position).where(
                target_group.c.network_id == network_id
            )
        ).all()
        slugs = {row.slug for row in rows}
        names = {row.name.casefold() for row in rows}
        position = max((row.position for row in rows), default=-1) + 1
        missing = []
        for slug, name in VOCABULARY.items():
            if slug in slugs or name.casefold() in names:
                continue
            missing.append(
                {
                    "id": uuid.uuid4(),
                    "network_id": network_id,
                    "name": name,
                    "slug": slug,
                    "position": position,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            position += 1
        if missing:
            op.bulk_insert(target_group, missing)


def downgrade() -> None:
    """Nothing to undo: the added groups may already be chosen by workshops and participants."""
