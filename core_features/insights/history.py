"""What leads and deals looked like: closed ones just before they closed (from their events), open ones now.

A training row must describe a record as a rep saw it while the outcome was still unknown. The outbox holds
every state a record went through (`lead.created`, `lead.updated`… carry the whole record), so a closed
record's row is its last state before the change that closed it, and only activities, competitors and
account wins dated before that moment count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.insights.features import Snapshot
from hub.db import utcnow
from hub.events.models import Event
from hub.records.definitions import DEALS, LEADS
from hub.records.models import Activity, CustomField, Deal, Pipeline

__all__ = ["OUTCOMES", "current", "custom_defs", "outcomes"]

OUTCOMES = {"lead": {"converted": 1, "unqualified": 0}, "deal": {"won": 1, "lost": 0}}
RESOURCES = {"lead": LEADS, "deal": DEALS}
COMPETITOR_ADDED = "competitor.added_to_deal"  # declared by competitor tracking, read here as outbox rows only


async def custom_defs(session: AsyncSession, org_id: str, kind: str) -> dict[str, str]:
    """The organization's custom fields on this kind of record: key to type."""
    rows = await session.execute(select(CustomField.key, CustomField.type).where(
        CustomField.org_id == org_id, CustomField.record_type == kind).order_by(CustomField.key))
    return dict(rows.all())


async def outcomes(session: AsyncSession, org_id: str, kind: str) -> list[Snapshot]:
    """Every closed record of the organization, labelled, as it stood just before it closed."""
    rows = await session.execute(
        select(Event.subject_id, Event.type, Event.occurred_at, Event.data)
        .where(Event.org_id == org_id, Event.type.in_([f"{kind}.created", f"{kind}.updated", f"{kind}.deleted"]))
        .order_by(Event.id))
    states: dict[str, list[dict[str, Any]]] = defaultdict(list)
    deleted: set[str] = set()
    for subject_id, type_, occurred_at, data in rows:
        if type_.endswith(".deleted"):
            deleted.add(subject_id)
        else:
            states[subject_id].append({**data, "at": occurred_at})
    snaps = [snap for rid, seq in states.items() if rid not in deleted and (snap := _closed(kind, rid, seq))]
    await _attach(session, org_id, kind, snaps)
    return snaps


def _closed(kind: str, record_id: str, seq: list[dict[str, Any]]) -> Snapshot | None:
    """The state before the last change into an outcome, when the record still has that outcome."""
    labels = OUTCOMES[kind]
    if seq[-1].get("status") not in labels:
        return None
    for i in range(len(seq) - 1, 0, -1):
        if seq[i].get("status") in labels and seq[i - 1].get("status") not in labels:
            return Snapshot(record_id=record_id, state=seq[i - 1], at=seq[i]["at"], updates=seq[:i],
                            label=labels[seq[-1]["status"]])
    return None  # created already closed: nothing shows how it looked while open


async def current(session: AsyncSession, org_id: str, kind: str, record_id: str,
                  now: datetime | None = None) -> Snapshot | None:
    """An open or closed record as it stands now, with its history so far; None when it is not there."""
    r = RESOURCES[kind]
    row = await session.scalar(select(r.model).where(r.model.org_id == org_id, r.model.id == record_id))
    if row is None:
        return None
    snap = Snapshot(record_id=record_id, state=r.to_data(row), at=now or utcnow())
    if kind == "deal":
        rows = await session.execute(select(Event.occurred_at, Event.data).where(
            Event.org_id == org_id, Event.subject_id == record_id,
            Event.type.in_(["deal.created", "deal.updated"])).order_by(Event.id))
        snap.updates = [{**data, "at": at} for at, data in rows] or [{**snap.state, "at": snap.at}]
    await _attach(session, org_id, kind, [snap])
    return snap


async def _attach(session: AsyncSession, org_id: str, kind: str, snaps: list[Snapshot]) -> None:
    """Activities (and for deals competitors, stage odds and the account's earlier wins) of each snapshot."""
    if not snaps:
        return
    link = Activity.lead_id if kind == "lead" else Activity.deal_id
    ids = [s.record_id for s in snaps]
    by_record: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk in range(0, len(ids), 500):
        rows = await session.execute(
            select(link, Activity.type, Activity.direction, Activity.occurred_at, Activity.contact_id)
            .where(Activity.org_id == org_id, link.in_(ids[chunk:chunk + 500])))
        for rid, type_, direction, occurred_at, contact_id in rows:
            by_record[rid].append({"type": type_, "direction": direction, "occurred_at": occurred_at,
                                   "contact_id": contact_id})
    for snap in snaps:
        snap.activities = by_record.get(snap.record_id, [])
    if kind == "deal":
        await _deal_context(session, org_id, snaps)


async def _deal_context(session: AsyncSession, org_id: str, snaps: list[Snapshot]) -> None:
    odds = {}
    for pipeline_id, stages in (await session.execute(select(Pipeline.id, Pipeline.stages).where(
            Pipeline.org_id == org_id))):
        odds |= {(pipeline_id, st["key"]): st.get("probability", 0) / 100 for st in stages or []}
    added: dict[str, list[datetime]] = defaultdict(list)
    for subject_id, at in (await session.execute(select(Event.subject_id, Event.occurred_at).where(
            Event.org_id == org_id, Event.type == COMPETITOR_ADDED))):
        added[subject_id].append(at)
    wins: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for deal_id, company_id, closed_at in (await session.execute(select(Deal.id, Deal.company_id, Deal.closed_at).where(
            Deal.org_id == org_id, Deal.status == "won", Deal.company_id.is_not(None),
            Deal.closed_at.is_not(None)))):
        wins[company_id].append((deal_id, closed_at))
    for snap in snaps:
        s = snap.state
        snap.stage_probability = odds.get((s.get("pipeline_id"), s.get("stage")))
        snap.competitors = sum(1 for at in added.get(snap.record_id, []) if at < snap.at)
        snap.prior_wins = sum(1 for rid, at in wins.get(s.get("company_id") or "", [])
                              if rid != snap.record_id and at < snap.at)
