"""What the commissions API takes and answers; money is a decimal string in the organization's currency."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = ["CreditOut", "Line", "MemberIn", "PayoutOut", "PlanIn", "PlanOut", "QuotaIn", "QuotaOut", "RunIn",
           "RunOut", "SplitIn", "SplitsIn", "SplitsOut", "TierIn", "WhatIfIn", "WhatIfOut"]

Id = Annotated[str, Meta(min_length=3, max_length=40)]
# msgspec takes no bounds on Decimal: the structs check theirs after decoding (a 400 naming the field).
Rate = Annotated[Decimal, Meta(description="A fraction from 0 to 10: 0.05 is 5 %")]
Amount = Annotated[Decimal, Meta(description="A decimal string, never negative")]


def _bounded(value: Decimal | None, name: str, low: Decimal, high: Decimal, *, low_open: bool = False) -> None:
    if value is not None and (not value.is_finite() or value < low or value > high or (low_open and value == low)):
        raise ValueError(f"`{name}` must be {'over' if low_open else 'at least'} {low} and at most {high}")


def _rate(value: Decimal | None, name: str) -> None:
    _bounded(value, name, Decimal(0), Decimal(10))


def _amount(value: Decimal | None, name: str) -> None:
    _bounded(value, name, Decimal(0), Decimal(10) ** 12)
PeriodLabel = Annotated[str, Meta(min_length=4, max_length=7, examples=["2026-03", "2026-Q1", "2026"])]


class TierIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """From `floor` credited in the period upward, this rate."""

    floor: Amount
    rate: Rate

    def __post_init__(self) -> None:
        _amount(self.floor, "floor")
        _rate(self.rate, "rate")


class PlanIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A commission plan; `tiers` for a tiered plan, `rate` for a flat one."""

    name: Annotated[str, Meta(min_length=1, max_length=100)]
    period: Literal["month", "quarter", "year"]
    kind: Literal["flat", "tiered"] = "flat"
    rate: Rate = Decimal(0)
    tier_mode: Literal["marginal", "cumulative"] = "marginal"
    tiers: Annotated[list[TierIn], Meta(max_length=20)] = msgspec.field(default_factory=list)
    accelerator: Annotated[Decimal, Meta(description="Multiplies the rate past quota; 1 to 10")] | None = None
    product_rates: Annotated[dict[str, Rate], Meta(description="Rate by product id, replacing the plan's")] = \
        msgspec.field(default_factory=dict)
    deal_type_rates: Annotated[dict[str, Rate], Meta(description="Rate by deal type, replacing the plan's")] = \
        msgspec.field(default_factory=dict)
    deal_type_field: Annotated[str, Meta(min_length=1, max_length=64, description=(
        "The deal custom field that holds its type"))] = "deal_type"
    cap: Amount | None = None
    draw: Annotated[Amount, Meta(description="Guaranteed minimum pay per period")] | None = None
    draw_recoverable: bool = False

    def __post_init__(self) -> None:
        _rate(self.rate, "rate")
        _bounded(self.accelerator, "accelerator", Decimal(1), Decimal(10))
        for key, value in {**self.product_rates, **self.deal_type_rates}.items():
            _rate(value, f"rate of {key}")
        _amount(self.cap, "cap")
        _amount(self.draw, "draw")


class PlanOut(PlanIn, kw_only=True):
    id: str
    currency: str
    created_at: datetime
    updated_at: datetime
    version: int


class MemberIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    plan_id: Id


class QuotaIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A user's quota for the period labelled `period` (of their plan's kind)."""

    user_id: Id
    period: PeriodLabel
    amount: Amount

    def __post_init__(self) -> None:
        _amount(self.amount, "amount")


class QuotaOut(msgspec.Struct, kw_only=True):
    user_id: str
    period_start: date
    amount: Decimal


class SplitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    user_id: Id
    percent: Annotated[Decimal, Meta(description="Over 0, at most 100")]

    def __post_init__(self) -> None:
        _bounded(self.percent, "percent", Decimal(0), Decimal(100), low_open=True)


class SplitsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Who shares a deal's credit; the percentages add up to 100. Empty: the deal's owner takes it all."""

    splits: Annotated[list[SplitIn], Meta(max_length=20)]


class SplitsOut(msgspec.Struct, kw_only=True):
    deal_id: str
    splits: list[SplitIn]


class CreditOut(msgspec.Struct, kw_only=True):
    id: str
    deal_id: str
    user_id: str
    closed_on: date
    amount: Decimal
    percent: Decimal
    product_id: str | None
    deal_type: str | None
    cause: str
    reverses_id: str | None
    reversed: bool
    payout_id: str | None


class Line(msgspec.Struct, kw_only=True):
    """A line of a statement: a credit or clawback with its commission, an adjustment for a locked period, the
    cap, or the draw."""

    kind: Literal["credit", "clawback", "adjustment", "cap", "draw", "draw_recovery"]
    commission: Decimal
    credit_id: str | None = None
    deal_id: str | None = None
    deal_name: str | None = None
    closed_on: date | None = None
    credited: Decimal | None = None
    rate: Decimal | None = None
    for_period: str | None = None
    credits: list[str] = msgspec.field(default_factory=list)


class PayoutOut(msgspec.Struct, kw_only=True):
    """A user's payout for a period; `total` = commission + adjustments + draw top-up - draw recovered."""

    id: str
    user_id: str
    plan_id: str
    period: str
    period_start: date
    period_end: date
    status: Literal["draft", "reviewed", "locked"]
    currency: str
    quota: Decimal | None
    attainment: Decimal | None
    credited: Decimal
    commission: Decimal
    adjustments: Decimal
    draw_top_up: Decimal
    draw_recovered: Decimal
    total: Decimal
    lines: list[Line]
    computed_at: datetime
    reviewed_at: datetime | None
    locked_at: datetime | None
    version: int


class RunIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Calculate every payout of the period for the users whose plan counts in periods of its kind."""

    period: PeriodLabel


class RunOut(msgspec.Struct, kw_only=True):
    id: str
    period: str
    status: Literal["pending", "running", "done"]
    total: int
    done: int
    job_id: str | None
    created_at: datetime
    finished_at: datetime | None


class WhatIfIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Open deals to pretend closed (won) in `period` (by default, the current one)."""

    user_id: Id
    deal_ids: Annotated[list[Id], Meta(min_length=1, max_length=200)]
    period: PeriodLabel | None = None


class WhatIfOut(msgspec.Struct, kw_only=True):
    user_id: str
    period: str
    currency: str
    commission_now: Decimal
    commission_if_won: Decimal
    difference: Decimal
    lines: list[Line]
