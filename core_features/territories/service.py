"""Territory models, their territories, rules and members: made, changed and read within one organization.

An archived model is read-only; every change to a model's territories or rules bumps its `revision`, which
retires its compiled form.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from core_features.territories.models import Member, Rule, Territory, TerritoryModel
from core_features.territories.records import fields_of
from core_features.territories.rules import compile_rule
from core_features.territories.schemas import (
    MemberIn,
    ModelIn,
    ModelOut,
    ModelPatch,
    RuleIn,
    RuleOut,
    TerritoryIn,
    TerritoryOut,
    TerritoryPatch,
)
from core_features.territories.settings import TerritorySettings
from hub.catalog import ActionContext
from hub.db import new_id, utcnow
from hub.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from hub.records.models import CustomField
from hub.tenancy.models import User

__all__ = ["add_rule", "create_model", "create_territory", "delete_rule", "delete_territory", "editable",
           "get_model", "get_territory", "model_out", "put_member", "remove_member", "rule_out", "rules_of",
           "territories_of", "territory_out", "update_model", "update_territory"]


def model_out(row: TerritoryModel) -> ModelOut:
    return msgspec.convert(row, ModelOut, from_attributes=True)


def territory_out(row: Territory) -> TerritoryOut:
    return msgspec.convert(row, TerritoryOut, from_attributes=True)


def rule_out(row: Rule) -> RuleOut:
    return msgspec.convert(row, RuleOut, from_attributes=True)


async def get_model(ctx: ActionContext, model_id: str) -> TerritoryModel:
    row = await ctx.session.scalar(select(TerritoryModel).where(TerritoryModel.org_id == ctx.org_id,
                                                                TerritoryModel.id == model_id))
    if row is None:
        raise NotFound(f"No territory model {model_id!r} in this organization.")
    return row


async def editable(ctx: ActionContext, model_id: str) -> TerritoryModel:
    """The model, if it may still change (not archived); its revision moves on."""
    model = await get_model(ctx, model_id)
    if model.state == "archived":
        raise Conflict("An archived model is read-only; clone it to work on a copy.")
    model.revision += 1
    model.updated_at = utcnow()
    return model


async def create_model(ctx: ActionContext, data: ModelIn) -> TerritoryModel:
    now = utcnow()
    row = TerritoryModel(id=new_id("tmd"), org_id=ctx.org_id, name=data.name.strip(), description=data.description,
                         state="planning", assign_owner=data.assign_owner, revision=1, created_at=now,
                         updated_at=now)
    ctx.session.add(row)
    await ctx.session.flush()
    return row


async def update_model(ctx: ActionContext, model_id: str, data: ModelPatch, if_match: int | None) -> TerritoryModel:
    model = await get_model(ctx, model_id)
    if if_match is not None and model.version != if_match:
        raise PreconditionFailed(f"If-Match names version {if_match}; the model is at version {model.version}.")
    await editable(ctx, model_id)
    for name, value in msgspec.structs.asdict(data).items():
        if value is not UNSET:
            setattr(model, name, value.strip() if name == "name" else value)
    await _flush(ctx.session, "The model changed meanwhile; read it again.")
    return model


async def get_territory(ctx: ActionContext, territory_id: str) -> Territory:
    row = await ctx.session.scalar(select(Territory).where(Territory.org_id == ctx.org_id,
                                                           Territory.id == territory_id))
    if row is None:
        raise NotFound(f"No territory {territory_id!r} in this organization.")
    return row


async def territories_of(session: AsyncSession, org_id: str, model_id: str) -> list[Territory]:
    """A model's territories, top down."""
    return list(await session.scalars(select(Territory).where(Territory.org_id == org_id,
                                                              Territory.model_id == model_id)
                                      .order_by(Territory.depth, Territory.priority, Territory.name)))


async def rules_of(session: AsyncSession, org_id: str, model_id: str) -> list[Rule]:
    return list(await session.scalars(select(Rule).where(Rule.org_id == org_id, Rule.model_id == model_id)
                                      .order_by(Rule.territory_id, Rule.position, Rule.id)))


async def create_territory(ctx: ActionContext, model_id: str, data: TerritoryIn) -> Territory:
    """A territory at the top of its model, or under `parent_id`, within the model's limits."""
    model = await editable(ctx, model_id)
    limits = ctx.runtime.config(TerritorySettings)
    depth = 1
    if data.parent_id is not None:
        parent = await get_territory(ctx, data.parent_id)
        if parent.model_id != model.id:
            raise _invalid("parent_id", "The parent territory belongs to another model.")
        depth = parent.depth + 1
        if depth > limits.max_depth:
            raise _invalid("parent_id", f"A hierarchy has at most {limits.max_depth} levels.")
    count = await ctx.session.scalar(select(func.count()).select_from(Territory).where(
        Territory.org_id == ctx.org_id, Territory.model_id == model.id))
    if (count or 0) >= limits.max_territories:
        raise Conflict(f"A model holds at most {limits.max_territories} territories.")
    now = utcnow()
    row = Territory(id=new_id("ter"), org_id=ctx.org_id, model_id=model.id, parent_id=data.parent_id,
                    name=data.name.strip(), description=data.description, depth=depth, priority=data.priority,
                    created_at=now, updated_at=now)
    ctx.session.add(row)
    await ctx.session.flush()
    return row


