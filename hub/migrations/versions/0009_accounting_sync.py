"""accounting sync: links, log, and the deal's invoice status

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("invoice_status", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("invoice_paid_at", hub.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "sync_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("crm_type", sa.String(length=20), nullable=False),
        sa.Column("crm_id", sa.String(length=40), nullable=False),
        sa.Column("external_type", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("external_version", sa.String(length=40), nullable=True),
        sa.Column("external_number", sa.String(length=100), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_sync_links_org_id_organizations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_links")),
    )
    # One external object per CRM record and provider; inbound changes find their record by external id.
    op.create_index("uq_sync_links_record", "sync_links", ["org_id", "provider", "crm_type", "crm_id"], unique=True)
    op.create_index("ix_sync_links_external", "sync_links", ["org_id", "provider", "external_type", "external_id"])
    op.create_table(
        "sync_log",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("crm_type", sa.String(length=20), nullable=True),
        sa.Column("crm_id", sa.String(length=40), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("job_id", sa.String(length=40), nullable=True),
        sa.Column("at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_sync_log_org_id_organizations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_log")),
    )
    op.create_index("ix_sync_log_org_id_id", "sync_log", ["org_id", "id"])
    op.create_index("ix_sync_log_org_id_provider_id", "sync_log", ["org_id", "provider", "id"])


def downgrade() -> None:
    op.drop_table("sync_log")
    op.drop_table("sync_links")
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("invoice_paid_at")
        batch.drop_column("invoice_status")
