"""Payouts: a rep's commission for a period from the credit ledger, reviewed, then locked for good.

A draft payout takes the period's credits (by close date). Credits that land later in a period whose payout is
locked (a clawback, a late split) are paid in the next payout calculated as an adjustment: what the locked
period's credits now earn under its plan, less what the payouts before already paid for it. A locked payout is
never recalculated or edited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.commissions import service
from core_features.commissions.calc import Piece, Result, compute
from core_features.commissions.events import PAYOUT_LOCKED, PayoutLocked
from core_features.commissions.models import Credit, Payout, Plan, Quota
from core_features.commissions.periods import Period, containing, parse
from core_features.commissions.schemas import Line, PayoutOut
from hub.db import new_id, plain_decimal, utcnow
from hub.errors import Conflict, NotFound
from hub.events.service import emit
from hub.records.models import Deal

__all__ = ["calculate", "get", "lock", "payout_out", "review", "statement"]

ZERO = Decimal(0)


@dataclass
class Figures:
    """What a payout comes to, before it is written."""

    result: Result
    lines: list[Line]
    adjustments: Decimal
    taken: list[str]  # the credits it pays


async def calculate(session: AsyncSession, org_id: str, user_id: str, plan: Plan, period: Period,
                    currency: str) -> Payout:
    """Calculate (or recalculate) a user's draft payout for a period; a locked one is answered as it is."""
    payout = await _payout(session, org_id, user_id, period.start)
    if payout is not None and payout.status == "locked":
        return payout
    payout_id = payout.id if payout else new_id("cpo")
    quota = await _quota(session, org_id, user_id, period.start)
    figures = await _figures(session, org_id, user_id, plan, period, quota, payout_id)
    draw_top_up, draw_recovered = await _draw(session, org_id, user_id, plan, period,
                                              figures.result.commission + figures.adjustments)
    lines = figures.lines + _draw_lines(draw_top_up, draw_recovered)
    now = utcnow()
    values: dict[str, Any] = {
        "plan_id": plan.id, "period": period.label, "period_end": period.end, "status": "draft",
        "currency": currency, "quota": quota, "credited": figures.result.credited,
        "commission": figures.result.commission, "adjustments": figures.adjustments, "draw_top_up": draw_top_up,
        "draw_recovered": draw_recovered, "lines": [_builtins(line) for line in lines],
        "total": figures.result.commission + figures.adjustments + draw_top_up - draw_recovered,
        "computed_at": now, "reviewed_at": None, "updated_at": now}
    if payout is None:
        payout = Payout(id=payout_id, org_id=org_id, user_id=user_id, period_start=period.start,
                        created_at=values["computed_at"], **values)
        session.add(payout)
    else:
        for name, value in values.items():
            setattr(payout, name, value)
    await _take(session, org_id, payout_id, figures.taken, fresh=payout is None)
    return payout


async def _figures(session: AsyncSession, org_id: str, user_id: str, plan: Plan, period: Period,
                   quota: Decimal | None, payout_id: str) -> Figures:
    rules = service.rules(plan)
    rows = (await session.execute(
        select(Credit, Deal.name).outerjoin(Deal, (Deal.id == Credit.deal_id) & (Deal.org_id == Credit.org_id))
        .where(Credit.org_id == org_id, Credit.user_id == user_id, Credit.closed_on >= period.start,
               Credit.closed_on < period.end).order_by(Credit.closed_on, Credit.id))).all()
    own, names = [c for c, _ in rows], {c.deal_id: name for c, name in rows}
    result = compute(rules, quota, [_piece(c) for c in own])
    lines = [Line(kind="clawback" if c.amount < 0 else "credit", commission=result.lines[c.id], credit_id=c.id,
                  deal_id=c.deal_id, deal_name=names.get(c.deal_id), closed_on=c.closed_on, credited=c.amount,
                  rate=result.rates[c.id].quantize(Decimal("0.0001"))) for c in own]
    if result.cap_adjustment:
        lines.append(Line(kind="cap", commission=result.cap_adjustment))
    adjustments, late_lines, late_ids = await _adjustments(session, org_id, user_id, plan, period, payout_id)
    return Figures(result, lines + late_lines, adjustments, [c.id for c in own] + late_ids)


