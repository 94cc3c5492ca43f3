"""The registry of event types, triggers and actions; every module declares its own through its `catalog`.

An event type is declared once, as a typed payload with a one-line description and a sample, beside the
rule that emits it; its trigger, JSON schema, OpenAPI entry, connector definitions and docs are all derived
from that, and `hub.events.service.emit` takes it with an instance of its payload.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Generic, Literal, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from hub.context import Reach
from hub.tenancy.auth import Principal

if TYPE_CHECKING:
    from hub.jobs.queue import JobQueue
    from hub.module import Module
    from hub.runtime import Hub

__all__ = ["Action", "ActionContext", "Catalog", "CatalogError", "EventType", "Trigger", "TriggerFilter",
           "build_catalog", "output_fields"]

Scope = Literal["read", "write", "admin"]
P = TypeVar("P", bound=msgspec.Struct)


class CatalogError(Exception):
    """Two declarations collide, or one is incomplete; the hub refuses to start."""


@dataclass(frozen=True, eq=False)
class EventType(Generic[P]):
    """An event: emitted as an instance of `payload` (`emit(session, org_id, EVENT, payload)`), delivered
    as its JSON. `subject` names the kind of record the event is about; `postable`: the wider CRM may post
    it through `POST /v1/events`."""

    key: str
    description: str
    payload: type[P]
    sample: dict[str, Any]
    postable: bool = False
    subject: str | None = None
    label: str | None = None  # the trigger's label, when "Noun Verb" from the key reads badly
    # Offered as a Zapier or Make trigger; False for the hub's own plumbing (endpoint health, connections),
    # which webhook endpoints may still subscribe to.
    public: bool = True

    def schema(self) -> dict[str, Any]:
        return msgspec.json.schema(self.payload)


@dataclass(frozen=True)
class TriggerFilter:
    """An input of a trigger that narrows what it delivers (`min_amount` of "deal won"), checked by the hub
    before delivery as the condition `{field, op, value}` (see `hub.conditions`)."""

    key: str
    label: str
    description: str
    field: str
    op: str = "eq"
    type: Literal["string", "number"] = "string"
    choices: tuple[str, ...] = ()

    def condition(self, value: Any) -> dict[str, Any]:
        return {"field": self.field, "op": self.op, "value": value}


@dataclass(frozen=True)
class Trigger:
    """What a person picks in Zapier or Make: an event type, narrowed by `fixed` conditions always (a "new
    note" is an `activity.created` of type note) and by the `filters` the person fills in."""

    key: str
    label: str
    description: str
    event_type: str
    sample: dict[str, Any] | None
    output_fields: list[dict[str, Any]]
    filters: tuple[TriggerFilter, ...] = ()
    fixed: tuple[dict[str, Any], ...] = ()
    public: bool = True

    def conditions(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        """The conditions of a subscription with these filter values (empty ones ignored); raises KeyError
        naming a filter the trigger does not have, ValueError for a value outside its choices."""
        by_key = {f.key: f for f in self.filters}
        found = list(self.fixed)
        for key, value in values.items():
            if key not in by_key:
                raise KeyError(key)
            if value is None or value == "":
                continue
            if by_key[key].choices and str(value) not in by_key[key].choices:
                raise ValueError(key)
            found.append(by_key[key].condition(value))
        return found


class ActionContext(Reach):
    """What a request or an action handler may use: its unit of work, the caller, and through the process's
    hub its settings, services, the job queue and HTTP clients (`user_http` for any URL a user supplied)."""

    # A plain class, not a dataclass: a request handler's signature names it, and Litestar's validation would
    # otherwise try to resolve the type of `hub`, which only exists once the hub has been built.
    __slots__ = ("hub", "principal", "session")

    def __init__(self, session: AsyncSession, principal: Principal, hub: Hub | None = None) -> None:
        self.session, self.principal, self.hub = session, principal, hub

    @property
    def org_id(self) -> str:
        return self.principal.org_id

    @property
    def runtime(self) -> Hub:
        if self.hub is None:
            raise RuntimeError("this context was made without a hub; pass hub= to reach settings, jobs or HTTP")
        return self.hub

    @property
    def jobs(self) -> JobQueue:
        """Enqueue work in this unit of work, for the caller's organization."""
        return self.runtime.job_queue(self.session, self.org_id)


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    description: str
    kind: Literal["create", "update", "search", "run"]
    input: type[msgspec.Struct]
    output: Any
    handler: Callable[[ActionContext, Any], Awaitable[Any]]
    scope: Scope = "write"
    sample: dict[str, Any] | None = None


@dataclass
class Catalog:
    events: dict[str, EventType[Any]] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    # An action input field a person picks from a list, by its name, on any action: the choices endpoint,
    # `{name}` filled with the value of field `name` (`stage` → `/v1/choices/stages?pipeline_id={pipeline_id}`).
    dropdowns: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # "event:<key>", "action:<key>" → declaring module
    declaring: str = ""

    def add_event(self, event: EventType[Any], *, label: str | None = None,
                  filters: tuple[TriggerFilter, ...] = ()) -> None:
        """Declare an event type and the trigger that fires on it, with the filters a person may set."""
        _put(self.events, event.key, event, "event type")
        trigger = Trigger(key=event.key, label=label or event.label or _label(event.key),
                          description=event.description, event_type=event.key, sample=event.sample,
                          output_fields=output_fields(event.payload), filters=filters, public=event.public)
        _put(self.triggers, trigger.key, trigger, "trigger")
        self.origins[f"event:{event.key}"] = self.declaring

    def add_trigger(self, key: str, event: EventType[Any], *, label: str, description: str,
                    fixed: dict[str, Any], filters: tuple[TriggerFilter, ...] = ()) -> None:
        """Declare a trigger on a narrower case of an event (`note.created`: `activity.created` of type note);
        `fixed` field values always hold, and the sample shows them."""
        trigger = Trigger(key=key, label=label, description=description, event_type=event.key,
                          sample={**event.sample, **fixed}, output_fields=output_fields(event.payload),
                          filters=filters, fixed=tuple({"field": k, "op": "eq", "value": v}
                                                       for k, v in fixed.items()))
        _put(self.triggers, key, trigger, "trigger")
        self.origins[f"trigger:{key}"] = self.declaring

    def add_action(self, action: Action) -> None:
        _put(self.actions, action.key, action, "action")
        self.origins[f"action:{action.key}"] = self.declaring

    def add_dropdown(self, field: str, choices: str) -> None:
        """Offer every input field named `field` as a list read from the `choices` endpoint (answers
        `[{id, label}]`), in the API's field lists and in the Zapier and Make apps."""
        _put(self.dropdowns, field, choices, "dropdown")

    def validate(self) -> None:
        """Every trigger has a sample that its payload type accepts."""
        for trigger in self.triggers.values():
            if not trigger.sample:
                raise CatalogError(f"trigger {trigger.key!r} has no sample")
            if trigger.event_type not in self.events:
                raise CatalogError(f"trigger {trigger.key!r} fires on undeclared event {trigger.event_type!r}")
        for event in self.events.values():
            try:
                msgspec.convert(event.sample, event.payload, strict=False)
            except msgspec.ValidationError as exc:
                raise CatalogError(f"sample of event {event.key!r} does not fit its payload: {exc}") from None
        for action in self.actions.values():
            if action.sample is not None:
                try:
                    msgspec.convert(action.sample, action.input, strict=False)
                except msgspec.ValidationError as exc:
                    raise CatalogError(f"sample input of action {action.key!r} is invalid: {exc}") from None

    def describe(self) -> dict[str, Any]:
        """The public form of the catalog, as `GET /v1/catalog` answers it."""
        return {
            "events": [
                {"type": e.key, "description": e.description, "schema": e.schema(), "sample": e.sample,
                 "postable": e.postable}
                for e in sorted(self.events.values(), key=lambda e: e.key)
            ],
            "triggers": [
                {"key": t.key, "label": t.label, "description": t.description, "event_type": t.event_type,
                 "sample": t.sample, "output_fields": t.output_fields, "public": t.public,
                 "filters": [{"key": f.key, "label": f.label, "description": f.description, "type": f.type,
                              "choices": list(f.choices)} for f in t.filters]}
                for t in sorted(self.triggers.values(), key=lambda t: t.key)
            ],
            "actions": [
                {"key": a.key, "label": a.label, "description": a.description, "kind": a.kind, "scope": a.scope,
                 "input_schema": msgspec.json.schema(a.input), "output_schema": msgspec.json.schema(a.output)}
                for a in sorted(self.actions.values(), key=lambda a: a.key)
            ],
        }


    def markdown(self) -> str:
        """The catalog as a Markdown page, for `docs/catalog.md`."""
        out = ["# Event and action catalog", "",
               "Generated by `hub catalog-docs` from the declarations; do not edit by hand.", "", "## Events", ""]
        for e in sorted(self.events.values(), key=lambda e: e.key):
            fields = ", ".join(f"`{f['key']}`" for f in output_fields(e.payload))
            out += [f"### `{e.key}`", "", e.description + (" Postable through `POST /v1/events`." if e.postable
                                                              else ""), "", f"Fields: {fields}", "", "```json",
                    json.dumps(e.sample, indent=2, sort_keys=True), "```", ""]
        out += ["## Actions", "", "| key | kind | scope | what it does |", "|---|---|---|---|"]
        out += [f"| `{a.key}` | {a.kind} | {a.scope} | {a.description} |"
                for a in sorted(self.actions.values(), key=lambda a: a.key)]
        return "\n".join(out) + "\n"


def _put(table: dict[str, Any], key: str, value: Any, what: str) -> None:
    if key in table:
        raise CatalogError(f"{what} {key!r} is declared twice")
    table[key] = value


_NEW = {"created": "New", "updated": "Updated", "deleted": "Deleted"}


def _label(key: str) -> str:
    """In the platforms' style: `contact.created` → `New Contact`, `deal.stage_changed` → `Deal Stage Changed`."""
    noun, _, verb = key.partition(".")
    noun, verb = noun.replace("_", " ").title(), verb.replace("_", " ").title()
    return f"{_NEW[verb.lower()]} {noun}" if verb.lower() in _NEW else f"{noun} {verb}".strip()


def output_fields(payload: type[msgspec.Struct]) -> list[dict[str, Any]]:
    """Top-level fields of a payload, with their JSON types, for connector field lists."""
    info = msgspec.inspect.type_info(payload)
    assert isinstance(info, msgspec.inspect.StructType)
    return [{"key": f.name, "label": f.name.replace("_", " ").capitalize(), "type": _json_type(f.type),
             "required": f.required} for f in info.fields]


def _json_type(t: msgspec.inspect.Type) -> str:
    if isinstance(t, msgspec.inspect.UnionType):
        inner = [x for x in t.types if not isinstance(x, msgspec.inspect.NoneType)]
        return _json_type(inner[0]) if len(inner) == 1 else "string"
    names = {msgspec.inspect.IntType: "integer", msgspec.inspect.FloatType: "number",
             msgspec.inspect.BoolType: "boolean", msgspec.inspect.DecimalType: "decimal",
             msgspec.inspect.DateTimeType: "datetime", msgspec.inspect.DateType: "date",
             msgspec.inspect.ListType: "array", msgspec.inspect.DictType: "object",
             msgspec.inspect.StructType: "object"}
    return names.get(type(t), "string")


def build_catalog(modules: Iterable[Module] | None = None) -> Catalog:
    """Collect every module's declarations (the hub's tuple of modules unless given) and check them;
    raises CatalogError."""
    if modules is None:
        from hub.app import MODULES

        modules = MODULES
    catalog = Catalog()
    for module in modules:
        if module.catalog is not None:
            catalog.declaring = module.name
            module.catalog(catalog)
    catalog.declaring = ""
    catalog.validate()
    return catalog
