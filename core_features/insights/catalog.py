"""What AI insights adds to the catalog: its three events and its four actions."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from core_features.insights import api
from core_features.insights.events import DEAL_WIN_PROBABILITY_CHANGED, LEAD_SCORE_CHANGED, RECOMMENDATION_CREATED
from core_features.insights.schemas import ModelOut, ScoreOut, Suggestions
from hub.catalog import Action, ActionContext, Catalog

__all__ = ["register"]

Id = Annotated[str, Meta(min_length=3, max_length=40)]
_LEAD, _DEAL = "lea_06bqv0e7c1k2m3n4p5q6r7s8t9", "dea_06bqv0e7c1k2m3n4p5q6r7s8t9"


class ScoreLead(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    lead_id: Id


class PredictDeal(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    deal_id: Id


class NextBestActions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    record_type: Literal["lead", "deal"]
    record_id: Id


class TrainModels(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["lead", "deal"]


async def _score_lead(ctx: ActionContext, data: ScoreLead) -> ScoreOut:
    return await api.refresh(ctx, "lead", data.lead_id)


async def _predict_deal(ctx: ActionContext, data: PredictDeal) -> ScoreOut:
    return await api.refresh(ctx, "deal", data.deal_id)


async def _next_best(ctx: ActionContext, data: NextBestActions) -> Suggestions:
    return await api.suggestions(ctx, data.record_type, data.record_id, fresh=True)


async def _train(ctx: ActionContext, data: TrainModels) -> ModelOut:
    return await api.request_training(ctx, data.kind)


def register(catalog: Catalog) -> None:
    for event in (LEAD_SCORE_CHANGED, DEAL_WIN_PROBABILITY_CHANGED, RECOMMENDATION_CREATED):
        catalog.add_event(event)
    catalog.add_action(Action(
        key="lead.score", label="Score lead", kind="run", input=ScoreLead, output=ScoreOut, handler=_score_lead,
        description="Score a lead now: 1–99, its bucket and the factors behind it.", sample={"lead_id": _LEAD}))
    catalog.add_action(Action(
        key="deal.predict", label="Predict deal", kind="run", input=PredictDeal, output=ScoreOut,
        handler=_predict_deal, sample={"deal_id": _DEAL},
        description="A deal's calibrated win probability now, its bucket and the factors behind it."))
    catalog.add_action(Action(
        key="recommendation.next_best_actions", label="Next best actions", kind="search", input=NextBestActions,
        output=Suggestions, handler=_next_best, sample={"record_type": "lead", "record_id": _LEAD},
        description="Ranked next steps on a lead or deal, each with its reason and expected effect."))
    catalog.add_action(Action(
        key="model.train", label="Train models", kind="run", input=TrainModels, output=ModelOut, handler=_train,
        scope="admin", sample={"kind": "lead"},
        description="Queue training of the organization's lead or deal model from its own outcomes."))
