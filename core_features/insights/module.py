"""AI insights as a module of the hub: per-organization lead scores, deal win probabilities and next best
actions, with their models, events, actions, API and page."""

from pathlib import Path

from core_features.insights.api import extension
from core_features.insights.catalog import register
from core_features.insights.endpoints import ModelController, RecordInsights, SuggestionController
from core_features.insights.jobs import JOBS, maintenance, on_events
from core_features.insights.pages import InsightPages
from core_features.insights.models import ModelVersion, RecordScore, Suggestion
from core_features.insights.settings import InsightSettings
from hub.module import Module, NavItem

__all__ = ["MODULE"]

HERE = Path(__file__).parent

MODULE = Module(
    name="insights",
    description="AI insights: lead scoring, deal win probability and next best actions, trained per organization "
                "from its own outcomes, calibrated and explained.",
    settings=InsightSettings,
    models=(ModelVersion, RecordScore, Suggestion),
    migrations=HERE / "migrations",
    routes=(ModelController, RecordInsights, SuggestionController),
    pages=(InsightPages,),
    nav=(NavItem("Insights", "/portal/insights"),),
    templates={"insights": HERE / "templates"},
    catalog=register,
    jobs=JOBS,
    listeners=(on_events,),
    provides=(extension("lead"), extension("deal")),
    maintenance=maintenance,
)
