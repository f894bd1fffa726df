"""agenda steps carry the moderation's notes next to what the participants read

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facilitator_notes", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("agenda_step", schema=None) as batch_op:
        batch_op.drop_column("facilitator_notes")
