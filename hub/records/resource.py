"""A record type declared once; its API schemas, filters, events and actions derive from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from hub.db import Base

__all__ = ["Hooks", "Resource", "derive"]


class Hooks:
    """Per-resource behaviour around the generic create/update/delete."""

    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        """Normalize and check `values` (the fields being written) before they are stored."""

    def domain_events(self, before: dict[str, Any] | None, after: dict[str, Any]) -> list[tuple[str, dict]]:
        """Events beyond created/updated, e.g. `deal.won`, as (type, extra data) pairs."""
        return []


@dataclass
class Resource:
    """One CRM record type.

    `fields` is a Struct of the writable fields: those without a default are required on create.
    `read_only` adds fields the server sets. `references` maps a field to the resource it points to,
    which must exist in the caller's organization.
    """

    name: str
    plural: str
    model: type[Base]
    fields: type[msgspec.Struct]
    sample: dict[str, Any]
    id_prefix: str
    description: str
    read_only: type[msgspec.Struct] | None = None
    filters: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)
    custom_fields: bool = True
    events: bool = True
    actions: tuple[str, ...] = ()
    read_scope: str = "read"
    write_scope: str = "write"
    hooks: Hooks = field(default_factory=Hooks)
    # derived by `derive`
    create: type[msgspec.Struct] = field(init=False)
    update: type[msgspec.Struct] = field(init=False)
    read: type[msgspec.Struct] = field(init=False)
    page: type[msgspec.Struct] = field(init=False)
    updated: type[msgspec.Struct] = field(init=False)
    field_types: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        derive(self)

    @property
    def title(self) -> str:
        return self.name.replace("_", " ").title().replace(" ", "")

    def to_read(self, row: Any) -> msgspec.Struct:
        return msgspec.convert(row, self.read, from_attributes=True)

    def to_data(self, row: Any) -> dict[str, Any]:
        return msgspec.to_builtins(self.to_read(row))


def _fields(struct: type[msgspec.Struct] | None) -> list[msgspec.structs.FieldInfo]:
    return list(msgspec.structs.fields(struct)) if struct else []


def derive(r: Resource) -> None:
    own = _fields(r.fields)
    custom = [("custom_fields", dict[str, Any], msgspec.field(default_factory=dict))] if r.custom_fields else []
    r.create = msgspec.defstruct(f"{r.title}Create", [*map(_create_field, own), *custom], kw_only=True, forbid_unknown_fields=True)
    r.update = msgspec.defstruct(
        f"{r.title}Update",
        [(f.name, f.type | UnsetType, UNSET) for f in own]
        + ([("custom_fields", dict[str, Any] | UnsetType, UNSET)] if r.custom_fields else []),
        kw_only=True, forbid_unknown_fields=True,
    )
    readable = [(f.name, f.type) for f in own] + [(f.name, f.type) for f in _fields(r.read_only)]
    meta = [("id", str), ("created_at", datetime), ("updated_at", datetime), ("version", int)]
    r.read = msgspec.defstruct(r.title, [meta[0], *readable, *([("custom_fields", dict[str, Any])] if r.custom_fields
                                                              else []), *meta[1:]], kw_only=True)
    r.page = msgspec.defstruct(f"{r.title}Page", [("data", list[r.read]), ("next_cursor", str | None)], kw_only=True)
    r.updated = msgspec.defstruct(f"{r.title}Updated", [("changed_fields", list[str]),
                                                        ("previous", dict[str, Any])], bases=(r.read,), kw_only=True)
    r.field_types = {f.name: f.type for f in own} | {f.name: f.type for f in _fields(r.read_only)} | {
        "id": str, "created_at": datetime, "updated_at": datetime, "version": int}


def _create_field(f: msgspec.structs.FieldInfo) -> tuple:
    if f.default_factory is not msgspec.NODEFAULT:
        return (f.name, f.type, msgspec.field(default_factory=f.default_factory))
    if f.default is not msgspec.NODEFAULT:
        return (f.name, f.type, f.default)
    return (f.name, f.type)
