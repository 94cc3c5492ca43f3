"""The CRM records territories hold, read as the flat dicts rules match on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.records.models import Company, Contact, Deal, Lead

__all__ = ["RECORD_TYPES", "fields_of", "load", "load_after", "table_of"]

RECORD_TYPES: dict[str, Any] = {"company": Company, "contact": Contact, "lead": Lead, "deal": Deal}
_HIDDEN = {"org_id", "version", "custom_fields"}


def table_of(record_type: str) -> Table:
    return RECORD_TYPES[record_type].__table__


def fields_of(record_type: str) -> set[str]:
    """The standard fields a rule may name on a record type."""
    return {c.name for c in table_of(record_type).c if c.name not in _HIDDEN}


def _flat(keys: Sequence[str], row: Any, lat: str, lng: str) -> dict[str, Any]:
    record = dict(zip(keys, row))
    custom = record.pop("custom_fields", None) or {}
    for key, value in custom.items():
        record[f"custom.{key}"] = value
    record["_lat"], record["_lng"] = _degrees(custom.get(lat)), _degrees(custom.get(lng))
    return record


def _degrees(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _columns(record_type: str, fields: Iterable[str] | None) -> list[Any]:
    """The columns to read: all, or only those rules read (with the id and custom fields), which spares
    decoding dates and texts no rule looks at."""
    table = table_of(record_type)
    if fields is None:
        return list(table.c)
    wanted = {"id", "custom_fields", *fields}
    return [c for c in table.c if c.name in wanted]


@lru_cache(maxsize=256)
def _by_ids(record_type: str, fields: frozenset[str] | None) -> Any:
    """Records of an organization by id, built once per type and set of fields: the relay listener reads
    every record written, and building the statement anew cost about as much as running it."""
    table = table_of(record_type)
    return select(*_columns(record_type, fields)).where(table.c.org_id == bindparam("org"),
                                                        table.c.id.in_(bindparam("ids", expanding=True)))


async def load(session: AsyncSession, org_id: str, record_type: str, ids: Iterable[str], lat: str,
               lng: str, fields: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """These records of the organization (those that still exist)."""
    statement = _by_ids(record_type, None if fields is None else frozenset(fields))
    rows = await session.execute(statement, {"org": org_id, "ids": list(ids)})
    keys = list(rows.keys())
    return [_flat(keys, row, lat, lng) for row in rows]


async def load_after(session: AsyncSession, org_id: str, record_type: str, after: str | None, limit: int,
                     lat: str, lng: str, fields: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The next `limit` records of the organization in id order, after `after`."""
    table = table_of(record_type)
    query = select(*_columns(record_type, fields)).where(table.c.org_id == org_id).order_by(table.c.id).limit(limit)
    if after:
        query = query.where(table.c.id > after)
    rows = await session.execute(query)
    keys = list(rows.keys())  # once: a mapping per row would build its keys again for each
    return [_flat(keys, row, lat, lng) for row in rows]
