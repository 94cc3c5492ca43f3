"""The credit ledger: won deals credit their reps (by split, by close date); reopening, losing or a refund
claws the credit back as negative lines. Lines are only ever added; a reversed credit is marked, not changed.

A deal's credit is its line items' amounts by product when it has line items, else its amount. A rep's share
of each is rounded to the cent (ROUND_HALF_UP) and the last rep of the split takes what rounding left, so the
shares add up to the deal exactly. Deals in a currency other than the organization's earn no credit (logged).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.commissions import service
from core_features.commissions.calc import money
from core_features.commissions.events import COMMISSION_CREDITED, REFUND_EVENT, CommissionCredited
from core_features.commissions.models import Credit
from core_features.commissions.settings import CommissionSettings
from hub.db import new_id, plain_decimal, utcnow
from hub.events.models import Event
from hub.events.service import emit
from hub.jobs import JobContext
from hub.records.models import Deal, LineItem

__all__ = ["active", "credit_deal", "on_events", "pieces", "recredit", "reverse_deal", "shares", "split"]

log = structlog.get_logger("core_features.commissions")
HUNDRED = Decimal(100)


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """A relay listener: a won deal credits its reps; reopened, lost or refunded, the credit is clawed back."""
    config = ctx.hub.config(CommissionSettings)
    for event in events:
        cause = _cause(event)
        if cause is None:
            continue
        deal_id = event.subject_id or event.data.get("deal_id")
        deal = await session.scalar(select(Deal).where(Deal.org_id == event.org_id, Deal.id == deal_id))
        if deal is None:
            continue
        if cause == "deal.won" and deal.status == "won":
            await credit_deal(session, deal, config)
        elif cause != "deal.won":
            await reverse_deal(session, deal, cause, config)


def _cause(event: Event) -> str | None:
    if event.type in ("deal.won", "deal.lost", REFUND_EVENT):
        return event.type
    previous = (event.data.get("previous") or {}) if event.type == "deal.updated" else {}
    if event.data.get("status") == "open" and previous.get("status") == "won":
        return "deal.reopened"
    return None


async def active(session: AsyncSession, org_id: str, deal_id: str) -> list[Credit]:
    """A deal's credits that stand: positive and not reversed."""
    return list(await session.scalars(select(Credit).where(
        Credit.org_id == org_id, Credit.deal_id == deal_id, Credit.reversed.is_(False),
        Credit.reverses_id.is_(None)).order_by(Credit.id)))


async def credit_deal(session: AsyncSession, deal: Deal, config: CommissionSettings,
                      cause: str = "deal.won") -> list[Credit]:
    """Credit a won deal's reps once; a deal whose credit stands is left as it is."""
    if await active(session, deal.org_id, deal.id):
        return []
    org_currency = await service.currency(session, deal.org_id, config)
    if deal.currency != org_currency:
        log.warning("commissions.credit.skipped", deal_id=deal.id, reason="currency", currency=deal.currency)
        return []
    sharing = await shares(session, deal)
    amounts_by_product = await pieces(session, deal)
    closed_on = (deal.closed_at or utcnow()).date()
    rows = []
    for user_id, percent, amounts in split(sharing, amounts_by_product):
        deal_type = await _deal_type(session, deal, user_id)
        for product_id, amount in amounts:
            rows.append(Credit(id=new_id("ccr"), org_id=deal.org_id, deal_id=deal.id, user_id=user_id,
                               closed_on=closed_on, amount=amount, percent=percent, product_id=product_id,
                               deal_type=deal_type, cause=cause, reversed=False))
    _add(session, rows, org_currency)
    return rows


async def reverse_deal(session: AsyncSession, deal: Deal, cause: str, config: CommissionSettings) -> list[Credit]:
    """Claw back every standing credit of a deal with a negative line in the same period."""
    org_currency = await service.currency(session, deal.org_id, config)
    rows = []
    for credit in await active(session, deal.org_id, deal.id):
        credit.reversed, credit.updated_at = True, utcnow()
        rows.append(Credit(id=new_id("ccr"), org_id=deal.org_id, deal_id=deal.id, user_id=credit.user_id,
                           closed_on=credit.closed_on, amount=-credit.amount, percent=credit.percent,
                           product_id=credit.product_id, deal_type=credit.deal_type, cause=cause,
                           reverses_id=credit.id, reversed=False))
    _add(session, rows, org_currency)
    return rows


async def recredit(session: AsyncSession, deal: Deal, config: CommissionSettings) -> None:
    """After a won deal's splits change: claw back the old shares and credit the new ones."""
    if deal.status == "won":
        await reverse_deal(session, deal, "splits.changed", config)
        await session.flush()
        await credit_deal(session, deal, config, cause="splits.changed")


def _add(session: AsyncSession, rows: list[Credit], currency: str) -> None:
    now = utcnow()
    for row in rows:
        row.created_at = row.updated_at = now
        session.add(row)
        emit(session, row.org_id, COMMISSION_CREDITED, CommissionCredited(
            credit_id=row.id, deal_id=row.deal_id, user_id=row.user_id,
            kind="clawback" if row.amount < 0 else "credit", cause=row.cause, amount=str(plain_decimal(row.amount)),
            percent=str(plain_decimal(row.percent)), closed_on=row.closed_on.isoformat(), currency=currency),
            subject_id=row.deal_id)


async def shares(session: AsyncSession, deal: Deal) -> list[tuple[str, Decimal]]:
    """Who shares the deal and by what percent: its splits, else its owner alone."""
    rows = await service.splits(session, deal.org_id, deal.id)
    if rows:
        return [(r.user_id, r.percent) for r in rows]
    return [(deal.owner_id, HUNDRED)] if deal.owner_id else []


async def pieces(session: AsyncSession, deal: Deal) -> list[tuple[str | None, Decimal]]:
    """What the deal credits: its line items' amounts by product, else its amount."""
    items = list(await session.scalars(select(LineItem).where(LineItem.org_id == deal.org_id,
                                                              LineItem.deal_id == deal.id)))
    if not items:
        return [(None, deal.amount)] if deal.amount else []
    by_product: dict[str | None, Decimal] = defaultdict(Decimal)
    for item in items:
        by_product[item.product_id] += item.amount
    return sorted(by_product.items(), key=lambda kv: kv[0] or "")


def split(shares: list[tuple[str, Decimal]], pieces: list[tuple[str | None, Decimal]]
           ) -> list[tuple[str, Decimal, list[tuple[str | None, Decimal]]]]:
    """Each rep's share of each piece, to the cent; the last rep takes what rounding left."""
    out: list[tuple[str, Decimal, list[tuple[str | None, Decimal]]]] = [(u, p, []) for u, p in shares]
    for product_id, amount in pieces:
        given = Decimal(0)
        for index, (_, percent, amounts) in enumerate(out):
            share = amount - given if index == len(out) - 1 else money(amount * percent / HUNDRED)
            given += share
            amounts.append((product_id, share))
    return out


async def _deal_type(session: AsyncSession, deal: Deal, user_id: str) -> str | None:
    plan = await service.member_plan(session, deal.org_id, user_id)
    value = (deal.custom_fields or {}).get(plan.deal_type_field if plan else "deal_type")
    return None if value is None else str(value)[:100]
