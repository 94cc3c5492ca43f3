"""due messages by endpoint

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 21:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    # A worker tops up one endpoint's share without scanning the due messages of every other endpoint.
    op.create_index("ix_webhook_messages_due_by_endpoint", "webhook_messages", ["endpoint_id", "next_attempt_at"],
                    postgresql_where=PENDING, sqlite_where=PENDING)


def downgrade() -> None:
    op.drop_index("ix_webhook_messages_due_by_endpoint", table_name="webhook_messages")
