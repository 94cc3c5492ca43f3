"""Next best actions: rules over a record's score and history, ranked by how urgent each is and by how often
the organization's people took that kind of suggestion before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.insights.events import RECOMMENDATION_CREATED, RecommendationCreated
from core_features.insights.models import RecordScore, Suggestion
from hub.db import new_id, utcnow
from hub.events.service import emit

__all__ = ["Idea", "acceptance", "decide", "ideas", "suggest"]


@dataclass(frozen=True)
class Idea:
    action: str
    reason: str
    expected_effect: str
    urgency: float  # 0–1, before what the organization's people made of such suggestions


Rule = Callable[[dict[str, Any], RecordScore], Idea | None]


def _call_hot(row: dict[str, Any], score: RecordScore) -> Idea | None:
    idle = row.get("days_since_activity", 365.0)
    if score.bucket == "hot" and idle >= 3:
        when = "never touched" if idle >= 365 else f"not touched for {idle:.0f} days"
        return Idea("call_hot_lead", f"Hot lead (score {score.score}) {when}",
                    "Hot leads called within days of scoring convert more often", 0.6 + score.score / 250)
    return None


def _nurture(row: dict[str, Any], score: RecordScore) -> Idea | None:
    if score.bucket == "warm" and row.get("activities_email", 0) == 0:
        return Idea("send_nurture_email", f"Warm lead (score {score.score}) with no email yet",
                    "A first email tells whether the lead is in market", 0.45)
    return None


def _follow_up(row: dict[str, Any], score: RecordScore) -> Idea | None:
    idle = row.get("days_since_activity", 365.0)
    if row.get("stage") in ("proposal", "quote", "negotiation") and 5 <= idle < 365:
        return Idea("follow_up_proposal", f"{str(row['stage']).capitalize()} sent and no touch for {idle:.0f} days",
                    "A follow-up within a week keeps the proposal alive", 0.7)
    return None


def _stalled(row: dict[str, Any], score: RecordScore) -> Idea | None:
    if row.get("days_in_stage", 0) > 30 or row.get("days_to_expected_close", 0) < 0:
        why = ("close date has passed" if row.get("days_to_expected_close", 0) < 0
               else f"{row['days_in_stage']:.0f} days in {row.get('stage')}")
        return Idea("re_engage_deal", f"Stalled deal: {why}", "Re-engaging or re-dating keeps the forecast honest",
                    0.55 + (0.2 if score.bucket != "cold" else 0))
    return None


def _second_contact(row: dict[str, Any], score: RecordScore) -> Idea | None:
    if row.get("contacts", 0) < 2 and row.get("stage") is not None:
        return Idea("involve_second_contact", "Only one contact involved in the deal",
                    "Deals with several contacts are lost less often to a single point of failure", 0.4)
    return None


def _quote(row: dict[str, Any], score: RecordScore) -> Idea | None:
    if row.get("stage") in ("proposal", "negotiation") and score.bucket == "hot":
        return Idea("send_quote", f"Likely to win ({score.probability * 100:.0f} %) and in {row['stage']}",
                    "Sending the quote now shortens the cycle", 0.65)
    return None


RULES: dict[str, tuple[Rule, ...]] = {"lead": (_call_hot, _nurture),
                                      "deal": (_follow_up, _stalled, _second_contact, _quote)}


def ideas(kind: str, row: dict[str, Any], score: RecordScore) -> list[Idea]:
    return [idea for rule in RULES[kind] if (idea := rule(row, score)) is not None]


async def acceptance(session: AsyncSession, org_id: str) -> dict[str, tuple[int, int]]:
    """Per action: suggestions accepted and decided (accepted or dismissed) in the organization."""
    rows = await session.execute(select(Suggestion.action, Suggestion.status, func.count()).where(
        Suggestion.org_id == org_id, Suggestion.status.in_(("accepted", "dismissed")))
        .group_by(Suggestion.action, Suggestion.status))
    out: dict[str, tuple[int, int]] = {}
    for action, status, n in rows:
        accepted, decided = out.get(action, (0, 0))
        out[action] = (accepted + (n if status == "accepted" else 0), decided + n)
    return out


def rank(idea: Idea, taken: dict[str, tuple[int, int]]) -> float:
    """Urgency times the smoothed share of such suggestions people accepted (1/2 before any was decided)."""
    accepted, decided = taken.get(idea.action, (0, 0))
    return round(idea.urgency * (accepted + 1) / (decided + 2), 4)


async def suggest(session: AsyncSession, org_id: str, kind: str, record_id: str, row: dict[str, Any],
                  score: RecordScore) -> list[Suggestion]:
    """The record's open suggestions, ranked: new ideas are added (and announced), stale open ones dropped."""
    taken = await acceptance(session, org_id)
    current = {s.action: s for s in await session.scalars(select(Suggestion).where(
        Suggestion.org_id == org_id, Suggestion.record_type == kind, Suggestion.record_id == record_id))}
    fresh, result = ideas(kind, row, score), []
    for idea in fresh:
        existing = current.get(idea.action)
        if existing is None:
            existing = Suggestion(id=new_id("sug"), org_id=org_id, record_type=kind, record_id=record_id,
                                  action=idea.action, reason=idea.reason, expected_effect=idea.expected_effect,
                                  priority=rank(idea, taken), status="open", created_at=utcnow())
            session.add(existing)
            emit(session, org_id, RECOMMENDATION_CREATED, RecommendationCreated(
                id=existing.id, record_type=kind, record_id=record_id, action=idea.action, reason=idea.reason,
                expected_effect=idea.expected_effect, priority=existing.priority), subject_id=record_id)
            result.append(existing)
        elif existing.status == "open":
            existing.reason, existing.priority = idea.reason, rank(idea, taken)
            result.append(existing)
    wanted = {idea.action for idea in fresh}
    for action, stale in current.items():
        if stale.status == "open" and action not in wanted:
            await session.delete(stale)
    await session.flush()
    return sorted(result, key=lambda s: -s.priority)


async def decide(session: AsyncSession, org_id: str, suggestion_id: str, status: str) -> Suggestion | None:
    row = await session.scalar(select(Suggestion).where(Suggestion.org_id == org_id, Suggestion.id == suggestion_id))
    if row is not None:
        row.status, row.decided_at = status, utcnow()
        await session.flush()
    return row
