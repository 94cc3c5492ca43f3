"""What is done to a model as a whole or to one record in it: assign, explain, assign by hand, exclude,
clone, activate and archive."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.territories import service
from core_features.territories.assign import assign_records, compiled
from core_features.territories.events import TERRITORY_ASSIGNED, TerritoryAssigned
from core_features.territories.models import (
    Assignment,
    Exclusion,
    Member,
    Realignment,
    Rule,
    Territory,
    TerritoryModel,
)
from core_features.territories.records import RECORD_TYPES, load
from core_features.territories.schemas import AssignmentOut, ExplainOut, ManualIn
from core_features.territories.settings import TerritorySettings
from hub.catalog import ActionContext
from hub.db import new_id, utcnow
from hub.errors import BadRequest, Conflict, NotFound, ValidationFailed
from hub.events.service import emit

__all__ = ["activate", "active_model", "archive", "assign_manual", "assign_one", "assignments_of", "clone",
           "explain", "record", "set_excluded", "start_realignment", "unassign_manual"]

REALIGN = "territory.realign"


async def active_model(session: AsyncSession, org_id: str) -> TerritoryModel | None:
    return await session.scalar(select(TerritoryModel).where(TerritoryModel.org_id == org_id,
                                                             TerritoryModel.state == "active"))


async def record(ctx: ActionContext, record_type: str, record_id: str) -> dict[str, Any]:
    """One record of the organization, as rules read it."""
    config = ctx.runtime.config(TerritorySettings)
    found = await load(ctx.session, ctx.org_id, record_type, [record_id], config.latitude_field,
                       config.longitude_field)
    if not found:
        raise NotFound(f"No {record_type} {record_id!r} in this organization.")
    return found[0]


async def assignments_of(session: AsyncSession, model: TerritoryModel, record_type: str,
                         record_id: str) -> list[AssignmentOut]:
    """A record's territories in a model, its primary one first."""
    rows = await session.execute(
        select(Assignment, Territory.name).join(Territory, Territory.id == Assignment.territory_id)
        .where(Assignment.org_id == model.org_id, Assignment.model_id == model.id,
               Assignment.record_type == record_type, Assignment.record_id == record_id)
        .order_by(Assignment.is_primary.desc(), Territory.depth.desc(), Territory.name)
        .execution_options(populate_existing=True))
    return [AssignmentOut(id=a.id, territory_id=a.territory_id, territory_name=name, record_type=a.record_type,
                          record_id=a.record_id, primary=a.is_primary, cause=a.cause,  # type: ignore[arg-type]
                          rule_id=a.rule_id, inherited=a.inherited) for a, name in rows]


async def assign_one(ctx: ActionContext, model_id: str | None, record_type: str,
                     record_id: str) -> tuple[TerritoryModel, list[AssignmentOut]]:
    """Run a model's rules (the active one's by default) for one record now."""
    model = await _model_or_active(ctx, model_id)
    await assign_records(ctx.session, model, record_type, [await record(ctx, record_type, record_id)],
                         emit_events=model.state == "active")
    return model, await assignments_of(ctx.session, model, record_type, record_id)


async def _model_or_active(ctx: ActionContext, model_id: str | None) -> TerritoryModel:
    if model_id is not None:
        return await service.get_model(ctx, model_id)
    model = await active_model(ctx.session, ctx.org_id)
    if model is None:
        raise Conflict("The organization has no active territory model; activate one first.")
    return model


async def explain(ctx: ActionContext, model_id: str, record_type: str | None, record_id: str | None) -> ExplainOut:
    """Where a record is in a model and why, with what each territory's rules say of it now."""
    model = await service.get_model(ctx, model_id)
    if record_type is None or record_id is None:
        raise BadRequest("Give `record_type` and `record_id`.")
    found = await record(ctx, record_type, record_id)
    excluded = await ctx.session.scalar(select(Exclusion.id).where(
        Exclusion.org_id == ctx.org_id, Exclusion.model_id == model.id, Exclusion.record_type == record_type,
        Exclusion.record_id == record_id))
    steps = (await compiled(ctx.session, model)).explain(record_type, found)
    return ExplainOut(model_id=model.id, record_type=record_type, record_id=record_id, excluded=excluded is not None,
                      assignments=await assignments_of(ctx.session, model, record_type, record_id), steps=steps)


