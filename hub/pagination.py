"""Opaque cursors for newest-first lists: they name the last id seen and the list they belong to."""

from __future__ import annotations

import base64
import binascii

from typing import Any

import msgspec
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import BadRequest

__all__ = ["decode_cursor", "encode_cursor", "narrow", "newest_first"]


class _Cursor(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    list: str
    before: str


def encode_cursor(list_name: str, before: str) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(_Cursor(list_name, before))).decode().rstrip("=")


def decode_cursor(list_name: str, cursor: str) -> str:
    """The id to continue before; 400 for a cursor that is malformed or from another list."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = msgspec.json.decode(raw, type=_Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise BadRequest("The cursor is not valid; pass back `next_cursor` exactly as it was given.") from None
    if decoded.list != list_name:
        raise BadRequest("The cursor belongs to another list.")
    return decoded.before


async def newest_first(session: AsyncSession, query: Select[Any], id_column: Any, list_name: str,
                       cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of `query` in descending id order, and the cursor of the next page if there is one."""
    if cursor:
        query = query.where(id_column < decode_cursor(list_name, cursor))
    rows = list((await session.execute(query.order_by(id_column.desc()).limit(limit + 1))).scalars())
    more = len(rows) > limit
    return rows[:limit], encode_cursor(list_name, rows[limit - 1].id) if more else None


def narrow(query: Select[Any], *, type_column: Any = None, type: str | None = None, time_column: Any = None,
           since: Any = None, until: Any = None, **equal: tuple[Any, Any]) -> Select[Any]:
    """The log filters: a type (exact or `noun.*`), a time window [since, until), and exact matches given as
    name=(column, value); absent values filter nothing."""
    if type and type.endswith(".*"):
        query = query.where(type_column.startswith(type[:-1], autoescape=True))
    elif type:
        query = query.where(type_column == type)
    if since is not None:
        query = query.where(time_column >= since)
    if until is not None:
        query = query.where(time_column < until)
    for column, value in equal.values():
        if value is not None:
            query = query.where(column == value)
    return query
