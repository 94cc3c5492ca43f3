"""Input fields of catalog actions for the Zapier and Make editors, and the dropdowns they point at.

Fields come from the action's input schema in declaration order; the organization's custom fields of the
record type replace the `custom_fields` object, one field each, keyed `custom_fields.<key>`.
"""

from __future__ import annotations

from typing import Any

from msgspec import inspect as mi
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import Action, Catalog
from hub.errors import NotFound
from hub.records.definitions import RESOURCES
from hub.records.models import CustomField, Pipeline
from hub.tenancy.models import User
from connectors.resthooks.schemas import Choice

__all__ = ["DROPDOWNS", "RECORD_CHOICES", "action_fields", "owners", "pipelines", "records", "register",
           "schema_fields", "stages"]

# The records' fields a person picks from a list, served by `ChoiceController`; other modules declare theirs.
DROPDOWNS = {
    "owner_id": "/v1/choices/owners",
    "pipeline_id": "/v1/choices/pipelines",
    "stage": "/v1/choices/stages?pipeline_id={pipeline_id}",
    **{f"{name}_id": f"/v1/choices/records/{plural}" for name, plural in (
        ("company", "companies"), ("contact", "contacts"), ("deal", "deals"), ("lead", "leads"),
        ("product", "products"))},
}


def register(catalog: Catalog) -> None:
    for field, choices in DROPDOWNS.items():
        catalog.add_dropdown(field, choices)
LONG_TEXT = 1000  # strings allowed to be longer than this are offered as a multi-line box
CHOICES_LIMIT = 1000
_SCALARS = {mi.IntType: "integer", mi.FloatType: "number", mi.DecimalType: "number", mi.BoolType: "boolean",
            mi.DateType: "date", mi.DateTimeType: "datetime"}
_CUSTOM = {"text": "text", "number": "number", "integer": "integer", "boolean": "boolean", "date": "date",
           "datetime": "datetime", "email": "string", "url": "string", "select": "string",
           "multiselect": "string"}


async def action_fields(session: AsyncSession, org_id: str, catalog: Catalog, action: Action) -> list[dict[str, Any]]:
    info = mi.type_info(action.input)
    assert isinstance(info, mi.StructType)
    fields: list[dict[str, Any]] = []
    for f in info.fields:
        if f.name == "custom_fields":
            fields += await _custom(session, org_id, action.key.split(".")[0], action.kind == "create")
        else:
            fields.append(_field(f.name, f.type, f.required, catalog.dropdowns, _noun(action)))
    return fields


def schema_fields(catalog: Catalog, action: Action) -> list[dict[str, Any]]:
    """The action's fields from its input schema alone, without any organization's custom fields."""
    info = mi.type_info(action.input)
    assert isinstance(info, mi.StructType)
    return [_field(f.name, f.type, f.required, catalog.dropdowns, _noun(action)) for f in info.fields
            if f.name != "custom_fields"]


def _noun(action: Action) -> str:
    return action.key.split(".")[0].replace("_", " ")


def _field(name: str, t: mi.Type, required: bool, dropdowns: dict[str, str], noun: str) -> dict[str, Any]:
    t, help_text = _unwrap(t)
    spec: dict[str, Any] = {"key": name, "label": _label(name), "type": "string", "required": required}
    if isinstance(t, mi.ListType):
        spec["list"] = True
        t, _ = _unwrap(t.item_type)
    if isinstance(t, mi.LiteralType):
        spec["choices"] = [{"id": str(v), "label": str(v).replace("_", " ").capitalize()} for v in t.values]
    elif isinstance(t, mi.StrType):
        spec["type"] = "text" if (t.max_length or 0) > LONG_TEXT else "string"
    elif isinstance(t, (mi.DictType, mi.StructType)):
        spec["type"] = "object"
    else:
        spec["type"] = _SCALARS.get(type(t), "string")
    spec["help_text"] = help_text or _help(spec, name in dropdowns, noun)
    if name in dropdowns:
        spec["dynamic"] = dropdowns[name]
    if any(f"{{{name}}}" in url for url in dropdowns.values()):
        spec["alters_dynamic_fields"] = True
    return spec


def _help(spec: dict[str, Any], listed: bool, noun: str) -> str:
    """Help for a field declared without a description, from its name, type and record."""
    label = spec["label"].lower()
    if spec["key"] == "id":
        return f"The ID of the {noun}; map it from an earlier step or a search."
    if listed:
        return f"Choose {'an' if label[:1] in 'aeio' else 'a'} {label} from the list, or map its ID."
    if spec["type"] == "date":
        return "A date, such as 2026-01-15."
    if spec["type"] == "datetime":
        return "A date and time with its time zone, such as 2026-01-15T10:30:00Z."
    if spec.get("choices"):
        return "One of: " + ", ".join(c["label"] for c in spec["choices"]) + "."
    return f"The {label} of the {noun}."


