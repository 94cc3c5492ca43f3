"""Competitor tracking as a module of the hub: competitors per organization, in deals, and how the organization
fares against each; the example every feature module follows (see docs/architecture.md)."""

from pathlib import Path

from core_features.competitors import service
from core_features.competitors.catalog import register
from core_features.competitors.endpoints import CompetitorController, DealCompetitorController, competitor_choices
from core_features.competitors.models import Competitor, DealCompetitor
from core_features.competitors.pages import CompetitorPages
from core_features.competitors.settings import CompetitorSettings
from hub.module import Module, NavItem

__all__ = ["MODULE"]

HERE = Path(__file__).parent

MODULE = Module(
    name="competitors",
    description="Competitor tracking: competitors with their battle cards, the deals they are in, and win/loss by "
                "competitor as an API and a page.",
    settings=CompetitorSettings,
    models=(Competitor, DealCompetitor),
    migrations=HERE / "migrations",
    routes=(CompetitorController, DealCompetitorController, competitor_choices),
    pages=(CompetitorPages,),
    nav=(NavItem("Competitors", "/portal/competitors"),),
    templates={"competitors": HERE / "templates"},
    catalog=register,
    listeners=(service.on_events,),
)
