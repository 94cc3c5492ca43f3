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
from core_features.commissions.models import Credit, Plan, PlanMember, Split
from core_features.commissions.settings import CommissionSettings
from hub.db import new_id, plain_decimal, utcnow
from hub.events.models import Event
from hub.events.service import emit
from hub.jobs import JobContext
from hub.records.models import Deal, LineItem

__all__ = ["active", "credit_deal", "credit_deals", "on_events", "pieces", "recredit", "reverse_deal", "shares", "split"]

log = structlog.get_logger("core_features.commissions")
HUNDRED = Decimal(100)
# Fields of a won deal whose change re-credits it: what it is worth, to whom, and in which period.
_CREDITED = frozenset({"amount", "currency", "owner_id", "closed_at", "custom_fields"})


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """A relay listener: a won deal credits its reps; reopened, lost, refunded or deleted, the credit is clawed
    back."""
    config = ctx.hub.config(CommissionSettings)
    for event in events:
        cause = _cause(event)
        if cause is None:
            continue
        deal_id = event.subject_id or event.data.get("deal_id")
        if cause not in ("deal.won", "deal.changed"):
            await reverse_deal(session, event.org_id, deal_id, cause, config)
            continue
        deal = await session.scalar(select(Deal).where(Deal.org_id == event.org_id, Deal.id == deal_id))
        if deal is not None and cause == "deal.won" and deal.status == "won":
            await credit_deal(session, deal, config)
        elif deal is not None:
            await recredit(session, deal, config, cause)


def _cause(event: Event) -> str | None:
    if event.type in ("deal.won", "deal.lost", "deal.deleted", REFUND_EVENT):
        return event.type
    previous = (event.data.get("previous") or {}) if event.type == "deal.updated" else {}
    if event.data.get("status") == "open" and previous.get("status") == "won":
        return "deal.reopened"
    if event.data.get("status") == "won" and "status" not in previous and _CREDITED.intersection(previous):
        return "deal.changed"
    return None


async def active(session: AsyncSession, org_id: str, deal_id: str) -> list[Credit]:
    """A deal's credits that stand: positive and not reversed."""
    return list(await session.scalars(select(Credit).where(
        Credit.org_id == org_id, Credit.deal_id == deal_id, Credit.reversed.is_(False),
        Credit.reverses_id.is_(None)).order_by(Credit.id)))


async def credit_deal(session: AsyncSession, deal: Deal, config: CommissionSettings,
                      cause: str = "deal.won") -> list[Credit]:
    """Credit a won deal's reps once; a deal whose credit stands is left as it is."""
    return await credit_deals(session, deal.org_id, [deal], config, cause)


async def credit_deals(session: AsyncSession, org_id: str, deals: list[Deal], config: CommissionSettings,
                       cause: str = "deal.won") -> list[Credit]:
    """Credit won deals of one organization, reading what they need in a few queries for all of them."""
    org_currency = await service.currency(session, org_id, config)
    ids = [d.id for d in deals]
    standing = await _standing(session, org_id, ids)
    sharing, items, type_fields = await _splits(session, org_id, ids), await _items(session, org_id, ids), \
        await _type_fields(session, org_id)
    rows = []
    for deal in deals:
        if deal.id in standing or deal.status != "won":
            continue
        if deal.currency != org_currency:
            log.warning("commissions.credit.skipped", deal_id=deal.id, reason="currency", currency=deal.currency)
            continue
        rows += _credits(deal, sharing.get(deal.id) or _owner(deal), _by_product(deal, items.get(deal.id, [])),
                         type_fields, cause)
    _add(session, rows, org_currency)
    return rows


def _credits(deal: Deal, sharing: list[tuple[str, Decimal]], amounts_by_product: list[tuple[str | None, Decimal]],
             type_fields: dict[str, str], cause: str) -> list[Credit]:
    closed_on = (deal.closed_at or utcnow()).date()
    rows = []
    for user_id, percent, amounts in split(sharing, amounts_by_product):
        value = (deal.custom_fields or {}).get(type_fields.get(user_id, "deal_type"))
        for product_id, amount in amounts:
            rows.append(Credit(id=new_id("ccr"), org_id=deal.org_id, deal_id=deal.id, user_id=user_id,
                               closed_on=closed_on, amount=amount, percent=percent, product_id=product_id,
                               deal_type=None if value is None else str(value)[:100], cause=cause,
                               reversed=False))
    return rows


