"""votes on clusters: a vote names a card or a cluster (vote.cluster_id), and each step that runs on clusters
fixes their cards when it starts (step_cluster_card)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "step_cluster_card",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("workshop_id", GUID(length=16), nullable=False),
        sa.Column("step_position", sa.Integer(), nullable=False),
        sa.Column("cluster_id", GUID(length=16), nullable=False),
        sa.Column("idea_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["cluster.id"], name=op.f("fk_step_cluster_card_cluster_id_cluster"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_step_cluster_card_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_step_cluster_card_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_cluster_card")),
        sa.UniqueConstraint("workshop_id", "step_position", "idea_id", name="uq_step_cluster_card"),
    )
    with op.batch_alter_table("step_cluster_card", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_step_cluster_card_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_step_cluster_card_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_step_cluster_card_workshop_id"), ["workshop_id"], unique=False)
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.alter_column("idea_id", existing_type=GUID(length=16), nullable=True)
        batch_op.add_column(sa.Column("cluster_id", GUID(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_vote_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_vote_cluster_id_cluster"), "cluster", ["cluster_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_unique_constraint(
            "uq_vote_cluster_slot", ["participant_id", "step_position", "cluster_id", "item_slot"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_vote_card_or_cluster"), "(idea_id IS NULL) <> (cluster_id IS NULL)"
        )


def downgrade() -> None:
    op.execute("DELETE FROM vote WHERE idea_id IS NULL")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_vote_card_or_cluster"), type_="check")
        batch_op.drop_constraint("uq_vote_cluster_slot", type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_vote_cluster_id_cluster"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_vote_cluster_id"))
        batch_op.drop_column("cluster_id")
        batch_op.alter_column("idea_id", existing_type=GUID(length=16), nullable=False)
    with op.batch_alter_table("step_cluster_card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_cluster_card_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_step_cluster_card_idea_id"))
        batch_op.drop_index(batch_op.f("ix_step_cluster_card_cluster_id"))
    op.drop_table("step_cluster_card")
