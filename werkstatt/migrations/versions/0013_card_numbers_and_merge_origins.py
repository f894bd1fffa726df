"""stable card numbers (idea.number, workshop.card_counter, backfilled in posting order) and the origin of
comments and reactions a merge moved (so the merge can be undone)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_counter", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    for table in ("idea_comment", "idea_reaction"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("merged_from_id", GUID(length=16), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_merged_from_id"), ["merged_from_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_merged_from_id_idea"), "idea", ["merged_from_id"], ["id"], ondelete="SET NULL"
            )
    # Backfill: every card gets its number in the order it was posted, each workshop from 1.
    op.execute(
        """
        UPDATE idea SET number = (
            SELECT COUNT(*) FROM idea AS earlier
            WHERE earlier.workshop_id = idea.workshop_id
              AND (earlier.created_at < idea.created_at
                   OR (earlier.created_at = idea.created_at AND earlier.id <= idea.id))
        )
        """
    )
    op.execute(
        "UPDATE workshop SET card_counter = COALESCE((SELECT MAX(number) FROM idea WHERE idea.workshop_id = workshop.id), 0)"
    )
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_idea_number", ["workshop_id", "number"])


def downgrade() -> None:
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.drop_constraint("uq_idea_number", type_="unique")
        batch_op.drop_column("number")
    for table in ("idea_reaction", "idea_comment"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_merged_from_id_idea"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_merged_from_id"))
            batch_op.drop_column("merged_from_id")
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("card_counter")
