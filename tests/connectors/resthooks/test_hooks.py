"""REST hooks driven as Zapier and Make drive them: subscribe, receive signed deliveries, unsubscribe, 410."""

from __future__ import annotations

from typing import Any, AsyncIterator

import msgspec
import pytest
from litestar import Litestar

from connectors.resthooks.service import HOOK_RATE_LIMIT
from hub.app import create_app
from hub.jobs.testing import settle
from hub.settings import Settings
from hub.tenancy import service as tenancy
from tests.conftest import WEBHOOK_TEST_SETTINGS, Api, make_settings, serving
from tests.connectors.resthooks.conftest import hook_path, hooks, subscribe, until, verified
from tests.webhooks.receiver import Receiver
from hub.runtime import Hub


async def _log(api: Api, endpoint_id: str) -> list[dict[str, Any]]:
    return (await api.get("/v1/messages", params={"endpoint_id": endpoint_id})).json()["data"]


class TestSubscribe:
    async def test_a_hook_gets_its_trigger_signed_in_the_delivery_envelope(self, api: Api,
                                                                           target: Receiver) -> None:
        path = hook_path()
        hook = await subscribe(api, target, path, "deal.created")
        assert hook["id"].startswith("hook_") and hook["secret"].startswith("whsec_")
        assert (hook["event"], hook["platform"]) == ("deal.created", "zapier")
        assert hook["target_url"] == target.url(path)
        await api.create("contacts", {"first_name": "Not a deal"})
        deal = await api.create("deals", {"name": "Acme: 40 seats"})
        [request] = await target.wait_for(path, 1)
        body = verified(hook["secret"], request)
        [message] = await _log(api, hook["endpoint_id"])
        assert set(body) == {"id", "type", "timestamp", "data"}
        assert body["id"] == message["event_id"] and body["type"] == "deal.created" and body["data"] == deal

    async def test_make_subscribes_the_same_way(self, api: Api, target: Receiver) -> None:
        path = hook_path()
        hook = await subscribe(api, target, path, "contact.created", platform="make")
        await api.create("contacts", {"first_name": "Ada"})
        [request] = await target.wait_for(path, 1)
        assert verified(hook["secret"], request)["data"]["first_name"] == "Ada"
        assert [h["platform"] for h in await hooks(api)] == ["make"]

    async def test_an_unknown_trigger_is_refused_with_a_problem(self, api: Api, target: Receiver) -> None:
        answer = await api.post("/v1/hooks", {"target_url": target.url(hook_path()), "event": "deal.exploded",
                                              "platform": "zapier"})
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == "event"
        assert await hooks(api) == []

    @pytest.mark.parametrize("url", ["http://10.0.0.7/hooks/catch/1", "https://169.254.169.254/latest"])
    async def test_a_target_inside_the_network_is_refused(self, api: Api, url: str) -> None:
        answer = await api.post("/v1/hooks", {"target_url": url, "event": "deal.created",
                                              "platform": "zapier"})
        assert answer.status_code == 422 and "refused" in answer.json()["detail"]

    async def test_a_hook_is_held_to_zapiers_rate_of_deliveries(self, api: Api, target: Receiver) -> None:
        hook = await subscribe(api, target, hook_path(), "deal.won")
        endpoint = (await api.get(f"/v1/endpoints/{hook['endpoint_id']}")).json()
        assert endpoint["rate_limit"] == HOOK_RATE_LIMIT == 30 and endpoint["event_types"] == ["deal.won"]


class TestIsolation:
    async def test_one_organizations_hook_never_gets_anothers_events(self, app: Litestar, api: Api,
                                                                     other: Api, target: Receiver) -> None:
        mine, theirs = hook_path(), hook_path()
        my_hook = await subscribe(api, target, mine, "deal.created")
        their_hook = await subscribe(other, target, theirs, "deal.created")
        my_deal = await api.create("deals", {"name": "Mine"})
        their_deal = await other.create("deals", {"name": "Theirs"})
        [got] = await target.wait_for(theirs, 1)
        [mine_got] = await target.wait_for(mine, 1)
        assert verified(my_hook["secret"], mine_got)["data"]["id"] == my_deal["id"]
        delivered = verified(their_hook["secret"], got)
        assert delivered["data"]["id"] == their_deal["id"]
        await settle(app)  # every event relayed: a wrong routing would show as a message now
        logged = await _log(other, their_hook["endpoint_id"])
        assert [m["event_id"] for m in logged] == [delivered["id"]]

    async def test_hooks_of_another_organization_are_invisible(self, api: Api, other: Api,
                                                               target: Receiver) -> None:
        theirs = await subscribe(other, target, hook_path(), "deal.created")
        assert await hooks(api) == []
        assert (await api.delete(f"/v1/hooks/{theirs['id']}")).status_code == 404
        assert [h["id"] for h in await hooks(other)] == [theirs["id"]]


