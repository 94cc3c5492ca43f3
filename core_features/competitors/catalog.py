"""What competitor tracking adds to the catalog: its two events, its two actions and the competitor dropdown."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from core_features.competitors import service
from core_features.competitors.events import COMPETITOR_ADDED_TO_DEAL, DEAL_LOST_TO_COMPETITOR, SAMPLE_IDS
from core_features.competitors.schemas import CompetitorOut, DealCompetitorIn, DealCompetitorOut
from hub.catalog import Action, ActionContext, Catalog

__all__ = ["CHOICES_PATH", "register"]

CHOICES_PATH = "/v1/choices/competitors"


class AddToDeal(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Add a competitor to a deal: the competitor by id, or by name (a new name adds the competitor)."""

    deal_id: Annotated[str, Meta(min_length=3, max_length=40)]
    competitor_id: Annotated[str, Meta(min_length=3, max_length=40)] | None = None
    competitor_name: Annotated[str, Meta(min_length=1, max_length=100, description=(
        "Used when no competitor_id is given: found whatever its case, else added."))] | None = None
    status: Literal["active", "won_against", "lost_to"] | None = None
    notes: Annotated[str, Meta(max_length=10_000)] | None = None


class FindCompetitor(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=100, description="Compared whatever its case")]


async def _add(ctx: ActionContext, data: AddToDeal) -> DealCompetitorOut:
    link, competitor, _ = await service.add_to_deal(ctx, data.deal_id, DealCompetitorIn(
        competitor_id=data.competitor_id, competitor_name=data.competitor_name, status=data.status,
        notes=data.notes))
    return service.link_out(link, competitor)


async def _find(ctx: ActionContext, data: FindCompetitor) -> list[CompetitorOut]:
    return [service.competitor_out(row) for row in await service.find(ctx, data.name)]


def register(catalog: Catalog) -> None:
    catalog.add_event(COMPETITOR_ADDED_TO_DEAL)
    catalog.add_event(DEAL_LOST_TO_COMPETITOR)
    catalog.add_action(Action(
        key="competitor.add_to_deal", label="Add competitor to deal", kind="create", input=AddToDeal,
        output=DealCompetitorOut, handler=_add, description="Add a competitor to a deal, by id or by name.",
        sample={"deal_id": SAMPLE_IDS["deal_id"], "competitor_name": "Globex", "notes": "Incumbent"}))
    catalog.add_action(Action(
        key="competitor.find", label="Find competitor", kind="search", input=FindCompetitor,
        output=list[CompetitorOut], handler=_find, scope="read", sample={"name": "globex"},
        description="Find a competitor by name, whatever its case."))
    catalog.add_dropdown("competitor_id", CHOICES_PATH)

