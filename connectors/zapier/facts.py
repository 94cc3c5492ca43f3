"""What the Zapier and Make exports read from the catalog: names, input fields, output fields and samples.

Both apps are generated from these facts and nothing else, so a trigger or action a module declares shows up
in both with no code of its own. The field specs are the ones `GET /v1/actions/{key}/fields` answers
(`connectors.resthooks.fields`), minus the organization's custom fields, which the apps fetch at run time.
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec

from connectors.resthooks import fields as hub_fields
from connectors.resthooks.service import sample_body
from hub.catalog import Action, Catalog, Trigger, output_fields

__all__ = ["CUSTOM_FIELDS", "Dropdown", "SearchOrCreate", "a_noun", "action_description", "camel", "filter_fields", "make_action_label", "make_watch_label", "plural",
           "public_triggers", "title", "trigger_description", "search_or_creates", "dropdowns", "has_custom_fields", "input_fields", "noun",
           "output_sample", "result_fields", "snake", "trigger_sample"]

CUSTOM_FIELDS = "custom_fields"  # the input field the organization's custom fields replace
_EXAMPLES = {"integer": 0, "number": 0, "decimal": "0.00", "boolean": False, "date": "2026-01-15",
             "datetime": "2026-01-15T10:30:00Z", "array": [], "object": {}}


def snake(key: str) -> str:
    """`deal.stage_changed` → `deal_stage_changed`: a key Zapier accepts."""
    return re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")


def camel(key: str) -> str:
    """`deal.stage_changed` → `dealStageChanged`: a name Make accepts for modules and RPCs."""
    head, *rest = [p for p in re.split(r"[^A-Za-z0-9]+", key) if p]
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def a_noun(text: str) -> str:
    """`activity` → `an activity`."""
    return f"{'an' if text[:1].lower() in 'aeiou' else 'a'} {text}"


def noun(key: str) -> str:
    """`line_item.created` → `Line item`."""
    return key.split(".")[0].replace("_", " ").capitalize()


_SMALL = {"a", "an", "and", "as", "by", "in", "of", "or", "to", "the"}


def title(text: str) -> str:
    """`Create or update contact` → `Create or Update Contact`: the platforms' Title Case."""
    words = text.split()
    return " ".join(w if i and w in _SMALL else w[:1].upper() + w[1:] for i, w in enumerate(words))


def plural(noun: str) -> str:
    """`Company` → `Companies`, `Deal` → `Deals` (record names only)."""
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "sh", "ch", "x")) else "s")


def trigger_description(trigger: Trigger) -> str:
    """`A contact was created.` → `Triggers when a contact is created.`"""
    text = trigger.description.split(";")[0].strip().rstrip(".")
    text = (text[:1].lower() + text[1:]).replace(" was ", " is ", 1)
    return f"Triggers when {text}."


def action_description(action: Action) -> str:
    """`Create a contact.` → `Creates a contact.`: the platforms' third person."""
    verb, _, rest = action.description.partition(" ")
    verb = verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s")
    return f"{verb} {rest}".strip()


def make_action_label(action: Action) -> str:
    """Make's names: `Create a Contact`, `Create or Update a Lead`, `Search Deals`."""
    thing, _, verb = action.key.rpartition(".")
    noun_title = title(noun(action.key))
    if action.kind == "search" and verb == "find":
        return f"Search {plural(noun_title)}"
    if "." not in thing and verb in ("create", "update", "upsert", "get", "delete"):
        words = {"upsert": "Create or Update", "get": "Get"}.get(verb, verb.capitalize())
        return f"{words} {a_noun(noun_title)}"
    return title(action.label)


def make_watch_label(trigger: Trigger) -> str:
    """Make's names: `Watch New Contacts`, `Watch Deal Won`."""
    label = title(trigger.label)
    if label.startswith(("New ", "Updated ", "Deleted ")):
        head, _, last = label.rpartition(" ")
        return f"Watch {head} {plural(last)}"
    return f"Watch {label}"


