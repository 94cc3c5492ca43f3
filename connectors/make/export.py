"""`hub make export DIR`: the Make custom app of the hub, generated from the catalog, as a local project of
Make's Apps SDK (the VS Code extension's `makecomapp.json` layout, deployable with "Deploy to Make").

Every catalog trigger becomes a dedicated webhook (attach → `POST /v1/hooks`, detach → `DELETE
/v1/hooks/{id}`) with its instant trigger module; every action an action module (a search module for
`search` actions); the dropdowns and each action's custom fields are RPCs. Each component's code blocks are
IML JSON files. Nothing is written for one trigger or action. See docs/zapier-make.md.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Literal

from hub.catalog import Action, Catalog, Trigger
from connectors.make import records
from connectors.zapier import facts

__all__ = ["AUTH_KINDS", "CONNECTION", "build", "export"]

AUTH_KINDS = ("api_key", "oauth2")
CONNECTION = "hub"
GENERATED = ("general", "connections", "webhooks", "modules", "rpcs")  # emptied on every export
Auth = Literal["api_key", "oauth2"]
_PARAM_TYPES = {"string": "text", "text": "text", "integer": "integer", "number": "number",
                "boolean": "boolean", "datetime": "date", "date": "text", "object": "any"}
_INTERFACE_TYPES = {"integer": "number", "number": "number", "boolean": "boolean", "datetime": "date",
                    "date": "date", "array": "array", "object": "collection"}
_CRUD = {"create": "create", "update": "update", "search": "read"}
_SANITIZE = ["request.headers.authorization"]
# The hub's problem details (`detail`), or an OAuth error's `error_description`, with the right Make type.
_ERROR = "[{{statusCode}}] {{ifempty(body.detail; body.error_description)}}"
_ERRORS = {"type": "RuntimeError", "message": _ERROR,
           "401": {"type": "InvalidAccessTokenError", "message": _ERROR},
           "403": {"type": "InvalidConfigurationError", "message": _ERROR},
           "404": {"type": "DataError", "message": _ERROR}, "422": {"type": "DataError", "message": _ERROR},
           "429": {"type": "RateLimitError", "message": _ERROR}}
_CUSTOM_TYPE = ("{{if(item.choices; 'select'; switch(item.type; 'integer'; 'integer'; 'number'; 'number'; "
                "'boolean'; 'boolean'; 'datetime'; 'date'; 'text'))}}")


def export(catalog: Catalog, out: Path, *, base_url: str, auth: Auth = "api_key") -> list[Path]:
    """Write the project into `out` (its generated folders replaced; `origins` of an earlier one kept)."""
    manifest = out / "makecomapp.json"
    origins = json.loads(manifest.read_text()).get("origins", []) if manifest.exists() else []
    files = build(catalog, base_url=base_url, auth=auth, origins=origins)
    for folder in GENERATED:
        shutil.rmtree(out / folder, ignore_errors=True)
    written = []
    for name, content in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else _json(content))
        written.append(path)
    return written


class _Project:
    """Components with their code files, and the `makecomapp.json` that lists them."""

    def __init__(self) -> None:
        self.files: dict[str, Any] = {}
        self.components: dict[str, dict[str, Any]] = {t: {} for t in
                                                      ("connection", "webhook", "module", "rpc", "function")}

    def add(self, kind: str, name: str, meta: dict[str, Any], codes: dict[str, Any]) -> None:
        folder = f"{kind}s/{_kebab(name)}"
        code_files = {}
        for code, content in codes.items():
            # The Make editor names an OAuth connection's communication file apart from a basic one's.
            suffix = "oauth-communication" if (kind, code, meta.get("connectionType")) == (
                "connection", "communication", "oauth") else _kebab(code)
            path = f"{folder}/{_kebab(name)}.{suffix}.iml.json"
            code_files[code] = path
            self.files[path] = content
        self.components[kind][name] = {**meta, "codeFiles": code_files}


def build(catalog: Catalog, *, base_url: str, auth: Auth = "api_key",
          origins: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The project's files by relative path: JSON-able values, or text."""
    if auth not in AUTH_KINDS:
        raise ValueError(f"auth must be one of {', '.join(AUTH_KINDS)}")
    base_url = base_url.rstrip("/")
    project = _Project()
    token = "connection.apiKey" if auth == "api_key" else "connection.accessToken"
    base = {"baseUrl": base_url, "headers": {"Authorization": f"Bearer {{{{{token}}}}}"},
            "response": {"error": _ERRORS}, "log": {"sanitize": _SANITIZE}}
    project.files |= {"general/base.imljson": base, "general/common.json": {}, "README.md": _README}
    _connection(project, base_url, auth)
    dropdowns = {path: _rpc_name(d.name) for path, d in facts.dropdowns(catalog).items()}
    for path, dropdown in facts.dropdowns(catalog).items():
        _dropdown(project, dropdowns[path], dropdown)
    triggers = facts.public_triggers(catalog)
    actions = sorted(catalog.actions.values(), key=lambda a: a.key)
    for trigger in triggers:
        _trigger(project, catalog, trigger, dropdowns)
    for action in actions:
        _action(project, catalog, action, dropdowns)
    _api_call(project)
    record_names = records.record_modules(project.add, catalog, CONNECTION,
                                          lambda a: [_interface(f) for f in facts.result_fields(a)])
    project.files["general/groups.json"] = [
        {"label": "Triggers", "modules": [_watch_name(t) for t in triggers]
         + [records.polling_name(t) for t in triggers]},
        {"label": "Actions", "modules": [facts.camel(a.key) for a in actions if a.kind != "search"]
         + [n for n in record_names if not n.startswith("list")] + [API_CALL]},
        {"label": "Searches", "modules": [facts.camel(a.key) for a in actions if a.kind == "search"]
         + [n for n in record_names if n.startswith("list")]}]
    general = {"base": "general/base.imljson", "common": "general/common.json", "readme": "README.md",
               "groups": "general/groups.json"}
    project.files["makecomapp.json"] = {"fileVersion": 1, "generalCodeFiles": general,
                                        "components": project.components, "origins": origins or []}
    return project.files


