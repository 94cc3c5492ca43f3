"""competitors and the deals they are in

Revision ID: competitors_0001
Revises: (a branch of its own, after the hub's 0009)
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "competitors_0001"
down_revision = None
branch_labels = ("competitors",)
depends_on = "0009"


def _record_columns() -> list[sa.Column]:
    return [sa.Column("id", sa.String(length=40), nullable=False),
            sa.Column("org_id", sa.String(length=40), nullable=False),
            sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False)]


def _record_keys(table: str) -> list[sa.SchemaItem]:
    return [sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f(f"fk_{table}_org_id_organizations"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))]


def upgrade() -> None:
    op.create_table(
        "competitors",
        *_record_columns(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("strengths", sa.Text(), nullable=True),
        sa.Column("weaknesses", sa.Text(), nullable=True),
        sa.Column("pricing_notes", sa.Text(), nullable=True),
        sa.Column("battle_card", sa.Text(), nullable=True),
        sa.Column("battle_card_updated_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        *_record_keys("competitors"),
        sa.UniqueConstraint("org_id", "name_key", name=op.f("uq_competitors_org_id_name_key")),
    )
    op.create_index(op.f("ix_competitors_org_id_id"), "competitors", ["org_id", "id"])
    op.create_index(op.f("ix_competitors_org_id_updated_at"), "competitors", ["org_id", "updated_at"])
    op.create_table(
        "deal_competitors",
        *_record_columns(),
        sa.Column("deal_id", sa.String(length=40), nullable=False),
        sa.Column("competitor_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        *_record_keys("deal_competitors"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_deal_competitors_deal_id_deals"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["competitor_id"], ["competitors.id"],
                                name=op.f("fk_deal_competitors_competitor_id_competitors"), ondelete="CASCADE"),
        sa.UniqueConstraint("deal_id", "competitor_id", name=op.f("uq_deal_competitors_deal_id_competitor_id")),
    )
    op.create_index(op.f("ix_deal_competitors_org_id_id"), "deal_competitors", ["org_id", "id"])
    op.create_index(op.f("ix_deal_competitors_org_id_updated_at"), "deal_competitors", ["org_id", "updated_at"])
    op.create_index(op.f("ix_deal_competitors_org_id_competitor_id"), "deal_competitors", ["org_id", "competitor_id"])


def downgrade() -> None:
    op.drop_table("deal_competitors")
    op.drop_table("competitors")
