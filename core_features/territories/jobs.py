"""Background work: records placed as they are written (a relay listener), and realignment of a whole model
(a durable job that saves its place after every batch, so a run cut off carries on where it stopped)."""

from __future__ import annotations

import time
from typing import Any

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.territories.assign import assign_records, compiled
from core_features.territories.models import Assignment, Realignment, TerritoryModel
from core_features.territories.operations import active_model
from core_features.territories.records import RECORD_TYPES, load, load_after, table_of
from core_features.territories.settings import TerritorySettings
from hub.db import utcnow
from hub.events.models import Event
from hub.jobs import GiveUp, Job, JobContext, RetryLater

__all__ = ["on_events", "realign"]

log = structlog.get_logger("core_features.territories")
_WRITES = {f"{kind}.{verb}": kind for kind in RECORD_TYPES for verb in ("created", "updated")}
_DELETES = {f"{kind}.deleted": kind for kind in RECORD_TYPES}


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """A relay listener: records written or deleted take or leave their territories in the active model."""
    written: dict[tuple[str, str], list[str]] = {}
    for event in events:
        if event.subject_id is None:
            continue
        if (kind := _WRITES.get(event.type)) is not None:
            written.setdefault((event.org_id, kind), []).append(event.subject_id)
        elif (kind := _DELETES.get(event.type)) is not None:
            await session.execute(delete(Assignment).where(
                Assignment.org_id == event.org_id, Assignment.record_type == kind,
                Assignment.record_id == event.subject_id))
    config = ctx.hub.config(TerritorySettings)
    for (org_id, kind), ids in written.items():
        model = await active_model(session, org_id)
        if model is not None:
            fields = (await compiled(session, model)).fields
            records = await load(session, org_id, kind, set(ids), config.latitude_field, config.longitude_field,
                                 fields)
            await assign_records(session, model, kind, records)


async def realign(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Run a model's rules over every record of the run's types, batch by batch, from where it stopped."""
    config = ctx.hub.config(TerritorySettings)
    run_id = job.payload["run_id"]
    async with ctx.sessions.begin() as session:
        await _begin(session, job.org_id, run_id)
    deadline = time.monotonic() + config.attempt_seconds
    while True:
        async with ctx.sessions.begin() as session:
            run = await session.get(Realignment, run_id, populate_existing=True)
            model = None if run is None else await session.get(TerritoryModel, run.model_id, populate_existing=True)
            if run is None or model is None or model.state == "archived":
                raise GiveUp("the run or its model is gone, or the model was archived")
            if not await _batch(session, run, model, config):
                run.status, run.finished_at = "succeeded", utcnow()
                log.info("territories.realignment.succeeded", run_id=run.id, processed=run.processed,
                         changed=run.changed)
                return {"processed": run.processed, "changed": run.changed}
        if time.monotonic() > deadline:  # hand over before the lease runs out; the cursor is saved
            raise RetryLater(0, "carries on in a new attempt")


async def _begin(session: AsyncSession, org_id: str, run_id: str) -> None:
    run = await session.scalar(select(Realignment).where(Realignment.org_id == org_id, Realignment.id == run_id))
    if run is None:
        raise GiveUp(f"no realignment {run_id}")
    model = await session.get(TerritoryModel, run.model_id)
    if model is None:
        raise GiveUp("its model is gone")
    run.attempts += 1
    if run.status == "queued":
        run.status, run.started_at = "running", utcnow()
        run.total = sum([await session.scalar(select(func.count()).select_from(table_of(kind)).where(
            table_of(kind).c.org_id == org_id)) or 0 for kind in run.record_types])
        run.cursor = {"type": run.record_types[0] if run.record_types else None, "after": None}


async def _batch(session: AsyncSession, run: Realignment, model: TerritoryModel, config: TerritorySettings) -> bool:
    """Match and store the next batch and move the cursor past it; answers False once nothing is left."""
    kind, after = run.cursor.get("type"), run.cursor.get("after")
    fields = (await compiled(session, model)).fields
    while kind is not None:
        records = await load_after(session, run.org_id, kind, after, config.batch_size, config.latitude_field,
                                   config.longitude_field, fields)
        if records:
            # Only the active model's placements are news; a planning model's are a draft.
            run.changed += await assign_records(session, model, kind, records, emit_events=model.state == "active",
                                                span=(after, records[-1]["id"]))
            run.processed += len(records)
            run.cursor = {"type": kind, "after": records[-1]["id"]}
            run.updated_at = utcnow()
            return True
        following = run.record_types.index(kind) + 1
        kind, after = (run.record_types[following] if following < len(run.record_types) else None), None
        run.cursor = {"type": kind, "after": None}
    return False
