"""`hub make export`: the Make app's components from the catalog, in the Apps SDK's local project layout."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from click.testing import CliRunner

from connectors.make.export import CONNECTION
from connectors.zapier import facts
from hub.catalog import build_catalog
from hub.cli import main
from tests.connectors.make.conftest import ExportMake
from tests.connectors.make.iml import MakeApp, check
from tests.connectors.zapier.test_export import REQUIRED_TRIGGERS, catalog_with_widgets

MAKE_NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z]{3,47}$")  # Make's rule for module and RPC names


def _watch(key: str) -> str:
    name = facts.camel(key)
    return "watch" + name[0].upper() + name[1:]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _flat(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parameters with those nested under a select's options, in order."""
    out = []
    for p in params:
        out.append(p)
        if isinstance(p.get("options"), dict):
            out += _flat(p["options"].get("nested", []))
    return out


class TestProject:
    def test_every_trigger_is_an_attached_webhook_with_its_instant_trigger(self,
                                                                             make_app: ExportMake) -> None:
        app, catalog = make_app(), build_catalog()
        assert set(app.names("webhook")) == {facts.camel(t.key) for t in facts.public_triggers(catalog)}
        assert "webhookTest" not in app.names("webhook") and "slackInstalled" not in app.names("webhook")
        assert {facts.camel(k) for k in REQUIRED_TRIGGERS} <= set(app.names("webhook"))
        for trigger in facts.public_triggers(catalog):
            key = trigger.key
            webhook = app.component("webhook", facts.camel(key))
            filters = {f.key: f"{{{{parameters.{f.key}}}}}" for f in trigger.filters}
            assert webhook["attach"]["body"] == {"target_url": "{{webhook.url}}", "event": key,
                                                 "platform": "make", **({"filters": filters} if filters else {})}
            assert [p["name"] for p in webhook["params"]] == list(filters)
            assert webhook["attach"]["response"]["data"] == {"externalHookId": "{{body.id}}"}
            assert webhook["detach"] == {"url": "/v1/hooks/{{webhook.externalHookId}}", "method": "DELETE"}
            module = app.component("module", _watch(key))
            assert (module["moduleType"], module["webhook"]) == ("instant_trigger", facts.camel(key))
            assert module["samples"] == facts.trigger_sample(trigger)
            data = next(f for f in module["interface"] if f["name"] == "data")
            assert [f["name"] for f in data["spec"]] == [f["key"] for f in trigger.output_fields]

    def test_every_action_is_a_module_with_parameters_from_its_schema(self, make_app: ExportMake) -> None:
        app, catalog = make_app(), build_catalog()
        modules = {n: app.component("module", n) for n in app.names("module")}
        actions = {facts.camel(a.key): a for a in catalog.actions.values()}
        assert set(actions) <= set(modules) and len(actions) >= 8
        for name, action in actions.items():
            module = modules[name]
            assert module["moduleType"] == ("search" if action.kind == "search" else "action")
            assert module["communication"]["url"] == f"/v1/actions/{action.key}"
            assert [p["name"] for p in _flat(module["mappableParams"]) if p["name"] != "custom_fields"] == [
                f["key"] for f in facts.input_fields(catalog, action)]
        deal = {p["name"]: p for p in modules["dealCreate"]["mappableParams"]}
        assert deal["owner_id"] == {"name": "owner_id", "label": "Owner", "required": False, "type": "select",
                                    "options": "rpc://listOwners",
                                    "help": "Choose an owner from the list, or map its ID."}
        assert all(p.get("help") for m in modules.values() for p in m["mappableParams"] if p["name"] != "custom_fields")
        assert deal["company_id"]["options"] == "rpc://listCompanies"
        assert "stage" not in deal and deal["pipeline_id"]["options"]["store"] == "rpc://listPipelines"
        assert [p["name"] for p in deal["pipeline_id"]["options"]["nested"]] == ["stage"]
        assert (modules["contactCreate"]["label"], modules["contactFind"]["label"]) == (
            "Create a Contact", "Search Contacts")
        assert modules["contactUpsert"]["label"] == "Create or Update a Contact"
        watch = app.component("module", "watchContactCreated")
        assert (watch["label"], watch["description"]) == ("Watch New Contacts (Instant)",
                                                          "Triggers when a contact is created.")
        polling = app.component("module", "pollContactCreated")
        assert (polling["label"], polling["moduleType"]) == ("Watch New Contacts", "trigger")
        assert polling["communication"]["url"] == "/v1/triggers/contact.created/poll"
        for name, label in (("getContact", "Get a Contact"), ("listContacts", "List Contacts"),
                            ("deleteCompany", "Delete a Company"), ("listActivities", "List Activities")):
            assert app.component("module", name)["label"] == label
        assert deal["status"]["options"][0] == {"label": "Lost", "value": "lost"}
        assert deal["custom_fields"]["spec"] == ["rpc://customFieldsDealCreate"]
        rpcs = {"listOwners", "listPipelines", "listStages", "customFieldsDealCreate"}
        assert rpcs <= set(app.names("rpc"))
        assert all(MAKE_NAME.match(n) for n in [*app.names("module"), *app.names("rpc")])

    def test_every_code_file_is_listed_and_every_iml_expression_is_understood(self,
                                                                              make_app: ExportMake) -> None:
        for auth in ("api_key", "oauth2"):
            app = make_app(auth=auth)
            listed = {path for kind in app.manifest["components"].values() for meta in kind.values()
                      for path in meta["codeFiles"].values()} | set(app.manifest["generalCodeFiles"].values())
            on_disk = {str(p.relative_to(app.root)) for p in app.root.rglob("*") if p.is_file()}
            assert on_disk == listed | {"makecomapp.json"}
            for path in listed - {"README.md"}:
                for text in _strings(json.loads((app.root / path).read_text())):
                    check(text)  # raises on anything the stand-in (and so this export) does not use

    def test_the_connection_validates_with_the_me_call(self, make_app: ExportMake) -> None:
        app = make_app("https://hub.example.com/")
        connection = app.component("connection", CONNECTION)
        assert connection["params"][0]["name"] == "apiKey" and connection["params"][0]["type"] == "password"
        assert connection["communication"]["url"] == "https://hub.example.com/v1/me"
        metadata = connection["communication"]["response"]["metadata"]
        assert metadata == {"type": "text", "value": "{{body.label}}"}
        assert app.base["headers"] == {"Authorization": "Bearer {{connection.apiKey}}"}
        assert app.base["baseUrl"] == "https://hub.example.com"

    def test_the_oauth2_connection_uses_the_hub_as_provider(self, make_app: ExportMake) -> None:
        app = make_app("https://hub.example.com", auth="oauth2")
        connection = app.component("connection", CONNECTION)
        assert connection["connectionType"] == "oauth"
        flow = connection["communication"]
        assert flow["authorize"]["url"] == "https://hub.example.com/oauth/authorize"
        assert flow["token"]["body"]["grant_type"] == "authorization_code"
        assert flow["refresh"]["body"]["refresh_token"] == "{{data.refreshToken}}"
        assert flow["invalidate"]["url"] == "https://hub.example.com/oauth/revoke"
        assert app.base["headers"] == {"Authorization": "Bearer {{connection.accessToken}}"}
        files = app.manifest["components"]["connection"][CONNECTION]["codeFiles"]
        assert files["communication"] == "connections/hub/hub.oauth-communication.iml.json"


