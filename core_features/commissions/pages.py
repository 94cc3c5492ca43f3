"""The commission pages: a period's payouts with a chart of each rep's total, and each rep's statement."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.commissions import payouts
from core_features.commissions.models import Payout
from core_features.commissions.periods import parse
from core_features.commissions.schemas import PayoutOut
from hub.tenancy.models import User
from hub.web import Viewer, page
from hub.web.svg import bar_rows

__all__ = ["CommissionPages"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]
Label = Annotated[str | None, QueryParameter(max_length=7, description="2026-03, 2026-Q1 or 2026")]


def money(value: Decimal | None) -> str:
    """An amount as shown on the pages: to the cent, thousands grouped."""
    return "—" if value is None else format(value, ",.2f")


def totals_chart(rows: list[tuple[PayoutOut, str]]) -> Markup:
    """One bar per rep: the period's total pay."""
    bars = [(name, float(max(p.total, 0)), f"{money(p.total)} {p.currency}") for p, name in rows]
    return bar_rows("payout-totals", "Total pay per rep in the period", bars)


class CommissionPages(Controller):
    path = "/commissions"

    @get("/", summary="A period's commission payouts")
    async def payouts_page(self, db: Db, viewer: Who, period: Label = None) -> Template:
        org_id = viewer.principal.org_id
        periods = list(await db.scalars(select(Payout.period).where(Payout.org_id == org_id).distinct()
                                        .order_by(Payout.period.desc()).limit(60)))
        chosen = parse(period).label if period else (periods[0] if periods else None)
        rows = (await db.execute(select(Payout, User.name).join(User, User.id == Payout.user_id).where(
            Payout.org_id == org_id, Payout.period == chosen).order_by(User.name))).all() if chosen else []
        shown = [(payouts.payout_out(p), name) for p, name in rows]
        return page("commissions/payouts.html", viewer, period=chosen, periods=periods, rows=shown,
                    chart=totals_chart(shown), money=money)

    @get("/statements/{user_id:str}", summary="A rep's commission statement")
    async def statement_page(self, db: Db, viewer: Who, user_id: FromPath[str], period: Label = None) -> Template:
        org_id = viewer.principal.org_id
        payout = payouts.payout_out(await payouts.statement(db, org_id, user_id, period))
        name = await db.scalar(select(User.name).where(User.org_id == org_id, User.id == user_id))
        return page("commissions/statement.html", viewer, payout=payout, rep_name=name, money=money)
