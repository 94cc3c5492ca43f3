"""The Make modules a catalog trigger or record type adds beside the instant trigger and the actions: a
polling "Watch" per trigger (for scenarios run on a schedule) and Get, List and Delete per record type (any
noun with an `<noun>.update` action is a record type with a REST resource at `/v1/<plural>`)."""

from __future__ import annotations

from typing import Any, Callable

from connectors.zapier import facts
from hub.catalog import Action, Catalog, Trigger

__all__ = ["polling_name", "polling_trigger", "record_modules", "record_types"]

Add = Callable[[str, str, dict[str, Any], dict[str, Any]], None]
_LIMIT = {"name": "limit", "type": "uinteger", "label": "Limit", "default": 10, "required": False,
          "help": "How many to answer in one run, newest first; at most 200."}
_ID_HELP = "The ID of the {noun}; map it from an earlier module or a search."


def polling_name(trigger: Trigger) -> str:
    name = facts.camel(trigger.key)
    return "poll" + name[:1].upper() + name[1:]


def polling_trigger(add: Add, trigger: Trigger, connection: str, interface: list[dict[str, Any]]) -> None:
    """A polling trigger reading `GET /v1/triggers/{key}/poll`: newest first, each item once by its id."""
    communication = {"url": f"/v1/triggers/{trigger.key}/poll", "method": "GET",
                     "qs": {"limit": "{{parameters.limit}}"},
                     "response": {"iterate": "{{body}}", "output": "{{item}}",
                                  "trigger": {"id": "{{item.id}}", "date": "{{item.timestamp}}", "type": "date",
                                              "order": "desc"}}}
    meta = {"label": facts.make_watch_label(trigger), "description": facts.trigger_description(trigger)
            + " Checked each time the scenario runs.", "moduleType": "trigger", "connection": connection}
    add("module", polling_name(trigger), meta, {
        "communication": communication, "staticParams": [_LIMIT], "mappableParams": [],
        "epoch": {"url": f"/v1/triggers/{trigger.key}/poll", "method": "GET", "qs": {"limit": 100},
                  "response": {"iterate": "{{body}}", "output": {"label": "{{item.timestamp}}",
                                                                 "date": "{{item.timestamp}}"}}},
        "interface": interface, "samples": facts.trigger_sample(trigger), "scope": []})


def record_types(catalog: Catalog) -> list[tuple[str, Action]]:
    """(noun, its update action) for every record type the catalog can update."""
    return [(a.key.rsplit(".", 1)[0], a) for a in sorted(catalog.actions.values(), key=lambda a: a.key)
            if a.key.endswith(".update") and a.key.count(".") == 1]


def record_modules(add: Add, catalog: Catalog, connection: str, interface: Callable[[Action], list]) -> list[str]:
    """Get, List and Delete modules per record type; answers their names."""
    names = []
    for noun, update in record_types(catalog):
        title = facts.title(noun.replace("_", " "))
        path, camel = f"/v1/{facts.plural(noun)}", facts.camel(noun)
        cap = camel[:1].upper() + camel[1:]
        ident = {"name": "id", "type": "text", "label": f"{title} ID", "required": True,
                 "help": _ID_HELP.format(noun=noun.replace("_", " "))}
        fields = interface(update)
        add("module", f"get{cap}", {"label": f"Get {facts.a_noun(title)}", "moduleType": "action",
                                    "description": f"Gets {facts.a_noun(noun.replace('_', ' '))} by its ID.",
                                    "connection": connection, "actionCrud": "read"},
            _module({"url": f"{path}/{{{{parameters.id}}}}", "method": "GET", "response": {"output": "{{body}}"}},
                    [ident], fields))
        add("module", f"list{facts.plural(cap)}", {
            "label": f"List {facts.plural(title)}", "moduleType": "search", "connection": connection,
            "description": f"Lists the {facts.plural(noun.replace('_', ' '))}, newest first."},
            _module({"url": path, "method": "GET", "qs": {"limit": "{{parameters.limit}}"},
                     "response": {"iterate": "{{body.data}}", "output": "{{item}}", "limit": "{{parameters.limit}}"}},
                    [_LIMIT], fields))
        add("module", f"delete{cap}", {"label": f"Delete {facts.a_noun(title)}", "moduleType": "action",
                                       "description": f"Deletes {facts.a_noun(noun.replace('_', ' '))}.",
                                       "connection": connection, "actionCrud": "delete"},
            _module({"url": f"{path}/{{{{parameters.id}}}}", "method": "DELETE",
                     "response": {"output": {"id": "{{parameters.id}}"}}}, [ident],
                    [{"name": "id", "type": "text", "label": f"{title} ID"}]))
        names += [f"get{cap}", f"list{facts.plural(cap)}", f"delete{cap}"]
    return names


def _module(communication: dict[str, Any], params: list[dict[str, Any]],
            interface: list[dict[str, Any]]) -> dict[str, Any]:
    return {"communication": communication, "staticParams": [], "mappableParams": params,
            "interface": interface, "samples": {}, "scope": []}
