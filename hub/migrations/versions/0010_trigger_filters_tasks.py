"""trigger filters on endpoints and hooks, and tasks with due dates among activities

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = hub.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("filters", JSON, nullable=True))
    with op.batch_alter_table("resthook_subscriptions") as batch:
        batch.add_column(sa.Column("filters", JSON, nullable=True))
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("due_at", TIME, nullable=True))
        batch.add_column(sa.Column("done", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("due_announced_at", TIME, nullable=True))
        batch.create_index("ix_activities_due", ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_index("ix_activities_due")
        batch.drop_column("due_announced_at")
        batch.drop_column("done")
        batch.drop_column("due_at")
    with op.batch_alter_table("resthook_subscriptions") as batch:
        batch.drop_column("filters")
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("filters")
