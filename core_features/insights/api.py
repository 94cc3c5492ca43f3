"""What the routes and the catalog's actions do, shared by both: read and refresh scores, request training,
list versions, list and decide suggestions; always within the caller's organization."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.insights import history, nba, service
from core_features.insights.events import Factor
from core_features.insights.features import features
from core_features.insights.models import ModelVersion, RecordScore, Suggestion
from core_features.insights.scoring import Scored, bucket
from core_features.insights.schemas import KindState, ModelOut, Models, ScoreOut, SuggestionOut, Suggestions
from core_features.insights.settings import InsightSettings
from hub.catalog import ActionContext
from hub.errors import NotFound
from hub.records.extensions import RecordExtension

__all__ = ["decide", "extension", "list_models", "read_score", "refresh", "request_training", "suggestions"]

TRAIN = "insights.train"


FIELDS = ("score", "score_bucket", "score_regime", "score_factors", "score_model_version", "scored_at")


def extension(kind: str) -> RecordExtension:
    """The score's fields on the records' own reads, with `?include=insights`."""
    async def read(session: AsyncSession, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        rows = await session.scalars(select(RecordScore).where(
            RecordScore.org_id == org_id, RecordScore.record_type == kind, RecordScore.record_id.in_(ids)))
        return {row.record_id: {"score": row.score, "score_bucket": row.bucket, "score_regime": row.regime,
                                "score_factors": row.factors, "score_model_version": row.model_version,
                                "scored_at": row.scored_at.isoformat().replace("+00:00", "Z"),
                                "win_probability": round(row.probability * 100, 1)} for row in rows}

    fields = FIELDS + (("win_probability",) if kind == "deal" else ())
    return RecordExtension(name="insights", record_type=kind, fields=fields, read=read,
                           description=f"The {kind}'s score, its bucket, regime and factors")


def _kind(kind: str) -> str:
    if kind not in service.KINDS:
        raise NotFound(f"No model kind {kind!r}; the kinds are {', '.join(service.KINDS)}.")
    return kind


async def _exists(ctx: ActionContext, kind: str, record_id: str) -> None:
    model = history.RESOURCES[kind].model
    if await ctx.session.scalar(select(model.id).where(model.org_id == ctx.org_id, model.id == record_id)) is None:
        raise NotFound(f"No {kind} {record_id!r} in this organization.")


def score_out(kind: str, record_id: str, row: RecordScore | Scored, bucket_: str) -> ScoreOut:
    return ScoreOut(record_type=kind, record_id=record_id, score=row.score, bucket=bucket_, regime=row.regime,
                    win_probability=round(row.probability * 100, 1) if kind == "deal" else None,
                    score_factors=[Factor(**f) for f in row.factors], score_model_version=row.model_version,
                    scored_at=getattr(row, "scored_at", None))


async def read_score(ctx: ActionContext, kind: str, record_id: str) -> ScoreOut:
    """The stored score; a record not scored yet is scored for the answer (and left to the scoring job)."""
    await _exists(ctx, kind, record_id)
    row = await ctx.session.scalar(select(RecordScore).where(
        RecordScore.org_id == ctx.org_id, RecordScore.record_type == kind, RecordScore.record_id == record_id)
        .execution_options(populate_existing=True))
    if row is not None:
        return score_out(kind, record_id, row, row.bucket)
    snap = await history.current(ctx.session, ctx.org_id, kind, record_id)
    scored = await service.predict(ctx.session, ctx.org_id, kind, features(
        kind, snap, await history.custom_defs(ctx.session, ctx.org_id, kind)))
    config = ctx.runtime.config(InsightSettings)
    return score_out(kind, record_id, scored, bucket(scored.score, config.hot_score, config.warm_score))


async def refresh(ctx: ActionContext, kind: str, record_id: str) -> ScoreOut:
    """Score the record now and store it (announcing a change)."""
    await _exists(ctx, kind, record_id)
    row = await service.score(ctx.session, ctx.org_id, kind, record_id, ctx.runtime.config(InsightSettings))
    return score_out(kind, record_id, row, row.bucket)


def model_out(row: ModelVersion) -> ModelOut:
    return ModelOut(id=row.id, kind=row.kind, version=row.version, status=row.status, progress=row.progress,
                    algorithm=row.algorithm, calibration=row.calibration, samples=row.samples,
                    positives=row.positives, metrics=row.metrics, features=row.features, error=row.error,
                    created_at=row.created_at, trained_at=row.trained_at)


async def request_training(ctx: ActionContext, kind: str) -> ModelOut:
    """A new version, queued for the training job; never trained inside the request."""
    row = await service.start_training(ctx.session, ctx.org_id, _kind(kind))
    await ctx.jobs.enqueue(TRAIN, {"kind": kind, "version_id": row.id}, key=row.id)
    return model_out(row)


async def list_models(ctx: ActionContext) -> Models:
    config = ctx.runtime.config(InsightSettings)
    rows = list(await ctx.session.scalars(select(ModelVersion).where(ModelVersion.org_id == ctx.org_id)
                                          .order_by(ModelVersion.kind, ModelVersion.version.desc()).limit(200)))
    kinds = []
    for kind in service.KINDS:
        positives, negatives = await service.counts(ctx.session, ctx.org_id, kind)
        serving = next((r for r in rows if r.kind == kind and r.status == "active"), None)
        kinds.append(KindState(kind=kind, regime="model" if serving else "rules",
                               active_version=serving.version if serving else None, positives=positives,
                               negatives=negatives, min_positive=config.min_positive,
                               min_negative=config.min_negative))
    return Models(kinds=kinds, data=[model_out(r) for r in rows])


def suggestion_out(row: Suggestion) -> SuggestionOut:
    return SuggestionOut(id=row.id, record_type=row.record_type, record_id=row.record_id, action=row.action,
                         reason=row.reason, expected_effect=row.expected_effect, priority=row.priority,
                         status=row.status, created_at=row.created_at, decided_at=row.decided_at)


async def suggestions(ctx: ActionContext, kind: str, record_id: str, *, fresh: bool = False) -> Suggestions:
    """The record's open suggestions, best first; `fresh` scores the record again first."""
    await _exists(ctx, kind, record_id)
    if fresh:
        await service.score(ctx.session, ctx.org_id, kind, record_id, ctx.runtime.config(InsightSettings))
    rows = await ctx.session.scalars(select(Suggestion).where(
        Suggestion.org_id == ctx.org_id, Suggestion.record_type == kind, Suggestion.record_id == record_id,
        Suggestion.status == "open").order_by(Suggestion.priority.desc(), Suggestion.id))
    return Suggestions(data=[suggestion_out(r) for r in rows], acceptance_rate=await acceptance_rate(ctx))


async def acceptance_rate(ctx: ActionContext) -> float | None:
    taken = await nba.acceptance(ctx.session, ctx.org_id)
    decided = sum(d for _, d in taken.values())
    return round(sum(a for a, _ in taken.values()) / decided, 4) if decided else None


async def decide(ctx: ActionContext, suggestion_id: str, status: str) -> SuggestionOut:
    row = await nba.decide(ctx.session, ctx.org_id, suggestion_id, status)
    if row is None:
        raise NotFound(f"No suggestion {suggestion_id!r} in this organization.")
    return suggestion_out(row)
