"""The exported Make project run the way Make runs it (its IML read by the stand-in) against a live hub:
validate the connection, attach a webhook, receive a real signed delivery, detach, run actions, searches
and the RPCs behind dropdowns and custom fields."""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest
from standardwebhooks.webhooks import Webhook

from connectors.make.export import CONNECTION
from tests.connectors.make.conftest import ExportMake
from tests.connectors.make.iml import MakeApp, MakeError
from tests.connectors.zapier.livehub import LiveHub
from tests.webhooks.receiver import Receiver, start_receiver


@pytest.fixture
async def make() -> AsyncIterator[Receiver]:
    """Stands in for hook.eu1.make.com: records what the hub delivers."""
    receiver, runner = await start_receiver()
    yield receiver
    await runner.cleanup()


def _connection(hub: LiveHub) -> dict[str, Any]:
    return {"connection": {"apiKey": hub.key}}


async def _attach(app: MakeApp, hub: LiveHub, webhook: str, url: str,
                  parameters: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
    """Make creating the scenario's webhook: attach runs, its `data` is kept as the webhook's."""
    attach = app.component("webhook", webhook)["attach"]
    done = await app.call(attach, {**_connection(hub), "webhook": {"url": url}, "parameters": parameters or {}})
    assert done.status == 201
    return {"url": url, **done.data}, done.body


async def _run(app: MakeApp, hub: LiveHub, module: str, parameters: dict[str, Any]) -> Any:
    return (await app.call(app.component("module", module)["communication"],
                           {**_connection(hub), "parameters": parameters})).output


class TestConnection:
    async def test_validation_labels_the_connection_and_refuses_a_bad_key(self, hub: LiveHub,
                                                                          make_app: ExportMake) -> None:
        app = make_app(hub.url)
        connection = app.component("connection", CONNECTION)
        done = await app.call(connection["communication"], {"parameters": {"apiKey": hub.key}}, base=False)
        assert done.metadata["type"] == "text" and done.metadata["value"].startswith("Acme Corp (hub_")
        with pytest.raises(MakeError) as refused:
            await app.call(connection["communication"], {"parameters": {"apiKey": "hub_notakey"}}, base=False)
        assert refused.value.kind == "InvalidAccessTokenError" and refused.value.status == 401


class TestInstantTrigger:
    async def test_attach_deliver_and_detach(self, hub: LiveHub, make: Receiver,
                                             make_app: ExportMake) -> None:
        app = make_app(hub.url)
        webhook, attached = await _attach(app, hub, "dealWon", make.url("/make/hook-1"))
        assert webhook["externalHookId"] == attached["id"] and attached["platform"] == "make"
        control, _ = await _attach(app, hub, "dealWon", make.url("/make/control"))

        deal = await _run(app, hub, "dealCreate", {"name": "Acme: 40 seats", "amount": "1200.00"})
        await _run(app, hub, "dealUpdate", {"id": deal["id"], "status": "won"})
        [delivery] = await make.wait_for("/make/hook-1", 1, timeout=30)
        Webhook(attached["secret"]).verify(delivery.body, {k.lower(): v for k, v in delivery.headers.items()})
        bundle = app.receive("dealWon", delivery.body)
        assert bundle["type"] == "deal.won" and bundle["data"]["id"] == deal["id"]
        interface = app.component("module", "watchDealWon")["interface"]
        assert {f["name"] for f in interface} == set(bundle)
        data_spec = next(f for f in interface if f["name"] == "data")["spec"]
        assert set(bundle["data"]) <= {f["name"] for f in data_spec}

        detach = app.component("webhook", "dealWon")["detach"]
        assert (await app.call(detach, {**_connection(hub), "webhook": webhook})).status == 204
        other = await _run(app, hub, "dealCreate", {"name": "Globex: renewal"})
        await _run(app, hub, "dealUpdate", {"id": other["id"], "status": "won"})
        await make.wait_for("/make/control", 2, timeout=30)
        assert len(make.at("/make/hook-1")) == 1  # nothing after detach
        async with hub.client() as api:
            hooks = (await api.get("/v1/hooks")).json()["data"]
        assert [h["id"] for h in hooks] == [control["externalHookId"]]


class TestTriggerFilters:
    async def test_the_webhooks_parameters_narrow_what_the_hub_delivers(self, hub: LiveHub, make: Receiver,
                                                                       make_app: ExportMake) -> None:
        app = make_app(hub.url)
        params = {p["name"]: p for p in app.component("webhook", "dealWon")["params"]}
        assert params["pipeline_id"]["options"] == "rpc://listPipelines" and params["min_amount"]["help"]
        _, attached = await _attach(app, hub, "dealWon", make.url("/make/big"),
                                    {"min_amount": "1500", "pipeline_id": ""})
        assert attached["filters"] == {"min_amount": "1500"}
        for name, amount in (("Small", "1200"), ("Big", "2000")):
            await _run(app, hub, "dealCreate", {"name": name, "amount": amount, "status": "won"})
        [delivery] = await make.wait_for("/make/big", 1, timeout=30)
        assert app.receive("dealWon", delivery.body)["data"]["name"] == "Big"


class TestPollingAndRecords:
    async def test_a_polling_watch_sees_each_event_once_newest_first(self, hub: LiveHub,
                                                                     make_app: ExportMake) -> None:
        app = make_app(hub.url)
        module = app.component("module", "pollDealWon")
        for name in ("First", "Second"):
            await _run(app, hub, "dealCreate", {"name": name, "status": "won", "amount": "10"})
        done = await app.call(module["communication"], {**_connection(hub), "parameters": {"limit": 10}})
        items = done.output
        assert [item["data"]["name"] for item in items] == ["Second", "First"]
        assert len({item["id"] for item in items}) == 2 and all(item["type"] == "deal.won" for item in items)

    async def test_get_list_and_delete_a_record(self, hub: LiveHub, make_app: ExportMake) -> None:
        app = make_app(hub.url)
        made = await _run(app, hub, "contactCreate", {"first_name": "Gone"})
        assert (await _run(app, hub, "getContact", {"id": made["id"]}))["first_name"] == "Gone"
        listed = await _run(app, hub, "listContacts", {"limit": 5})
        assert [c["id"] for c in listed] == [made["id"]]
        assert await _run(app, hub, "deleteContact", {"id": made["id"]}) == {"id": made["id"]}
        with pytest.raises(MakeError) as missing:
            await _run(app, hub, "getContact", {"id": made["id"]})
        assert missing.value.status == 404


class TestModules:
    async def test_create_or_update_finds_the_contact_by_email(self, hub: LiveHub, make_app: ExportMake) -> None:
        app = make_app(hub.url)
        made = await _run(app, hub, "contactUpsert", {"email": "Lin@example.com", "first_name": "Lin",
                                                      "last_name": ""})
        again = await _run(app, hub, "contactUpsert", {"email": "lin@example.com", "title": "COO"})
        assert again["id"] == made["id"] and (again["first_name"], again["title"]) == ("Lin", "COO")


    async def test_an_action_and_a_search_reach_the_hub(self, hub: LiveHub, make_app: ExportMake) -> None:
        app = make_app(hub.url)
        contact = await _run(app, hub, "contactCreate", {"first_name": "Ada", "email": "ADA@example.com"})
        assert contact["id"].startswith("con_") and contact["email"] == "ada@example.com"
        async with hub.client() as api:
            assert (await api.get(f"/v1/contacts/{contact['id']}")).json() == contact
        assert [c["id"] for c in await _run(app, hub, "contactFind", {"email": "ada@example.com"})] == [
            contact["id"]]
        assert await _run(app, hub, "contactFind", {"email": "nobody@example.com"}) == []

    async def test_make_an_api_call_reuses_the_connection(self, hub: LiveHub, make_app: ExportMake) -> None:
        app = make_app(hub.url)
        made = await _run(app, hub, "makeApiCall", {"url": "contacts", "method": "POST", "headers": [],
                                                    "qs": [], "body": {"first_name": "Raw"}})
        assert made["statusCode"] == 201 and made["body"]["first_name"] == "Raw"
        listed = await _run(app, hub, "makeApiCall", {"url": "contacts", "method": "GET", "headers": [],
                                                      "qs": [{"key": "limit", "value": "1"}]})
        assert [c["id"] for c in listed["body"]["data"]] == [made["body"]["id"]]
        with pytest.raises(MakeError) as refused:
            await _run(app, hub, "makeApiCall", {"url": "https://elsewhere.example/", "method": "GET"})
        assert refused.value.status == 404  # the path stays on the hub

    async def test_the_hubs_problem_becomes_a_data_error(self, hub: LiveHub, make_app: ExportMake) -> None:
        with pytest.raises(MakeError) as refused:
            await _run(make_app(hub.url), hub, "dealCreate", {"amount": "12"})
        assert refused.value.kind == "DataError" and "[422]" in refused.value.message
        assert "deal.create" in refused.value.message

    async def test_dropdowns_and_custom_fields_come_from_rpcs(self, hub: LiveHub,
                                                              make_app: ExportMake) -> None:
        app = make_app(hub.url)
        async with hub.client() as api:
            made = await api.post("/v1/custom_fields", json={
                "record_type": "deal", "key": "region", "label": "Region", "type": "select",
                "options": ["EMEA", "AMER"], "required": True})
            assert made.status_code == 201, made.text
        [pipeline] = (await app.call(app.component("rpc", "listPipelines")["communication"],
                                     _connection(hub))).output
        chosen = {**_connection(hub), "parameters": {"pipeline_id": pipeline["value"]}}
        stages = (await app.call(app.component("rpc", "listStages")["communication"], chosen)).output
        assert stages[0] == {"label": "Qualification", "value": "qualification"}
        [region] = (await app.call(app.component("rpc", "customFieldsDealCreate")["communication"],
                                   _connection(hub))).output
        assert region == {"name": "region", "label": "Region", "required": True, "type": "select",
                          "options": {"store": [{"id": "EMEA", "label": "EMEA"},
                                                {"id": "AMER", "label": "AMER"}],
                                      "label": "label", "value": "id"}}
        deal = await _run(app, hub, "dealCreate", {"name": "Regional", "pipeline_id": pipeline["value"],
                                                   "stage": stages[1]["value"],
                                                   "custom_fields": {"region": "EMEA"}})
        assert deal["custom_fields"] == {"region": "EMEA"} and deal["stage"] == stages[1]["value"]
