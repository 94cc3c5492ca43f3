"""The buttons on notifications and on /crm answers: they act on the CRM, then the message shows it."""

from __future__ import annotations

import json

from litestar import Litestar

from connectors.slack.fake import FakeSlack
from hub.app import create_app
from hub.jobs.testing import settle
from hub.settings import Settings
from tests.conftest import serving
from tests.connectors.slack.conftest import EVENTS, Installed

DEALS_CHANNEL = "C0DEALS001"


async def _notified_deal(hub: Litestar, org: Installed, fake: FakeSlack,
                         **fields: object) -> tuple[dict, dict]:
    """A deal, and the notification a rule posted about it."""
    answer = await org.api.post("/v1/slack/rules", {"name": "New deals", "event_type": "deal.created",
                                                    "channel": DEALS_CHANNEL})
    assert answer.status_code == 201, answer.text
    deal = await org.api.create("deals", {"name": "Acme: 250 seats", "amount": "48000", **fields})
    await settle(hub)
    [message] = [m for m in fake.posted(DEALS_CHANNEL) if m["team"] == org.team_id]
    return deal, message


def _buttons(message: dict) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _notes(message: dict) -> list[str]:
    return [b["elements"][0]["text"] for b in message["blocks"]
            if b.get("block_id", "").startswith("crm_done_")]


