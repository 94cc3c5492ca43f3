"""territory models, territories, rules, members, assignments, exclusions and realignment runs

Revision ID: territories_0001
Revises: (a branch of its own, after the hub's 0009)
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "territories_0001"
down_revision = None
branch_labels = ("territories",)
depends_on = "0009"


def _record(table: str, *columns: sa.SchemaItem) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f(f"fk_{table}_org_id_organizations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_org_id_id"), table, ["org_id", "id"])
    op.create_index(op.f(f"ix_{table}_org_id_updated_at"), table, ["org_id", "updated_at"])


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete="CASCADE")


def _model_id(table: str) -> list[sa.SchemaItem]:
    return [sa.Column("model_id", sa.String(length=40), nullable=False), _fk(table, "model_id", "territory_models")]


def upgrade() -> None:
    _record("territory_models",
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("assign_owner", sa.Boolean(), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("cloned_from_id", sa.String(length=40), nullable=True),
            sa.Column("activated_at", hub.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("archived_at", hub.db.UTCDateTime(timezone=True), nullable=True))
    _record("territories", *_model_id("territories"),
            sa.Column("parent_id", sa.String(length=40), nullable=True),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("depth", sa.Integer(), nullable=False),
            sa.Column("priority", sa.Integer(), nullable=False),
            sa.Column("source_id", sa.String(length=40), nullable=True),
            _fk("territories", "parent_id", "territories"))
    op.create_index(op.f("ix_territories_model_id_parent_id"), "territories", ["model_id", "parent_id"])
    _record("territory_rules",
            sa.Column("territory_id", sa.String(length=40), nullable=False),
            sa.Column("model_id", sa.String(length=40), nullable=False),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("record_type", sa.String(length=10), nullable=False),
            sa.Column("items", hub.db.JSONType, nullable=False),
            sa.Column("boolean_filter", sa.String(length=500), nullable=True),
            sa.Column("position", sa.Integer(), nullable=False),
            _fk("territory_rules", "territory_id", "territories"))
    op.create_index(op.f("ix_territory_rules_territory_id"), "territory_rules", ["territory_id"])
    _record("territory_members",
            sa.Column("territory_id", sa.String(length=40), nullable=False),
            sa.Column("user_id", sa.String(length=40), nullable=False),
            sa.Column("role", sa.String(length=10), nullable=False),
            _fk("territory_members", "territory_id", "territories"), _fk("territory_members", "user_id", "users"),
            sa.UniqueConstraint("territory_id", "user_id", name=op.f("uq_territory_members_territory_id_user_id")))
    _record("territory_assignments", *_model_id("territory_assignments"),
            sa.Column("territory_id", sa.String(length=40), nullable=False),
            sa.Column("record_type", sa.String(length=10), nullable=False),
            sa.Column("record_id", sa.String(length=40), nullable=False),
            sa.Column("is_primary", sa.Boolean(), nullable=False),
            sa.Column("cause", sa.String(length=10), nullable=False),
            sa.Column("rule_id", sa.String(length=40), nullable=True),
            sa.Column("inherited", sa.Boolean(), nullable=False),
            _fk("territory_assignments", "territory_id", "territories"),
            sa.UniqueConstraint("territory_id", "record_type", "record_id",
                                name=op.f("uq_territory_assignments_territory_id_record_type_record_id")))
    op.create_index(op.f("ix_territory_assignments_org_id_record_type_record_id_model_id"), "territory_assignments",
                    ["org_id", "record_type", "record_id", "model_id"])
    _record("territory_exclusions", *_model_id("territory_exclusions"),
            sa.Column("record_type", sa.String(length=10), nullable=False),
            sa.Column("record_id", sa.String(length=40), nullable=False),
            sa.UniqueConstraint("model_id", "record_type", "record_id",
                                name=op.f("uq_territory_exclusions_model_id_record_type_record_id")))
    _record("territory_realignments", *_model_id("territory_realignments"),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("record_types", hub.db.JSONType, nullable=False),
            sa.Column("cursor", hub.db.JSONType, nullable=False),
            sa.Column("total", sa.Integer(), nullable=False),
            sa.Column("processed", sa.Integer(), nullable=False),
            sa.Column("changed", sa.Integer(), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("started_at", hub.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("finished_at", hub.db.UTCDateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_territory_realignments_model_id"), "territory_realignments", ["model_id"])


def downgrade() -> None:
    for table in ("territory_realignments", "territory_exclusions", "territory_assignments", "territory_members",
                  "territory_rules", "territories", "territory_models"):
        op.drop_table(table)