class TestUnsubscribe:
    async def test_a_hooks_endpoint_is_changed_only_through_the_hook(self, api: Api, target: Receiver) -> None:
        hook = await subscribe(api, target, hook_path(), "deal.won")
        endpoint = (await api.get(f"/v1/endpoints/{hook['endpoint_id']}")).json()
        assert endpoint["managed_by"] == f"hook:{hook['id']}"
        for answer in (await api.patch(f"/v1/endpoints/{hook['endpoint_id']}", {"event_types": ["deal.lost"]}),
                       await api.delete(f"/v1/endpoints/{hook['endpoint_id']}")):
            assert answer.status_code == 409 and f"DELETE /v1/hooks/{hook['id']}" in answer.json()["detail"]
        assert (await api.get(f"/v1/endpoints/{hook['endpoint_id']}")).json()["event_types"] == ["deal.won"]
        assert [h["id"] for h in await hooks(api)] == [hook["id"]]

    async def test_unsubscribing_stops_deliveries_and_removes_the_endpoint(self, app: Litestar, api: Api,
                                                                           target: Receiver) -> None:
        path = hook_path()
        hook = await subscribe(api, target, path, "contact.created")
        assert (await api.delete(f"/v1/hooks/{hook['id']}")).status_code == 204
        assert await hooks(api) == []
        await api.create("contacts", {"first_name": "After"})
        await settle(app)
        assert (await api.get(f"/v1/endpoints/{hook['endpoint_id']}")).status_code == 404
        assert await _log(api, hook["endpoint_id"]) == []
        assert target.at(path) == []
        assert (await api.delete(f"/v1/hooks/{hook['id']}")).status_code == 404
        assert (await api.delete("/v1/hooks/hook_%00")).status_code == 400  # refused, never a 500


class TestGone:
    async def test_a_410_from_the_target_removes_the_subscription(self, app: Litestar, api: Api,
                                                                  target: Receiver) -> None:
        path = hook_path()
        target.script[path] = [410]  # the Zap was deleted without unsubscribing
        hook = await subscribe(api, target, path, "deal.created")
        kept = await subscribe(api, target, hook_path(), "deal.created")
        await api.create("deals", {"name": "Last one"})
        await target.wait_for(path, 1)

        async def gone() -> bool:
            return [h["id"] for h in await hooks(api)] == [kept["id"]]

        await until(app, gone)
        endpoint = await api.get(f"/v1/endpoints/{hook['endpoint_id']}")

        async def removed() -> bool:
            return (await api.get(f"/v1/endpoints/{hook['endpoint_id']}")).status_code == 404

        assert endpoint.status_code == 404 or endpoint.json()["state"] == "disabled"
        await until(app, removed)
        events = (await api.get("/v1/events", params={"type": "endpoint.disabled"})).json()["data"]
        assert [e["data"]["endpoint_id"] for e in events] == [hook["endpoint_id"]]
        await api.create("deals", {"name": "Not for the gone hook"})
        await settle(app)
        assert len(target.at(path)) == 1


@pytest.fixture
async def small_hub(backend: str, tmp_path: Any) -> AsyncIterator[tuple[Litestar, Api]]:
    """A hub whose largest delivery is 2 KiB, with its background work running, and one organization."""
    settings: Settings = await make_settings(backend, tmp_path, webhook_max_payload_bytes=2048,
                                             **WEBHOOK_TEST_SETTINGS)
    app = create_app(settings)
    async with serving(app) as client:
        async with Hub.of(app).sessions.begin() as session:
            org, key = await tenancy.create_org(session, "Small")
        yield app, Api(client, org.id, key)


class TestLimits:
    async def test_a_body_over_the_payload_limit_is_not_sent(self, small_hub: tuple[Litestar, Api],
                                                              target: Receiver) -> None:
        app, api = small_hub
        path = hook_path()
        hook = await subscribe(api, target, path, "activity.created")
        contact = await api.create("contacts", {"first_name": "Ada"})
        big = await api.create("activities", {"type": "note", "body": "x" * 4000,
                                              "contact_id": contact["id"]})
        small = await api.create("activities", {"type": "note", "body": "short", "contact_id": contact["id"]})
        [request] = await target.wait_for(path, 1)
        assert verified(hook["secret"], request)["data"]["id"] == small["id"]
        log = await _log(api, hook["endpoint_id"])
        refused = next(m for m in log if m["status"] == "failed")
        assert refused["attempt_count"] == 0 and "exceeds 2048" in refused["last_error"]
        assert (await api.get(f"/v1/messages/{refused['id']}")).json()["payload"]["data"]["id"] == big["id"]

    async def test_samples_and_polls_stay_within_the_response_limit(self, app: Litestar, api: Api) -> None:
        from connectors.resthooks import service

        for n in range(3):
            await api.create("contacts", {"first_name": f"C{n}"})
        found = Hub.of(app).catalog.triggers["contact.created"]
        async with Hub.of(app).sessions() as session:
            whole = msgspec.json.decode(await service.poll(session, api.org_id, found, 10))
            sizes = [len(msgspec.json.encode(item)) for item in whole]
            cut = msgspec.json.decode(await service.poll(session, api.org_id, found, 10,
                                                         budget=2 + sizes[0] + 1 + sizes[1]))
            sampled = msgspec.json.decode(await service.samples(session, api.org_id, found, 10,
                                                                budget=2 + sizes[0]))
        assert len(whole) == 3 and cut == whole[:2] and sampled == whole[:1]
