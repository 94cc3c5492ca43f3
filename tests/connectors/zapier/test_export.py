"""`hub zapier export`: a complete zapier-platform-core app from the catalog, valid for the official
packages."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
from click.testing import CliRunner

from connectors.zapier import facts
from connectors.zapier.export import CORE_VERSION, build
from hub.catalog import Action, ActionContext, Catalog, EventType, build_catalog
from hub.cli import main
from tests.connectors.zapier.conftest import ExportApp, Run, validate

REQUIRED_TRIGGERS = ("contact.created", "lead.created", "deal.created", "deal.stage_changed", "deal.won",
                     "deal.lost", "activity.created")


class Widget(msgspec.Struct, kw_only=True):
    id: str
    shine: int


class PolishIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    widget_id: str
    passes: int = 1


async def _polish(ctx: ActionContext, data: PolishIn) -> Widget:
    return Widget(id=data.widget_id, shine=data.passes)


def catalog_with_widgets() -> Catalog:
    """The hub's catalog plus an event type and an action no app code knows about."""
    catalog = build_catalog()
    catalog.add_event(EventType(key="widget.polished", description="A widget was polished.", payload=Widget,
                                sample={"id": "wid_1", "shine": 3}))
    catalog.add_action(Action(key="widget.polish", label="Polish widget", description="Polish a widget.",
                              kind="run", input=PolishIn, output=Widget, handler=_polish))
    catalog.validate()
    return catalog


class TestAppFromCatalog:
    async def test_the_app_validates_with_the_official_schema_and_core(self, zapier_app: ExportApp) -> None:
        app = zapier_app()
        found = await validate(app)
        assert found["schema"] == [] and found["core"] == []
        definition = found["definition"]
        assert definition["platformVersion"] == CORE_VERSION
        assert json.loads((app / "package.json").read_text())["dependencies"] == {
            "zapier-platform-core": CORE_VERSION}
        assert definition["authentication"]["type"] == "custom"
        assert [f["key"] for f in definition["authentication"]["fields"]] == ["api_key"]

    async def test_every_catalog_trigger_and_action_is_in_the_app(self, zapier_app: ExportApp) -> None:
        catalog = build_catalog()
        definition = (await validate(zapier_app()))["definition"]
        hooks = {k: t for k, t in definition["triggers"].items() if t["operation"].get("type") == "hook"}
        assert set(hooks) == {facts.snake(t.key) for t in facts.public_triggers(catalog)}
        internal = {"webhook_test", "endpoint_disabled", "endpoint_failing", "connection_connected",
                    "connection_expired", "connection_revoked", "slack_installed", "slack_uninstalled"}
        assert not internal & set(definition["triggers"])
        assert {facts.snake(k) for k in REQUIRED_TRIGGERS} <= set(hooks) and len(hooks) >= 8
        for trigger in facts.public_triggers(catalog):
            key = trigger.key
            operation = hooks[facts.snake(key)]["operation"]
            assert operation["sample"] == facts.trigger_sample(trigger)
            assert {"performSubscribe", "performUnsubscribe", "perform", "performList"} <= set(operation)
        searches = {facts.snake(a.key) for a in catalog.actions.values() if a.kind == "search"}
        creates = {facts.snake(a.key) for a in catalog.actions.values() if a.kind != "search"}
        assert set(definition["searches"]) == searches
        assert set(definition["creates"]) == creates | {"api_request"}  # the raw call, not a catalog action
        assert len(searches | creates) >= 8
        dropdowns = {k for k, t in definition["triggers"].items() if t["display"].get("hidden")}
        assert {"choices_owners", "choices_pipelines", "choices_stages"} <= dropdowns
        assert len(dropdowns) == len(set(catalog.dropdowns.values()))

    async def test_input_fields_follow_the_action_schema_with_dropdowns(self, zapier_app: ExportApp) -> None:
        definition = (await validate(zapier_app()))["definition"]
        fields = definition["creates"]["deal_create"]["operation"]["inputFields"]
        by_key = {f["key"]: f for f in fields if isinstance(f, dict)}
        assert by_key["name"]["required"] is True and by_key["name"]["type"] == "string"
        assert by_key["owner_id"]["dynamic"] == "choices_owners.id.label"
        assert by_key["stage"]["dynamic"] == "choices_stages.id.label"
        assert by_key["pipeline_id"]["altersDynamicFields"] is True
        assert [c["value"] for c in by_key["status"]["choices"]] == ["lost", "open", "won"]
        assert fields[-1] == "$func$2$f$"  # the custom fields, fetched from the hub when the editor opens
        assert "custom_fields" not in by_key

    async def test_find_or_create_pairs_each_search_with_its_create_or_update(self,
                                                                             zapier_app: ExportApp) -> None:
        found = await validate(zapier_app())
        assert found["schema"] == [] and found["core"] == []
        pairs = found["definition"]["searchOrCreates"]
        assert set(pairs) == {"company_find", "contact_find", "deal_find", "lead_find"}
        for key, pair in pairs.items():
            noun = key.removesuffix("_find")
            assert (pair["search"], pair["create"]) == (key, f"{noun}_upsert")
            assert pair["display"]["label"] == f"Find or Create {noun.title()}"
        assert "Finds a contact and creates one" in pairs["contact_find"]["display"]["description"]

    async def test_labels_descriptions_and_help_read_as_zapier_asks(self, zapier_app: ExportApp) -> None:
        definition = (await validate(zapier_app()))["definition"]
        triggers, creates = definition["triggers"], definition["creates"]
        assert triggers["contact_created"]["display"] == {
            "label": "New Contact", "description": "Triggers when a contact is created."}
        assert triggers["deal_won"]["display"]["label"] == "Deal Won"
        assert triggers["note_created"]["display"]["label"] == "New Note"
        assert creates["contact_create"]["display"] == {"label": "Create Contact",
                                                         "description": "Creates a contact."}
        assert creates["activity_create"]["display"]["description"] == "Creates an activity."
        assert definition["searches"]["user_find"]["display"]["label"] == "Find User"
        for kind in ("creates", "searches"):
            for key, item in definition[kind].items():
                fields = [f for f in item["operation"]["inputFields"] if isinstance(f, dict)]
                assert all(f.get("helpText") for f in fields), (key, [f["key"] for f in fields
                                                                      if not f.get("helpText")])
        contact = {f["key"]: f for f in creates["contact_create"]["operation"]["inputFields"] if isinstance(f, dict)}
        assert contact["company_id"]["dynamic"] == "choices_companies.id.label"
        assert "at least one of" in contact["email"]["helpText"]

    async def test_a_broken_definition_is_caught_by_the_validator(self, zapier_app: ExportApp) -> None:
        app = zapier_app()
        module = app / "triggers" / "deal_won.js"
        module.write_text(module.read_text().replace('"key": "deal_won"', '"key": "deal-won"'))
        found = await validate(app)
        assert any("triggers" in e for e in found["schema"]), found["schema"]

    async def test_oauth2_variant_uses_the_hub_as_provider_with_pkce(self, zapier_app: ExportApp) -> None:
        found = await validate(zapier_app("https://hub.example.com", auth="oauth2"))
        assert found["schema"] == [] and found["core"] == []
        auth = found["definition"]["authentication"]
        config = auth["oauth2Config"]
        assert auth["type"] == "oauth2" and config["enablePkce"] is True and config["autoRefresh"] is True
        assert config["authorizeUrl"]["url"] == "https://hub.example.com/oauth/authorize"
        assert config["getAccessToken"]["body"]["code_verifier"] == "{{bundle.inputData.code_verifier}}"
        assert config["refreshAccessToken"]["body"]["grant_type"] == "refresh_token"


