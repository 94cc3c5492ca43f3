"""Competitors, the deals they are in, and how the organization fares against each.

Every query is scoped by the caller's organization. A competitor's status in a deal follows the deal: when
the deal is won every active competitor becomes `won_against`; when it is lost to a single competitor, that
one becomes `lost_to` (with several, a person says which); when it is reopened they are all `active` again.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from core_features.competitors.events import (COMPETITOR_ADDED_TO_DEAL, DEAL_LOST_TO_COMPETITOR, CompetitorAdded,
                                             DealLostTo)
from core_features.competitors.models import Competitor, DealCompetitor
from core_features.competitors.schemas import (CompetitorIn, CompetitorOut, CompetitorPatch, DealCompetitorIn,
                                               DealCompetitorOut, DealCompetitorPatch)
from hub.catalog import ActionContext
from hub.db import new_id, plain_decimal, utcnow
from hub.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from hub.events.models import Event
from hub.events.service import emit
from hub.jobs import JobContext
from hub.records.models import Deal

__all__ = ["add_to_deal", "competitor_out", "create", "delete", "find", "get", "link_out", "links", "name_key",
           "on_events", "remove_from_deal", "scoped", "update", "update_link"]

# The status a competitor takes when it is added to a deal that has already closed.
_ON_ADD = {"open": "active", "won": "won_against", "lost": "active"}
_REQUIRES = {"won_against": "won", "lost_to": "lost"}


def competitor_out(row: Competitor) -> CompetitorOut:
    return msgspec.convert(row, CompetitorOut, from_attributes=True)


def link_out(link: DealCompetitor, competitor: Competitor) -> DealCompetitorOut:
    return DealCompetitorOut(deal_id=link.deal_id, competitor_id=link.competitor_id, competitor_name=competitor.name,
                             status=link.status, notes=link.notes, created_at=link.created_at,  # type: ignore[arg-type]
                             updated_at=link.updated_at, version=link.version)


def scoped(ctx: ActionContext) -> Select[Any]:
    return select(Competitor).where(Competitor.org_id == ctx.org_id)


async def get(ctx: ActionContext, competitor_id: str) -> Competitor:
    row = await ctx.session.scalar(scoped(ctx).where(Competitor.id == competitor_id))
    if row is None:
        raise NotFound(f"No competitor {competitor_id!r} in this organization.")
    return row


async def find(ctx: ActionContext, name: str, limit: int = 10) -> list[Competitor]:
    """Competitors with this name, whatever its case (there is at most one)."""
    query = scoped(ctx).where(Competitor.name_key == name_key(name)).limit(limit)
    return list(await ctx.session.scalars(query))


async def create(ctx: ActionContext, data: CompetitorIn) -> Competitor:
    now = utcnow()
    row = Competitor(id=new_id("cmp"), org_id=ctx.org_id, name=data.name.strip(), name_key=name_key(data.name),
                     website=data.website, strengths=data.strengths, weaknesses=data.weaknesses,
                     pricing_notes=data.pricing_notes, battle_card=data.battle_card,
                     battle_card_updated_at=now if data.battle_card else None, created_at=now, updated_at=now)
    ctx.session.add(row)
    await _flush(ctx.session, f"A competitor named {data.name!r} already exists.")
    return row


async def update(ctx: ActionContext, competitor_id: str, data: CompetitorPatch, if_match: int | None) -> Competitor:
    row = await get(ctx, competitor_id)
    if if_match is not None and row.version != if_match:
        raise PreconditionFailed(f"If-Match names version {if_match}; the competitor is at version {row.version}.")
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET and getattr(row, k) != v}
    if not changes:
        return row
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        changes["name_key"] = name_key(changes["name"])
    if "battle_card" in changes:
        changes["battle_card_updated_at"] = utcnow()
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    await _flush(ctx.session, f"A competitor named {changes.get('name')!r} already exists.")
    return row


async def delete(ctx: ActionContext, competitor_id: str, if_match: int | None) -> None:
    row = await get(ctx, competitor_id)
    if if_match is not None and row.version != if_match:
        raise PreconditionFailed(f"If-Match names version {if_match}; the competitor is at version {row.version}.")
    await ctx.session.delete(row)
    await _flush(ctx.session, "The competitor changed meanwhile.")


async def links(ctx: ActionContext, deal_id: str) -> list[tuple[DealCompetitor, Competitor]]:
    """The competitors in one deal of the organization, in the order they were added."""
    await _deal(ctx, deal_id)
    rows = await ctx.session.execute(
        select(DealCompetitor, Competitor).join(Competitor, Competitor.id == DealCompetitor.competitor_id)
        .where(DealCompetitor.org_id == ctx.org_id, DealCompetitor.deal_id == deal_id).order_by(DealCompetitor.id))
    return [(link, competitor) for link, competitor in rows]


async def add_to_deal(ctx: ActionContext, deal_id: str,
                      data: DealCompetitorIn) -> tuple[DealCompetitor, Competitor, bool]:
    """Add a competitor (by id, or by name: found whatever its case, else made) to a deal; a competitor already
    in the deal is answered as it is. Answers the link, its competitor and whether it is new."""
    deal = await _deal(ctx, deal_id)
    competitor = await _chosen(ctx, data)
    link = await ctx.session.scalar(select(DealCompetitor).where(
        DealCompetitor.deal_id == deal.id, DealCompetitor.competitor_id == competitor.id))
    if link is not None:
        return link, competitor, False
    status = data.status or _ON_ADD[deal.status]
    await _check_status(ctx.session, deal, status, None)
    now = utcnow()
    link = DealCompetitor(id=new_id("dcm"), org_id=ctx.org_id, deal_id=deal.id, competitor_id=competitor.id,
                          status=status, notes=data.notes, created_at=now, updated_at=now)
    ctx.session.add(link)
    await _flush(ctx.session, f"{competitor.name} is already in this deal.")
    added = CompetitorAdded(deal_id=deal.id, deal_name=deal.name, competitor_id=competitor.id,
                            competitor_name=competitor.name, status=status, notes=link.notes,  # type: ignore[arg-type]
                            amount=_amount(deal), currency=deal.currency)
    emit(ctx.session, ctx.org_id, COMPETITOR_ADDED_TO_DEAL, added, subject_id=deal.id)
    if status == "lost_to":
        _lost_to(ctx.session, deal, competitor)
    return link, competitor, True


async def update_link(ctx: ActionContext, deal_id: str, competitor_id: str, data: DealCompetitorPatch,
                      if_match: int | None) -> tuple[DealCompetitor, Competitor]:
    deal = await _deal(ctx, deal_id)
    link, competitor = await _link(ctx, deal_id, competitor_id)
    if if_match is not None and link.version != if_match:
        raise PreconditionFailed(f"If-Match names version {if_match}; the link is at version {link.version}.")
    became_lost_to = data.status is not UNSET and data.status != link.status and data.status == "lost_to"
    if data.status is not UNSET and data.status != link.status:
        await _check_status(ctx.session, deal, data.status, link)
        link.status = data.status
    if data.notes is not UNSET:
        link.notes = data.notes
    if ctx.session.is_modified(link):
        link.updated_at = utcnow()
        await _flush(ctx.session, "The link changed meanwhile; read it again.")
    if became_lost_to:
        _lost_to(ctx.session, deal, competitor)
    return link, competitor


async def remove_from_deal(ctx: ActionContext, deal_id: str, competitor_id: str) -> None:
    await _deal(ctx, deal_id)
    link, _ = await _link(ctx, deal_id, competitor_id)
    await ctx.session.delete(link)
    await ctx.session.flush()


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """A relay listener: competitors' statuses follow their deals as they are won, lost and reopened."""
    for event in events:
        if event.type in ("deal.won", "deal.lost") or (
                event.type == "deal.updated" and event.data.get("status") == "open"
                and (event.data.get("previous") or {}).get("status") in ("won", "lost")):
            deal = await session.scalar(select(Deal).where(Deal.org_id == event.org_id,
                                                           Deal.id == event.subject_id))
            if deal is not None and deal.status == event.data.get("status"):  # still as the event says
                await _follow(session, deal)


