"""Generic create, read, update, delete and list of records, each write with its events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from hub.catalog import ActionContext
from hub.db import MONEY_MAX, new_id, plain_decimal, utcnow
from hub.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from hub.events.service import emit
from hub.pagination import newest_first
from hub.records import custom_fields
from hub.records.resource import Resource

__all__ = ["create", "delete", "find", "get", "list_page", "update"]


async def get(ctx: ActionContext, r: Resource, record_id: str) -> Any:
    """The record, or 404 when it is absent or belongs to another organization."""
    row = (await ctx.session.execute(
        select(r.model).where(r.model.id == record_id, r.model.org_id == ctx.org_id)
    )).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No {r.name.replace('_', ' ')} {record_id!r} in this organization.")
    return row


async def list_page(ctx: ActionContext, r: Resource, *, filters: dict[str, Any], updated_since: datetime | None,
                    cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page, newest first, and the cursor of the next page if there is more."""
    query = _scoped(ctx, r, filters)
    if updated_since is not None:
        query = query.where(r.model.updated_at >= updated_since)
    return await newest_first(ctx.session, query, r.model.id, r.plural, cursor, limit)


async def find(ctx: ActionContext, r: Resource, criteria: dict[str, Any], limit: int = 10) -> list[Any]:
    """Records whose search fields equal the criteria (text compared without case), newest first."""
    query = select(r.model).where(r.model.org_id == ctx.org_id)
    for name, value in criteria.items():
        column = getattr(r.model, name)
        query = query.where(func.lower(column) == value.lower() if isinstance(value, str) else column == value)
    return list((await ctx.session.execute(query.order_by(r.model.id.desc()).limit(limit))).scalars())


def _scoped(ctx: ActionContext, r: Resource, filters: dict[str, Any]) -> Select[Any]:
    query = select(r.model).where(r.model.org_id == ctx.org_id)
    for name, value in filters.items():
        query = query.where(getattr(r.model, name) == value)
    return query


async def create(ctx: ActionContext, r: Resource, data: msgspec.Struct) -> Any:
    values = msgspec.structs.asdict(data)
    await _check(ctx, r, values, None)
    row = r.model(id=new_id(r.id_prefix), org_id=ctx.org_id, **values)
    ctx.session.add(row)
    await _flush(ctx, r)
    after = r.to_read(row)
    if r.events:
        emit(ctx.session, ctx.org_id, r.created_event, after, subject_id=row.id)
    _emit_domain(ctx, r, None, after, row.id)
    return row


async def update(ctx: ActionContext, r: Resource, record_id: str, data: msgspec.Struct,
                 if_match: int | None = None) -> Any:
    row = await get(ctx, r, record_id)
    _precondition(row, if_match)
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET}
    if "custom_fields" in values:
        merged = {**row.custom_fields, **values["custom_fields"]}
        values["custom_fields"] = {k: v for k, v in merged.items() if v is not None}
    await _check(ctx, r, values, row)
    before = r.to_read(row)
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return row
    for name, value in changed.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    await _flush(ctx, r)
    after = r.to_read(row)
    if r.events:
        payload = r.as_updated(after, msgspec.to_builtins(before), sorted(changed))
        emit(ctx.session, ctx.org_id, r.updated_event, payload, subject_id=row.id)
    _emit_domain(ctx, r, before, after, row.id)
    return row


async def delete(ctx: ActionContext, r: Resource, record_id: str, if_match: int | None = None) -> None:
    row = await get(ctx, r, record_id)
    _precondition(row, if_match)
    last = r.to_read(row)
    await ctx.session.delete(row)
    await _flush(ctx, r)
    if r.events:
        emit(ctx.session, ctx.org_id, r.deleted_event, last, subject_id=record_id)


def _precondition(row: Any, if_match: int | None) -> None:
    if if_match is not None and row.version != if_match:
        raise PreconditionFailed(f"If-Match names version {if_match}; the record is at version {row.version}.")


def _amounts(values: dict[str, Any]) -> None:
    """Amounts are finite, not negative, under 10^16 with at most 4 decimals, kept in one plain form."""
    errors = []
    for name, value in values.items():
        if not isinstance(value, Decimal):
            continue
        if not value.is_finite() or value < 0 or value >= MONEY_MAX or value.as_tuple().exponent < -4:
            errors.append({"field": name, "message": "must be a number from 0 to 10^16 with at most 4 decimals"})
        else:
            values[name] = plain_decimal(value)
    if errors:
        raise ValidationFailed("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


def _not_null(r: Resource, values: dict[str, Any]) -> None:
    columns = r.model.__table__.c
    if cleared := [k for k, v in values.items() if v is None and k in columns and not columns[k].nullable]:
        raise ValidationFailed(f"{', '.join(cleared)} cannot be empty.",
                               errors=[{"field": k, "message": "cannot be empty"} for k in cleared])


async def _check(ctx: ActionContext, r: Resource, values: dict[str, Any], existing: Any | None) -> None:
    _amounts(values)
    for name, model in r.references.items():
        value = values.get(name)
        if value is not None and value != getattr(existing, name, None):
            found = await ctx.session.scalar(select(model.id).where(model.id == value, model.org_id == ctx.org_id))
            if found is None:
                raise NotFound(f"{name}: no record {value!r} in this organization.")
    if r.custom_fields and (existing is None or "custom_fields" in values):
        given = {k: v for k, v in (values.get("custom_fields") or {}).items() if v is not None}
        values["custom_fields"] = await custom_fields.validate(ctx.session, ctx.org_id, r.name, given)
    await r.hooks.prepare(ctx, values, existing)
    _not_null(r, values)


async def _flush(ctx: ActionContext, r: Resource) -> None:
    try:
        await ctx.session.flush()
    except StaleDataError:
        raise PreconditionFailed(f"The {r.name.replace('_', ' ')} was changed by another request; read it again.")
    except IntegrityError as exc:
        raise Conflict(_conflict_detail(r, exc)) from None


def _conflict_detail(r: Resource, exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        return f"A {r.name.replace('_', ' ')} with that value already exists."
    return f"The {r.name.replace('_', ' ')} is still referenced by other records."


def _emit_domain(ctx: ActionContext, r: Resource, before: Any | None, after: Any, record_id: str) -> None:
    for event, payload in r.hooks.domain_events(before, after):
        emit(ctx.session, ctx.org_id, event, payload, subject_id=record_id)