class TestNothingWrittenPerTrigger:
    async def test_a_new_event_type_and_action_appear_in_the_app(self, zapier_app: ExportApp,
                                                                 run: Run) -> None:
        app = zapier_app(catalog=catalog_with_widgets())
        found = await validate(app)
        assert found["schema"] == [] and found["core"] == []
        trigger = found["definition"]["triggers"]["widget_polished"]
        assert trigger["operation"]["sample"]["data"] == {"id": "wid_1", "shine": 3}
        shine = {"key": "data__shine", "label": "Shine", "type": "integer"}
        assert shine in trigger["operation"]["outputFields"]
        create = found["definition"]["creates"]["widget_polish"]
        assert [f["key"] for f in create["operation"]["inputFields"]] == ["widget_id", "passes"]
        delivered = {"id": "evt_9", "type": "widget.polished", "timestamp": "2026-01-15T10:30:00Z",
                     "data": {"id": "wid_2", "shine": 5}}
        assert await run(app, "triggers.widget_polished.operation.perform",
                         {"cleanedRequest": delivered}) == [delivered]

    def test_build_is_the_same_for_the_same_catalog(self) -> None:
        first = build(build_catalog(), base_url="http://hub.test")
        assert first == build(build_catalog(), base_url="http://hub.test")
        assert all(not name.startswith("/") and ".." not in name for name in first)


class TestCommand:
    def test_hub_zapier_export_writes_the_app(self, tmp_path: Path) -> None:
        answer = CliRunner().invoke(main, ["zapier", "export", str(tmp_path / "app"), "--base-url",
                                           "https://hub.example.com/", "--auth", "oauth2"])
        assert answer.exit_code == 0, answer.output
        config = (tmp_path / "app" / "lib" / "config.js").read_text()
        assert '"https://hub.example.com"' in config
        assert "oauth2" in (tmp_path / "app" / "authentication.js").read_text()
        assert (tmp_path / "app" / "triggers" / "deal_won.js").exists()
        assert "index.js" in answer.output

    def test_a_version_zapier_would_refuse_is_refused(self, tmp_path: Path) -> None:
        answer = CliRunner().invoke(main, ["zapier", "export", str(tmp_path / "app"), "--app-version", "2.0",
                                           "--base-url", "https://hub.example.com"])
        assert answer.exit_code == 1 and "x.y.z" in answer.output
        assert not (tmp_path / "app").exists()

    def test_a_second_export_drops_what_the_catalog_no_longer_has(self, tmp_path: Path) -> None:
        out = tmp_path / "app"
        (out / "triggers").mkdir(parents=True)
        (out / "triggers" / "gone.js").write_text("stale")
        (out / "node_modules").mkdir()
        env = {"HUB_PUBLIC_URL": "https://crm.example.org", "HUB_DATA_DIR": str(tmp_path / "var")}
        assert CliRunner().invoke(main, ["zapier", "export", str(out)], env=env).exit_code == 0
        assert not (out / "triggers" / "gone.js").exists() and (out / "node_modules").exists()
        assert '"https://crm.example.org"' in (out / "lib" / "config.js").read_text()  # HUB_PUBLIC_URL