async def assign_manual(ctx: ActionContext, territory_id: str, data: ManualIn) -> list[AssignmentOut]:
    """Put a record in a territory by hand (primary if asked); realignment keeps it there."""
    territory = await service.get_territory(ctx, territory_id)
    model = await service.get_model(ctx, territory.model_id)
    if model.state == "archived":
        raise Conflict("An archived model is read-only.")
    await record(ctx, data.record_type, data.record_id)
    mine = (Assignment.org_id == ctx.org_id, Assignment.model_id == model.id,
            Assignment.record_type == data.record_type, Assignment.record_id == data.record_id)
    if data.primary:
        await ctx.session.execute(update(Assignment).where(*mine).values(is_primary=False)
                                  .execution_options(synchronize_session=False))
    row = await ctx.session.scalar(select(Assignment).where(*mine, Assignment.territory_id == territory.id)
                                   .execution_options(populate_existing=True))
    now = utcnow()
    if row is None:
        ctx.session.add(Assignment(id=new_id("tas"), org_id=ctx.org_id, model_id=model.id, territory_id=territory.id,
                                   record_type=data.record_type, record_id=data.record_id, is_primary=data.primary,
                                   cause="manual", rule_id=None, inherited=False, created_at=now, updated_at=now))
        if model.state == "active":
            emit(ctx.session, ctx.org_id, TERRITORY_ASSIGNED, TerritoryAssigned(
                model_id=model.id, territory_id=territory.id, territory_name=territory.name,
                record_type=data.record_type, record_id=data.record_id, primary=data.primary, cause="manual"),
                subject_id=territory.id)
    else:
        row.cause, row.rule_id, row.inherited, row.updated_at = "manual", None, False, now
        row.is_primary = row.is_primary or data.primary
    await ctx.session.flush()
    return await assignments_of(ctx.session, model, data.record_type, data.record_id)


async def unassign_manual(ctx: ActionContext, assignment_id: str) -> None:
    """Take a record out of a territory it was put in by hand (the rules may place it again)."""
    row = await ctx.session.scalar(select(Assignment).where(Assignment.org_id == ctx.org_id,
                                                            Assignment.id == assignment_id))
    if row is None or row.cause != "manual":
        raise NotFound(f"No assignment made by hand {assignment_id!r} in this organization.")
    await ctx.session.delete(row)
    await ctx.session.flush()


async def set_excluded(ctx: ActionContext, model_id: str, record_type: str, record_id: str, excluded: bool) -> None:
    """Exclude a record from realignment in a model (it keeps its territories), or include it again."""
    model = await service.get_model(ctx, model_id)
    await record(ctx, record_type, record_id)
    await ctx.session.execute(delete(Exclusion).where(
        Exclusion.org_id == ctx.org_id, Exclusion.model_id == model.id, Exclusion.record_type == record_type,
        Exclusion.record_id == record_id))
    if excluded:
        now = utcnow()
        ctx.session.add(Exclusion(id=new_id("tex"), org_id=ctx.org_id, model_id=model.id, record_type=record_type,
                                  record_id=record_id, created_at=now, updated_at=now))
    await ctx.session.flush()


async def clone(ctx: ActionContext, model_id: str, name: str | None) -> TerritoryModel:
    """A planning copy of a model: territories, rules, members, manual assignments and exclusions."""
    source = await service.get_model(ctx, model_id)
    now = utcnow()
    copy = TerritoryModel(id=new_id("tmd"), org_id=ctx.org_id, name=name or f"{source.name} (copy)",
                          description=source.description, state="planning", assign_owner=source.assign_owner,
                          revision=1, cloned_from_id=source.id, created_at=now, updated_at=now)
    ctx.session.add(copy)
    await ctx.session.flush()
    ids: dict[str, str] = {}
    for t in await service.territories_of(ctx.session, ctx.org_id, source.id):  # parents before children
        ids[t.id] = new_id("ter")
        ctx.session.add(Territory(id=ids[t.id], org_id=ctx.org_id, model_id=copy.id, parent_id=ids.get(t.parent_id or ""),
                                  name=t.name, description=t.description, depth=t.depth, priority=t.priority,
                                  source_id=t.id, created_at=now, updated_at=now))
        await ctx.session.flush()
    await _copy_children(ctx, source, copy, ids)
    return copy


