"""twilio telephony settings and calls

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "telephony_settings",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        sa.Column("auth_token_enc", sa.Text(), nullable=False),
        sa.Column("caller_id", sa.String(length=20), nullable=False),
        sa.Column("record_calls", sa.Boolean(), nullable=False),
        sa.Column("fallback_user_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        _fk("telephony_settings", "org_id", "organizations", "CASCADE"),
        _fk("telephony_settings", "fallback_user_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_telephony_settings")),
    )
    op.create_table(
        "calls",
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("contact_id", sa.String(length=40), nullable=True),
        sa.Column("call_sid", sa.String(length=34), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("contact_number", sa.String(length=20), nullable=True),
        sa.Column("rep_number", sa.String(length=20), nullable=True),
        sa.Column("caller_id", sa.String(length=20), nullable=False),
        sa.Column("record", sa.Boolean(), nullable=False),
        sa.Column("dial_status", sa.String(length=20), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("recording_url", sa.String(length=500), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("activity_id", sa.String(length=40), nullable=True),
        sa.Column("attempted_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        _fk("calls", "org_id", "organizations", "CASCADE"),
        _fk("calls", "user_id", "users", "SET NULL"),
        _fk("calls", "contact_id", "contacts", "SET NULL"),
        _fk("calls", "activity_id", "activities", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
    )
    op.create_index("ix_calls_org_id_id", "calls", ["org_id", "id"])
    op.create_index("ix_calls_org_id_updated_at", "calls", ["org_id", "updated_at"])
    op.create_index("ix_calls_org_id_contact_id_id", "calls", ["org_id", "contact_id", "id"])
    op.create_index("ix_calls_org_id_user_id_id", "calls", ["org_id", "user_id", "id"])
    # Status callbacks and inbound webhooks find a call by its CallSid; a webhook sent twice finds one row.
    op.create_index("uq_calls_org_id_call_sid", "calls", ["org_id", "call_sid"], unique=True)


def downgrade() -> None:
    op.drop_table("calls")
    op.drop_table("telephony_settings")
