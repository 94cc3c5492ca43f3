"""Read-only fields a module adds to one record type's reads, asked for with `?include=<name>`.

The record tables are the hub's; a module that keeps facts about records in its own tables (a lead's score)
contributes a `RecordExtension` (`Module.provides`), and `GET /v1/<records>` and `GET /v1/<records>/{id}`
add its fields to each record when the caller names it in `include`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import BadRequest

__all__ = ["RecordExtension", "extend"]


@dataclass(frozen=True)
class RecordExtension:
    """`read(session, org_id, ids)` answers, per record id it knows, the fields to add (`fields` names them)."""

    name: str
    record_type: str
    fields: tuple[str, ...]
    read: Callable[[AsyncSession, str, list[str]], Awaitable[dict[str, dict[str, Any]]]]
    description: str = ""


async def extend(ctx: Any, record_type: str, include: str | None, items: list[Any]) -> list[Any]:
    """The records' reads with the fields of each extension named in `include`; absent facts read as null."""
    if not include:
        return items
    offered = {e.name: e for e in ctx.runtime.contributions(RecordExtension) if e.record_type == record_type}
    names = [n.strip() for n in include.split(",") if n.strip()]
    if unknown := sorted(set(names) - set(offered)):
        raise BadRequest(f"Nothing to include named {', '.join(unknown)}; for these records: "
                         f"{', '.join(sorted(offered)) or 'none'}.")
    out = [item if isinstance(item, dict) else msgspec.to_builtins(item) for item in items]
    ids = [item["id"] for item in out]
    for name in names:
        found = await offered[name].read(ctx.session, ctx.org_id, ids)
        for item in out:
            extra = found.get(item["id"], {})
            item.update({field: extra.get(field) for field in offered[name].fields})
    return out

