"""The sentiment page: a deal's activities scored over time, drawn as a chart beside the table."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.sentiment import service
from core_features.sentiment.endpoints import trend_of
from core_features.sentiment.schemas import DealTrend
from core_features.sentiment.settings import SentimentSettings
from hub.records.models import Activity
from hub.runtime import Hub
from hub.web import Viewer, page
from hub.web.svg import PALETTE, W, frame

__all__ = ["SentimentPages", "trend_chart"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]
H, LEFT, RIGHT, TOP, BOTTOM = 240, 48, 16, 12, 28
COLOURS = {"positive": PALETTE["succeeded"], "neutral": PALETTE["muted"], "negative": PALETTE["failed"]}


def _xy(index: int, count: int, score: float) -> tuple[float, float]:
    span = (W - LEFT - RIGHT) / max(count - 1, 1)
    x = LEFT + index * span if count > 1 else (W + LEFT - RIGHT) / 2
    return x, TOP + (1 - score) / 2 * (H - TOP - BOTTOM)


def _axis() -> list[str]:
    lines = []
    for value in (1, 0, -1):
        _, y = _xy(0, 1, value)
        lines.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{PALETTE["grid"]}"/>'
                     f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" fill="{PALETTE["muted"]}">'
                     f'{value:+d}</text>')
    return lines


def trend_chart(trend: DealTrend) -> Markup:
    """Each activity's score as a dot coloured by its label, and the deal's running average as a line."""
    count = len(trend.points)
    body = _axis()
    line = " ".join("{:.1f},{:.1f}".format(*_xy(i, count, p.average)) for i, p in enumerate(trend.points))
    if count > 1:
        body.append(f'<polyline points="{line}" fill="none" stroke="{PALETTE["link"]}" stroke-width="2"/>')
    for i, p in enumerate(trend.points):
        x, y = _xy(i, count, p.score)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{COLOURS[p.label]}"><title>'
                    f'{escape(p.occurred_at.date().isoformat())}: {p.score:+.2f} ({p.label})</title></circle>')
    desc = "; ".join(f"{p.occurred_at.date().isoformat()} {p.score:+.2f}, average {p.average:+.2f}"
                     for p in trend.points) or "No activity scored yet."
    return frame("sentiment-trend", "Sentiment of the deal's activities over time", desc, body, height=H)


class SentimentPages(Controller):
    path = "/sentiment"

    @get("/", summary="Deals by sentiment, the most negative first")
    async def deals_page(self, request: Request, db: Db, viewer: Who) -> Template:
        window = Hub.of(request).config(SentimentSettings).trend_window
        latest = await service.deals_now(db, viewer.principal.org_id, window)
        return page("sentiment/deals.html", viewer, deals=latest, window=window)

    @get("/deals/{deal_id:str}", summary="A deal's sentiment over its activities")
    async def deal_page(self, request: Request, db: Db, viewer: Who, deal_id: FromPath[str]) -> Template:
        org_id = viewer.principal.org_id
        deal = await service.deal(db, org_id, deal_id)
        rows = await service.deal_points(db, org_id, deal_id)
        trend = trend_of(deal_id, rows, Hub.of(request).config(SentimentSettings).trend_window)
        activities = {a.id: a for a in await db.scalars(select(Activity).where(
            Activity.org_id == org_id, Activity.id.in_([r.activity_id for r in rows])))}
        listed = [(row, activities.get(row.activity_id)) for row in reversed(rows)]
        return page("sentiment/deal.html", viewer, deal=deal, trend=trend, chart=trend_chart(trend), rows=listed)
