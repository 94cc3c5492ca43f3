"""Territory management as a module of the hub: models of territories in a hierarchy with assignment rules,
records placed as they are written, on demand and by resumable realignment, and the map and tree pages."""

from pathlib import Path

from core_features.territories import jobs
from core_features.territories.catalog import register
from core_features.territories.endpoints import (
                                              ModelController,
                                              TerritoryController,
                                              delete_rule,
                                              unassign_manual,
)
from core_features.territories.models import (
                                              Assignment,
                                              Exclusion,
                                              Member,
                                              Realignment,
                                              Rule,
                                              Territory,
                                              TerritoryModel,
)
from core_features.territories.operations import REALIGN
from core_features.territories.pages import TerritoryPages
from core_features.territories.settings import TerritorySettings
from hub.module import Module, NavItem

__all__ = ["MODULE"]

HERE = Path(__file__).parent

MODULE = Module(
    name="territories",
    description="Territory management: models of territories in a hierarchy with assignment rules over records' "
                "fields and geography, assignment as records are written, on demand and by realignment, and a "
                "map and a tree of the territories.",
    settings=TerritorySettings,
    models=(TerritoryModel, Territory, Rule, Member, Assignment, Exclusion, Realignment),
    migrations=HERE / "migrations",
    routes=(ModelController, TerritoryController, delete_rule, unassign_manual),
    pages=(TerritoryPages,),
    nav=(NavItem("Territories", "/portal/territories"),),
    templates={"territories": HERE / "templates"},
    catalog=register,
    jobs={REALIGN: jobs.realign},
    listeners=(jobs.on_events,),
)