async def _follow(session: AsyncSession, deal: Deal) -> None:
    rows = list((await session.execute(
        select(DealCompetitor, Competitor).join(Competitor, Competitor.id == DealCompetitor.competitor_id)
        .where(DealCompetitor.org_id == deal.org_id, DealCompetitor.deal_id == deal.id))).all())
    now = utcnow()
    for link, competitor in rows:
        if deal.status == "won" and link.status == "active":
            link.status, link.updated_at = "won_against", now
        elif deal.status == "open" and link.status != "active":
            link.status, link.updated_at = "active", now
        elif deal.status == "lost" and len(rows) == 1 and link.status == "active":
            link.status, link.updated_at = "lost_to", now
            _lost_to(session, deal, competitor)
    await session.flush()


def _lost_to(session: AsyncSession, deal: Deal, competitor: Competitor) -> None:
    lost = DealLostTo(deal_id=deal.id, deal_name=deal.name, amount=_amount(deal), currency=deal.currency,
                      lost_reason=deal.lost_reason, closed_at=deal.closed_at, competitor_id=competitor.id,
                      competitor_name=competitor.name)
    emit(session, deal.org_id, DEAL_LOST_TO_COMPETITOR, lost, subject_id=deal.id)


async def _check_status(session: AsyncSession, deal: Deal, status: str, link: DealCompetitor | None) -> None:
    needed = _REQUIRES.get(status)
    if needed is not None and deal.status != needed:
        raise ValidationFailed(f"A deal that is {deal.status} cannot be {status.replace('_', ' ')} a competitor; "
                               f"that needs a {needed} deal.", errors=[{"field": "status", "message": "not "
                                                                         f"with a {deal.status} deal"}])
    if status == "lost_to":
        taken = await session.scalar(select(DealCompetitor.id).where(
            DealCompetitor.deal_id == deal.id, DealCompetitor.status == "lost_to",
            DealCompetitor.id != (link.id if link else "")))
        if taken is not None:
            raise Conflict("This deal was already lost to another competitor; set that one back first.")


