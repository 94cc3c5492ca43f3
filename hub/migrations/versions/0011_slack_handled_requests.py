"""slack requests already handled, remembered while their signature stays acceptable

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_handled_requests",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("expires_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_slack_handled_requests")),
    )
    op.create_index(op.f("ix_slack_handled_requests_expires_at"), "slack_handled_requests", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_slack_handled_requests_expires_at"), table_name="slack_handled_requests")
    op.drop_table("slack_handled_requests")
