"""enrichment provider keys, suggestions and runs

Revision ID: enrichment_0001
Revises: (a branch of its own, after the hub's 0009)
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "enrichment_0001"
down_revision = None
branch_labels = ("enrichment",)
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


def _record_indexes(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_org_id_id"), table, ["org_id", "id"])
    op.create_index(op.f(f"ix_{table}_org_id_updated_at"), table, ["org_id", "updated_at"])


def upgrade() -> None:
    op.create_table(
        "enrichment_provider_keys",
        *_record_columns(),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("sealed_key", sa.Text(), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        *_record_keys("enrichment_provider_keys"),
        sa.UniqueConstraint("org_id", "provider", name=op.f("uq_enrichment_provider_keys_org_id_provider")),
    )
    _record_indexes("enrichment_provider_keys")
    op.create_table(
        "enrichment_suggestions",
        *_record_columns(),
        sa.Column("company_id", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=True),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        *_record_keys("enrichment_suggestions"),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_enrichment_suggestions_company_id_companies"), ondelete="CASCADE"),
    )
    _record_indexes("enrichment_suggestions")
    op.create_index(op.f("ix_enrichment_suggestions_org_id_company_id_status"), "enrichment_suggestions",
                    ["org_id", "company_id", "status"])
    op.create_table(
        "enrichment_runs",
        *_record_columns(),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("company_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("suggested", sa.Integer(), nullable=False),
        sa.Column("finished_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        *_record_keys("enrichment_runs"),
    )
    _record_indexes("enrichment_runs")


def downgrade() -> None:
    op.drop_table("enrichment_runs")
    op.drop_table("enrichment_suggestions")
    op.drop_table("enrichment_provider_keys")
