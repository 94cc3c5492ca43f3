"""Record events (`contact.created`, `deal.won`, …) and record actions (create, update, find)."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.catalog import Action, ActionContext, Catalog
from hub.errors import ValidationFailed
from hub.records import service
from hub.records.conversion import LEAD_CONVERTED
from hub.records.deals import DEAL_LOST, DEAL_STAGE_CHANGED, DEAL_WON
from hub.records.definitions import RESOURCES
from hub.records.resource import Resource, a_noun
from hub.records.upsert import upsert, upsert_input

__all__ = ["register"]


def register(catalog: Catalog) -> None:
    for r in RESOURCES.values():
        if r.events:
            for event in (r.created_event, r.updated_event, r.deleted_event):
                catalog.add_event(event)
        for verb in r.actions:
            catalog.add_action(_ACTIONS[verb](r))
    for event in (DEAL_STAGE_CHANGED, DEAL_WON, DEAL_LOST, LEAD_CONVERTED):
        catalog.add_event(event)


def _create(r: Resource) -> Action:
    async def handler(ctx: ActionContext, data: Any) -> Any:
        return r.to_read(await service.create(ctx, r, data))

    return Action(key=f"{r.name}.create", label=f"Create {r.name.replace('_', ' ')}", kind="create",
                  description=f"Create {a_noun(r.name.replace('_', ' ')).lower()}.", input=r.create, output=r.read, handler=handler,
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
                  description=f"Change some fields of {a_noun(r.name.replace('_', ' ')).lower()}.", input=schema, output=r.read,
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


def _upsert(r: Resource) -> Action:
    noun = r.name.replace("_", " ")

    async def handler(ctx: ActionContext, data: Any) -> Any:
        row, _created = await upsert(ctx, r, data)
        return r.to_read(row)

    return Action(key=f"{r.name}.upsert", label=f"Create or update {noun}", kind="create",
                  description=f"Update the {noun} with this {r.upsert_key}, or create one when none has it; "
                              f"safe to repeat and to run twice at once.",
                  input=upsert_input(r), output=r.read, handler=handler, scope=r.write_scope)


_ACTIONS = {"create": _create, "update": _update, "find": _find, "upsert": _upsert}
