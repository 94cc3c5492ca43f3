"""writing assistant: provider settings, drafts and monthly usage

Revision ID: writing_0001
Revises: (a branch of its own, after the hub's 0009)
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "writing_0001"
down_revision = None
branch_labels = ("writing",)
depends_on = "0009"

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _org(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f(f"fk_{table}_org_id_organizations"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "writing_profiles",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("api_key_enc", sa.Text(), nullable=True),
        sa.Column("base_url", sa.String(length=500), nullable=True),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("monthly_cap_usd", sa.Numeric(12, 4), nullable=True),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        _org("writing_profiles"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_writing_profiles")),
    )
    _drafts()
    op.create_table(
        "writing_usage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("drafts", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(14, 6), nullable=False),
        _org("writing_usage"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_writing_usage")),
        sa.UniqueConstraint("org_id", "month", "provider", "model",
                            name=op.f("uq_writing_usage_org_id_month_provider_model")),
    )


def _drafts() -> None:
    op.create_table(
        "writing_drafts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("goal", sa.String(length=20), nullable=False),
        sa.Column("tone", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("facts", _JSON, nullable=False),
        sa.Column("findings", _JSON, nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.String(length=40), nullable=True),
        _org("writing_drafts"),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_writing_drafts_activity_id_activities"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_writing_drafts")),
    )
    op.create_index(op.f("ix_writing_drafts_org_id_id"), "writing_drafts", ["org_id", "id"])
    op.create_index(op.f("ix_writing_drafts_org_id_updated_at"), "writing_drafts", ["org_id", "updated_at"])
    op.create_index(op.f("ix_writing_drafts_org_id_record_id"), "writing_drafts", ["org_id", "record_id"])


def downgrade() -> None:
    op.drop_table("writing_usage")
    op.drop_table("writing_drafts")
    op.drop_table("writing_profiles")
