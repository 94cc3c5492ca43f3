"""The catalog: declarations checked at start-up, served at /v1/catalog, actions run through the API."""

from __future__ import annotations

import msgspec
import pytest

from hub.catalog import Action, Catalog, CatalogError, EventType, build_catalog
from hub.records.module import MODULE as RECORDS
from tests.conftest import Api


class Ping(msgspec.Struct, kw_only=True):
    message: str


def _event(key: str = "ping.sent", sample: dict | None = None) -> EventType:
    return EventType(key=key, description="A ping.", payload=Ping, sample={"message": "hi"} if sample is None else sample)


async def _noop(_ctx: object, data: object) -> object:
    return data


class TestRegistry:
    def test_walks_the_real_registry_and_finds_it_complete(self) -> None:
        catalog = build_catalog()
        assert {"contact.created", "lead.created", "deal.created", "deal.stage_changed", "deal.won", "deal.lost",
                "activity.created", "lead.converted"} <= set(catalog.triggers)
        for key in ("contact", "company", "lead", "deal"):
            assert {f"{key}.create", f"{key}.update", f"{key}.find"} <= set(catalog.actions)
        assert "activity.create" in catalog.actions
        for trigger in catalog.triggers.values():
            event = catalog.events[trigger.event_type]
            msgspec.convert(trigger.sample, event.payload, strict=False)
            assert trigger.output_fields and event.description.endswith(".")

    def test_refuses_an_event_declared_twice(self) -> None:
        catalog = Catalog()
        catalog.add_event(_event())
        with pytest.raises(CatalogError, match="declared twice"):
            catalog.add_event(_event())

    def test_refuses_an_action_declared_twice(self) -> None:
        catalog = Catalog()
        action = Action(key="ping.send", label="Send", description="Send.", kind="run", input=Ping, output=Ping,
                        handler=_noop)
        catalog.add_action(action)
        with pytest.raises(CatalogError, match="declared twice"):
            catalog.add_action(action)

    def test_refuses_a_trigger_without_a_sample(self) -> None:
        catalog = Catalog()
        catalog.add_event(_event(sample={}))
        with pytest.raises(CatalogError, match="no sample"):
            catalog.validate()

    def test_refuses_a_sample_that_does_not_fit_its_payload(self) -> None:
        catalog = Catalog()
        catalog.add_event(_event(sample={"message": 5}))
        with pytest.raises(CatalogError, match="does not fit"):
            catalog.validate()

    def test_start_up_fails_when_two_providers_collide(self) -> None:
        with pytest.raises(CatalogError, match="declared twice"):
            build_catalog((RECORDS, RECORDS))


class TestCatalogApi:
    async def test_serves_events_triggers_and_actions_with_schemas(self, api: Api) -> None:
        body = (await api.get("/v1/catalog")).json()
        won = next(e for e in body["events"] if e["type"] == "deal.won")
        assert won["sample"]["status"] == "won" and "$defs" in won["schema"] and not won["postable"]
        create = next(a for a in body["actions"] if a["key"] == "deal.create")
        assert create["kind"] == "create" and create["input_schema"]
        trigger = next(t for t in body["triggers"] if t["key"] == "contact.created")
        assert {"key": "email", "label": "Email", "type": "string", "required": True} in trigger["output_fields"]

    async def test_runs_record_actions_with_validated_input(self, api: Api) -> None:
        made = await api.post("/v1/actions/contact.create", {"first_name": "Ada", "email": "ada@acme.example"})
        assert made.status_code == 200, made.text
        contact = made.json()["data"]
        found = await api.post("/v1/actions/contact.find", {"email": "ADA@acme.example"})
        assert [c["id"] for c in found.json()["data"]] == [contact["id"]]
        changed = await api.post("/v1/actions/contact.update", {"id": contact["id"], "title": "CTO"})
        assert changed.json()["data"]["title"] == "CTO"
        assert (await api.get(f"/v1/contacts/{contact['id']}")).json()["title"] == "CTO"
        events = [e["type"] for e in (await api.get("/v1/events")).json()["data"]]
        assert events == ["contact.updated", "contact.created"]

    async def test_refuses_input_that_does_not_fit_the_schema(self, api: Api) -> None:
        answer = await api.post("/v1/actions/deal.create", {"name": 7})
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "name"
        assert (await api.get("/v1/deals")).json()["data"] == []

    async def test_an_empty_optional_field_counts_as_not_given_but_an_empty_required_one_is_refused(
            self, api: Api) -> None:
        made = await api.post("/v1/actions/contact.create", {"first_name": "Ada", "email": "", "phone": "",
                                                              "country": ""})
        assert made.status_code == 200, made.text
        assert {k: made.json()["data"][k] for k in ("first_name", "email", "phone", "country")} == {
            "first_name": "Ada", "email": None, "phone": None, "country": None}
        assert (await api.post("/v1/actions/deal.create", {"name": ""})).status_code == 422

    async def test_answers_404_for_an_unknown_action(self, api: Api) -> None:
        assert (await api.post("/v1/actions/nothing.here", {})).status_code == 404


class TestGeneratedDocs:
    def test_docs_catalog_page_matches_the_declarations(self) -> None:
        from pathlib import Path

        page = Path(__file__).parent.parent / "docs" / "catalog.md"
        assert page.read_text() == build_catalog().markdown(), "run `hub catalog-docs --out docs/catalog.md`"
