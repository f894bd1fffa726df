"""network focus topics named like the catalogue's standard topics take the standard slug

A topic created from its name got a slug of its own ("funktionsvielfalt-der-innenstadt") while the method
cards are tagged with the standard one ("funktionsvielfalt"): the catalogue listed it twice and filtering by
the network's copy found nothing. Only where the standard slug is still free in that network.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The standard topics as of this revision (network.topics.FOCUS_TOPICS), copied: a migration is a snapshot.
STANDARD = {
    "funktionsvielfalt": "Funktionsvielfalt der Innenstadt",
    "erreichbarkeit-mobilitaet": "Erreichbarkeit und Mobilität",
    "leerstand-brachflaechen": "Leerstand und Brachflächen",
    "qualitaet-dienstleistung-einzelhandel": "Qualität und Wettbewerbsfähigkeit von Dienstleistung und Einzelhandel",
    "digitale-innenstadt": "Digitale Innenstadt",
    "standortkooperation-management": "Standortkooperation und Innenstadt-Management",
    "image-identitaet": "Image und Identität",
}


def upgrade() -> None:
    statement = sa.text(
        "UPDATE focus_topic SET slug = :slug WHERE name = :name AND slug <> :slug AND NOT EXISTS "
        "(SELECT 1 FROM focus_topic AS other WHERE other.network_id = focus_topic.network_id AND other.slug = :slug)"
    )
    for slug, name in STANDARD.items():
        op.execute(statement.bindparams(slug=slug, name=name))


def downgrade() -> None:
    """Nothing to undo: the standard slug is as good a slug as the one derived from the name."""