def _connection(project: _Project, base_url: str, auth: Auth) -> None:
    me = {"url": f"{base_url}/v1/me", "method": "GET",
          "response": {"metadata": {"type": "text", "value": "{{body.label}}"}, "error": _ERRORS},
          "log": {"sanitize": _SANITIZE}}
    if auth == "api_key":
        params = [{"name": "apiKey", "type": "password", "label": "API key", "required": True,
                   "editable": True,
                   "help": "An API key of your organization in the hub, with the read and write scopes."}]
        communication = {**me, "headers": {"Authorization": "Bearer {{parameters.apiKey}}"}}
        project.add("connection", CONNECTION, {"label": "CRM hub", "connectionType": "basic"},
                    {"communication": communication, "params": params, "common": {}})
        return
    # `common` is filled in Make's editor with the client of `hub oauth-client create`.
    project.add("connection", CONNECTION, {"label": "CRM hub (OAuth 2)", "connectionType": "oauth"},
                {"communication": _oauth(base_url, me), "params": [],
                 "common": {"clientId": "", "clientSecret": ""},
                 "scopeList": {"read": "Read records", "write": "Create and change records"},
                 "defaultScope": ["read", "write"]})


def _oauth(base_url: str, me: dict[str, Any]) -> dict[str, Any]:
    """Authorization code against the hub as provider; every refresh rotates the refresh token."""
    client = {"client_id": "{{common.clientId}}", "client_secret": "{{common.clientSecret}}"}
    tokens = {"data": {"accessToken": "{{body.access_token}}", "refreshToken": "{{body.refresh_token}}",
                       "expires": "{{addSeconds(now; body.expires_in)}}"},
              "expires": "{{addDays(now; 90)}}"}
    secret = {"sanitize": ["request.body.client_secret", "request.body.code", "request.body.refresh_token",
                           "response.body.access_token", "response.body.refresh_token"]}
    token = {"url": f"{base_url}/oauth/token", "method": "POST", "type": "urlencoded"}
    return {
        "authorize": {"url": f"{base_url}/oauth/authorize", "response": {"temp": {"code": "{{query.code}}"}},
                      "qs": {"response_type": "code", "client_id": "{{common.clientId}}",
                             "redirect_uri": "{{oauth.redirectUri}}", "scope": "{{join(oauth.scope; ' ')}}"}},
        "token": {**token, "body": {"grant_type": "authorization_code", "code": "{{temp.code}}",
                                    "redirect_uri": "{{oauth.redirectUri}}", **client},
                  "response": tokens, "log": secret},
        "refresh": {**token, "condition": "{{data.expires < addMinutes(now; 1)}}",
                    "body": {"grant_type": "refresh_token", "refresh_token": "{{data.refreshToken}}",
                             **client},
                    "response": tokens, "log": secret},
        "info": {**me, "headers": {"Authorization": "Bearer {{connection.accessToken}}"}},
        "invalidate": {"url": f"{base_url}/oauth/revoke", "method": "POST", "type": "urlencoded",
                       "body": {"token": "{{connection.refreshToken}}", "token_type_hint": "refresh_token",
                                **client}, "log": secret},
    }


