"""The competitor pages: win/loss by competitor with its chart, and each competitor's battle card."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.competitors import service
from core_features.competitors.analysis import analyse
from core_features.competitors.models import Competitor, DealCompetitor
from core_features.competitors.schemas import Analysis
from core_features.competitors.settings import CompetitorSettings
from hub.catalog import ActionContext
from hub.db import utcnow
from hub.records.models import Deal
from hub.runtime import Hub
from hub.web import Viewer, page
from hub.web.svg import bar_rows

__all__ = ["CompetitorPages"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]
PERIODS = (30, 90, 180, 365, 730)
Days = Annotated[int | None, QueryParameter(ge=1, le=3650, description="Days back from now")]


def win_rate_chart(analysis: Analysis) -> Markup:
    """One bar per competitor with a closed deal: the share of those deals the organization won."""
    rows = [(r.competitor_name, r.win_rate, f"{r.win_rate * 100:.0f} % of {r.won + r.lost}")
            for r in analysis.competitors if r.win_rate is not None]
    return bar_rows("win-rate", "Win rate against each competitor, closed deals in the period", rows, top=1.0)


class CompetitorPages(Controller):
    path = "/competitors"

    @get("/", summary="Win/loss by competitor")
    async def analysis_page(self, request: Request, db: Db, viewer: Who, days: Days = None) -> Template:
        config = Hub.of(request).config(CompetitorSettings)
        days = days or config.analysis_days
        until = utcnow()
        analysis = await analyse(db, viewer.principal.org_id, until - timedelta(days=days), until)
        competitors = list(await db.scalars(select(Competitor).where(Competitor.org_id == viewer.principal.org_id)
                                            .order_by(Competitor.name_key).limit(500)))
        stale = until - timedelta(days=config.stale_card_days)
        return page("competitors/analysis.html", viewer, analysis=analysis, chart=win_rate_chart(analysis),
                    days=days, periods=sorted({*PERIODS, days}), competitors=competitors, stale=stale)

    @get("/{competitor_id:str}", summary="A competitor's battle card and the deals it was in")
    async def card_page(self, request: Request, db: Db, viewer: Who, competitor_id: FromPath[str]) -> Template:
        hub = Hub.of(request)
        competitor = await service.get(ActionContext(db, viewer.principal, hub), competitor_id)
        rows = await db.execute(
            select(DealCompetitor, Deal).join(Deal, Deal.id == DealCompetitor.deal_id)
            .where(DealCompetitor.org_id == viewer.principal.org_id, DealCompetitor.competitor_id == competitor.id)
            .order_by(DealCompetitor.id.desc()).limit(50))
        stale_after = timedelta(days=hub.config(CompetitorSettings).stale_card_days)
        updated = competitor.battle_card_updated_at
        return page("competitors/card.html", viewer, competitor=competitor, deals=rows.all(),
                    paragraphs=_paragraphs(competitor.battle_card), stale=updated is not None
                    and utcnow() - updated > stale_after)


def _paragraphs(text: str | None) -> list[list[str]]:
    """Paragraphs (split on blank lines), each a list of its lines: shown as text, never as markup."""
    blocks = [block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [block.splitlines() for block in blocks if block]
