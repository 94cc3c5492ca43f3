"""The exported app run by zapier-platform-core's app tester against a live hub on loopback, as Zapier runs
it: connect, subscribe, a real signed delivery into the trigger, performList, unsubscribe, creates, searches
and dropdowns; and the OAuth 2 variant against the hub as provider."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any, AsyncIterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from standardwebhooks.webhooks import Webhook

from oauth.server.service import create_client
from hub.db import create_engine, session_factory
from tests.connectors.zapier.conftest import ExportApp, Run
from tests.connectors.zapier.livehub import LiveHub
from tests.oauth.server.conftest import hidden_inputs
from tests.webhooks.receiver import Received, Receiver, start_receiver

ZAPIER_REDIRECT = "https://zapier.com/dashboard/auth/oauth/return/App101CLIAPI/"


@pytest.fixture
async def zapier() -> AsyncIterator[Receiver]:
    """Stands in for hooks.zapier.com: records what the hub delivers."""
    receiver, runner = await start_receiver()
    yield receiver
    await runner.cleanup()


def _raw(request: Received) -> dict[str, Any]:
    """The delivery as Zapier hands it to `perform`: parsed, and raw for the signature check."""
    return {"cleanedRequest": json.loads(request.body),
            "rawRequest": {"method": "POST", "headers": request.headers, "content": request.body.decode()}}


async def _win_deal(hub: LiveHub, name: str) -> dict[str, Any]:
    async with hub.client() as api:
        made = await api.post("/v1/deals", json={"name": name, "amount": "1200.00"})
        assert made.status_code == 201, made.text
        won = await api.patch(f"/v1/deals/{made.json()['id']}", json={"status": "won"})
        assert won.status_code == 200, won.text
        return won.json()


class TestConnect:
    async def test_the_auth_test_names_the_connection_and_refuses_a_bad_key(
            self, hub: LiveHub, zapier_app: ExportApp, run: Run) -> None:
        app = zapier_app(hub.url)
        me = await run(app, "authentication.test", {"authData": {"api_key": hub.key}})
        assert me["org_id"] == hub.org_id
        label = await run(app, "authentication.connectionLabel", {"authData": {"api_key": hub.key},
                                                                   "inputData": me})
        assert label == me["label"] and label.startswith("Acme Corp (hub_") and hub.key not in label
        error = await run(app, "authentication.test", {"authData": {"api_key": "hub_notakey"}}, fails=True)
        assert "AuthenticationError" in error["message"] and "401" in error["message"]


class TestRestHookTrigger:
    async def test_subscribe_deliver_list_and_unsubscribe(self, hub: LiveHub, zapier: Receiver,
                                                          zapier_app: ExportApp, run: Run) -> None:
        app, auth = zapier_app(hub.url), {"api_key": hub.key}
        path, control = "/hooks/standard/101/zap-won/", "/hooks/standard/101/control/"
        hook = await run(app, "triggers.deal_won.operation.performSubscribe",
                         {"authData": auth, "targetUrl": zapier.url(path)})
        assert (hook["event"], hook["platform"]) == ("deal.won", "zapier")
        assert hook["target_url"] == zapier.url(path)

        first = await _win_deal(hub, "Acme: 40 seats")
        [delivery] = await zapier.wait_for(path, 1, timeout=30)
        Webhook(hook["secret"]).verify(delivery.body, {k.lower(): v for k, v in delivery.headers.items()})
        items = await run(app, "triggers.deal_won.operation.perform",
                          {"authData": auth, "subscribeData": hook, **_raw(delivery)})
        assert items == [json.loads(delivery.body)]
        assert items[0]["type"] == "deal.won" and items[0]["data"] == first

        second = await _win_deal(hub, "Globex: renewal")
        await zapier.wait_for(path, 2, timeout=30)
        listed = await run(app, "triggers.deal_won.operation.performList", {"authData": auth})
        assert [item["data"]["id"] for item in listed] == [second["id"], first["id"]]  # newest first
        assert len({item["id"] for item in listed}) == 2 and listed[1] == items[0]  # same shape as delivered

        other = await run(app, "triggers.deal_won.operation.performSubscribe",
                          {"authData": auth, "targetUrl": zapier.url(control)})
        assert await run(app, "triggers.deal_won.operation.performUnsubscribe",
                         {"authData": auth, "subscribeData": hook}) == {"id": hook["id"]}
        third = await _win_deal(hub, "Initech: pilot")
        [seen] = await zapier.wait_for(control, 1, timeout=30)
        assert json.loads(seen.body)["data"]["id"] == third["id"]
        assert len(zapier.at(path)) == 2  # nothing for the unsubscribed hook
        async with hub.client() as api:
            hooks = (await api.get("/v1/hooks")).json()["data"]
        assert [h["id"] for h in hooks] == [other["id"]]
        # Unsubscribing again (Zapier retries) is still a success.
        assert await run(app, "triggers.deal_won.operation.performUnsubscribe",
                         {"authData": auth, "subscribeData": hook}) == {"id": hook["id"]}

    async def test_trigger_filters_are_applied_by_the_hub(self, hub: LiveHub, zapier: Receiver,
                                                          zapier_app: ExportApp, run: Run) -> None:
        app, auth, path = zapier_app(hub.url), {"api_key": hub.key}, "/hooks/standard/101/big-wins/"
        fields = await run(app, "triggers.deal_won.operation.inputFields", {"authData": auth})
        assert [f["key"] for f in fields] == ["pipeline_id", "min_amount"]
        assert all(f["helpText"] and not f["required"] for f in fields)
        hook = await run(app, "triggers.deal_won.operation.performSubscribe", {
            "authData": auth, "targetUrl": zapier.url(path), "inputData": {"min_amount": "1500", "pipeline_id": ""}})
        assert hook["filters"] == {"min_amount": "1500"}
        async with hub.client() as api:
            for name, amount in (("Small", "1200"), ("Big", "1500.00")):
                made = await api.post("/v1/deals", json={"name": name, "amount": amount, "status": "won"})
                assert made.status_code == 201, made.text
        [delivery] = await zapier.wait_for(path, 1, timeout=30)
        items = await run(app, "triggers.deal_won.operation.perform",
                          {"authData": auth, "subscribeData": hook, **_raw(delivery)})
        assert [item["data"]["name"] for item in items] == ["Big"]

    async def test_a_delivery_not_signed_by_the_hub_is_refused(self, hub: LiveHub, zapier: Receiver,
                                                                zapier_app: ExportApp, run: Run) -> None:
        app, auth, path = zapier_app(hub.url), {"api_key": hub.key}, "/hooks/standard/101/forged/"
        hook = await run(app, "triggers.deal_won.operation.performSubscribe",
                         {"authData": auth, "targetUrl": zapier.url(path)})
        await _win_deal(hub, "Acme: 40 seats")
        [delivery] = await zapier.wait_for(path, 1, timeout=30)
        forged = _raw(delivery)
        forged["cleanedRequest"]["data"]["amount"] = "1.00"
        forged["rawRequest"]["content"] = json.dumps(forged["cleanedRequest"])
        error = await run(app, "triggers.deal_won.operation.perform",
                          {"authData": auth, "subscribeData": hook, **forged}, fails=True)
        assert "InvalidSignature" in error["message"]

    async def test_performlist_falls_back_to_the_catalog_sample(self, hub: LiveHub, zapier_app: ExportApp,
                                                                run: Run) -> None:
        app = zapier_app(hub.url)
        [item] = await run(app, "triggers.lead_created.operation.performList",
                           {"authData": {"api_key": hub.key}})
        sample = json.loads((app / "samples" / "lead_created.json").read_text())
        assert item == sample and item["id"] == "evt_sample"


class TestActions:
    async def test_a_create_and_a_search_reach_the_hub(self, hub: LiveHub, zapier_app: ExportApp,
                                                       run: Run) -> None:
        app, auth = zapier_app(hub.url), {"api_key": hub.key}
        contact = await run(app, "creates.contact_create.operation.perform", {"authData": auth, "inputData": {
            "first_name": "Ada", "last_name": "Lovelace", "email": "ADA@Example.com", "phone": ""}})
        assert contact["id"].startswith("con_") and contact["email"] == "ada@example.com"
        async with hub.client() as api:
            assert (await api.get(f"/v1/contacts/{contact['id']}")).json() == contact
        found = await run(app, "searches.contact_find.operation.perform",
                          {"authData": auth, "inputData": {"email": "ada@example.com"}})
        assert [c["id"] for c in found] == [contact["id"]]
        assert await run(app, "searches.contact_find.operation.perform",
                         {"authData": auth, "inputData": {"email": "nobody@example.com"}}) == []

    async def test_find_or_create_finds_or_makes_one_record_even_when_zaps_race(
            self, hub: LiveHub, zapier_app: ExportApp, run: Run) -> None:
        app, auth = zapier_app(hub.url), {"api_key": hub.key}
        search = {"authData": auth, "inputData": {"email": "new@example.com"}}
        assert await run(app, "searches.contact_find.operation.perform", search) == []
        create = {"authData": auth, "inputData": {"email": "New@Example.com", "first_name": "Nia"}}
        # One app folder per racing Zap: the tester writes its answer beside the folder.
        racers = [zapier_app(hub.url) for _ in range(3)]
        made = await asyncio.gather(*(run(racer, "creates.contact_upsert.operation.perform", create)
                                      for racer in racers))
        assert len({c["id"] for c in made}) == 1 and made[0]["email"] == "new@example.com"
        [found] = await run(app, "searches.contact_find.operation.perform", search)
        assert found["id"] == made[0]["id"]
        updated = await run(app, "creates.contact_upsert.operation.perform", {"authData": auth, "inputData": {
            "email": "new@example.com", "title": "CFO"}})
        assert (updated["id"], updated["first_name"], updated["title"]) == (found["id"], "Nia", "CFO")

    async def test_the_api_request_action_reuses_the_connection(self, hub: LiveHub, zapier_app: ExportApp,
                                                                 run: Run) -> None:
        app, auth = zapier_app(hub.url), {"api_key": hub.key}
        made = await run(app, "creates.api_request.operation.perform", {"authData": auth, "inputData": {
            "method": "POST", "path": "/v1/contacts", "body": json.dumps({"first_name": "Raw"})}})
        assert made["status"] == 201 and made["data"]["first_name"] == "Raw"
        listed = await run(app, "creates.api_request.operation.perform", {"authData": auth, "inputData": {
            "method": "GET", "path": "/v1/contacts", "query": {"limit": "1"}}})
        assert [c["id"] for c in listed["data"]["data"]] == [made["data"]["id"]]
        error = await run(app, "creates.api_request.operation.perform", {"authData": auth, "inputData": {
            "method": "GET", "path": "https://elsewhere.example/"}}, fails=True)
        assert "/v1/" in error["message"]
        problem = await run(app, "creates.api_request.operation.perform", {"authData": auth, "inputData": {
            "method": "GET", "path": "/v1/contacts/con_missing"}}, fails=True)
        assert "404" in problem["message"]

    async def test_the_new_actions_and_searches_reach_the_hub(self, hub: LiveHub, zapier_app: ExportApp,
                                                              run: Run) -> None:
        app, auth = zapier_app(hub.url), {"api_key": hub.key}

        async def act(kind: str, key: str, data: dict[str, Any]) -> Any:
            return await run(app, f"{kind}.{key}.operation.perform", {"authData": auth, "inputData": data})

        deal = await act("creates", "deal_create", {"name": "Acme", "amount": "100"})
        note = await act("creates", "note_add", {"body": "Wants a pilot.", "deal_id": deal["id"]})
        task = await act("creates", "task_create", {"subject": "Call back", "deal_id": deal["id"],
                                                   "due_at": "2031-01-15T10:30:00Z"})
        assert (note["type"], task["type"], task["due_at"]) == ("note", "task", "2031-01-15T10:30:00Z")
        product = await act("creates", "product_create", {"name": "Seat", "unit_price": "10", "sku": "S"})
        line = await act("creates", "deal_add_product", {"deal_id": deal["id"], "product_id": product["id"],
                                                         "quantity": "2"})
        assert line["deal_id"] == deal["id"] and line["name"] == "Seat"
        lead = await act("creates", "lead_create", {"first_name": "Grace", "email": "grace@navy.example"})
        converted = await act("creates", "lead_convert", {"lead_id": lead["id"]})
        assert converted["lead"]["status"] == "converted"
        assert [p["id"] for p in await act("searches", "product_find", {"sku": "s"})] == [product["id"]]
        found = await act("searches", "activity_find", {"deal_id": deal["id"], "limit": "20"})
        assert {a["id"] for a in found} == {note["id"], task["id"]}
        company = await act("creates", "company_upsert", {"domain": "navy.example", "name": "Navy"})
        [same] = await act("searches", "company_find", {"domain": "NAVY.example"})
        assert same["id"] == company["id"]
        async with hub.client() as api:
            made = await api.post("/v1/users", json={"name": "Dana Reyes", "email": "dana@example.com"})
            assert made.status_code == 201, made.text
        [user] = await run(app, "triggers.choices_owners.operation.perform", {"authData": auth})
        assert user == {"id": made.json()["id"], "label": "Dana Reyes (dana@example.com)"}
        assert [u["id"] for u in await act("searches", "user_find", {"email": "Dana@example.com"})] == [user["id"]]

    async def test_bad_input_shows_the_hubs_problem(self, hub: LiveHub, zapier_app: ExportApp,
                                                    run: Run) -> None:
        error = await run(zapier_app(hub.url), "creates.deal_create.operation.perform",
                          {"authData": {"api_key": hub.key}, "inputData": {"amount": "12"}}, fails=True)
        assert "422" in error["message"] and "deal.create" in error["message"]

    async def test_custom_fields_and_dropdowns_come_from_the_hub(self, hub: LiveHub, zapier_app: ExportApp,
                                                                 run: Run) -> None:
        app, auth = zapier_app(hub.url), {"api_key": hub.key}
        async with hub.client() as api:
            made = await api.post("/v1/custom_fields", json={
                "record_type": "deal", "key": "region", "label": "Region", "type": "select",
                "options": ["EMEA", "AMER"]})
            assert made.status_code == 201, made.text
        fields = await run(app, "creates.deal_create.operation.inputFields", {"authData": auth})
        region = next(f for f in fields if f["key"] == "custom_fields.region")
        assert [c["value"] for c in region["choices"]] == ["EMEA", "AMER"]
        [pipeline] = await run(app, "triggers.choices_pipelines.operation.perform", {"authData": auth})
        stages = await run(app, "triggers.choices_stages.operation.perform",
                           {"authData": auth, "inputData": {"pipeline_id": pipeline["id"]}})
        assert stages[0] == {"id": "qualification", "label": "Qualification"}
        deal = await run(app, "creates.deal_create.operation.perform", {"authData": auth, "inputData": {
            "name": "Regional", "pipeline_id": pipeline["id"], "stage": stages[1]["id"],
            "custom_fields.region": "EMEA"}})
        assert deal["custom_fields"] == {"region": "EMEA"} and deal["stage"] == stages[1]["id"]


async def _register_zapier_client(hub: LiveHub) -> tuple[str, str]:
    engine = create_engine(hub.settings)
    try:
        async with session_factory(engine).begin() as session:
            client, secret = await create_client(session, "Zapier", [ZAPIER_REDIRECT])
    finally:
        await engine.dispose()
    assert secret is not None
    return client.id, secret


async def _approve(hub: LiveHub, authorize_url: str, code_verifier: str) -> str:
    """What Zapier and the person do: add PKCE to the app's authorize URL, approve with an API key."""
    challenge = {"code_challenge": create_s256_code_challenge(code_verifier), "code_challenge_method": "S256",
                 "scope": "read write"}
    async with httpx.AsyncClient(timeout=15) as browser:
        page = await browser.get(f"{authorize_url}&{urlencode(challenge)}")
        assert page.status_code == 200, page.text
        answer = await browser.post(f"{hub.url}/oauth/authorize", data={
            **hidden_inputs(page.text), "api_key": hub.key, "decision": "approve"})
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["zapier-state-7"]
    return query["code"][0]