def _rpc_name(name: str) -> str:
    return "list" + facts.camel(name)[:1].upper() + facts.camel(name)[1:]


def _watch_name(trigger: Trigger) -> str:
    name = facts.camel(trigger.key)
    return "watch" + name[:1].upper() + name[1:]


def _dropdown(project: _Project, name: str, dropdown: facts.Dropdown) -> None:
    output = {"label": "{{item.label}}", "value": "{{item.id}}"}
    communication = {"url": dropdown.path, "method": "GET",
                     "qs": {q: f"{{{{parameters.{field}}}}}" for q, field in dropdown.params.items()},
                     "response": {"iterate": "{{body}}", "output": output}}
    project.add("rpc", name, {"label": f"List {dropdown.name}", "connection": CONNECTION},
                {"communication": communication, "params": []})


def _trigger(project: _Project, catalog: Catalog, trigger: Trigger, dropdowns: dict[str, str]) -> None:
    webhook = facts.camel(trigger.key)
    filters = facts.filter_fields(catalog, trigger)
    attach = {"url": "/v1/hooks", "method": "POST",
              "body": {"target_url": "{{webhook.url}}", "event": trigger.key, "platform": "make"},
              "response": {"data": {"externalHookId": "{{body.id}}"}}}
    if filters:
        attach["body"]["filters"] = {f["key"]: f"{{{{parameters.{f['key']}}}}}" for f in filters}
    detach = {"url": "/v1/hooks/{{webhook.externalHookId}}", "method": "DELETE"}
    project.add("webhook", webhook, {"label": facts.title(trigger.label), "webhookType": "web",
                                     "connection": CONNECTION},
                {"communication": {"output": "{{body}}"}, "params": [_param(f, dropdowns) for f in filters],
                 "attach": attach, "detach": detach,
                 "update": {}, "requiredScope": []})
    interface = [{"name": "id", "type": "text", "label": "Event ID"},
                 {"name": "type", "type": "text", "label": "Event type"},
                 {"name": "timestamp", "type": "date", "label": "Occurred at"},
                 {"name": "data", "type": "collection", "label": facts.noun(trigger.key),
                  "spec": [_interface(f) for f in trigger.output_fields]}]
    records.polling_trigger(project.add, trigger, CONNECTION, interface)
    project.add("module", _watch_name(trigger),
                {"label": facts.make_watch_label(trigger) + " (Instant)",
                 "description": facts.trigger_description(trigger),
                 "moduleType": "instant_trigger",
                 "connection": CONNECTION, "webhook": webhook},
                {"communication": {}, "staticParams": [], "mappableParams": [], "interface": interface,
                 "samples": facts.trigger_sample(trigger), "scope": []})


def _action(project: _Project, catalog: Catalog, action: Action, dropdowns: dict[str, str]) -> None:
    name, search = facts.camel(action.key), action.kind == "search"
    params = _nest([_param(f, dropdowns) for f in facts.input_fields(catalog, action)],
                   facts.input_fields(catalog, action), catalog)
    if facts.has_custom_fields(action):
        rpc = "customFields" + name[:1].upper() + name[1:]
        params.append({"name": facts.CUSTOM_FIELDS, "type": "collection", "label": "Custom fields",
                       "spec": [f"rpc://{rpc}"]})
        _custom_fields(project, rpc, action)
    response = ({"iterate": "{{body.data}}", "output": "{{item}}"} if search else {"output": "{{body.data}}"})
    communication = {"url": f"/v1/actions/{action.key}", "method": "POST", "body": "{{parameters}}",
                     "response": response}
    meta = {"label": facts.make_action_label(action), "description": facts.action_description(action),
            "moduleType": "search" if search else "action", "connection": CONNECTION}
    if action.kind in _CRUD and not search:
        meta["actionCrud"] = _CRUD[action.kind]
    project.add("module", name, meta, {
        "communication": communication, "staticParams": [], "mappableParams": params,
        "interface": [_interface(f) for f in facts.result_fields(action)],
        "samples": facts.output_sample(catalog, action), "scope": []})


API_CALL = "makeApiCall"


