"""commission plans, quotas, splits, credits, payouts and runs

Revision ID: commissions_0001
Revises: (a branch of its own, after the hub's 0009)
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "commissions_0001"
down_revision = None
branch_labels = ("commissions",)
depends_on = "0009"

MONEY = hub.db.Money()
WHEN = hub.db.UTCDateTime(timezone=True)


def _record(table: str, *columns: sa.SchemaItem, users: bool = True) -> None:
    """Create a record table: the shared columns, its own, the keys to its organization (and user)."""
    keys = [sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f(f"fk_{table}_org_id_organizations"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))]
    if users:
        keys.append(sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"),
                                            ondelete="CASCADE"))
    op.create_table(table, sa.Column("id", sa.String(length=40), nullable=False),
                    sa.Column("org_id", sa.String(length=40), nullable=False),
                    sa.Column("created_at", WHEN, nullable=False), sa.Column("updated_at", WHEN, nullable=False),
                    sa.Column("version", sa.Integer(), nullable=False), *columns, *keys)
    op.create_index(op.f(f"ix_{table}_org_id_id"), table, ["org_id", "id"])
    op.create_index(op.f(f"ix_{table}_org_id_updated_at"), table, ["org_id", "updated_at"])


def _col(name: str, type_: sa.types.TypeEngine, nullable: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=nullable)


def _deal_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f(f"fk_{table}_deal_id_deals"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    s = sa.String
    _record("commission_plans", _col("name", s(100)), _col("period", s(8)), _col("kind", s(8)),
            _col("rate", MONEY), _col("tier_mode", s(10)), _col("tiers", hub.db.JSONType),
            _col("accelerator", MONEY, True), _col("product_rates", hub.db.JSONType),
            _col("deal_type_rates", hub.db.JSONType), _col("deal_type_field", s(64)), _col("cap", MONEY, True),
            _col("draw", MONEY, True), _col("draw_recoverable", sa.Boolean()), users=False)
    _record("commission_plan_members", _col("user_id", s(40)), _col("plan_id", s(40)),
            sa.ForeignKeyConstraint(["plan_id"], ["commission_plans.id"],
                                    name=op.f("fk_commission_plan_members_plan_id_commission_plans"),
                                    ondelete="CASCADE"),
            sa.UniqueConstraint("org_id", "user_id", name=op.f("uq_commission_plan_members_org_id_user_id")))
    _record("commission_quotas", _col("user_id", s(40)), _col("period_start", sa.Date()), _col("amount", MONEY),
            sa.UniqueConstraint("org_id", "user_id", "period_start",
                                name=op.f("uq_commission_quotas_org_id_user_id_period_start")))
    _record("commission_splits", _col("deal_id", s(40)), _col("user_id", s(40)), _col("percent", MONEY),
            _deal_key("commission_splits"),
            sa.UniqueConstraint("deal_id", "user_id", name=op.f("uq_commission_splits_deal_id_user_id")))
    _record("commission_credits", _col("deal_id", s(40)), _col("user_id", s(40)), _col("closed_on", sa.Date()),
            _col("amount", MONEY), _col("percent", MONEY), _col("product_id", s(40), True),
            _col("deal_type", s(100), True), _col("cause", s(40)), _col("reverses_id", s(40), True),
            _col("reversed", sa.Boolean()), _col("payout_id", s(40), True))
    op.create_index(op.f("ix_commission_credits_org_id_user_id_closed_on"), "commission_credits",
                    ["org_id", "user_id", "closed_on"])
    op.create_index(op.f("ix_commission_credits_org_id_deal_id"), "commission_credits", ["org_id", "deal_id"])
    op.create_index(op.f("ix_commission_credits_payout_id"), "commission_credits", ["payout_id"])
    _payouts()
    _record("commission_runs", _col("period", s(8)), _col("status", s(10)), _col("total", sa.Integer()),
            _col("done", sa.Integer()), _col("cursor", s(40), True), _col("job_id", s(40), True),
            _col("finished_at", WHEN, True), users=False)


def _payouts() -> None:
    s = sa.String
    _record("commission_payouts", _col("user_id", s(40)), _col("plan_id", s(40)), _col("period", s(8)),
            _col("period_start", sa.Date()), _col("period_end", sa.Date()), _col("status", s(10)),
            _col("currency", s(3)), _col("quota", MONEY, True), _col("credited", MONEY), _col("commission", MONEY),
            _col("adjustments", MONEY), _col("draw_top_up", MONEY), _col("draw_recovered", MONEY),
            _col("total", MONEY), _col("lines", hub.db.JSONType), _col("computed_at", WHEN),
            _col("reviewed_at", WHEN, True), _col("locked_at", WHEN, True),
            sa.UniqueConstraint("org_id", "user_id", "period_start",
                                name=op.f("uq_commission_payouts_org_id_user_id_period_start")))


def downgrade() -> None:
    for table in ("commission_runs", "commission_payouts", "commission_credits", "commission_splits",
                  "commission_quotas", "commission_plan_members", "commission_plans"):
        op.drop_table(table)
