"""Durable work of AI insights: training a version, rescoring after a new one serves, scoring records after they
or their activities change; and the listener and upkeep that queue it."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.insights import service
from core_features.insights.history import OUTCOMES, RESOURCES
from core_features.insights.models import ModelVersion
from core_features.insights.settings import InsightSettings
from hub.db import utcnow
from hub.events.models import Event
from hub.jobs.registry import Job, JobContext
from hub.runtime import Hub

__all__ = ["JOBS", "maintenance", "on_events"]

TRAIN, RESCORE, SCORE = "insights.train", "insights.rescore", "insights.score"
RESCORE_BATCH = 200


async def train_job(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Train a version (the one the API made, or a new one); when it serves, rescore the open records."""
    kind = job.payload["kind"]
    version_id = job.payload.get("version_id")
    async with ctx.sessions.begin() as session:
        row = await session.get(ModelVersion, version_id) if version_id else None
        if row is not None and row.status != "training":
            return {"status": row.status, "version": row.version}  # a retry of a run that finished
        row = row or await service.start_training(session, job.org_id, kind)
        version_id = row.id
    try:
        result = await service.train(ctx.sessions, job.org_id, kind, version_id, ctx.hub.config(InsightSettings))
    except Exception as exc:  # the version says why; a retry of an automatic run starts a new version
        await service.fail(ctx.sessions, version_id, f"{type(exc).__name__}: {exc}"[:500])
        raise
    if result["status"] == "active":
        async with ctx.sessions.begin() as session:
            await ctx.queue(session, job.org_id).enqueue(RESCORE, {"kind": kind}, key=f"{kind}:{version_id}")
    return result


async def rescore_job(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Score every open record of the kind again, a batch per transaction."""
    kind, model = job.payload["kind"], RESOURCES[job.payload["kind"]].model
    config, done, after = ctx.hub.config(InsightSettings), 0, ""
    while True:
        async with ctx.sessions.begin() as session:
            ids = list(await session.scalars(select(model.id).where(
                model.org_id == job.org_id, model.status.not_in(list(OUTCOMES[kind])), model.id > after)
                .order_by(model.id).limit(RESCORE_BATCH)))
            for record_id in ids:
                await service.score(session, job.org_id, kind, record_id, config)
        done += len(ids)
        if len(ids) < RESCORE_BATCH:
            return {"scored": done}
        after = ids[-1]


async def score_job(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Score the records a batch of events touched."""
    config = ctx.hub.config(InsightSettings)
    async with ctx.sessions.begin() as session:
        for kind, record_id in job.payload["records"]:
            await service.score(session, job.org_id, kind, record_id, config)
    return {"scored": len(job.payload["records"])}


JOBS = {TRAIN: train_job, RESCORE: rescore_job, SCORE: score_job}


def _touched(event: Event) -> list[tuple[str, str]]:
    """The leads and deals whose score an event may change."""
    noun, _, verb = event.type.partition(".")
    if noun in ("lead", "deal") and verb in ("created", "updated") and event.subject_id:
        return [(noun, event.subject_id)]
    if noun == "activity" and verb in ("created", "updated", "deleted"):
        return [(kind, event.data[f"{kind}_id"]) for kind in ("lead", "deal") if event.data.get(f"{kind}_id")]
    return []


def _outcome(event: Event) -> str | None:
    """The kind whose outcomes an event adds to: a lead converted or disqualified, a deal won or lost."""
    if event.type in ("lead.converted", "deal.won", "deal.lost"):
        return event.type.split(".")[0]
    if event.type == "lead.updated" and event.data.get("status") in OUTCOMES["lead"] and "status" in event.data.get(
            "changed_fields", []):
        return "lead"
    return None


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """A relay listener: one scoring job per organization for the records a batch touched, and a training run
    once enough new outcomes came in."""
    touched: dict[str, set[tuple[str, str]]] = defaultdict(set)
    outcomes: set[tuple[str, str]] = set()
    for event in events:
        touched[event.org_id].update(_touched(event))
        if (kind := _outcome(event)) is not None:
            outcomes.add((event.org_id, kind))
    for org_id, records in touched.items():
        if records:
            await ctx.queue(session, org_id).enqueue(SCORE, {"records": sorted(records)})
    for org_id, kind in sorted(outcomes):
        await _maybe_train(ctx, session, org_id, kind)


async def _maybe_train(ctx: JobContext, session: AsyncSession, org_id: str, kind: str) -> None:
    """Train when history first suffices, and again after `retrain_after_outcomes` more outcomes."""
    config = ctx.hub.config(InsightSettings)
    positives, negatives = await service.counts(session, org_id, kind)
    if positives < config.min_positive or negatives < config.min_negative:
        return
    total, step = positives + negatives, config.retrain_after_outcomes
    current = await service.active(session, org_id, kind)
    if current is None or total - current.samples >= step:
        await ctx.queue(session, org_id).enqueue(TRAIN, {"kind": kind}, key=f"{kind}:outcomes:{total // step}")


async def maintenance(hub: Hub) -> dict[str, int]:
    """Hourly: retrain every serving model older than `retrain_hours`."""
    config = hub.config(InsightSettings)
    cutoff, hour = utcnow() - timedelta(hours=config.retrain_hours), utcnow().strftime("%Y%m%d%H")
    queued = 0
    async with hub.sessions.begin() as session:
        stale = (await session.execute(select(ModelVersion.org_id, ModelVersion.kind).where(
            ModelVersion.status == "active", ModelVersion.trained_at < cutoff))).all()
        for org_id, kind in stale:
            queued += bool(await hub.job_queue(session, org_id).enqueue(
                TRAIN, {"kind": kind}, key=f"{kind}:scheduled:{hour}"))
    return {"retraining_queued": queued}