class TestOAuth2:
    async def test_connects_with_pkce_calls_the_api_and_refreshes(self, hub: LiveHub, zapier_app: ExportApp,
                                                                  run: Run) -> None:
        app = zapier_app(hub.url, auth="oauth2")
        client_id, secret = await _register_zapier_client(hub)
        env = {"CLIENT_ID": client_id, "CLIENT_SECRET": secret}
        flow = {"state": "zapier-state-7", "redirect_uri": ZAPIER_REDIRECT}
        authorize_url = await run(app, "authentication.oauth2Config.authorizeUrl", {"inputData": flow},
                                  env=env)
        assert authorize_url.startswith(f"{hub.url}/oauth/authorize?")
        code_verifier = secrets.token_urlsafe(48)
        code = await _approve(hub, authorize_url, code_verifier)
        tokens = await run(app, "authentication.oauth2Config.getAccessToken",
                           {"inputData": {**flow, "code": code, "code_verifier": code_verifier}}, env=env)
        assert tokens["access_token"].startswith("hubat_") and tokens["refresh_token"].startswith("hubrt_")

        me = await run(app, "authentication.test", {"authData": tokens})
        assert me["org_id"] == hub.org_id
        contact = await run(app, "creates.contact_create.operation.perform",
                            {"authData": tokens, "inputData": {"first_name": "Grace"}})
        assert contact["first_name"] == "Grace"

        renewed = await run(app, "authentication.oauth2Config.refreshAccessToken", {"authData": tokens},
                            env=env)
        assert renewed["refresh_token"] != tokens["refresh_token"]
        assert (await run(app, "authentication.test", {"authData": renewed}))["org_id"] == hub.org_id
        # A spent refresh token ends the grant, as the provider promises.
        error = await run(app, "authentication.oauth2Config.refreshAccessToken", {"authData": tokens},
                          env=env, fails=True)
        assert "invalid_grant: the authorization code or refresh token is invalid" in error["message"]
        assert "HTTP 400" not in error["message"]

    async def test_an_unknown_access_token_asks_zapier_to_refresh(self, hub: LiveHub, zapier_app: ExportApp,
                                                                  run: Run) -> None:
        error = await run(zapier_app(hub.url, auth="oauth2"), "authentication.test",
                          {"authData": {"access_token": "hubat_revoked"}}, fails=True)
        assert error["name"] == "RefreshAuthError"
