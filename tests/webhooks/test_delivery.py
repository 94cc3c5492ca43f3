"""Deliveries driven end to end: a record changes, the receiver gets a signed request, the log shows it."""

from __future__ import annotations

import json
import uuid
from typing import Any, AsyncIterator

import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook

from tests.conftest import Api
from tests.webhooks.receiver import Receiver, start_receiver
from hub.runtime import Hub
from webhooks.worker import Worker


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec, runner = await start_receiver()
    yield rec
    await runner.cleanup()


def _path() -> str:
    return f"/hook/{uuid.uuid4().hex[:8]}"


async def _endpoint(api: Api, receiver: Receiver, path: str, **fields: Any) -> dict[str, Any]:
    made = await api.post("/v1/endpoints", {"url": receiver.url(path), **fields})
    assert made.status_code == 201, made.text
    return made.json()


def _verify(secret: str, request: Any) -> dict[str, Any]:
    """Both official verifiers accept the delivery exactly as it arrived."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    StandardWebhook(secret).verify(request.body, headers)
    SvixWebhook(secret).verify(request.body, headers)
    return json.loads(request.body)


async def _messages(api: Api, **params: Any) -> list[dict[str, Any]]:
    return (await api.get("/v1/messages", params=params)).json()["data"]


async def _settled(api: Api, message_id: str, attempts: int) -> dict[str, Any]:
    import asyncio

    for _ in range(200):
        message = (await api.get(f"/v1/messages/{message_id}")).json()
        if message["attempt_count"] >= attempts and message["status"] != "pending":
            return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} did not settle: {message}")


class TestSignedDelivery:
    async def test_a_record_change_reaches_the_endpoint_signed_and_logged(self, api: Api, receiver: Receiver) -> None:
        path = _path()
        endpoint = await _endpoint(api, receiver, path)
        assert endpoint["secret"].startswith("whsec_")
        contact = await api.create("contacts", {"first_name": "Ada"})
        [request] = await receiver.wait_for(path, 1)
        body = _verify(endpoint["secret"], request)
        assert body["type"] == "contact.created" and body["data"]["id"] == contact["id"]
        [message] = await _messages(api, endpoint_id=endpoint["id"])
        assert set(body) == {"id", "type", "timestamp", "data"} and body["id"] == message["event_id"]
        assert message["id"] == request.headers["webhook-id"]
        settled = await _settled(api, message["id"], 1)
        assert settled["status"] == "succeeded" and settled["payload"] == body
        [attempt] = (await api.get(f"/v1/messages/{message['id']}/attempts")).json()["data"]
        assert attempt["status_code"] == 200 and attempt["outcome"] == "succeeded"

    async def test_a_failure_is_retried_under_the_same_webhook_id(self, api: Api, receiver: Receiver) -> None:
        path = _path()
        receiver.script[path] = [500, 503, 200]
        endpoint = await _endpoint(api, receiver, path)
        await api.create("contacts", {"first_name": "Retry"})
        requests = await receiver.wait_for(path, 3)
        assert len({r.headers["webhook-id"] for r in requests}) == 1
        for request in requests:
            _verify(endpoint["secret"], request)
        [message] = await _messages(api, endpoint_id=endpoint["id"])
        settled = await _settled(api, message["id"], 3)
        attempts = (await api.get(f"/v1/messages/{message['id']}/attempts")).json()["data"]
        assert [(a["status_code"], a["outcome"]) for a in reversed(attempts)] == [
            (500, "retry"), (503, "retry"), (200, "succeeded")]
        assert settled["status"] == "succeeded"

    async def test_a_client_error_fails_at_once_and_410_disables_the_endpoint(self, api: Api,
                                                                             receiver: Receiver) -> None:
        bad, gone = _path(), _path()
        receiver.script[bad], receiver.script[gone] = [400], [410]
        first = await _endpoint(api, receiver, bad, event_types=["deal.created"])
        second = await _endpoint(api, receiver, gone, event_types=["deal.created"])
        await api.create("deals", {"name": "D"})
        await receiver.wait_for(bad, 1)
        await receiver.wait_for(gone, 1)
        [failed] = await _messages(api, endpoint_id=first["id"])
        assert (await _settled(api, failed["id"], 1))["status"] == "failed"
        [dropped] = await _messages(api, endpoint_id=second["id"])
        await _settled(api, dropped["id"], 1)
        state = (await api.get(f"/v1/endpoints/{second['id']}")).json()
        assert state["state"] == "disabled" and "410" in state["disabled_reason"]
        events = (await api.get("/v1/events", params={"type": "endpoint.disabled"})).json()["data"]
        assert [e["data"]["endpoint_id"] for e in events] == [second["id"]]
        assert (await api.get(f"/v1/endpoints/{first['id']}")).json()["state"] == "enabled"


class TestRouting:
    async def test_an_endpoint_gets_only_the_event_types_it_asked_for(self, api: Api, receiver: Receiver) -> None:
        deals, everything = _path(), _path()
        await _endpoint(api, receiver, deals, event_types=["deal.*"])
        await _endpoint(api, receiver, everything)
        await api.create("contacts", {"first_name": "A"})
        await api.create("deals", {"name": "D"})
        got = await receiver.wait_for(everything, 2)
        assert {json.loads(r.body)["type"] for r in got} == {"contact.created", "deal.created"}
        [only] = await receiver.wait_for(deals, 1)
        assert json.loads(only.body)["type"] == "deal.created"

    async def test_one_organization_never_receives_anothers_events(self, api: Api, other: Api,
                                                                  receiver: Receiver) -> None:
        mine, theirs = _path(), _path()
        await _endpoint(api, receiver, mine)
        await _endpoint(other, receiver, theirs)
        await other.create("contacts", {"first_name": "Theirs"})
        await receiver.wait_for(theirs, 1)
        await api.create("contacts", {"first_name": "Mine"})
        [delivered] = await receiver.wait_for(mine, 1)
        assert json.loads(delivered.body)["data"]["first_name"] == "Mine"
        assert all(json.loads(r.body)["data"]["first_name"] == "Theirs" for r in receiver.at(theirs))

    async def test_a_paused_endpoint_keeps_its_messages_until_resumed(self, api: Api, receiver: Receiver) -> None:
        path = _path()
        endpoint = await _endpoint(api, receiver, path, state="paused")
        await api.create("contacts", {"first_name": "Waiting"})
        [message] = await _waiting(api, endpoint["id"])
        assert message["status"] == "pending" and receiver.at(path) == []
        assert (await api.post(f"/v1/endpoints/{endpoint['id']}/resume")).json()["state"] == "enabled"
        await receiver.wait_for(path, 1)


async def _waiting(api: Api, endpoint_id: str) -> list[dict[str, Any]]:
    import asyncio

    for _ in range(100):
        if found := await _messages(api, endpoint_id=endpoint_id):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("no message was created")


class TestSecretsAndReplay:
    async def test_during_rotation_each_delivery_verifies_with_either_secret(self, api: Api,
                                                                            receiver: Receiver) -> None:
        path = _path()
        endpoint = await _endpoint(api, receiver, path)
        rotated = (await api.post(f"/v1/endpoints/{endpoint['id']}/secret/rotate")).json()
        assert rotated["secret"] != endpoint["secret"] and rotated["previous_expires_at"]
        assert (await api.get(f"/v1/endpoints/{endpoint['id']}/secret")).json()["secret"] == rotated["secret"]
        await api.post(f"/v1/endpoints/{endpoint['id']}/test")
        [request] = await receiver.wait_for(path, 1)
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        assert _verify(endpoint["secret"], request)["type"] == "webhook.test"
        _verify(rotated["secret"], request)

    async def test_resend_and_recover_send_failed_messages_again(self, api: Api, receiver: Receiver) -> None:
        path = _path()
        receiver.script[path] = [400, 400, 400]
        endpoint = await _endpoint(api, receiver, path, event_types=["lead.created"])
        await api.create("leads", {"first_name": "L1"})
        await api.create("leads", {"first_name": "L2"})
        await receiver.wait_for(path, 2)
        first, second = await _messages(api, endpoint_id=endpoint["id"])
        await _settled(api, first["id"], 1)
        await _settled(api, second["id"], 1)
        assert (await api.post(f"/v1/messages/{first['id']}/resend")).status_code == 202
        assert (await _settled(api, first["id"], 2))["status"] == "failed"
        recovered = await api.post(f"/v1/endpoints/{endpoint['id']}/recover", {"since": "2000-01-01T00:00:00Z"})
        assert recovered.json() == {"count": 2}
        assert (await _settled(api, first["id"], 3))["status"] == "succeeded"
        assert (await _settled(api, second["id"], 2))["status"] == "succeeded"


class TestEndpointApi:
    @pytest.mark.parametrize("url", [
        "http://10.0.0.1/hook", "https://169.254.169.254/latest/meta-data", "https://user:pw@hooks.example/x",
        "ftp://hooks.example/x", "http://hooks.example/x", "https://[::1]/x", "https://100.64.0.1/x",
    ])
    async def test_refuses_unsafe_urls(self, api: Api, url: str) -> None:
        refused = await api.post("/v1/endpoints", {"url": url})
        assert refused.status_code == 422, refused.text
        assert (await api.get("/v1/endpoints")).json()["data"] == []

    async def test_refuses_unknown_event_types_and_reserved_headers(self, api: Api, receiver: Receiver) -> None:
        assert (await api.post("/v1/endpoints", {"url": receiver.url(), "event_types": ["nope.made"]})).status_code == 422
        assert (await api.post("/v1/endpoints", {"url": receiver.url(),
                                                 "headers": {"webhook-id": "x"}})).status_code == 422

    async def test_custom_headers_are_sent_and_never_shown_back(self, api: Api, receiver: Receiver) -> None:
        path = _path()
        endpoint = await _endpoint(api, receiver, path, headers={"Authorization": "Bearer receiver-token"})
        assert endpoint["header_names"] == ["Authorization"] and "receiver-token" not in json.dumps(endpoint)
        await api.post(f"/v1/endpoints/{endpoint['id']}/test")
        [request] = await receiver.wait_for(path, 1)
        assert request.headers["Authorization"] == "Bearer receiver-token"

    async def test_another_organization_cannot_see_or_touch_an_endpoint(self, api: Api, other: Api,
                                                                        receiver: Receiver) -> None:
        endpoint = await _endpoint(api, receiver, _path())
        for call in (other.get(f"/v1/endpoints/{endpoint['id']}"), other.get(f"/v1/endpoints/{endpoint['id']}/secret"),
                     other.patch(f"/v1/endpoints/{endpoint['id']}", {"description": "x"}),
                     other.post(f"/v1/endpoints/{endpoint['id']}/test"),
                     other.delete(f"/v1/endpoints/{endpoint['id']}")):
            assert (await call).status_code == 404
        assert (await other.get("/v1/endpoints")).json()["data"] == []


class TestPacingAndMetrics:
    async def test_an_endpoint_rate_limit_spaces_its_attempts(self, api: Api, receiver: Receiver) -> None:
        path = _path()
        endpoint = await _endpoint(api, receiver, path, rate_limit=5)
        for _ in range(4):
            await api.post(f"/v1/endpoints/{endpoint['id']}/test")
        await receiver.wait_for(path, 4)
        starts = []
        for message in await _messages(api, endpoint_id=endpoint["id"]):
            await _settled(api, message["id"], 1)
            attempts = (await api.get(f"/v1/messages/{message['id']}/attempts")).json()["data"]
            starts.append(attempts[0]["started_at"])
        from datetime import datetime

        times = sorted(datetime.fromisoformat(s) for s in starts)
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
        assert all(gap >= 0.15 for gap in gaps), gaps

    async def test_attempts_and_queue_state_are_exported(self, app: Any, api: Api, receiver: Receiver,
                                                        client: Any) -> None:
        path = _path()
        endpoint = await _endpoint(api, receiver, path)
        await api.post(f"/v1/endpoints/{endpoint['id']}/test")
        await receiver.wait_for(path, 1)
        [message] = await _messages(api, endpoint_id=endpoint["id"])
        await _settled(api, message["id"], 1)
        await Hub.of(app).service(Worker).observe()
        text = (await client.get("/metrics")).text
        assert 'hub_webhook_attempts_total{outcome="succeeded"}' in text
        assert "hub_webhook_attempt_duration_seconds_bucket" in text
        assert 'hub_webhook_endpoints{state="enabled"}' in text and "hub_webhook_messages_pending" in text
