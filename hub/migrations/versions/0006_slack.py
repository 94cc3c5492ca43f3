"""slack installations, install requests and notification rules

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
INSTALLED = sa.text("state = 'installed'")


def _record_columns(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f(f"fk_{table}_org_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("app_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_token_enc", sa.Text(), nullable=True),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("installed_by", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("installed_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=200), nullable=True),
        *_record_columns("slack_installations"),
    )
    op.create_index("ix_slack_installations_org_id_id", "slack_installations", ["org_id", "id"])
    op.create_index("ix_slack_installations_org_id_updated_at", "slack_installations",
                    ["org_id", "updated_at"])
    # A live workspace belongs to one organization, and an organization has one live workspace; every
    # request from Slack is resolved through the first, every notification through the second.
    op.create_index("uq_slack_installations_team_live", "slack_installations", ["team_id"], unique=True,
                    postgresql_where=INSTALLED, sqlite_where=INSTALLED)
    op.create_index("uq_slack_installations_org_live", "slack_installations", ["org_id"], unique=True,
                    postgresql_where=INSTALLED, sqlite_where=INSTALLED)

    op.create_table(
        "slack_install_requests",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_slack_install_requests_org_id_organizations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_slack_install_requests")),
    )
    op.create_index("ix_slack_install_requests_org_id", "slack_install_requests", ["org_id"])
    op.create_index("ix_slack_install_requests_expires_at", "slack_install_requests", ["expires_at"])

    op.create_table(
        "slack_rules",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("conditions", JSON, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_record_columns("slack_rules"),
    )
    op.create_index("ix_slack_rules_org_id_id", "slack_rules", ["org_id", "id"])
    op.create_index("ix_slack_rules_org_id_updated_at", "slack_rules", ["org_id", "updated_at"])
    # The relay's listener reads the active rules of a batch's organizations and event types.
    op.create_index("ix_slack_rules_org_id_event_type_active", "slack_rules",
                    ["org_id", "event_type", "active"])


def downgrade() -> None:
    op.drop_table("slack_rules")
    op.drop_table("slack_install_requests")
    op.drop_table("slack_installations")