async def update_territory(ctx: ActionContext, territory_id: str, data: TerritoryPatch,
                           if_match: int | None = None) -> Territory:
    row = await get_territory(ctx, territory_id)
    if if_match is not None and row.version != if_match:
        raise PreconditionFailed(f"If-Match names version {if_match}; the territory is at version {row.version}.")
    await editable(ctx, row.model_id)
    for name, value in msgspec.structs.asdict(data).items():
        if value is not UNSET:
            setattr(row, name, value.strip() if name == "name" else value)
    row.updated_at = utcnow()
    await _flush(ctx.session, "The territory changed meanwhile; read it again.")
    return row


async def delete_territory(ctx: ActionContext, territory_id: str) -> None:
    """Delete a territory with everything under it, and the records it held."""
    row = await get_territory(ctx, territory_id)
    await editable(ctx, row.model_id)
    await ctx.session.delete(row)
    await _flush(ctx.session, "The territory changed meanwhile.")


async def add_rule(ctx: ActionContext, territory_id: str, data: RuleIn) -> Rule:
    """An assignment rule, checked (fields, operators, values, filter) before it is stored."""
    territory = await get_territory(ctx, territory_id)
    await editable(ctx, territory.model_id)
    items = [{k: v for k, v in msgspec.structs.asdict(i).items() if v is not None or k == "value"}
             for i in data.items]
    await _check_fields(ctx, data.record_type, items)
    rule_id = new_id("trl")
    compile_rule(rule_id, data.record_type, items, data.boolean_filter)  # refuses what would not run
    limit = ctx.runtime.config(TerritorySettings).max_rules
    count = await ctx.session.scalar(select(func.count()).select_from(Rule).where(
        Rule.org_id == ctx.org_id, Rule.territory_id == territory.id))
    if (count or 0) >= limit:
        raise Conflict(f"A territory holds at most {limit} rules.")
    now = utcnow()
    row = Rule(id=rule_id, org_id=ctx.org_id, territory_id=territory.id, model_id=territory.model_id,
               name=data.name or f"Rule {(count or 0) + 1}", record_type=data.record_type, items=items,
               boolean_filter=(data.boolean_filter or "").strip() or None, position=data.position,
               created_at=now, updated_at=now)
    ctx.session.add(row)
    await ctx.session.flush()
    return row


async def _check_fields(ctx: ActionContext, record_type: str, items: list[dict[str, Any]]) -> None:
    standard = fields_of(record_type)
    custom = set(await ctx.session.scalars(select(CustomField.key).where(
        CustomField.org_id == ctx.org_id, CustomField.record_type == record_type)))
    for n, item in enumerate(items):
        field = item.get("field")
        if field is None:
            continue
        key = field.removeprefix("custom.")
        known = key in custom if field.startswith("custom.") else field in standard
        if not known:
            raise _invalid(f"items[{n}].field", f"A {record_type} has no field {field!r}; standard fields are "
                           f"{', '.join(sorted(standard))}, custom ones `custom.<key>`.")


async def delete_rule(ctx: ActionContext, rule_id: str) -> None:
    row = await ctx.session.scalar(select(Rule).where(Rule.org_id == ctx.org_id, Rule.id == rule_id))
    if row is None:
        raise NotFound(f"No territory rule {rule_id!r} in this organization.")
    await editable(ctx, row.model_id)
    await ctx.session.delete(row)
    await ctx.session.flush()


async def put_member(ctx: ActionContext, territory_id: str, data: MemberIn) -> Member:
    """Add a user to a territory in a role, or change the role of one already there."""
    territory = await get_territory(ctx, territory_id)
    await editable(ctx, territory.model_id)
    user = await ctx.session.scalar(select(User.id).where(User.org_id == ctx.org_id, User.id == data.user_id))
    if user is None:
        raise _invalid("user_id", f"No user {data.user_id!r} in this organization.")
    row = await ctx.session.scalar(select(Member).where(Member.territory_id == territory.id,
                                                        Member.user_id == data.user_id))
    now = utcnow()
    if row is None:
        row = Member(id=new_id("tmb"), org_id=ctx.org_id, territory_id=territory.id, user_id=data.user_id,
                     role=data.role, created_at=now, updated_at=now)
        ctx.session.add(row)
    elif row.role != data.role:
        row.role, row.updated_at = data.role, now
    await _flush(ctx.session, "The user was added meanwhile.")
    return row


async def remove_member(ctx: ActionContext, territory_id: str, user_id: str) -> None:
    territory = await get_territory(ctx, territory_id)
    await editable(ctx, territory.model_id)
    row = await ctx.session.scalar(select(Member).where(Member.territory_id == territory.id,
                                                        Member.user_id == user_id))
    if row is None:
        raise NotFound(f"User {user_id!r} is not in territory {territory_id!r}.")
    await ctx.session.delete(row)
    await ctx.session.flush()


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


async def _flush(session: AsyncSession, taken: str) -> None:
    try:
        await session.flush()
    except StaleDataError:
        raise PreconditionFailed("It was changed by another request; read it again.") from None
    except IntegrityError:
        raise Conflict(taken) from None
