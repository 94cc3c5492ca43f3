"""`hub zapier export DIR`: the Zapier CLI app of the hub (zapier-platform-core), generated from the catalog.

Every catalog trigger becomes a REST hook trigger, every action a create (or a search, for `search`
actions), each its own module in `triggers/`, `creates/`, `searches/` with its sample in `samples/`. The
shared code is in `lib/`; nothing in the app is written for one trigger or action. See docs/zapier-make.md.
"""

from __future__ import annotations

import json
import re
import shutil
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path
from typing import Any, Literal

from hub.catalog import Action, Catalog, Trigger
from connectors.zapier import facts, templates

__all__ = ["AUTH_KINDS", "CORE_VERSION", "build", "export"]

CORE_VERSION = "19.1.0"  # zapier-platform-core on npm; the app's platformVersion is read from it
AUTH_KINDS = ("api_key", "oauth2")
GENERATED = ("lib", "triggers", "creates", "searches", "samples")  # emptied on every export
_OUTPUT_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean", "datetime": "datetime",
                 "date": "datetime", "string": "string", "decimal": "string"}
Auth = Literal["api_key", "oauth2"]


def _app_version() -> str:
    try:
        return package_version("crm-hub")
    except PackageNotFoundError:
        return "1.0.0"


def export(catalog: Catalog, out: Path, *, base_url: str, auth: Auth = "api_key",
           version: str | None = None) -> list[Path]:
    """Write the app into `out` (its generated folders replaced, anything else such as node_modules kept)."""
    files = build(catalog, base_url=base_url, auth=auth, version=version or _app_version())
    for folder in GENERATED:
        shutil.rmtree(out / folder, ignore_errors=True)
    written = []
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def build(catalog: Catalog, *, base_url: str, auth: Auth = "api_key",
          version: str = "1.0.0") -> dict[str, str]:
    """The app's files by relative path."""
    if auth not in AUTH_KINDS:
        raise ValueError(f"auth must be one of {', '.join(AUTH_KINDS)}")
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ValueError(f"the app version must be x.y.z, as Zapier requires, not {version!r}")
    dropdowns = facts.dropdowns(catalog)
    files = {"package.json": _package(version), "authentication.js": templates.AUTH[auth], **templates.LIB,
             "lib/config.js": templates.CONFIG.format(base_url=_js(base_url.rstrip("/")), dropdowns=_js(
                 {path: {"trigger": _choices_key(d.name)} for path, d in dropdowns.items()}))}
    triggers, creates, searches = [], [], []
    for trigger in facts.public_triggers(catalog):
        key = facts.snake(trigger.key)
        files[f"triggers/{key}.js"] = _trigger(catalog, trigger, key)
        files[f"samples/{key}.json"] = _json(facts.trigger_sample(trigger))
        triggers.append(f"triggers/{key}")
    for dropdown in dropdowns.values():
        key = _choices_key(dropdown.name)
        spec = {"key": key, "noun": dropdown.name.capitalize(), "path": dropdown.path,
                "params": dropdown.params}
        files[f"triggers/{key}.js"] = templates.CHOICES.format(path=dropdown.path, spec=_js(spec))
        triggers.append(f"triggers/{key}")
    for action in sorted(catalog.actions.values(), key=lambda a: a.key):
        key, folder = facts.snake(action.key), "searches" if action.kind == "search" else "creates"
        files[f"{folder}/{key}.js"] = _action(catalog, action, key)
        files[f"samples/{key}.json"] = _json(facts.output_sample(catalog, action))
        (searches if folder == "searches" else creates).append(f"{folder}/{key}")
    files["creates/api_request.js"] = templates.API_REQUEST
    creates.append("creates/api_request")
    files["index.js"] = templates.INDEX.format(search_or_creates=_search_or_creates(catalog), **{
        name: _requires(paths) for name, paths in (("triggers", triggers), ("creates", creates),
                                                   ("searches", searches))})
    return files


def _choices_key(name: str) -> str:
    return f"choices_{facts.snake(name)}"


def _trigger(catalog: Catalog, trigger: Trigger, key: str) -> str:
    data = [{"key": f"data__{f['key']}", "label": f["label"], **_output_type(f["type"])}
            for f in trigger.output_fields]
    spec = {"key": key, "event": trigger.key, "eventType": trigger.event_type,
            "noun": facts.noun(trigger.key), "label": facts.title(trigger.label),
            "description": facts.trigger_description(trigger), "filters": facts.filter_fields(catalog, trigger), "outputFields": [{"key": "id", "label": "Event ID", "type": "string"},
                             {"key": "type", "label": "Event type", "type": "string"},
                             {"key": "timestamp", "label": "Occurred at", "type": "datetime"}, *data]}
    return templates.HOOK.format(event=trigger.key, spec=_with_sample(spec, key))


def _action(catalog: Catalog, action: Action, key: str) -> str:
    spec = {"key": key, "action": action.key, "noun": facts.noun(action.key), "label": facts.title(action.label),
            "description": facts.action_description(action), "fields": facts.input_fields(catalog, action),
            "custom": facts.has_custom_fields(action),
            "outputFields": [{"key": f["key"], "label": f["label"], **_output_type(f["type"])}
                             for f in facts.result_fields(action)]}
    return templates.ACTION.format(action=action.key, spec=_with_sample(spec, key))


def _search_or_creates(catalog: Catalog) -> str:
    """Zapier's "Find or create": keyed by the search, creating with the create-or-update action."""
    pairs = [{"key": facts.snake(p.search.key), "display": {
        "label": f"Find or Create {p.noun.title()}",
        "description": f"Finds {facts.a_noun(p.noun.lower())} and creates one when none is found."},
        "search": facts.snake(p.search.key), "create": facts.snake(p.create.key)}
        for p in facts.search_or_creates(catalog)]
    return _js(pairs)


def _output_type(hub_type: str) -> dict[str, str]:
    found = _OUTPUT_TYPES.get(hub_type)
    return {"type": found} if found else {}


def _with_sample(spec: dict[str, Any], key: str) -> str:
    """The spec as a JS object literal whose `sample` is read from the sample file."""
    text = _js({**spec, "sample": "@sample"})
    return text.replace('"@sample"', f"require('../samples/{key}.json')")


def _requires(paths: list[str]) -> str:
    return "\n".join(f"    require('./{p}')," for p in paths)


def _package(version: str) -> str:
    return _js({"name": "crm-hub-zapier", "version": version, "private": True, "main": "index.js",
                "description": "The CRM hub on Zapier, generated from its catalog by `hub zapier export`.",
                "engines": {"node": ">=22"}, "dependencies": {"zapier-platform-core": CORE_VERSION}}) + "\n"


def _js(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
