"""The commission of one rep for one period, from the plan's rules and the period's credit lines; pure, no I/O.

A line's commission is the rate over the slice of the period's running credited total that the line covers,
so lines are taken in order (close date, then id). Rates:

- flat: the plan's rate on every slice;
- tiered, marginal: each part of the slice pays the rate of the tier it falls in;
- tiered, cumulative: the whole period pays the rate of the tier its total credit reaches;
- a per-product or per-deal-type rate replaces the above for that line (its amount still counts toward tiers
  and quota);
- above quota, the rate is multiplied by the accelerator (only the part of a slice past the quota).

A negative line (a clawback) covers its slice backwards and so takes back what that slice paid. Each line's
commission is rounded to the cent (ROUND_HALF_UP); the period's commission is the sum of the rounded lines,
then held to the cap by a line of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

__all__ = ["CENT", "Piece", "Result", "Rules", "Tier", "compute", "money"]

CENT = Decimal("0.01")
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    """To the cent, halves away from zero: the one rounding rule of commissions."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Tier:
    """From `floor` of credited amount in the period upward (until the next tier's floor), this rate."""

    floor: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Rules:
    """What a plan says about rates; amounts are in the organization's currency."""

    kind: str = "flat"  # flat | tiered
    rate: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
    tier_mode: str = "marginal"  # marginal | cumulative
    accelerator: Decimal | None = None  # multiplies the rate past quota
    product_rates: Mapping[str, Decimal] = field(default_factory=dict)
    deal_type_rates: Mapping[str, Decimal] = field(default_factory=dict)
    cap: Decimal | None = None


@dataclass(frozen=True)
class Piece:
    """One credit line: `amount` credited (negative for a clawback)."""

    key: str
    amount: Decimal
    product_id: str | None = None
    deal_type: str | None = None


@dataclass(frozen=True)
class Result:
    credited: Decimal
    lines: dict[str, Decimal]  # piece key -> commission, to the cent
    rates: dict[str, Decimal]  # piece key -> effective average rate over its slice
    uncapped: Decimal
    cap_adjustment: Decimal  # zero or negative
    commission: Decimal


def compute(rules: Rules, quota: Decimal | None, pieces: Sequence[Piece]) -> Result:
    """The commission of an ordered sequence of credit lines under `rules` with `quota` for the period."""
    total = sum((p.amount for p in pieces), ZERO)
    running = ZERO
    lines: dict[str, Decimal] = {}
    rates: dict[str, Decimal] = {}
    for piece in pieces:
        low, high = sorted((running, running + piece.amount))
        owed = _slice(rules, quota, total, piece, low, high)
        owed = owed if piece.amount >= 0 else -owed
        lines[piece.key] = money(owed)
        rates[piece.key] = (owed / piece.amount) if piece.amount else ZERO
        running += piece.amount
    uncapped = sum(lines.values(), ZERO)
    cut = min(ZERO, rules.cap - uncapped) if rules.cap is not None else ZERO
    return Result(credited=total, lines=lines, rates=rates, uncapped=uncapped, cap_adjustment=cut,
                  commission=uncapped + cut)


def _slice(rules: Rules, quota: Decimal | None, total: Decimal, piece: Piece, low: Decimal, high: Decimal
           ) -> Decimal:
    """What the slice [low, high] of the running credit pays for this piece."""
    override = _override(rules, piece)
    marks = {low, high}
    if override is None and rules.kind == "tiered" and rules.tier_mode == "marginal":
        marks |= {t.floor for t in rules.tiers if low < t.floor < high}
    if quota is not None and rules.accelerator is not None and low < quota < high:
        marks.add(quota)
    points = sorted(marks)
    owed = ZERO
    for start, end in pairwise(points):
        rate = override if override is not None else _rate_at(rules, start, total)
        if quota is not None and rules.accelerator is not None and start >= quota:
            rate *= rules.accelerator
        owed += (end - start) * rate
    return owed


def _override(rules: Rules, piece: Piece) -> Decimal | None:
    if piece.product_id is not None and piece.product_id in rules.product_rates:
        return rules.product_rates[piece.product_id]
    if piece.deal_type is not None and piece.deal_type in rules.deal_type_rates:
        return rules.deal_type_rates[piece.deal_type]
    return None


def _rate_at(rules: Rules, at: Decimal, total: Decimal) -> Decimal:
    """The rate at running credit `at` (marginal), or at the period's total (cumulative)."""
    if rules.kind != "tiered" or not rules.tiers:
        return rules.rate
    reached = total if rules.tier_mode == "cumulative" else at
    rate = ZERO
    for tier in sorted(rules.tiers, key=lambda t: t.floor):
        if tier.floor <= reached:
            rate = tier.rate
    return rate
