"""Trigger filters, applied by the hub before delivery: a hook limited to one pipeline, a stage, an amount, a
changed field or one kind of activity never receives the other events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.conditions import accepts, holds
from tests.conftest import Api
from tests.connectors.resthooks.conftest import hook_path, subscribe, verified
from tests.webhooks.receiver import Receiver


async def _filtered(api: Api, target: Receiver, path: str, event: str, filters: dict[str, Any]) -> dict[str, Any]:
    made = await api.post("/v1/hooks", {"target_url": target.url(path), "event": event, "platform": "zapier",
                                        "filters": filters})
    assert made.status_code == 201, made.text
    return made.json()


async def _ids(target: Receiver, path: str, count: int) -> list[str]:
    return [json.loads(r.body)["data"]["id"] for r in await target.wait_for(path, count)]


class TestConditions:
    @pytest.mark.parametrize(("condition", "data", "expected"), [
        ({"field": "amount", "op": "gte", "value": "1000"}, {"amount": "1000.00"}, True),
        ({"field": "amount", "op": "gte", "value": 1000}, {"amount": "999.99"}, False),
        ({"field": "amount", "op": "gte", "value": "lots"}, {"amount": "5"}, False),
        ({"field": "amount", "op": "lte", "value": "10"}, {"amount": None}, False),
        ({"field": "stage", "op": "eq", "value": "won"}, {"stage": "won"}, True),
        ({"field": "done", "op": "eq", "value": "true"}, {"done": True}, True),
        ({"field": "changed_fields", "op": "contains", "value": "email"}, {"changed_fields": ["email"]}, True),
        ({"field": "changed_fields", "op": "contains", "value": "email"}, {"changed_fields": "email"}, False),
    ])
    def test_each_operator(self, condition: dict[str, Any], data: dict[str, Any], expected: bool) -> None:
        assert holds(condition, data) is expected

    def test_no_condition_takes_everything(self) -> None:
        assert accepts(None, {}) and accepts([], {"a": 1})


class TestFilteredHooks:
    async def test_deal_won_above_an_amount_in_one_pipeline(self, api: Api, target: Receiver) -> None:
        other = await api.create("pipelines", {"name": "Partners", "stages": [{"key": "intro", "label": "Intro"}]})
        default = (await api.get("/v1/pipelines", params={"is_default": "true"})).json()["data"][0]
        path, every = hook_path(), hook_path()
        hook = await _filtered(api, target, path, "deal.won", {"pipeline_id": default["id"], "min_amount": "1000"})
        assert hook["filters"] == {"pipeline_id": default["id"], "min_amount": "1000"}
        await subscribe(api, target, every, "deal.won")
        small = await api.create("deals", {"name": "Small", "amount": "999.99", "status": "won"})
        elsewhere = await api.create("deals", {"name": "Partner", "amount": "5000", "status": "won",
                                               "pipeline_id": other["id"], "stage": "intro"})
        big = await api.create("deals", {"name": "Big", "amount": "1000", "status": "won"})
        assert sorted(await _ids(target, every, 3)) == sorted([small["id"], elsewhere["id"], big["id"]])
        [request] = await target.wait_for(path, 1)
        assert verified(hook["secret"], request)["data"]["id"] == big["id"]
        assert len(target.at(path)) == 1

    async def test_stage_changed_into_one_stage(self, api: Api, target: Receiver) -> None:
        path = hook_path()
        await _filtered(api, target, path, "deal.stage_changed", {"stage": "proposal", "pipeline_id": ""})
        deal = await api.create("deals", {"name": "Moving"})
        stages = [s["id"] for s in (await api.get("/v1/choices/stages")).json()]
        for stage in stages[1:4]:
            assert (await api.patch(f"/v1/deals/{deal['id']}", {"stage": stage})).status_code == 200
        [request] = await target.wait_for(path, 1)
        assert json.loads(request.body)["data"]["stage"] == "proposal" and "proposal" in stages[1:4]

    async def test_field_changed(self, api: Api, target: Receiver) -> None:
        path = hook_path()
        await _filtered(api, target, path, "contact.updated", {"changed_field": "email"})
        contact = await api.create("contacts", {"first_name": "Ada"})
        await api.patch(f"/v1/contacts/{contact['id']}", {"title": "CTO"})
        await api.patch(f"/v1/contacts/{contact['id']}", {"email": "ada@example.com"})
        [request] = await target.wait_for(path, 1)
        assert json.loads(request.body)["data"]["changed_fields"] == ["email"]

    async def test_new_note_is_a_trigger_of_its_own(self, api: Api, target: Receiver) -> None:
        path = hook_path()
        await subscribe(api, target, path, "note.created")
        contact = await api.create("contacts", {"first_name": "Ada"})
        await api.create("activities", {"type": "call", "contact_id": contact["id"]})
        note = await api.create("activities", {"type": "note", "body": "Likes tea", "contact_id": contact["id"]})
        [request] = await target.wait_for(path, 1)
        assert json.loads(request.body)["data"]["id"] == note["id"]
        listed = (await api.get("/v1/triggers/note.created/samples")).json()
        assert [item["data"]["id"] for item in listed] == [note["id"]]

    @pytest.mark.parametrize(("filters", "field"), [
        ({"colour": "red"}, "filters.colour"), ({"changed_field": "shoe_size"}, "filters.changed_field")])
    async def test_a_filter_the_trigger_lacks_is_refused(self, api: Api, target: Receiver,
                                                         filters: dict[str, Any], field: str) -> None:
        event = "contact.updated"
        answer = await api.post("/v1/hooks", {"target_url": target.url(hook_path()), "event": event,
                                              "platform": "make", "filters": filters})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
