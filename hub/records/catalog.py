"""Record events (`contact.created`, `deal.won`, …) and record actions (create, update, find)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

from hub.catalog import Action, ActionContext, Catalog, TriggerFilter
from hub.errors import ValidationFailed
from hub.records import actions, service
from hub.records.conversion import LEAD_CONVERTED
from hub.records.deals import DEAL_LOST, DEAL_STAGE_CHANGED, DEAL_WON
from hub.records.definitions import ACTIVITIES, DEALS, RESOURCES, normalize_phone
from hub.records.resource import Resource, a_noun
from hub.records.tasks import TASK_DUE
from hub.records.upsert import upsert, upsert_input

__all__ = ["register"]


PIPELINE = TriggerFilter(key="pipeline_id", label="Pipeline", field="pipeline_id",
                         description="Only deals in this pipeline; leave empty for every pipeline.")
STAGE = TriggerFilter(key="stage", label="Stage", field="stage",
                      description="Only deals now in this stage; leave empty for every stage.")
MIN_AMOUNT = TriggerFilter(key="min_amount", label="Minimum amount", field="amount", op="gte", type="number",
                           description="Only deals of at least this amount; leave empty for any amount.")
# Activities of one type as triggers of their own: (trigger key, type, label).
ACTIVITY_TRIGGERS = (("note.created", "note", "New Note"), ("call.logged", "call", "New Call"),
                     ("email.logged", "email", "New Email"), ("meeting.logged", "meeting", "New Meeting"),
                     ("task.created", "task", "New Task"))


def register(catalog: Catalog) -> None:
    for r in RESOURCES.values():
        if r.events:
            catalog.add_event(r.created_event, filters=(PIPELINE,) if r is DEALS else ())
            catalog.add_event(r.updated_event, filters=(_changed_field(r),))
            catalog.add_event(r.deleted_event)
        for verb in r.actions:
            catalog.add_action(_ACTIONS[verb](r))
    catalog.add_event(DEAL_STAGE_CHANGED, filters=(PIPELINE, STAGE))
    catalog.add_event(DEAL_WON, filters=(PIPELINE, MIN_AMOUNT))
    catalog.add_event(DEAL_LOST, filters=(PIPELINE,))
    catalog.add_event(LEAD_CONVERTED)
    catalog.add_event(TASK_DUE)
    actions.register(catalog)
    for key, kind, label in ACTIVITY_TRIGGERS:
        catalog.add_trigger(key, ACTIVITIES.created_event, label=label, fixed={"type": kind},
                            description=f"{a_noun(kind)} was logged on a record.")


def _changed_field(r: Resource) -> TriggerFilter:
    """"Field changed": only the updates that changed the chosen field."""
    fields = sorted(k for k in r.field_types if k not in ("id", "created_at", "updated_at", "version"))
    return TriggerFilter(key="changed_field", label="Changed field", field="changed_fields", op="contains",
                         choices=tuple(fields + (["custom_fields"] if r.custom_fields else [])),
                         description=f"Only the changes of this field of the {r.name.replace('_', ' ')}; "
                                     "leave empty for every change.")


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


SEARCH_LIMIT = 100  # Zapier shows a search's first result; Make and the API take up to this many


def _find(r: Resource) -> Action:
    limit = Annotated[int, Meta(ge=1, le=SEARCH_LIMIT, description=f"How many to answer, newest first; at most "
                                                                   f"{SEARCH_LIMIT}.")]
    schema = msgspec.defstruct(f"{r.title}FindInput", [
        *((name, Annotated[str, Meta(description=_criterion(r, name))] | None, None) for name in r.search),
        ("limit", limit, 10)], kw_only=True, forbid_unknown_fields=True)

    async def handler(ctx: ActionContext, data: Any) -> Any:
        given = msgspec.structs.asdict(data)
        criteria = {k: v for k, v in given.items() if v is not None and k != "limit"}
        if not criteria:
            raise ValidationFailed(f"Give at least one of: {', '.join(r.search)}.")
        if criteria.get("phone"):
            try:  # a number written any way finds the one stored in E.164, as create stored it
                criteria["phone"] = normalize_phone(criteria["phone"])
            except ValidationFailed:
                return []
        return [r.to_read(row) for row in await service.find(ctx, r, criteria, limit=given["limit"])]

    return Action(key=f"{r.name}.find", label=f"Find {r.name.replace('_', ' ')}", kind="search",
                  description=f"Find {r.plural.replace('_', ' ')} by {_or(r.search)}, newest first.",
                  input=schema, output=list[r.read], handler=handler, scope=r.read_scope)


def _criterion(r: Resource, name: str) -> str:
    how = "written any way" if name == "phone" else "whatever its case"
    return f"The {name.removesuffix('_id').replace('_', ' ')} of the {r.name.replace('_', ' ')}, {how}."


def _or(names: tuple[str, ...]) -> str:
    words = [n.removesuffix("_id").replace("_", " ") for n in names]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _upsert(r: Resource) -> Action:
    noun = r.name.replace("_", " ")

    async def handler(ctx: ActionContext, data: Any) -> Any:
        row, _created = await upsert(ctx, r, data)
        return r.to_read(row)

    return Action(key=f"{r.name}.upsert", label=f"Create or update {noun}", kind="create",
                  description=f"Make sure one {noun} has this {r.upsert_key}: update it, or create it when "
                              f"there is none; safe to repeat and to run twice at once.",
                  input=upsert_input(r), output=r.read, handler=handler, scope=r.write_scope)


_ACTIONS = {"create": _create, "update": _update, "find": _find, "upsert": _upsert}
