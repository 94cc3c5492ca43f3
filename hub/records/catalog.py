"""Record events (`contact.created`, `deal.won`, …) and record actions (create, update, find)."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.catalog import Action, ActionContext, Catalog, EventType
from hub.errors import ValidationFailed
from hub.records import service
from hub.records.definitions import DEALS, LEADS, RESOURCES
from hub.records.resource import Resource

__all__ = ["register"]

DealStageChanged = msgspec.defstruct("DealStageChanged", [("previous_stage", str), ("previous_pipeline_id", str)],
                                     bases=(DEALS.read,), kw_only=True)


def register(catalog: Catalog) -> None:
    for r in RESOURCES.values():
        if r.events:
            _record_events(catalog, r)
        for verb in r.actions:
            catalog.add_action(_ACTIONS[verb](r))
    deal = DEALS.sample
    catalog.add_event(EventType(
        key="deal.stage_changed", description="A deal moved to another stage.", payload=DealStageChanged,
        subject="deal", sample={**deal, "stage": "negotiation", "previous_stage": "proposal",
                                "previous_pipeline_id": deal["pipeline_id"]}))
    closed = "2026-03-02T16:00:00Z"
    catalog.add_event(EventType(key="deal.won", description="A deal was closed as won.", payload=DEALS.read,
                                subject="deal", sample={**deal, "status": "won", "closed_at": closed}))
    catalog.add_event(EventType(key="deal.lost", description="A deal was closed as lost.", payload=DEALS.read,
                                subject="deal", sample={**deal, "status": "lost", "closed_at": closed,
                                                        "lost_reason": "Chose a competitor"}))
    lead = LEADS.sample
    catalog.add_event(EventType(
        key="lead.converted", description="A lead was converted into a contact, and maybe a company and deal.",
        payload=LEADS.read, subject="lead",
        sample={**lead, "status": "converted", "converted_at": closed, "converted_contact_id": "con_06bqv0e7c1k2",
                "converted_company_id": "com_06bqv0e7c1k2", "converted_deal_id": "dea_06bqv0e7c1k2"}))


def _a(noun: str) -> str:
    return f"{'An' if noun[0] in 'aeiou' else 'A'} {noun}"


def _record_events(catalog: Catalog, r: Resource) -> None:
    noun = r.name.replace("_", " ")
    catalog.add_event(EventType(key=f"{r.name}.created", description=f"{_a(noun)} was created.", payload=r.read,
                                sample=r.sample, subject=r.name))
    changed = [k for k in r.sample if k not in ("id", "created_at", "updated_at", "version")][:1]
    catalog.add_event(EventType(
        key=f"{r.name}.updated", description=f"{_a(noun)} was changed; `previous` holds the old values.",
        payload=r.updated, subject=r.name,
        sample={**r.sample, "version": 2, "changed_fields": changed, "previous": {k: r.sample[k] for k in changed}}))
    catalog.add_event(EventType(key=f"{r.name}.deleted", description=f"{_a(noun)} was deleted; data is its last state.",
                                payload=r.read, sample=r.sample, subject=r.name))


def _create(r: Resource) -> Action:
    async def handler(ctx: ActionContext, data: Any) -> Any:
        return r.to_read(await service.create(ctx, r, data))

    return Action(key=f"{r.name}.create", label=f"Create {r.name.replace('_', ' ')}", kind="create",
                  description=f"Create {_a(r.name.replace('_', ' ')).lower()}.", input=r.create, output=r.read, handler=handler,
                  scope=r.write_scope)


def _update(r: Resource) -> Action:
    fields = [(f.name, f.type, f.default) for f in msgspec.structs.fields(r.update)]
    schema = msgspec.defstruct(f"{r.title}UpdateInput", [("id", str), *fields], kw_only=True,
                               forbid_unknown_fields=True)

    async def handler(ctx: ActionContext, data: Any) -> Any:
        changes = msgspec.convert({k: v for k, v in msgspec.structs.asdict(data).items()
                                   if k != "id" and v is not msgspec.UNSET}, r.update)
        return r.to_read(await service.update(ctx, r, data.id, changes))

    return Action(key=f"{r.name}.update", label=f"Update {r.name.replace('_', ' ')}", kind="update",
                  description=f"Change some fields of {_a(r.name.replace('_', ' ')).lower()}.", input=schema, output=r.read,
                  handler=handler, scope=r.write_scope)


def _find(r: Resource) -> Action:
    schema = msgspec.defstruct(f"{r.title}FindInput", [(name, str | None, None) for name in r.search],
                               kw_only=True, forbid_unknown_fields=True)

    async def handler(ctx: ActionContext, data: Any) -> Any:
        criteria = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
        if not criteria:
            raise ValidationFailed(f"Give at least one of: {', '.join(r.search)}.")
        return [r.to_read(row) for row in await service.find(ctx, r, criteria)]

    return Action(key=f"{r.name}.find", label=f"Find {r.name.replace('_', ' ')}", kind="search",
                  description=f"Find {r.plural.replace('_', ' ')} by {', '.join(r.search)}, newest first.",
                  input=schema, output=list[r.read], handler=handler, scope=r.read_scope)


_ACTIONS = {"create": _create, "update": _update, "find": _find}
