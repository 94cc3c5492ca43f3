"""Commission plans, who is on them, quotas, deal splits, the credit ledger, payouts and the runs that make them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, Money, RecordMixin, UTCDateTime

__all__ = ["Credit", "Payout", "Plan", "PlanMember", "Quota", "Run", "Split"]


class Plan(RecordMixin, Base):
    """How a group of reps is paid: per month, quarter or year; rates, tiers, accelerator, cap and draw."""

    __tablename__ = "commission_plans"

    name: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(8))  # month | quarter | year
    kind: Mapped[str] = mapped_column(String(8))  # flat | tiered
    rate: Mapped[Decimal] = mapped_column(Money)
    tier_mode: Mapped[str] = mapped_column(String(10), default="marginal")  # marginal | cumulative
    tiers: Mapped[list] = mapped_column(JSONType, default=list)  # [{"floor": "0", "rate": "0.05"}, ...]
    accelerator: Mapped[Decimal | None] = mapped_column(Money)
    product_rates: Mapped[dict] = mapped_column(JSONType, default=dict)
    deal_type_rates: Mapped[dict] = mapped_column(JSONType, default=dict)
    deal_type_field: Mapped[str] = mapped_column(String(64), default="deal_type")
    cap: Mapped[Decimal | None] = mapped_column(Money)
    draw: Mapped[Decimal | None] = mapped_column(Money)
    draw_recoverable: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanMember(RecordMixin, Base):
    """A user on a plan; a user is on one plan at a time."""

    __tablename__ = "commission_plan_members"
    __extra_args__ = (UniqueConstraint("org_id", "user_id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[str] = mapped_column(ForeignKey("commission_plans.id", ondelete="CASCADE"))


class Quota(RecordMixin, Base):
    """What a user is expected to close in one period (by its first day)."""

    __tablename__ = "commission_quotas"
    __extra_args__ = (UniqueConstraint("org_id", "user_id", "period_start"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)


class Split(RecordMixin, Base):
    """A rep's share of a deal's credit, in percent; a deal's splits add up to 100."""

    __tablename__ = "commission_splits"
    __extra_args__ = (UniqueConstraint("deal_id", "user_id"),)

    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    percent: Mapped[Decimal] = mapped_column(Money)


class Credit(RecordMixin, Base):
    """A line of the credit ledger: a rep's share of a won deal, or (negative) its clawback; never edited
    except to note that it was reversed and which payout took it."""

    __tablename__ = "commission_credits"
    __extra_args__ = (Index(None, "org_id", "user_id", "closed_on"), Index(None, "org_id", "deal_id"))

    # No foreign key: the ledger outlives a deleted deal, whose credits are clawed back rather than erased.
    deal_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    closed_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    percent: Mapped[Decimal] = mapped_column(Money)
    product_id: Mapped[str | None] = mapped_column(String(40))
    deal_type: Mapped[str | None] = mapped_column(String(100))
    cause: Mapped[str] = mapped_column(String(40))
    reverses_id: Mapped[str | None] = mapped_column(String(40))
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)
    payout_id: Mapped[str | None] = mapped_column(String(40), index=True)


class Payout(RecordMixin, Base):
    """A user's pay for one period: a draft until locked; once locked its figures and lines never change."""

    __tablename__ = "commission_payouts"
    __extra_args__ = (UniqueConstraint("org_id", "user_id", "period_start"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(8))  # 2026-03, 2026-Q1, 2026
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # the day after the last
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | reviewed | locked
    currency: Mapped[str] = mapped_column(String(3))
    quota: Mapped[Decimal | None] = mapped_column(Money)
    credited: Mapped[Decimal] = mapped_column(Money)
    commission: Mapped[Decimal] = mapped_column(Money)
    adjustments: Mapped[Decimal] = mapped_column(Money)
    draw_top_up: Mapped[Decimal] = mapped_column(Money)
    draw_recovered: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    lines: Mapped[list] = mapped_column(JSONType, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Run(RecordMixin, Base):
    """A calculation of every payout of one period, as a durable job; `cursor` is the last user done."""

    __tablename__ = "commission_runs"

    period: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | running | done
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[str | None] = mapped_column(String(40))
    job_id: Mapped[str | None] = mapped_column(String(40))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