def public_triggers(catalog: Catalog) -> list[Trigger]:
    """The triggers offered on the platforms, by key: not the hub's own plumbing (`endpoint.*`, ...)."""
    return sorted((t for t in catalog.triggers.values() if t.public), key=lambda t: t.key)


def trigger_sample(trigger: Trigger) -> dict[str, Any]:
    """The catalog's sample in the delivery envelope, exactly as `/v1/triggers/{key}/samples` answers it."""
    return json.loads(sample_body(trigger))


def input_fields(catalog: Catalog, action: Action) -> list[dict[str, Any]]:
    """The action's input fields as the hub describes them, without the custom fields."""
    return hub_fields.schema_fields(catalog, action)


def filter_fields(catalog: Catalog, trigger: Trigger) -> list[dict[str, Any]]:
    """The trigger's filters as input fields (the hub's field shape), none required."""
    fields = []
    for f in trigger.filters:
        spec: dict[str, Any] = {"key": f.key, "label": f.label, "type": f.type, "required": False,
                                "help_text": f.description}
        if f.choices:
            spec["choices"] = [{"id": c, "label": c.replace("_", " ").capitalize()} for c in f.choices]
        if f.key in catalog.dropdowns:
            spec["dynamic"] = catalog.dropdowns[f.key]
        if any(f"{{{f.key}}}" in url for url in catalog.dropdowns.values()):
            spec["alters_dynamic_fields"] = True
        fields.append(spec)
    return fields


def has_custom_fields(action: Action) -> bool:
    return any(f.name == CUSTOM_FIELDS for f in msgspec.structs.fields(action.input))


def _result_type(action: Action) -> Any:
    args = typing.get_args(action.output)
    return args[0] if typing.get_origin(action.output) is list and args else action.output


def result_fields(action: Action) -> list[dict[str, Any]]:
    """Top-level fields of what the action answers (one item of a search)."""
    result = _result_type(action)
    is_struct = isinstance(result, type) and issubclass(result, msgspec.Struct)
    return output_fields(result) if is_struct else []


def output_sample(catalog: Catalog, action: Action) -> dict[str, Any]:
    """One answer of the action: the sample of an event of the same payload, else one made from its fields."""
    result = _result_type(action)
    for event in sorted(catalog.events.values(), key=lambda e: e.key):
        if event.payload is result:
            return dict(event.sample)
    return {f["key"]: _EXAMPLES.get(f["type"], "") for f in result_fields(action)}


@dataclass(frozen=True)
class Dropdown:
    """A choices endpoint: `path`, and the query parameters filled from other fields (`{name}` → name)."""

    name: str
    path: str
    params: dict[str, str]


def dropdowns(catalog: Catalog) -> dict[str, Dropdown]:
    """The dropdowns of the hub's action fields, by the `dynamic` path the fields name."""
    found = {}
    for target in sorted(set(catalog.dropdowns.values())):
        parts = urlsplit(target)
        params = {k: v.strip("{}") for k, v in parse_qsl(parts.query)}
        name = parts.path.rstrip("/").rsplit("/", 1)[-1]
        found[target] = Dropdown(name=name, path=parts.path, params=params)
    return found


@dataclass(frozen=True)
class SearchOrCreate:
    """A search paired with the create-or-update of the same record type: when the search finds nothing, the
    upsert makes the record, so two Zaps racing on one key still leave one record."""

    noun: str
    search: Action
    create: Action


def search_or_creates(catalog: Catalog) -> list[SearchOrCreate]:
    """Every `<noun>.find` that has a `<noun>.upsert` beside it."""
    pairs = []
    for action in sorted(catalog.actions.values(), key=lambda a: a.key):
        noun_key = action.key.rsplit(".", 1)[0]
        create = catalog.actions.get(f"{noun_key}.upsert")
        if action.kind == "search" and action.key == f"{noun_key}.find" and create is not None:
            pairs.append(SearchOrCreate(noun=noun(action.key), search=action, create=create))
    return pairs