def _api_call(project: _Project) -> None:
    """Make's "Make an API Call": any call of the hub's API with the connection's credential."""
    pairs = {"type": "array", "spec": [{"name": "key", "type": "text", "label": "Key"},
                                       {"name": "value", "type": "text", "label": "Value"}]}
    params = [
        {"name": "url", "type": "text", "label": "URL", "required": True,
         "help": "A path of the hub's API after `/v1/`, such as `contacts`; the call goes to the connection's hub "
                 "only."},
        {"name": "method", "type": "select", "label": "Method", "required": True, "default": "GET",
         "options": [{"label": m, "value": m} for m in ("GET", "POST", "PUT", "PATCH", "DELETE")],
         "help": "The HTTP method of the call."},
        {**pairs, "name": "headers", "label": "Headers", "help": "Headers besides the connection's own."},
        {**pairs, "name": "qs", "label": "Query String", "help": "Added to the URL's query string."},
        {"name": "body", "type": "any", "label": "Body", "help": "A JSON body, for POST, PUT and PATCH."}]
    communication = {"url": "/v1/{{parameters.url}}", "method": "{{parameters.method}}",
                     "headers": "{{toCollection(parameters.headers; 'key'; 'value')}}",
                     "qs": "{{toCollection(parameters.qs; 'key'; 'value')}}", "body": "{{parameters.body}}",
                     "response": {"output": {"statusCode": "{{statusCode}}", "body": "{{body}}"}}}
    interface = [{"name": "statusCode", "type": "number", "label": "Status code"},
                 {"name": "body", "type": "any", "label": "Body"}]
    project.add("module", API_CALL, {"label": "Make an API Call", "moduleType": "action", "connection": CONNECTION,
                                     "description": "Performs an arbitrary authorized API call."},
                {"communication": communication, "staticParams": [], "mappableParams": params,
                 "interface": interface, "samples": {"statusCode": 200, "body": {}}, "scope": []})


def _nest(params: list[dict[str, Any]], specs: list[dict[str, Any]], catalog: Catalog) -> list[dict[str, Any]]:
    """A dropdown that depends on another field (a pipeline's stages) nested under it, so Make reloads it when
    that field changes."""
    by_name = {p["name"]: p for p in params}
    for spec in specs:
        depends = facts.dropdowns(catalog).get(spec.get("dynamic", ""))
        parent = by_name.get(next(iter(depends.params.values()), "")) if depends and depends.params else None
        if parent is not None and isinstance(parent.get("options"), str):
            parent["options"] = {"store": parent["options"], "nested": [by_name[spec["key"]]]}
            params = [p for p in params if p["name"] != spec["key"]]
    return params


def _custom_fields(project: _Project, rpc: str, action: Action) -> None:
    """An RPC listing the organization's custom fields of the action's record type as parameters."""
    output = {"name": "{{replace(item.key; 'custom_fields.'; '')}}", "label": "{{item.label}}",
              "required": "{{item.required}}", "type": _CUSTOM_TYPE, "multiple": "{{item.list}}",
              "options": {"store": "{{item.choices}}", "label": "label", "value": "id"}}
    communication = {"url": f"/v1/actions/{action.key}/fields", "method": "GET",
                     "response": {"iterate": {"container": "{{body}}", "condition": "{{item.custom}}"},
                                  "output": output}}
    project.add("rpc", rpc, {"label": f"Custom fields of {action.label.lower()}", "connection": CONNECTION},
                {"communication": communication, "params": []})


def _param(spec: dict[str, Any], dropdowns: dict[str, str]) -> dict[str, Any]:
    """A field as the hub describes it (`GET /v1/actions/{key}/fields`), as a Make mappable parameter."""
    param: dict[str, Any] = {"name": spec["key"], "label": spec["label"], "required": spec["required"],
                             "type": _PARAM_TYPES.get(spec["type"], "text")}
    if spec["type"] == "text":
        param["multiline"] = True
    help_text = spec.get("help_text") or ("A date, such as 2026-01-15." if spec["type"] == "date" else None)
    if help_text:
        param["help"] = help_text
    if spec.get("dynamic") in dropdowns:
        param |= {"type": "select", "options": f"rpc://{dropdowns[spec['dynamic']]}"}
    elif spec.get("choices"):
        options = [{"label": c["label"], "value": c["id"]} for c in spec["choices"]]
        param |= {"type": "select", "options": options}
    if spec.get("list"):
        if param["type"] == "select":
            param["multiple"] = True
        else:
            param = {"name": param["name"], "label": param["label"], "required": param["required"],
                     "type": "array", "spec": {"type": param["type"], "label": param["label"]}}
    return param


def _interface(field: dict[str, Any]) -> dict[str, Any]:
    kind = _INTERFACE_TYPES.get(field["type"], "text")
    return {"name": field["key"], "label": field["label"], "type": kind}


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).lower()


def _json(value: Any) -> str:
    return json.dumps(value, indent=4, ensure_ascii=False) + "\n"


_README = """CRM hub
=======

Triggers on every event of your CRM hub the moment it happens (contacts, leads, deals won or lost,
activities, and more), and creates, updates and finds records in it.

Connect with an API key of your organization (the hub's portal, or `hub key create`), or with OAuth 2 where
the app was published with it. Generated from the hub's catalog by `hub make export`.
"""
