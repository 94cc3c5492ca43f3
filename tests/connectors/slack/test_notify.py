"""Notifications: an organization's rules, matched in the relay, posted through the job queue."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from litestar import Litestar
from sqlalchemy import select

from connectors.slack import notify
from connectors.slack.fake import FakeSlack
from connectors.slack.notify import Condition, holds
from hub.events.models import Event
from hub.jobs import GiveUp, Job, JobContext
from hub.jobs.models import JobRow
from hub.jobs.testing import settle
from tests.connectors.slack.conftest import Installed
from hub.runtime import Hub

DEALS_CHANNEL = "C0DEALS001"


async def _rule(org: Installed, event_type: str = "deal.created", conditions: list | None = None,
                channel: str = DEALS_CHANNEL) -> dict:
    answer = await org.api.post("/v1/slack/rules", {"name": "Big deals", "event_type": event_type,
                                                    "channel": channel, "conditions": conditions or []})
    assert answer.status_code == 201, answer.text
    return answer.json()


def _mine(fake: FakeSlack, org: Installed, channel: str = DEALS_CHANNEL) -> list[dict]:
    return [m for m in fake.posted(channel) if m["team"] == org.team_id]


async def _jobs(hub: Litestar, org_id: str) -> list[JobRow]:
    async with Hub.of(hub).sessions() as session:
        return list(await session.scalars(select(JobRow).where(JobRow.org_id == org_id,
                                                                JobRow.kind == "slack.notify")))


class TestConditions:
    @pytest.mark.parametrize("op, value, data, expected", [
        ("gte", 10000, {"amount": "48000"}, True),
        ("gte", "10000", {"amount": "9999.99"}, False),
        ("gt", 5, {"amount": None}, False),
        ("lt", 100, {"amount": "not a number"}, False),
        ("eq", "proposal", {"stage": "proposal"}, True),
        ("eq", 48000, {"amount": "48000.00"}, True),
        ("ne", "won", {"status": "open"}, True),
        ("in", ["proposal", "commit"], {"stage": "commit"}, True),
        ("in", ["proposal", "commit"], {"stage": "discovery"}, False),
        ("eq", True, {"active": True}, True),
        ("eq", "x", {}, False),
    ])
    def test_compares_numbers_as_numbers_and_the_rest_exactly(self, op: str, value: object, data: dict,
                                                              expected: bool) -> None:
        field = next(iter(data), "stage")
        assert holds(Condition(field=field, op=op, value=value), data) is expected  # type: ignore[arg-type]


class TestDelivery:
    async def test_posts_only_events_that_meet_the_rule_as_block_kit_with_buttons(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        await _rule(acme, conditions=[{"field": "amount", "op": "gte", "value": 10000}])
        await acme.api.create("deals", {"name": "Small", "amount": "5000"})
        big = await acme.api.create("deals", {"name": "Acme: 250 seats", "amount": "48000",
                                              "stage": "proposal", "owner_id": acme.rep["id"]})
        await settle(hub)
        [message] = _mine(fake_slack, acme)
        assert message["text"] == "Deal created: Acme: 250 seats"
        header, section, actions, context = message["blocks"]
        assert header["text"]["text"] == "Deal created: Acme: 250 seats"
        fields = " ".join(f["text"] for f in section["fields"])
        assert "USD 48,000" in fields and "Proposal" in fields and "Robin Rep" in fields
        assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
            ("crm_mark_won", f"deal:{big['id']}"), ("crm_assign_to_me", f"deal:{big['id']}"),
            ("crm_log_call", f"deal:{big['id']}")]
        [job] = await _jobs(hub, acme.api.org_id)
        assert job.status == "succeeded" and job.result == {"channel": DEALS_CHANNEL, "ts": message["ts"]}

    async def test_a_stage_condition_and_the_stage_change_it_shows(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        await _rule(acme, "deal.stage_changed", [{"field": "stage", "op": "eq", "value": "negotiation"}])
        deal = await acme.api.create("deals", {"name": "Moving", "stage": "discovery"})
        await acme.api.patch(f"/v1/deals/{deal['id']}", {"stage": "proposal"})
        await acme.api.patch(f"/v1/deals/{deal['id']}", {"stage": "negotiation"})
        await settle(hub)
        [message] = _mine(fake_slack, acme)
        assert "Proposal → Negotiation" in " ".join(f["text"] for f in message["blocks"][1]["fields"])

    async def test_an_event_relayed_twice_is_posted_once(self, hub: Litestar, acme: Installed,
                                                         fake_slack: FakeSlack) -> None:
        await _rule(acme)
        await acme.api.create("deals", {"name": "Once"})
        await settle(hub)
        async with Hub.of(hub).sessions() as session:
            events = list(await session.scalars(select(Event).where(Event.org_id == acme.api.org_id,
                                                                    Event.type == "deal.created")))
        async with Hub.of(hub).sessions.begin() as session:  # as if the relay's first commit were lost
            await notify.on_events(Hub.of(hub).jobs.context, session, events)
        await settle(hub)
        assert len(_mine(fake_slack, acme)) == 1 and len(await _jobs(hub, acme.api.org_id)) == 1

    async def test_an_inactive_rule_posts_nothing(self, hub: Litestar, acme: Installed,
                                                  fake_slack: FakeSlack) -> None:
        rule = await _rule(acme)
        await acme.api.patch(f"/v1/slack/rules/{rule['id']}", {"active": False})
        await acme.api.create("deals", {"name": "Quiet"})
        await settle(hub)
        assert _mine(fake_slack, acme) == [] and await _jobs(hub, acme.api.org_id) == []


class TestRateLimit:
    async def test_a_429_is_retried_after_exactly_its_retry_after_then_delivered(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        await _rule(acme)
        fake_slack.throttle("chat.postMessage", 1)
        mark = len(fake_slack.calls)
        await acme.api.create("deals", {"name": "Throttled"})
        await settle(hub)
        [job] = await _jobs(hub, acme.api.org_id)
        posts = [c for c in fake_slack.calls[mark:] if c.method == "chat.postMessage"]
        refused = posts[0]
        assert refused.status == 429
        if job.status == "pending":  # not yet retried: scheduled one Retry-After after the refusal
            assert "429" in job.last_error and "Retry-After 1" in job.last_error
            assert job.attempts == 1 and (job.next_attempt_at - job.created_at).total_seconds() >= 1.0

        async def delivered() -> None:
            while not _mine(fake_slack, acme):
                await asyncio.sleep(0.1)
                await settle(hub)
        await asyncio.wait_for(delivered(), timeout=10)
        posts = [c for c in fake_slack.calls[mark:] if c.method == "chat.postMessage"]
        assert [(c.status, c.team_id) for c in posts] == [(429, None), (200, acme.team_id)]
        assert posts[1].at - refused.at >= 1.0  # the backoff schedule alone would have waited 0.2 s
        [job] = await _jobs(hub, acme.api.org_id)
        assert job.status == "succeeded" and job.attempts == 2


class TestIsolation:
    async def test_one_organizations_rules_never_notify_another_workspace(
            self, hub: Litestar, acme: Installed, globex: Installed, fake_slack: FakeSlack) -> None:
        await _rule(acme)
        await globex.api.create("deals", {"name": "Globex secret deal"})
        await settle(hub)
        assert _mine(fake_slack, acme) == [] and _mine(fake_slack, globex) == []
        assert await _jobs(hub, globex.api.org_id) == []
        await acme.api.create("deals", {"name": "Acme deal"})
        await settle(hub)
        assert [m["text"] for m in _mine(fake_slack, acme)] == ["Deal created: Acme deal"]
        assert _mine(fake_slack, globex) == []


class TestEnded:
    async def test_after_an_uninstall_no_job_is_queued(self, hub: Litestar, acme: Installed,
                                                       fake_slack: FakeSlack) -> None:
        await _rule(acme)
        await acme.send(*fake_slack.uninstall(acme.team_id))
        await acme.api.create("deals", {"name": "Nobody listens"})
        await settle(hub)
        assert await _jobs(hub, acme.api.org_id) == [] and _mine(fake_slack, acme) == []

    async def test_a_queued_job_of_an_uninstalled_workspace_gives_up_without_posting(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        rule = await _rule(acme)
        installation = (await acme.api.get("/v1/slack/installation")).json()
        await acme.send(*fake_slack.uninstall(acme.team_id))
        event = {"id": "evt_x", "type": "deal.created", "subject_type": "deal", "subject_id": "dea_x",
                 "data": {"id": "dea_x", "name": "Late"}}
        job = Job(id="job_x", org_id=acme.api.org_id, kind="slack.notify", attempt=1,
                  created_at=datetime.now(timezone.utc),
                  payload={"rule_id": rule["id"], "installation_id": installation["id"], "event": event})
        with pytest.raises(GiveUp, match="uninstalled"):
            await notify.handle(JobContext(Hub.of(hub)), job)
        assert _mine(fake_slack, acme) == []

    async def test_a_channel_the_bot_cannot_post_in_fails_the_job_with_the_reason(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        await _rule(acme, channel="C0NOSUCH01")
        await acme.api.create("deals", {"name": "Lost"})
        await settle(hub)
        [job] = await _jobs(hub, acme.api.org_id)
        assert job.status == "failed" and "channel_not_found" in job.last_error and job.attempts == 1