def _unwrap(t: mi.Type) -> tuple[mi.Type, str | None]:
    """The type under optional and annotated wrappers, and the description found on the way."""
    help_text = None
    while True:
        if isinstance(t, mi.Metadata):
            help_text = help_text or (t.extra_json_schema or {}).get("description")
            t = t.type
        elif isinstance(t, mi.UnionType) and len(inner := [x for x in t.types
                                                             if not isinstance(x, mi.NoneType)]) == 1:
            t = inner[0]
        else:
            return t, help_text


def _label(name: str) -> str:
    return "ID" if name == "id" else name.removesuffix("_id").replace("_", " ").capitalize()


async def _custom(session: AsyncSession, org_id: str, record_type: str,
                  creating: bool) -> list[dict[str, Any]]:
    """One field per custom field; a required one is required only where a record is created."""
    query = select(CustomField).where(CustomField.org_id == org_id, CustomField.record_type == record_type)
    rows = (await session.execute(query.order_by(CustomField.id))).scalars()
    out = []
    for d in rows:
        spec: dict[str, Any] = {"key": f"custom_fields.{d.key}", "label": d.label, "type": _CUSTOM[d.type],
                                "required": d.required and creating, "custom": True}
        if d.type in ("select", "multiselect"):
            spec["choices"] = [{"id": o, "label": o} for o in d.options]
        if d.type == "multiselect":
            spec["list"] = True
        out.append(spec)
    return out


async def owners(session: AsyncSession, org_id: str) -> list[Choice]:
    """Active users of the organization, by name."""
    query = select(User.id, User.name, User.email).where(User.org_id == org_id, User.active.is_(True))
    rows = (await session.execute(query.order_by(User.name, User.id).limit(CHOICES_LIMIT))).all()
    return [Choice(id=r.id, label=f"{r.name} ({r.email})") for r in rows]


async def pipelines(session: AsyncSession, org_id: str) -> list[Choice]:
    """The organization's pipelines, the default one first."""
    query = select(Pipeline.id, Pipeline.name).where(Pipeline.org_id == org_id)
    rows = (await session.execute(query.order_by(Pipeline.is_default.desc(), Pipeline.name, Pipeline.id)
                                  .limit(CHOICES_LIMIT))).all()
    return [Choice(id=r.id, label=r.name) for r in rows]


async def stages(session: AsyncSession, org_id: str, pipeline_id: str | None) -> list[Choice]:
    """The stages of a pipeline in their order; of the default pipeline when none is named."""
    query = select(Pipeline.stages).where(Pipeline.org_id == org_id)
    query = (query.where(Pipeline.id == pipeline_id) if pipeline_id
             else query.order_by(Pipeline.is_default.desc(), Pipeline.id).limit(1))
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No pipeline {pipeline_id!r} in this organization." if pipeline_id
                       else "The organization has no pipeline.")
    return [Choice(id=s["key"], label=s["label"]) for s in found]


# What a person sees for each record in a dropdown: its name, then what tells two of the same name apart.
RECORD_CHOICES = {"companies": ("name", "domain"), "contacts": ("first_name", "last_name", "email"),
                  "deals": ("name", "stage"), "leads": ("first_name", "last_name", "email"),
                  "products": ("name", "sku")}


async def records(session: AsyncSession, org_id: str, plural: str) -> list[Choice]:
    """The organization's newest records of one type, to pick from."""
    if plural not in RECORD_CHOICES:
        raise NotFound(f"No dropdown of {plural!r}; there are: {', '.join(RECORD_CHOICES)}.")
    resource = next(r for r in RESOURCES.values() if r.plural == plural)
    model, parts = resource.model, RECORD_CHOICES[plural]
    query = select(model.id, *(getattr(model, p) for p in parts)).where(model.org_id == org_id)
    rows = (await session.execute(query.order_by(model.id.desc()).limit(CHOICES_LIMIT))).all()
    return [Choice(id=row.id, label=_record_label(row, parts)) for row in rows]


def _record_label(row: Any, parts: tuple[str, ...]) -> str:
    *names, extra = [getattr(row, p) for p in parts]
    name = " ".join(str(n) for n in names if n) or row.id
    return f"{name} ({extra})" if extra else name
