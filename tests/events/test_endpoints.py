"""`/v1/events`: events from the wider CRM, the event log and idempotent retries."""

from __future__ import annotations

import asyncio
import json

from litestar import Litestar

from hub.runtime import Hub
from tests.conftest import Api
from tests.test_bad_input import assert_problem
from tests.webhooks.receiver import start_receiver

OPENED = {"type": "email.opened", "data": {"message_id": "<m1@mail.example>", "email": "ada@acme.example"}}


class TestPostEvent:
    async def test_accepts_a_declared_event_and_lists_it(self, api: Api) -> None:
        posted = await api.post("/v1/events", OPENED)
        assert posted.status_code == 201, posted.text
        event = posted.json()
        assert event["type"] == "email.opened" and event["source"] == "api"
        listed = (await api.get("/v1/events", params={"type": "email.*"})).json()["data"]
        assert [e["id"] for e in listed] == [event["id"]]
        assert (await api.get(f"/v1/events/{event['id']}")).json() == event

    async def test_a_repeated_idempotency_key_returns_the_first_result(self, api: Api) -> None:
        headers = {"Idempotency-Key": "retry-1"}
        first = await api.post("/v1/events", OPENED, headers=headers)
        again = await api.post("/v1/events", OPENED, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert len((await api.get("/v1/events")).json()["data"]) == 1

    async def test_the_same_key_in_two_organizations_is_two_events(self, api: Api, other: Api) -> None:
        headers = {"Idempotency-Key": "shared"}
        a = (await api.post("/v1/events", OPENED, headers=headers)).json()
        b = (await other.post("/v1/events", OPENED, headers=headers)).json()
        assert a["id"] != b["id"]

    async def test_concurrent_retries_with_one_key_create_one_record(self, api: Api) -> None:
        headers = {"Idempotency-Key": "race"}
        answers = await asyncio.gather(*[api.post("/v1/contacts", {"first_name": "Ada"}, headers=headers)
                                         for _ in range(3)])
        assert {a.status_code for a in answers} <= {201, 409}
        assert len((await api.get("/v1/contacts")).json()["data"]) == 1
        created = [a.json()["id"] for a in answers if a.status_code == 201]
        assert len(set(created)) == 1

    async def test_record_creates_are_idempotent_too(self, api: Api) -> None:
        headers = {"Idempotency-Key": "contact-1"}
        first = await api.post("/v1/contacts", {"first_name": "Ada"}, headers=headers)
        again = await api.post("/v1/contacts", {"first_name": "Ada"}, headers=headers)
        assert first.json()["id"] == again.json()["id"]
        assert len((await api.get("/v1/events", params={"type": "contact.created"})).json()["data"]) == 1


class TestPostBatch:
    async def test_a_batch_is_written_in_order_and_logged(self, api: Api) -> None:
        items = [{**OPENED, "data": {**OPENED["data"], "message_id": f"<b{i}@mail.example>"}} for i in range(3)]
        posted = await api.post("/v1/events/batch", {"events": items})
        assert posted.status_code == 201, posted.text
        events = posted.json()["data"]
        assert [e["data"]["message_id"] for e in events] == ["<b0@mail.example>", "<b1@mail.example>",
                                                              "<b2@mail.example>"]
        logged = (await api.get("/v1/events")).json()["data"]
        assert sorted(e["id"] for e in logged) == sorted(e["id"] for e in events)

    async def test_one_bad_item_refuses_the_whole_batch_and_names_it(self, api: Api) -> None:
        bad = {"type": "email.opened", "data": {"message_id": "<x@mail.example>", "email": "not an email"}}
        refused = assert_problem(await api.post("/v1/events/batch", {"events": [OPENED, bad]}), 422, "events[1]")
        assert [e["field"] for e in refused["errors"]] == ["events[1].data"]
        assert (await api.get("/v1/events")).json()["data"] == []

    async def test_an_empty_or_oversized_batch_is_refused(self, api: Api) -> None:
        assert (await api.post("/v1/events/batch", {"events": []})).status_code in (400, 422)
        assert (await api.post("/v1/events/batch", {"events": [OPENED] * 101})).status_code in (400, 422)
        assert (await api.get("/v1/events")).json()["data"] == []

    async def test_a_batch_reaches_a_subscribed_endpoint_as_one_message_per_event(self, api: Api) -> None:
        receiver, runner = await start_receiver()
        try:
            created = await api.post("/v1/endpoints", {"url": receiver.url("/batch"), "event_types": ["email.*"]})
            assert created.status_code == 201, created.text
            items = [{**OPENED, "data": {**OPENED["data"], "message_id": f"<d{i}@mail.example>"}} for i in range(4)]
            assert (await api.post("/v1/events/batch", {"events": items})).status_code == 201
            got = await receiver.wait_for("/batch", 4, timeout=30)
        finally:
            await runner.cleanup()
        assert sorted(json.loads(r.body)["data"]["message_id"] for r in got) == sorted(
            i["data"]["message_id"] for i in items)


class TestEventLog:
    async def test_record_changes_and_domain_changes_are_logged_newest_first(self, app: Litestar, api: Api) -> None:
        deal = await api.create("deals", {"name": "Big", "amount": "1000"})
        await api.patch(f"/v1/deals/{deal['id']}", {"stage": "proposal"})
        await api.patch(f"/v1/deals/{deal['id']}", {"status": "won"})
        # Other modules may say more about the deal in the background (its score): the records' own events here.
        origins = Hub.of(app).catalog.origins
        types = [e["type"] for e in (await api.get("/v1/events", params={"subject_id": deal["id"]})).json()["data"]
                 if origins.get(f"event:{e['type']}") == "records"]
        assert types == ["deal.won", "deal.updated", "deal.stage_changed", "deal.updated", "deal.created"]
        stage = (await api.get("/v1/events", params={"type": "deal.stage_changed"})).json()["data"][0]
        assert stage["data"]["previous_stage"] == "qualification" and stage["data"]["stage"] == "proposal"
        updated = (await api.get("/v1/events", params={"type": "deal.updated"})).json()["data"][0]
        assert updated["data"]["changed_fields"] == ["closed_at", "status"]
        assert updated["data"]["previous"]["status"] == "open"

    async def test_lost_deals_and_converted_leads_have_their_events(self, api: Api) -> None:
        deal = await api.create("deals", {"name": "Gone"})
        await api.patch(f"/v1/deals/{deal['id']}", {"status": "lost", "lost_reason": "Budget"})
        lead = await api.create("leads", {"first_name": "Grace", "email": "grace@navy.example",
                                          "company_name": "Navy Labs"})
        converted = await api.post(f"/v1/leads/{lead['id']}/convert", {"create_deal": True, "deal_amount": "500"})
        assert converted.status_code == 200, converted.text
        body = converted.json()
        assert body["lead"]["status"] == "converted"
        assert body["contact"]["email"] == "grace@navy.example"
        assert body["company"]["name"] == "Navy Labs" and body["deal"]["amount"] == "500"
        types = {e["type"] for e in (await api.get("/v1/events", params={"limit": 200})).json()["data"]}
        assert {"deal.lost", "lead.converted", "contact.created", "company.created", "deal.created"} <= types
        again = await api.post(f"/v1/leads/{lead['id']}/convert", {})
        assert again.status_code == 409

    async def test_pages_through_the_log_with_a_cursor(self, api: Api) -> None:
        for i in range(5):
            await api.post("/v1/events", {**OPENED, "data": {**OPENED["data"], "message_id": f"<{i}@m>"}})
        ids, cursor = [], None
        while True:
            page = (await api.get("/v1/events", params={"limit": 2, **({"cursor": cursor} if cursor else {})})).json()
            ids += [e["data"]["message_id"] for e in page["data"]]
            if not (cursor := page["next_cursor"]):
                break
        assert ids == [f"<{i}@m>" for i in reversed(range(5))]
