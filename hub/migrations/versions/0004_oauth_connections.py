"""oauth connections

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
LIVE = sa.text("state != 'revoked'")


def upgrade() -> None:
    op.create_table(
        "oauth_connections",
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("external_account_id", sa.String(length=200), nullable=True),
        sa.Column("access_token_enc", sa.Text(), nullable=True),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("expires_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("connected_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_refreshed_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("last_error_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failing_since", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refresh_failures", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_oauth_connections_org_id_organizations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_connections")),
    )
    op.create_index("ix_oauth_connections_org_id_id", "oauth_connections", ["org_id", "id"])
    op.create_index("ix_oauth_connections_org_id_updated_at", "oauth_connections", ["org_id", "updated_at"])
    # At most one live (not revoked) connection per organization and provider; revoked ones stay as history.
    op.create_index("uq_oauth_connections_live", "oauth_connections", ["org_id", "provider"], unique=True,
                    postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_table(
        "oauth_authorizations",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("verifier_enc", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_oauth_authorizations_org_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oauth_authorizations")),
    )
    op.create_index("ix_oauth_authorizations_org_id", "oauth_authorizations", ["org_id"])
    op.create_index("ix_oauth_authorizations_expires_at", "oauth_authorizations", ["expires_at"])


def downgrade() -> None:
    op.drop_table("oauth_authorizations")
    op.drop_table("oauth_connections")