async def _adjustments(session: AsyncSession, org_id: str, user_id: str, plan: Plan, period: Period,
                       payout_id: str) -> tuple[Decimal, list[Line], list[str]]:
    """Lines for credits that arrived after their own period's payout was locked."""
    # Two queries, not one with OR: each is answered from the index on payout_id, where unpaid credits are few,
    # rather than by walking every earlier credit of the user.
    late: list[Credit] = []
    for unpaid in (Credit.payout_id.is_(None), Credit.payout_id == payout_id):
        late += await session.scalars(select(Credit).where(unpaid, Credit.org_id == org_id,
                                                           Credit.user_id == user_id, Credit.closed_on < period.start))
    late.sort(key=_order)
    by_period: dict[Period, list[Credit]] = defaultdict(list)
    for credit in late:
        by_period[containing(plan.period, credit.closed_on)].append(credit)
    total, lines, taken = ZERO, [], []
    for earned, credits in sorted(by_period.items()):
        locked = await _payout(session, org_id, user_id, earned.start)
        if locked is None or locked.status != "locked":
            continue  # waits for its own period's payout
        delta = await _delta(session, org_id, user_id, plan, earned, credits, payout_id)
        total += delta
        taken += [c.id for c in credits]
        lines.append(Line(kind="adjustment", commission=delta, for_period=earned.label,
                          credited=sum((c.amount for c in credits), ZERO), credits=[c.id for c in credits]))
    return total, lines, taken


async def _delta(session: AsyncSession, org_id: str, user_id: str, plan: Plan, earned: Period,
                 late: list[Credit], payout_id: str) -> Decimal:
    """What a locked period's credits earn with the late ones, less what was paid for them before."""
    everything = await _credits(session, org_id, user_id, earned.start, earned.end)
    paid = [c for c in everything if c.payout_id is not None and c.payout_id != payout_id]
    quota = await _quota(session, org_id, user_id, earned.start)
    rules = service.rules(plan)
    now = compute(rules, quota, [_piece(c) for c in sorted(paid + late, key=_order)])
    before = compute(rules, quota, [_piece(c) for c in paid])
    return now.commission - before.commission


async def _draw(session: AsyncSession, org_id: str, user_id: str, plan: Plan, period: Period,
                earned: Decimal) -> tuple[Decimal, Decimal]:
    """The draw's top-up (up to the guaranteed minimum) and, if recoverable, what this period pays back."""
    if not plan.draw:
        return ZERO, ZERO
    top_up = max(ZERO, plan.draw - max(earned, ZERO))  # at most the draw: a clawback is still owed
    if not plan.draw_recoverable:
        return top_up, ZERO
    before = list(await session.execute(select(Payout.draw_top_up, Payout.draw_recovered).where(
        Payout.org_id == org_id, Payout.user_id == user_id, Payout.status == "locked",
        Payout.period_start < period.start)))
    outstanding = sum((t - r for t, r in before), ZERO)
    return top_up, min(outstanding, max(ZERO, earned - plan.draw))


def _draw_lines(top_up: Decimal, recovered: Decimal) -> list[Line]:
    lines = [Line(kind="draw", commission=top_up)] if top_up else []
    return lines + ([Line(kind="draw_recovery", commission=-recovered)] if recovered else [])


async def _credits(session: AsyncSession, org_id: str, user_id: str, start: date, end: date) -> list[Credit]:
    query = select(Credit).where(Credit.org_id == org_id, Credit.user_id == user_id, Credit.closed_on >= start,
                                 Credit.closed_on < end)
    return list(await session.scalars(query.order_by(Credit.closed_on, Credit.id)))


def _order(credit: Credit) -> tuple[date, str]:
    return credit.closed_on, credit.id


def _piece(credit: Credit) -> Piece:
    return Piece(credit.id, credit.amount, product_id=credit.product_id, deal_type=credit.deal_type)


