"""REST hooks, and the hub as an OAuth provider

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = hub.db.UTCDateTime(timezone=True)


def _org(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                   name=op.f(f"fk_{table}_org_id_organizations"), ondelete="CASCADE")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("managed_by", sa.String(length=60), nullable=True))
    op.create_table(
        "resthook_subscriptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_id", sa.String(length=40), nullable=False),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("target_url", sa.String(length=2048), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        _org("resthook_subscriptions"),
        _fk("resthook_subscriptions", "endpoint_id", "webhook_endpoints"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resthook_subscriptions")),
    )
    op.create_index("ix_resthook_subscriptions_org_id_id", "resthook_subscriptions", ["org_id", "id"])
    op.create_index("ix_resthook_subscriptions_endpoint_id", "resthook_subscriptions", ["endpoint_id"],
                    unique=True)

    op.create_table(
        "oauth_server_clients",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("redirect_uris", JSON, nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_server_clients")),
    )

    op.create_table(
        "oauth_server_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=True),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME, nullable=True),
        _org("oauth_server_codes"),
        _fk("oauth_server_codes", "client_id", "oauth_server_clients"),
        _fk("oauth_server_codes", "key_id", "api_keys"),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_oauth_server_codes")),
    )
    op.create_index("ix_oauth_server_codes_grant_id", "oauth_server_codes", ["grant_id"])
    op.create_index("ix_oauth_server_codes_expires_at", "oauth_server_codes", ["expires_at"])
    op.create_index("ix_oauth_server_codes_org_id", "oauth_server_codes", ["org_id"])

    op.create_table(
        "oauth_server_tokens",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("access_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=True),
        sa.Column("access_expires_at", TIME, nullable=False),
        sa.Column("refresh_expires_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("rotated_at", TIME, nullable=True),
        sa.Column("revoked_at", TIME, nullable=True),
        _org("oauth_server_tokens"),
        _fk("oauth_server_tokens", "client_id", "oauth_server_clients"),
        _fk("oauth_server_tokens", "key_id", "api_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_server_tokens")),
    )
    op.create_index("ix_oauth_server_tokens_access_hash", "oauth_server_tokens", ["access_hash"], unique=True)
    op.create_index("ix_oauth_server_tokens_refresh_hash", "oauth_server_tokens", ["refresh_hash"],
                    unique=True)
    op.create_index("ix_oauth_server_tokens_grant_id", "oauth_server_tokens", ["grant_id"])
    op.create_index("ix_oauth_server_tokens_client_id", "oauth_server_tokens", ["client_id"])
    op.create_index("ix_oauth_server_tokens_org_id_id", "oauth_server_tokens", ["org_id", "id"])
    op.create_index("ix_oauth_server_tokens_access_expires_at", "oauth_server_tokens", ["access_expires_at"])


def downgrade() -> None:
    op.drop_table("oauth_server_tokens")
    op.drop_table("oauth_server_codes")
    op.drop_table("oauth_server_clients")
    op.drop_table("resthook_subscriptions")
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("managed_by")
