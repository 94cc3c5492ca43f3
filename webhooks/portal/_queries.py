"""What the pages read: the message log in keyset pages, a message's attempts, the endpoint choices.

Everything is scoped to one organization. The log never counts and never skips rows: it walks the
`(org_id, id)`, `(org_id, event_type, id)` or `(endpoint_id, id)` index from a cursor, and a time
filter becomes an id range too, since ids are UUIDv7 and so begin with their creation time.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.pagination import decode_cursor, encode_cursor, narrow
from webhooks.models import Attempt, Endpoint, Message
from webhooks.worker import USER_AGENT

__all__ = ["LogFilter", "Page", "attempts_of", "endpoint_choices", "id_at", "message_page", "request_headers"]

PAGE_SIZE = 50
# Ids and `created_at` are taken moments apart; the id range is widened by this so it never cuts a row off.
_ID_MARGIN = timedelta(minutes=1)
_LIST = "portal.messages"


@dataclass(frozen=True)
class LogFilter:
    """The log's filters, as the API's `GET /v1/messages` takes them; empty means no filter."""

    event_type: str = ""
    endpoint_id: str = ""
    status: str = ""
    since: datetime | None = None
    until: datetime | None = None
    id: str = ""


@dataclass
class Page:
    """One page of rows, newest first, with the cursors of the pages on either side when there are any."""

    rows: list[Any]
    older: str | None
    newer: str | None


def id_at(prefix: str, when: datetime) -> str:
    """The smallest id `hub.db.new_id` can make at `when` (a UUIDv7 with only its millisecond time set)."""
    ms = min(max(int(when.timestamp() * 1000), 0), 2**48 - 1)
    return f"{prefix}_{base64.b32hexencode(ms.to_bytes(6, 'big') + bytes(10)).decode().rstrip('=').lower()}"


def _log_query(org_id: str, f: LogFilter) -> Select[Any]:
    # With an endpoint filter, its ownership scopes the rows, so `(endpoint_id, id)` is the one index to walk.
    scope = (Message.endpoint_id.in_(select(Endpoint.id).where(Endpoint.id == f.endpoint_id, Endpoint.org_id == org_id))
             if f.endpoint_id else Message.org_id == org_id)
    query = narrow(select(Message).where(scope), type_column=Message.event_type,
                   type=f.event_type or None, time_column=Message.created_at, since=f.since, until=f.until,
                   endpoint=(Message.endpoint_id, f.endpoint_id or None), status=(Message.status, f.status or None),
                   id=(Message.id, f.id or None))
    if f.since is not None:
        query = query.where(Message.id >= id_at("msg", f.since - _ID_MARGIN))
    if f.until is not None:
        query = query.where(Message.id < id_at("msg", f.until + _ID_MARGIN))
    return query


async def message_page(session: AsyncSession, org_id: str, f: LogFilter, before: str | None = None,
                       after: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """The page older than `before`, or newer than `after`, or the newest page."""
    query = _log_query(org_id, f)
    if after:
        query = query.where(Message.id > decode_cursor(_LIST, after)).order_by(Message.id.asc())
        rows = list((await session.execute(query.limit(limit + 1))).scalars())
        page = list(reversed(rows[:limit]))
        return Page(page, _cursor(page[-1]) if page else None, _cursor(page[0]) if len(rows) > limit else None)
    if before:
        query = query.where(Message.id < decode_cursor(_LIST, before))
    rows = list((await session.execute(query.order_by(Message.id.desc()).limit(limit + 1))).scalars())
    page = rows[:limit]
    return Page(page, _cursor(page[-1]) if len(rows) > limit else None,
                _cursor(page[0]) if before and page else None)


def _cursor(row: Any) -> str:
    return encode_cursor(_LIST, row.id)


async def attempts_of(session: AsyncSession, org_id: str, message_id: str, limit: int = 100) -> list[Attempt]:
    """A message's attempts, latest first."""
    return list((await session.execute(select(Attempt).where(
        Attempt.message_id == message_id, Attempt.org_id == org_id).order_by(Attempt.number.desc()).limit(limit)
    )).scalars())


async def endpoint_choices(session: AsyncSession, org_id: str, limit: int = 200) -> list[tuple[str, str]]:
    """(id, url) of the organization's newest endpoints, for the log's endpoint filter."""
    rows = await session.execute(select(Endpoint.id, Endpoint.url).where(Endpoint.org_id == org_id)
                                 .order_by(Endpoint.id.desc()).limit(limit))
    return [(r.id, r.url) for r in rows]


def request_headers(message: Message, attempt: Attempt, header_names: list[str]) -> list[tuple[str, str]]:
    """The headers an attempt was sent with, rebuilt from what is stored: signatures and custom values are not."""
    return [("content-type", "application/json"), ("user-agent", USER_AGENT), ("webhook-id", message.id),
            ("webhook-timestamp", str(int(attempt.started_at.timestamp()))),
            ("webhook-signature", "v1,… one signature per secret valid at the time (not stored)"),
            *((name, "… (custom header, stored encrypted)") for name in header_names)]