async def _take(session: AsyncSession, org_id: str, payout_id: str, credit_ids: list[str], fresh: bool) -> None:
    """Mark the credits this draft pays, and free those it no longer does (a new draft pays none yet)."""
    await session.flush()
    if not fresh:
        await session.execute(update(Credit).where(Credit.org_id == org_id, Credit.payout_id == payout_id)
                              .values(payout_id=None).execution_options(synchronize_session=False))
    for start in range(0, len(credit_ids), 500):
        await session.execute(update(Credit).where(Credit.org_id == org_id,
                                                   Credit.id.in_(credit_ids[start:start + 500]))
                              .values(payout_id=payout_id).execution_options(synchronize_session=False))


async def _payout(session: AsyncSession, org_id: str, user_id: str, start: date) -> Payout | None:
    return await session.scalar(select(Payout).where(Payout.org_id == org_id, Payout.user_id == user_id,
                                                     Payout.period_start == start))


async def _quota(session: AsyncSession, org_id: str, user_id: str, start: date) -> Decimal | None:
    return await session.scalar(select(Quota.amount).where(Quota.org_id == org_id, Quota.user_id == user_id,
                                                           Quota.period_start == start))


def _builtins(line: Line) -> dict[str, Any]:
    return msgspec.to_builtins(line)


async def get(session: AsyncSession, org_id: str, payout_id: str) -> Payout:
    payout = await session.scalar(select(Payout).where(Payout.org_id == org_id, Payout.id == payout_id))
    if payout is None:
        raise NotFound(f"No payout {payout_id!r} in this organization.")
    return payout


async def review(session: AsyncSession, org_id: str, payout_id: str) -> Payout:
    """Mark a draft as reviewed; a recalculation makes it a draft again."""
    payout = await get(session, org_id, payout_id)
    if payout.status == "locked":
        raise Conflict("The payout is locked; it can no longer change.")
    payout.status, payout.reviewed_at, payout.updated_at = "reviewed", utcnow(), utcnow()
    await session.flush()
    return payout


async def lock(session: AsyncSession, org_id: str, payout_id: str) -> Payout:
    """Lock a payout as its final statement; later changes land in the next period as adjustments."""
    payout = await get(session, org_id, payout_id)
    if payout.status == "locked":
        raise Conflict("The payout is already locked.")
    payout.status, payout.locked_at, payout.updated_at = "locked", utcnow(), utcnow()
    await session.flush()
    money = {k: str(plain_decimal(getattr(payout, k))) for k in ("credited", "commission", "adjustments", "total")}
    emit(session, org_id, PAYOUT_LOCKED, PayoutLocked(payout_id=payout.id, user_id=payout.user_id,
                                                      period=payout.period, currency=payout.currency, **money),
         subject_id=payout.user_id)
    return payout


async def statement(session: AsyncSession, org_id: str, user_id: str, label: str | None) -> Payout:
    """A user's payout for a period (by default the current one of their plan), as last calculated."""
    await service.user(session, org_id, user_id)
    if label:
        start = parse(label).start
    else:
        plan = await service.member_plan(session, org_id, user_id)
        start = containing(plan.period if plan else "month", utcnow().date()).start
    payout = await _payout(session, org_id, user_id, start)
    if payout is None:
        raise NotFound("No payout is calculated for this user and period yet; start a run for the period.")
    return payout


def payout_out(payout: Payout) -> PayoutOut:
    attainment = (payout.credited / payout.quota).quantize(Decimal("0.0001")) if payout.quota else None
    return PayoutOut(
        id=payout.id, user_id=payout.user_id, plan_id=payout.plan_id, period=payout.period,
        period_start=payout.period_start, period_end=payout.period_end, status=payout.status,  # type: ignore[arg-type]
        currency=payout.currency, quota=payout.quota, attainment=attainment, credited=payout.credited,
        commission=payout.commission, adjustments=payout.adjustments, draw_top_up=payout.draw_top_up,
        draw_recovered=payout.draw_recovered, total=payout.total,
        lines=msgspec.convert(payout.lines, list[Line], strict=False), computed_at=payout.computed_at,
        reviewed_at=payout.reviewed_at, locked_at=payout.locked_at, version=payout.version)