async def _chosen(ctx: ActionContext, data: DealCompetitorIn) -> Competitor:
    if data.competitor_id:
        return await get(ctx, data.competitor_id)
    if not data.competitor_name or not data.competitor_name.strip():
        raise ValidationFailed("Give competitor_id or competitor_name.",
                               errors=[{"field": "competitor_id", "message": "or competitor_name, required"}])
    found = await find(ctx, data.competitor_name, limit=1)
    return found[0] if found else await create(ctx, CompetitorIn(name=data.competitor_name))


async def _deal(ctx: ActionContext, deal_id: str) -> Deal:
    deal = await ctx.session.scalar(select(Deal).where(Deal.org_id == ctx.org_id, Deal.id == deal_id))
    if deal is None:
        raise NotFound(f"No deal {deal_id!r} in this organization.")
    return deal


async def _link(ctx: ActionContext, deal_id: str, competitor_id: str) -> tuple[DealCompetitor, Competitor]:
    row = (await ctx.session.execute(
        select(DealCompetitor, Competitor).join(Competitor, Competitor.id == DealCompetitor.competitor_id)
        .where(DealCompetitor.org_id == ctx.org_id, DealCompetitor.deal_id == deal_id,
               DealCompetitor.competitor_id == competitor_id))).one_or_none()
    if row is None:
        raise NotFound(f"Competitor {competitor_id!r} is not in deal {deal_id!r}.")
    return row


def name_key(name: str) -> str:
    """What makes two names the same competitor: case and runs of spaces do not count."""
    return " ".join(name.split()).casefold()


def _amount(deal: Deal) -> str | None:
    return None if deal.amount is None else str(plain_decimal(deal.amount))


async def _flush(session: AsyncSession, taken: str) -> None:
    try:
        await session.flush()
    except StaleDataError:
        raise PreconditionFailed("It was changed by another request; read it again.") from None
    except IntegrityError:
        raise Conflict(taken) from None

