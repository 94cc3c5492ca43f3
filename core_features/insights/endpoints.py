"""`/v1/ai/models`, scores and next best actions on `/v1/leads/{id}` and `/v1/deals/{id}`, and suggestion decisions."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from core_features.insights import api
from core_features.insights.schemas import Decision, ModelOut, Models, ScoreOut, SuggestionOut, Suggestions
from hub.deps import Ctx

__all__ = ["ModelController", "RecordInsights", "SuggestionController"]

TAGS = ["AI insights"]


class ModelController(Controller):
    path = "/v1/ai/models"
    tags = TAGS

    @get("/", summary="Model versions and their metrics",
         description="Per kind (`lead`, `deal`): the regime scoring it now (`model` or the rule-based `rules` "
                     "while history is thin) and the outcomes it has; every version, newest first, with its "
                     "held-out ROC AUC, average precision, Brier score, lift in the top decile, gains and "
                     "calibration curves, training-set size and feature importance.")
    async def list_models(self, ctx: Ctx) -> Models:
        return await api.list_models(ctx)

    @post("/{kind:str}/train", status_code=202, summary="Train a model",
          description="Queues a training run from the organization's own outcomes and answers the new version, "
                      "`training`; follow its `progress` on `GET /v1/ai/models`. It serves only if it is not "
                      "worse than the serving version on held-out outcomes.")
    async def train(self, ctx: Ctx, kind: FromPath[str]) -> ModelOut:
        return await api.request_training(ctx, kind)


class RecordInsights(Controller):
    path = "/v1"
    tags = TAGS

    @get("/leads/{lead_id:str}/score", summary="A lead's score and its factors")
    async def lead_score(self, ctx: Ctx, lead_id: FromPath[str]) -> ScoreOut:
        return await api.read_score(ctx, "lead", lead_id)

    @get("/deals/{deal_id:str}/score", summary="A deal's win probability and its factors")
    async def deal_score(self, ctx: Ctx, deal_id: FromPath[str]) -> ScoreOut:
        return await api.read_score(ctx, "deal", deal_id)

    @get("/leads/{lead_id:str}/next_best_actions", summary="Suggested next steps on a lead")
    async def lead_actions(self, ctx: Ctx, lead_id: FromPath[str]) -> Suggestions:
        return await api.suggestions(ctx, "lead", lead_id)

    @get("/deals/{deal_id:str}/next_best_actions", summary="Suggested next steps on a deal")
    async def deal_actions(self, ctx: Ctx, deal_id: FromPath[str]) -> Suggestions:
        return await api.suggestions(ctx, "deal", deal_id)


class SuggestionController(Controller):
    path = "/v1/ai/suggestions"
    tags = TAGS

    @post("/{suggestion_id:str}/decision", status_code=200, summary="Accept or dismiss a suggestion",
          description="Recorded; how often each kind of suggestion is accepted weighs its future ranking.")
    async def decide(self, ctx: Ctx, suggestion_id: FromPath[str], data: JSONBody[Decision]
                     ) -> Response[SuggestionOut]:
        return Response(await api.decide(ctx, suggestion_id, data.status))
