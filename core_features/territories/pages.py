"""The territory pages: a map of the territories by US state or by country, and the tree of the hierarchy with
each territory's rules, people and records."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any, Literal

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.territories.engine import summary
from core_features.territories.mapview import Figures, coverage, draw, swatch
from core_features.territories.models import Assignment, Member, TerritoryModel
from core_features.territories.service import rules_of, territories_of
from hub.db import plain_decimal
from hub.errors import NotFound
from hub.records.models import Deal
from hub.tenancy.models import User
from hub.web import Viewer, page

__all__ = ["TerritoryPages"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]
ModelId = Annotated[str | None, QueryParameter(max_length=40, description="The model shown; the active one by default")]


async def _chosen(db: AsyncSession, org_id: str, model_id: str | None) -> tuple[TerritoryModel | None, list[Any]]:
    """The model asked for (else the active one, else the newest) and every model of the organization."""
    models = list(await db.scalars(select(TerritoryModel).where(TerritoryModel.org_id == org_id)
                                   .order_by(TerritoryModel.id.desc()).limit(100)))
    if model_id is not None:
        chosen = next((m for m in models if m.id == model_id), None)
        if chosen is None:
            raise NotFound(f"No territory model {model_id!r} in this organization.")
        return chosen, models
    return next((m for m in models if m.state == "active"), models[0] if models else None), models


async def _figures(db: AsyncSession, model: TerritoryModel) -> dict[str, Figures]:
    """Per territory: records it is the primary territory of, and the open deals' amounts by currency."""
    primary = (Assignment.org_id == model.org_id, Assignment.model_id == model.id, Assignment.is_primary.is_(True))
    counts = dict((await db.execute(select(Assignment.territory_id, func.count()).where(*primary)
                                    .group_by(Assignment.territory_id))).all())
    amounts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for link in (Deal.company_id, Deal.id):  # deals of a company in the territory, and deals placed themselves
        kind = "company" if link is Deal.company_id else "deal"
        rows = await db.execute(select(Assignment.territory_id, Deal.currency, func.sum(Deal.amount))
                                .join(Deal, link == Assignment.record_id)
                                .where(*primary, Assignment.record_type == kind, Deal.org_id == model.org_id,
                                       Deal.status == "open", Deal.amount.is_not(None))
                                .group_by(Assignment.territory_id, Deal.currency))
        for territory_id, currency, total in rows:
            amounts[territory_id][currency] += Decimal(total)
    return {t: Figures(counts.get(t, 0), ", ".join(f"{plain_decimal(v):,} {c}" for c, v in sorted(amounts[t].items())))
            for t in set(counts) | set(amounts)}


class TerritoryPages(Controller):
    path = "/territories"

    @get("/", summary="The territory map")
    async def map_page(self, db: Db, viewer: Who, model_id: ModelId = None,
                       view: Annotated[Literal["us", "world"], QueryParameter()] = "us") -> Template:
        model, models = await _chosen(db, viewer.principal.org_id, model_id)
        if model is None:
            return page("territories/map.html", viewer, model=None, models=[], view=view)
        territories = await territories_of(db, model.org_id, model.id)
        cover = coverage(territories, await rules_of(db, model.org_id, model.id))
        figures = await _figures(db, model)
        legend = [(t, swatch(cover.colours[t.id]), figures.get(t.id, Figures())) for t in territories]
        return page("territories/map.html", viewer, model=model, models=models, view=view, legend=legend,
                    chart=draw(view, cover, figures))

    @get("/tree", summary="The territory hierarchy with its rules")
    async def tree_page(self, db: Db, viewer: Who, model_id: ModelId = None) -> Template:
        model, models = await _chosen(db, viewer.principal.org_id, model_id)
        if model is None:
            return page("territories/tree.html", viewer, model=None, models=[], children={})
        territories = await territories_of(db, model.org_id, model.id)
        rules: dict[str, list[str]] = defaultdict(list)
        for rule in await rules_of(db, model.org_id, model.id):
            rules[rule.territory_id].append(summary(rule))
        people: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for territory_id, name, role in await db.execute(
                select(Member.territory_id, User.name, Member.role).join(User, User.id == Member.user_id)
                .where(Member.org_id == model.org_id, Member.territory_id.in_([t.id for t in territories]))
                .order_by(Member.role, User.name)):
            people[territory_id].append((name, role))
        children: dict[str | None, list[Any]] = defaultdict(list)
        for t in sorted(territories, key=lambda t: (t.priority, t.name)):
            children[t.parent_id].append(t)
        return page("territories/tree.html", viewer, model=model, models=models, children=children, rules=rules,
                    people=people, figures=await _figures(db, model))