async def _copy_children(ctx: ActionContext, source: TerritoryModel, copy: TerritoryModel, ids: dict[str, str]) -> None:
    now, org = utcnow(), ctx.org_id
    for r in await service.rules_of(ctx.session, org, source.id):
        ctx.session.add(Rule(id=new_id("trl"), org_id=org, territory_id=ids[r.territory_id], model_id=copy.id,
                             name=r.name, record_type=r.record_type, items=r.items, boolean_filter=r.boolean_filter,
                             position=r.position, created_at=now, updated_at=now))
    for m in await ctx.session.scalars(select(Member).where(Member.org_id == org, Member.territory_id.in_(ids))):
        ctx.session.add(Member(id=new_id("tmb"), org_id=org, territory_id=ids[m.territory_id], user_id=m.user_id,
                               role=m.role, created_at=now, updated_at=now))
    for a in await ctx.session.scalars(select(Assignment).where(Assignment.org_id == org, Assignment.cause == "manual",
                                                                Assignment.model_id == source.id)):
        ctx.session.add(Assignment(id=new_id("tas"), org_id=org, model_id=copy.id, territory_id=ids[a.territory_id],
                                   record_type=a.record_type, record_id=a.record_id, is_primary=a.is_primary,
                                   cause="manual", rule_id=None, inherited=False, created_at=now, updated_at=now))
    for e in await ctx.session.scalars(select(Exclusion).where(Exclusion.org_id == org,
                                                               Exclusion.model_id == source.id)):
        ctx.session.add(Exclusion(id=new_id("tex"), org_id=org, model_id=copy.id, record_type=e.record_type,
                                  record_id=e.record_id, created_at=now, updated_at=now))
    await ctx.session.flush()


async def activate(ctx: ActionContext, model_id: str) -> tuple[TerritoryModel, Realignment]:
    """Make a planning model the active one (the one active before is archived) and realign it."""
    model = await service.get_model(ctx, model_id)
    if model.state != "planning":
        raise Conflict(f"Only a planning model can be activated; this one is {model.state}.")
    now = utcnow()
    if (current := await active_model(ctx.session, ctx.org_id)) is not None:
        current.state, current.archived_at, current.updated_at = "archived", now, now
        await ctx.session.flush()  # one active model per organization: the old one steps down first
    model.state, model.activated_at, model.updated_at = "active", now, now
    await ctx.session.flush()
    return model, await start_realignment(ctx, model, list(RECORD_TYPES))


async def archive(ctx: ActionContext, model_id: str) -> TerritoryModel:
    model = await service.get_model(ctx, model_id)
    if model.state == "archived":
        raise Conflict("The model is already archived.")
    model.state, model.archived_at = "archived", utcnow()
    await ctx.session.flush()
    return model


async def start_realignment(ctx: ActionContext, model: TerritoryModel, record_types: list[str]) -> Realignment:
    """A run of the model's rules over every record of these types, as a durable job."""
    if model.state == "archived":
        raise Conflict("An archived model is read-only.")
    if not record_types:
        raise ValidationFailed("Name at least one record type.",
                               errors=[{"field": "record_types", "message": "at least one"}])
    now = utcnow()
    run = Realignment(id=new_id("trn"), org_id=ctx.org_id, model_id=model.id, status="queued",
                      record_types=record_types, cursor={}, total=0, processed=0, changed=0, attempts=0,
                      created_at=now, updated_at=now)
    ctx.session.add(run)
    await ctx.session.flush()
    await ctx.jobs.enqueue(REALIGN, {"run_id": run.id}, key=run.id)
    return run
