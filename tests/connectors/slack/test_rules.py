"""`/v1/slack/rules`: what an organization may ask to be told about, checked against the catalog."""

from __future__ import annotations

from typing import Any

import pytest

from tests.connectors.slack.conftest import Installed
from tests.test_bad_input import assert_problem

RULE = {"name": "Big deals", "event_type": "deal.created", "channel": "C0DEALS001",
        "conditions": [{"field": "amount", "op": "gte", "value": 10000}]}


class TestRules:
    async def test_create_read_list_change_and_delete(self, acme: Installed) -> None:
        created = await acme.api.post("/v1/slack/rules", RULE)
        assert created.status_code == 201, created.text
        rule = created.json()
        assert rule["conditions"] == RULE["conditions"] and rule["active"] is True
        assert (await acme.api.get(f"/v1/slack/rules/{rule['id']}")).json() == rule
        assert [r["id"] for r in (await acme.api.get("/v1/slack/rules")).json()["data"]] == [rule["id"]]
        changed = await acme.api.patch(f"/v1/slack/rules/{rule['id']}", {
            "event_type": "deal.stage_changed", "conditions": [{"field": "stage", "op": "in",
                                                                 "value": ["proposal", "commit"]}]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["event_type"] == "deal.stage_changed" and changed.json()["version"] == 2
        assert (await acme.api.delete(f"/v1/slack/rules/{rule['id']}")).status_code == 204
        assert_problem(await acme.api.get(f"/v1/slack/rules/{rule['id']}"), 404)

    @pytest.mark.parametrize("change, status, mention", [
        ({"event_type": "deal.exploded"}, 422, "not an event type"),
        ({"channel": "#sales"}, 422, "channel id"),
        ({"conditions": [{"field": "colour", "op": "eq", "value": "red"}]}, 422, "has no field 'colour'"),
        ({"conditions": [{"field": "amount", "op": "gte", "value": "lots"}]}, 422, "give a number"),
        ({"conditions": [{"field": "stage", "op": "in", "value": "proposal"}]}, 422, "list goes with `in`"),
        ({"conditions": [{"field": "stage", "op": "eq", "value": ["a"]}]}, 422, "list goes with `in`"),
        ({"conditions": [{"field": "stage", "op": "like", "value": "x"}]}, 400, None),
        ({"conditions": [{"field": "stage", "op": "eq", "value": "x", "extra": 1}]}, 400, None),
        ({"name": ""}, 400, None),
        ({"surprise": True}, 400, None),
    ])
    async def test_refuses_rules_that_cannot_match(self, acme: Installed, change: dict[str, Any], status: int,
                                                   mention: str | None) -> None:
        assert_problem(await acme.api.post("/v1/slack/rules", {**RULE, **change}), status, mention)
        assert (await acme.api.get("/v1/slack/rules")).json()["data"] == []

    async def test_a_change_is_checked_against_what_it_leaves(self, acme: Installed) -> None:
        rule = (await acme.api.post("/v1/slack/rules", RULE)).json()
        # amount is a field of deal.created but not of lead.created: the old conditions no longer fit.
        changed = await acme.api.patch(f"/v1/slack/rules/{rule['id']}", {"event_type": "lead.created"})
        assert_problem(changed, 422, "has no field 'amount'")
        assert (await acme.api.get(f"/v1/slack/rules/{rule['id']}")).json()["event_type"] == "deal.created"

    async def test_another_organizations_rules_are_not_found(self, acme: Installed,
                                                             globex: Installed) -> None:
        other = globex.api
        rule = (await acme.api.post("/v1/slack/rules", RULE)).json()
        url = f"/v1/slack/rules/{rule['id']}"
        for call in (other.get(url), other.delete(url), other.patch(url, {"active": False})):
            assert_problem(await call, 404)
        assert (await other.get("/v1/slack/rules")).json()["data"] == []
        assert (await acme.api.get(f"/v1/slack/rules/{rule['id']}")).json()["active"] is True


class TestIdempotency:
    async def test_a_rule_created_twice_under_one_key_is_made_once(self, acme: Installed) -> None:
        key = {"Idempotency-Key": "rule-once"}
        first = await acme.api.post("/v1/slack/rules", RULE, headers=key)
        again = await acme.api.post("/v1/slack/rules", RULE, headers=key)
        assert first.status_code == again.status_code == 201 and again.json() == first.json()
        assert len((await acme.api.get("/v1/slack/rules")).json()["data"]) == 1
        assert_problem(await acme.api.post("/v1/slack/rules", {**RULE, "name": "Other"}, headers=key), 409)