class TestNotificationButtons:
    async def test_mark_won_wins_the_deal_fires_deal_won_and_updates_the_message(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        deal, message = await _notified_deal(hub, acme, fake_slack)
        answer = await acme.click("crm_mark_won", message=message)
        assert answer.status_code == 200
        assert (await acme.api.get(f"/v1/deals/{deal['id']}")).json()["status"] == "won"
        won = (await acme.api.get("/v1/events", params={"type": "deal.won"})).json()["data"]
        assert [e["subject_id"] for e in won] == [deal["id"]]
        assert _notes(message) == [f":trophy: Marked won by <@{acme.rep_slack}>"]
        assert "crm_mark_won" not in _buttons(message) and "edited" in message
        assert "*Status*\\nwon" in json.dumps(message["blocks"][1])

    async def test_assign_to_me_sets_the_owner_to_the_clicking_users_crm_user(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        deal, message = await _notified_deal(hub, acme, fake_slack)
        await acme.click("crm_assign_to_me", message=message)
        assert (await acme.api.get(f"/v1/deals/{deal['id']}")).json()["owner_id"] == acme.rep["id"]
        assert _notes(message) == [f":bust_in_silhouette: Assigned to Robin Rep by <@{acme.rep_slack}>"]
        assert "Robin Rep" in json.dumps(message["blocks"][1])

    async def test_log_a_call_creates_an_activity_and_notes_pile_up(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        deal, message = await _notified_deal(hub, acme, fake_slack)
        await acme.click("crm_log_call", message=message)
        await acme.click("crm_log_call", message=message)
        calls = (await acme.api.get("/v1/activities", params={"deal_id": deal["id"]})).json()["data"]
        assert len(calls) == 2 and {(c["type"], c["owner_id"]) for c in calls} == {("call", acme.rep["id"])}
        assert _notes(message) == [f":telephone_receiver: Call logged by <@{acme.rep_slack}>"] * 2
        assert len(message["blocks"]) == 6  # header, card, buttons, two notes, context

    async def test_a_slack_user_who_is_not_a_crm_user_changes_nothing(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        deal, message = await _notified_deal(hub, acme, fake_slack)
        fake_slack.add_user(acme.team_id, "U0STRANGER", "stranger@elsewhere.example", "Stranger")
        before = json.dumps(message["blocks"])
        await acme.click("crm_mark_won", user="U0STRANGER", message=message)
        assert (await acme.api.get(f"/v1/deals/{deal['id']}")).json()["status"] == "open"
        refusal = acme.last_response()
        assert refusal["replace_original"] is False and "not an active user" in refusal["text"]
        assert json.dumps(message["blocks"]) == before

    async def test_a_deal_deleted_since_the_message_gets_a_clear_answer(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        deal, message = await _notified_deal(hub, acme, fake_slack)
        assert (await acme.api.delete(f"/v1/deals/{deal['id']}")).status_code == 204
        await acme.click("crm_assign_to_me", message=message)
        text = acme.last_response()["text"]
        assert "No deal" in text and "Traceback" not in text

    async def test_a_button_never_reaches_a_record_of_another_organization(
            self, hub: Litestar, acme: Installed, globex: Installed, fake_slack: FakeSlack) -> None:
        deal, message = await _notified_deal(hub, acme, fake_slack)
        # The same message shown in Globex's workspace (say, forwarded): its team resolves to Globex.
        await globex.click("crm_mark_won", message=message)
        assert (await acme.api.get(f"/v1/deals/{deal['id']}")).json()["status"] == "open"
        assert "No deal" in globex.last_response()["text"]

    async def test_winning_a_deal_notifies_the_rules_on_deal_won(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        await acme.api.post("/v1/slack/rules", {"name": "Wins", "event_type": "deal.won",
                                                "channel": "C0GENERAL1"})
        _, message = await _notified_deal(hub, acme, fake_slack)
        await acme.click("crm_mark_won", message=message)
        await settle(hub)
        [won] = [m for m in fake_slack.posted("C0GENERAL1") if m["team"] == acme.team_id]
        assert won["text"] == "Deal won: Acme: 250 seats" and "crm_mark_won" not in _buttons(won)


class TestAnswerButtons:
    async def test_buttons_on_an_ephemeral_deal_answer_replace_it_through_the_response_url(
            self, acme: Installed) -> None:
        deal = await acme.api.create("deals", {"name": "Ephemeral deal", "amount": "100"})
        await acme.command("deal ephemeral")
        shown = acme.last_response()
        await acme.click("crm_mark_won", ephemeral=shown, value=f"deal:{deal['id']}")
        assert (await acme.api.get(f"/v1/deals/{deal['id']}")).json()["status"] == "won"
        replaced = acme.last_response()
        assert replaced["replace_original"] is True and "crm_mark_won" not in _buttons(replaced)
        assert f"Marked won by <@{acme.rep_slack}>" in json.dumps(replaced["blocks"])


class TestReplays:
    async def test_a_click_replayed_within_its_window_acts_once(self, hub: Litestar, acme: Installed,
                                                                fake_slack: FakeSlack) -> None:
        deal, message = await _notified_deal(hub, acme, fake_slack)
        body, headers = fake_slack.click(acme.team_id, acme.rep_slack, "crm_log_call", message=message)
        answers = [await acme.send(body, headers) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        calls = (await acme.api.get("/v1/activities", params={"deal_id": deal["id"]})).json()["data"]
        assert len(calls) == 1 and _notes(message) == [f":telephone_receiver: Call logged by <@{acme.rep_slack}>"]

    async def test_a_replay_reaching_another_process_is_caught_there_too(
            self, hub: Litestar, slack_settings: Settings, acme: Installed, fake_slack: FakeSlack) -> None:
        deal, message = await _notified_deal(hub, acme, fake_slack)
        body, headers = fake_slack.click(acme.team_id, acme.rep_slack, "crm_log_call", message=message)
        assert (await acme.send(body, headers)).status_code == 200
        async with serving(create_app(slack_settings)) as elsewhere:
            assert (await elsewhere.post(EVENTS, content=body, headers=headers)).status_code == 200
        calls = (await acme.api.get("/v1/activities", params={"deal_id": deal["id"]})).json()["data"]
        assert len(calls) == 1

    async def test_a_command_sent_twice_is_answered_once(self, acme: Installed) -> None:
        body, headers = acme.fake.command(acme.team_id, acme.rep_slack, "lead twice@acme.example Twice")
        for _ in range(2):
            assert (await acme.send(body, headers)).status_code == 200
        assert len((await acme.api.get("/v1/leads", params={"email": "twice@acme.example"})).json()["data"]) == 1
