"""Win/loss by competitor: how often, on how much, and how fast the organization wins against each rival."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.competitors.models import Competitor, DealCompetitor
from core_features.competitors.schemas import Amount, Analysis, CompetitorResult
from hub.db import plain_decimal
from hub.records.models import Deal

__all__ = ["NONE", "analyse"]

NONE = "No competitor"


@dataclass
class _Tally:
    """Deals counted once each, by outcome, with their amounts per currency and the days closed ones took."""

    seen: set[str] = field(default_factory=set)
    outcomes: dict[str, int] = field(default_factory=lambda: {"won": 0, "lost": 0, "open": 0})
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    cycle_days: list[float] = field(default_factory=list)

    def add(self, deal_id: str, status: str, amount: Decimal | None, currency: str, created_at: datetime,
            closed_at: datetime | None) -> None:
        if deal_id in self.seen:
            return
        self.seen.add(deal_id)
        self.outcomes[status] += 1
        sums = self.amounts.setdefault(currency, {"won": Decimal(0), "lost": Decimal(0), "open": Decimal(0)})
        sums[status] += amount or 0
        if status != "open" and closed_at is not None:
            self.cycle_days.append(max(0.0, (closed_at - created_at).total_seconds() / 86400))

    def result(self, competitor_id: str | None, name: str) -> CompetitorResult:
        won, lost = self.outcomes["won"], self.outcomes["lost"]
        return CompetitorResult(
            competitor_id=competitor_id, competitor_name=name, deals=len(self.seen), won=won, lost=lost,
            open=self.outcomes["open"], win_rate=round(won / (won + lost), 4) if won + lost else None,
            average_cycle_days=round(sum(self.cycle_days) / len(self.cycle_days), 1) if self.cycle_days else None,
            amounts=[Amount(currency=c, **{k: plain_decimal(v) for k, v in s.items()})
                     for c, s in sorted(self.amounts.items())])


async def analyse(session: AsyncSession, org_id: str, since: datetime, until: datetime) -> Analysis:
    """Deals closed in [since, until) and deals open now, per competitor in them; `overall` counts every such
    deal once, and a row for deals without a competitor shows the baseline the others compare with."""
    in_period = (Deal.status.in_(("won", "lost")) & (Deal.closed_at >= since) & (Deal.closed_at < until)) | (
        Deal.status == "open")
    rows = await session.execute(
        select(Deal.id, Deal.status, Deal.amount, Deal.currency, Deal.created_at, Deal.closed_at,
               DealCompetitor.competitor_id, Competitor.name).select_from(Deal)
        .outerjoin(DealCompetitor, (DealCompetitor.deal_id == Deal.id) & (DealCompetitor.org_id == org_id))
        .outerjoin(Competitor, Competitor.id == DealCompetitor.competitor_id)
        .where(Deal.org_id == org_id, in_period))
    overall, without = _Tally(), _Tally()
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    for deal_id, status, amount, currency, created_at, closed_at, competitor_id, name in rows:
        facts = (deal_id, status, amount, currency, created_at, closed_at)
        overall.add(*facts)
        (tallies[competitor_id, name] if competitor_id else without).add(*facts)
    ranked = sorted(tallies.items(), key=lambda item: (-len(item[1].seen), item[0][1].casefold()))
    results = [tally.result(cid, name) for (cid, name), tally in ranked]
    if without.seen:
        results.append(without.result(None, NONE))
    return Analysis(since=since, until=until, overall=overall.result(None, "All deals"), competitors=results)
