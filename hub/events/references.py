"""A posted event may name only the caller's own records: its `subject_id`, and the ids in its `data` (`id`
and `*_id` fields) that are record ids by their prefix. Any other is refused as records refuse one, 404 for
absent and for another organization's alike, so the answer says nothing about other organizations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import NotFound
from hub.records.definitions import RESOURCES
from hub.records.resource import Resource

__all__ = ["check_references"]

_BY_PREFIX = {r.id_prefix: r for r in RESOURCES.values()}


def _resource(value: str, named: str | None = None) -> Resource | None:
    prefix, sep, _ = value.partition("_")
    by_prefix = _BY_PREFIX.get(prefix) if sep else None
    return RESOURCES.get(named or "") or by_prefix


def _named(data: dict[str, Any], subject_type: str | None,
           subject_id: str | None) -> list[tuple[str, Resource, str]]:
    """(field, the kind of record, the id) for each record id the event names."""
    found = []
    if subject_id is not None and (r := _resource(subject_id, subject_type)) is not None:
        found.append(("subject_id", r, subject_id))
    for key, value in data.items():
        if (key == "id" or key.endswith("_id")) and isinstance(value, str) and (r := _resource(value)) is not None:
            found.append((f"data.{key}", r, value))
    return found


async def check_references(session: AsyncSession, org_id: str, data: dict[str, Any], subject_type: str | None,
                           subject_id: str | None) -> None:
    """Raise NotFound, naming the field, for the first record id that is not the organization's."""
    for field, r, value in _named(data, subject_type, subject_id):
        model = r.model
        if await session.scalar(select(model.id).where(model.id == value, model.org_id == org_id)) is None:
            raise NotFound(f"{field}: no {r.name} {value!r} in this organization.",
                           errors=[{"field": field, "message": "not a record of this organization"}])