async def reverse_deal(session: AsyncSession, org_id: str, deal_id: str, cause: str,
                       config: CommissionSettings) -> list[Credit]:
    """Claw back every standing credit of a deal (which may be gone) with a negative line in the same period."""
    standing = await active(session, org_id, deal_id)
    if not standing:
        return []
    org_currency = await service.currency(session, org_id, config)
    rows = []
    for credit in standing:
        credit.reversed, credit.updated_at = True, utcnow()
        rows.append(Credit(id=new_id("ccr"), org_id=org_id, deal_id=deal_id, user_id=credit.user_id,
                           closed_on=credit.closed_on, amount=-credit.amount, percent=credit.percent,
                           product_id=credit.product_id, deal_type=credit.deal_type, cause=cause,
                           reverses_id=credit.id, reversed=False))
    _add(session, rows, org_currency)
    return rows


async def recredit(session: AsyncSession, deal: Deal, config: CommissionSettings,
                   cause: str = "splits.changed") -> None:
    """After a won deal's splits, amount, owner or close date change: claw back the old shares, credit anew."""
    if deal.status == "won":
        await reverse_deal(session, deal.org_id, deal.id, cause, config)
        await session.flush()
        await credit_deal(session, deal, config, cause=cause)


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
    return (await _splits(session, deal.org_id, [deal.id])).get(deal.id) or _owner(deal)


async def pieces(session: AsyncSession, deal: Deal) -> list[tuple[str | None, Decimal]]:
    """What the deal credits: its line items' amounts by product, else its amount."""
    return _by_product(deal, (await _items(session, deal.org_id, [deal.id])).get(deal.id, []))


def _owner(deal: Deal) -> list[tuple[str, Decimal]]:
    return [(deal.owner_id, HUNDRED)] if deal.owner_id else []


def _by_product(deal: Deal, items: list[LineItem]) -> list[tuple[str | None, Decimal]]:
    if not items:
        return [(None, deal.amount)] if deal.amount else []
    by_product: dict[str | None, Decimal] = defaultdict(Decimal)
    for item in items:
        by_product[item.product_id] += item.amount
    return sorted(by_product.items(), key=lambda kv: kv[0] or "")


async def _standing(session: AsyncSession, org_id: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        found |= set(await session.scalars(select(Credit.deal_id).where(
            Credit.org_id == org_id, Credit.deal_id.in_(chunk), Credit.reversed.is_(False),
            Credit.reverses_id.is_(None))))
    return found


async def _splits(session: AsyncSession, org_id: str, ids: list[str]) -> dict[str, list[tuple[str, Decimal]]]:
    out: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for row in await session.scalars(select(Split).where(Split.org_id == org_id, Split.deal_id.in_(chunk))
                                         .order_by(Split.id)):
            out[row.deal_id].append((row.user_id, row.percent))
    return out


async def _items(session: AsyncSession, org_id: str, ids: list[str]) -> dict[str, list[LineItem]]:
    out: dict[str, list[LineItem]] = defaultdict(list)
    for chunk in _chunks(ids):
        for row in await session.scalars(select(LineItem).where(LineItem.org_id == org_id,
                                                                LineItem.deal_id.in_(chunk))):
            out[row.deal_id].append(row)
    return out


async def _type_fields(session: AsyncSession, org_id: str) -> dict[str, str]:
    """The deal field that holds a deal's type, by user, from each user's plan."""
    rows = await session.execute(select(PlanMember.user_id, Plan.deal_type_field)
                                 .join(Plan, Plan.id == PlanMember.plan_id).where(PlanMember.org_id == org_id))
    return {user_id: field for user_id, field in rows}


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[n:n + size] for n in range(0, len(ids), size)]


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