class TestNothingWrittenPerTrigger:
    def test_a_new_event_type_and_action_appear_in_the_project(self, make_app: ExportMake) -> None:
        app = make_app(catalog=catalog_with_widgets())
        webhook = app.component("webhook", "widgetPolished")
        assert webhook["attach"]["body"]["event"] == "widget.polished"
        watch = app.component("module", "watchWidgetPolished")
        assert watch["samples"]["data"] == {"id": "wid_1", "shine": 3}
        polish = app.component("module", "widgetPolish")
        assert [p["name"] for p in polish["mappableParams"]] == ["widget_id", "passes"]
        assert polish["samples"] == {"id": "wid_1", "shine": 3}  # the event of the same payload


class TestCommand:
    def test_hub_make_export_writes_the_project_and_keeps_its_origins(self, tmp_path: Path) -> None:
        out = tmp_path / "make"
        assert CliRunner().invoke(main, ["make", "export", str(out), "--base-url", "https://hub.example.com"]
                                  ).exit_code == 0
        manifest = json.loads((out / "makecomapp.json").read_text())
        origin = {"label": "Make EU1", "baseUrl": "https://eu1.make.com/api", "appId": "crm-hub-1",
                  "appVersion": 1, "apikeyFile": ".secrets/apikey"}
        (out / "makecomapp.json").write_text(json.dumps({**manifest, "origins": [origin]}))
        (out / "modules" / "gone").mkdir()
        answer = CliRunner().invoke(main, ["make", "export", str(out), "--base-url", "https://hub.example.com"])
        assert answer.exit_code == 0, answer.output
        assert json.loads((out / "makecomapp.json").read_text())["origins"] == [origin]
        assert not (out / "modules" / "gone").exists()
        assert MakeApp(out).component("module", "dealCreate")["label"] == "Create a Deal"
