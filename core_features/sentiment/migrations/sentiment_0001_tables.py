"""activity sentiments

Revision ID: sentiment_0001
Revises: (a branch of its own, after the hub's 0009)
Create Date: 2026-12-05 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "sentiment_0001"
down_revision = None
branch_labels = ("sentiment",)
depends_on = "0009"


def upgrade() -> None:
    op.create_table(
        "activity_sentiments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.String(length=40), nullable=False),
        sa.Column("deal_id", sa.String(length=40), nullable=True),
        sa.Column("occurred_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("drivers", hub.db.JSONType, nullable=False),
        sa.Column("model", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_activity_sentiments_org_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"],
                                name=op.f("fk_activity_sentiments_activity_id_activities"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_activity_sentiments_deal_id_deals"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_sentiments")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_activity_sentiments_activity_id")),
    )
    op.create_index(op.f("ix_activity_sentiments_org_id_id"), "activity_sentiments", ["org_id", "id"])
    op.create_index(op.f("ix_activity_sentiments_org_id_updated_at"), "activity_sentiments", ["org_id", "updated_at"])
    op.create_index(op.f("ix_activity_sentiments_org_id_deal_id_occurred_at"), "activity_sentiments",
                    ["org_id", "deal_id", "occurred_at"])


def downgrade() -> None:
    op.drop_table("activity_sentiments")
