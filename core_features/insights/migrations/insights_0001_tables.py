"""AI insights: model versions, record scores and suggestions

Revision ID: insights_0001
Revises: (a branch of its own, after the hub's 0009)
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db
from sqlalchemy.dialects import postgresql

revision = "insights_0001"
down_revision = None
branch_labels = ("insights",)
depends_on = "0009"

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _org(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f(f"fk_{table}_org_id_organizations"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "insight_models",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("progress", sa.String(length=200), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=True),
        sa.Column("calibration", sa.String(length=10), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("baseline", JSON, nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("trained_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        _org("insight_models"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_models")),
        sa.UniqueConstraint("org_id", "kind", "version", name=op.f("uq_insight_models_org_id_kind_version")),
    )
    op.create_index(op.f("ix_insight_models_org_id_kind_status"), "insight_models", ["org_id", "kind", "status"])
    op.create_table(
        "insight_scores",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("record_type", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("bucket", sa.String(length=10), nullable=False),
        sa.Column("regime", sa.String(length=10), nullable=False),
        sa.Column("factors", JSON, nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("scored_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        _org("insight_scores"),
        sa.PrimaryKeyConstraint("org_id", "record_type", "record_id", name=op.f("pk_insight_scores")),
    )
    op.create_index(op.f("ix_insight_scores_org_id_record_type_score"), "insight_scores",
                    ["org_id", "record_type", "score"])
    op.create_table(
        "insight_suggestions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("record_type", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("expected_effect", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        _org("insight_suggestions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_suggestions")),
    )
    op.create_index(op.f("ix_insight_suggestions_org_id_record_type_record_id_status"), "insight_suggestions",
                    ["org_id", "record_type", "record_id", "status"])
    op.create_index(op.f("ix_insight_suggestions_org_id_action"), "insight_suggestions", ["org_id", "action"])


def downgrade() -> None:
    op.drop_table("insight_suggestions")
    op.drop_table("insight_scores")
    op.drop_table("insight_models")
