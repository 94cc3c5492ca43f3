"""A record type declared once; its API schemas, filters, events and actions derive from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from hub.catalog import EventType
from hub.db import Base

__all__ = ["Hooks", "Resource", "a_noun", "derive", "sample_record"]


class Hooks:
    """Per-resource behaviour around the generic create/update/delete."""

    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        """Normalize and check `values` (the fields being written) before they are stored."""

    def domain_events(self, before: Any | None, after: Any) -> list[tuple[EventType[Any], msgspec.Struct]]:
        """Events beyond created/updated/deleted (`deal.won`…) that a write made, as (event, payload) pairs;
        `before` and `after` are the record's read structs (`before` is None on create)."""
        return []


SAMPLE_META = {"created_at": "2026-01-15T10:30:00Z", "updated_at": "2026-01-15T10:30:00Z", "version": 1}


def sample_record(id: str, **fields: Any) -> dict[str, Any]:
    """A record's sample: its id, its fields, and the times and version every record has."""
    return {"id": id, **fields, **SAMPLE_META}


def a_noun(noun: str) -> str:
    """`An activity`, `A user`: "u" sounds as "you" unless "un" starts the word (`an update` aside)."""
    vowel = noun[0] in "aeio" or noun.startswith(("un", "up")) and not noun.startswith("uni")
    return f"{'An' if vowel else 'A'} {noun}"


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
    # The field that names a record for create-or-update (`contact` by `email`): the `upsert` action's key.
    upsert_key: str | None = None
    # Help for fields whose rules span several fields ("a first name, a last name or an email"), so the API
    # docs and the apps' forms say what the hub enforces; it becomes each field's description.
    field_help: dict[str, str] = field(default_factory=dict)
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
    # `<name>.created`, `.updated`, `.deleted`, for a resource with `events`
    created_event: EventType[Any] = field(init=False, default=None)  # type: ignore[assignment]
    updated_event: EventType[Any] = field(init=False, default=None)  # type: ignore[assignment]
    deleted_event: EventType[Any] = field(init=False, default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        derive(self)

    @property
    def title(self) -> str:
        return self.name.replace("_", " ").title().replace(" ", "")

    def to_read(self, row: Any) -> msgspec.Struct:
        return msgspec.convert(row, self.read, from_attributes=True)

    def to_data(self, row: Any) -> dict[str, Any]:
        return msgspec.to_builtins(self.to_read(row))

    def as_updated(self, after: msgspec.Struct, before: dict[str, Any], changed: list[str]) -> msgspec.Struct:
        """The `.updated` payload: the record now, the names of the fields that changed and their old values."""
        return self.updated(**msgspec.structs.asdict(after), changed_fields=changed,
                            previous={k: before.get(k) for k in changed})


def _fields(struct: type[msgspec.Struct] | None) -> list[msgspec.structs.FieldInfo]:
    return list(msgspec.structs.fields(struct)) if struct else []


def _described(r: Resource, f: msgspec.structs.FieldInfo) -> msgspec.structs.FieldInfo:
    """The field with its help as the description of its type."""
    help_text = r.field_help.get(f.name)
    if help_text is None:
        return f
    return msgspec.structs.FieldInfo(name=f.name, encode_name=f.encode_name, type=Annotated[f.type, Meta(
        description=help_text)], default=f.default, default_factory=f.default_factory)


def derive(r: Resource) -> None:
    own = [_described(r, f) for f in _fields(r.fields)]
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
    if r.events:
        _events(r)


def _events(r: Resource) -> None:
    """`<name>.created`, `.updated` (with `changed_fields` and `previous`) and `.deleted` (its last state)."""
    noun = a_noun(r.name.replace("_", " "))
    changed = [k for k in r.sample if k not in ("id", "created_at", "updated_at", "version")][:1]
    r.created_event = EventType(key=f"{r.name}.created", description=f"{noun} was created.", payload=r.read,
                                sample=r.sample, subject=r.name)
    r.updated_event = EventType(
        key=f"{r.name}.updated", description=f"{noun} was changed; `previous` holds the old values.",
        payload=r.updated, subject=r.name,
        sample={**r.sample, "version": 2, "changed_fields": changed, "previous": {k: r.sample[k] for k in changed}})
    r.deleted_event = EventType(key=f"{r.name}.deleted", description=f"{noun} was deleted; data is its last state.",
                                payload=r.read, sample=r.sample, subject=r.name)


def _create_field(f: msgspec.structs.FieldInfo) -> tuple:
    if f.default_factory is not msgspec.NODEFAULT:
        return (f.name, f.type, msgspec.field(default_factory=f.default_factory))
    if f.default is not msgspec.NODEFAULT:
        return (f.name, f.type, f.default)
    return (f.name, f.type)
