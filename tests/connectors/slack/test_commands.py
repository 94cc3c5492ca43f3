"""`/crm` driven the way Slack drives it: a signed form post, an answer within the request, results later
through the command's response_url."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from litestar import Litestar

from connectors.slack.fake import FakeSlack
from tests.connectors.slack.conftest import Installed, install, new_team
from hub.runtime import Hub
from connectors.slack import Slack


def _said(message: dict) -> str:
    """Everything a person reads in a message: its text and the text of its blocks."""
    return message.get("text", "") + " " + json.dumps(message.get("blocks") or [], ensure_ascii=False)


class TestAcknowledgement:
    @pytest.mark.parametrize("text", ["help", "", "  HELP  "])
    async def test_help_is_the_acknowledgement_itself(self, acme: Installed, text: str) -> None:
        answer = await acme.command(text)
        assert answer.status_code == 200
        body = answer.json()
        assert body["response_type"] == "ephemeral"
        assert all(f"/crm {sub}" in body["text"] for sub in ("find", "deal", "lead", "pipeline", "help"))

    @pytest.mark.parametrize("text, mention", [
        ("frobnicate now", "`frobnicate` is not a /crm subcommand"),
        ("find", "Say what to look for"),
        ("deal", "part of a deal's name"),
        ("lead", "is not an email address"),
        ("lead grace-at-navy Grace", "`grace-at-navy` is not an email address"),
        ("lead <@U123>", "is not an email address"),
        ("pipeline please", "takes no arguments"),
        ("find " + "y" * 201, "at most 200 characters"),
    ])
    async def test_mistakes_get_a_helpful_answer_at_once_and_change_nothing(
            self, acme: Installed, fake_slack: FakeSlack, text: str, mention: str) -> None:
        responses = len(fake_slack.responses)
        answer = await acme.command(text)
        assert answer.status_code == 200
        body = answer.json()
        assert mention in body["text"] and ("Usage" in body["text"] or "/crm find" in body["text"])
        assert "Traceback" not in body["text"] and len(fake_slack.responses) == responses
        assert (await acme.api.get("/v1/leads")).json()["data"] == []

    async def test_a_command_that_reads_the_crm_is_acknowledged_empty_and_answered_later(
            self, acme: Installed) -> None:
        answer = await acme.command("pipeline")
        assert answer.status_code == 200 and answer.content == b""
        assert acme.last_response()["response_type"] == "ephemeral"


class TestSubcommands:
    async def test_find_by_email_and_by_part_of_a_name(self, acme: Installed) -> None:
        company = await acme.api.create("companies", {"name": "Analytical Engines Ltd"})
        await acme.api.create("contacts", {"first_name": "Ada", "last_name": "Lovelace",
                                           "email": "ada@engines.example", "company_id": company["id"]})
        await acme.api.create("leads", {"first_name": "Charles", "last_name": "Babbage",
                                        "email": "charles@engines.example", "company_name": "Engines"})
        await acme.command("find ADA@engines.example")
        found = _said(acme.last_response())
        assert "Ada Lovelace" in found and "Babbage" not in found
        await acme.command("find engine")
        found = _said(acme.last_response())
        assert "Ada Lovelace" in found and "Charles Babbage" in found and "Analytical Engines Ltd" in found
        await acme.command("find nobody-here")
        assert "Nothing in the CRM matches" in acme.last_response()["text"]

    async def test_find_never_reaches_another_organization(self, acme: Installed, globex: Installed) -> None:
        await globex.api.create("contacts", {"first_name": "Secret", "last_name": "Agent",
                                             "email": "s@globex.example"})
        await acme.command("find secret")
        assert "Nothing in the CRM matches" in acme.last_response()["text"]

    async def test_find_escapes_what_records_say(self, acme: Installed) -> None:
        await acme.api.create("contacts", {"first_name": "<!channel>", "last_name": "Mallory",
                                           "email": "m@evil.example"})
        await acme.command("find mallory")
        said = _said(acme.last_response())
        assert "&lt;!channel&gt;" in said and "<!channel>" not in said

    async def test_deal_shows_matching_deals_with_their_buttons(self, acme: Installed) -> None:
        await acme.api.create("deals", {"name": "Acme Corp: 250 seats", "amount": "48000",
                                        "stage": "proposal"})
        await acme.api.create("deals", {"name": "Other thing", "amount": "10"})
        await acme.command("deal acme corp")
        message = acme.last_response()
        said = _said(message)
        assert "Acme Corp: 250 seats" in said and "USD 48,000" in said and "Proposal" in said
        assert "Other thing" not in said
        buttons = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert buttons == ["crm_mark_won", "crm_assign_to_me", "crm_log_call"]

    async def test_lead_creates_a_lead_owned_by_the_person_who_asked(self, acme: Installed) -> None:
        await acme.command("lead Grace@Navy.example Grace Brewster Hopper")
        assert "Lead created" in acme.last_response()["text"]
        lead = (await acme.api.get("/v1/leads", params={"email": "grace@navy.example"})).json()["data"][0]
        assert (lead["first_name"], lead["last_name"]) == ("Grace Brewster", "Hopper")
        assert lead["owner_id"] == acme.rep["id"] and lead["source"] == "slack"
        events = (await acme.api.get("/v1/events", params={"type": "lead.created"})).json()["data"]
        assert [e["data"]["id"] for e in events] == [lead["id"]]
        await acme.command("lead grace@navy.example")
        assert "exists already" in acme.last_response()["text"]
        assert len((await acme.api.get("/v1/leads")).json()["data"]) == 1

    async def test_pipeline_totals_open_deals_by_stage(self, acme: Installed) -> None:
        for name, amount, stage in (("A", "10000", "proposal"), ("B", "20000.50", "proposal"),
                                    ("C", "5000", "discovery"), ("D", None, "discovery")):
            await acme.api.create("deals", {"name": name, "stage": stage,
                                            **({"amount": amount} if amount else {})})
        won = await acme.api.create("deals", {"name": "E", "amount": "999999", "stage": "proposal"})
        await acme.api.patch(f"/v1/deals/{won['id']}", {"status": "won"})
        await acme.command("pipeline")
        said = _said(acme.last_response())
        assert "*Proposal*\\n2 deals · USD 30,000.50" in said
        assert "*Discovery*\\n2 deals · USD 5,000" in said
        assert "*Total* USD 35,000.50" in said and "999,999" not in said

    async def test_pipeline_without_open_deals(self, acme: Installed) -> None:
        await acme.command("pipeline")
        assert acme.last_response()["text"] == "There are no open deals."


class TestWhoMayAsk:
    async def test_a_slack_user_who_is_not_a_crm_user_is_refused(self, acme: Installed,
                                                                 fake_slack: FakeSlack) -> None:
        fake_slack.add_user(acme.team_id, "U0STRANGER", "stranger@elsewhere.example", "Stranger")
        await acme.command("lead someone@else.example", user="U0STRANGER")
        assert "stranger@elsewhere.example is not an active user" in acme.last_response()["text"]
        assert (await acme.api.get("/v1/leads")).json()["data"] == []

    async def test_a_deactivated_crm_user_is_refused(self, acme: Installed) -> None:
        await acme.api.patch(f"/v1/users/{acme.rep['id']}", {"active": False})
        await acme.command("find x")
        assert "is not an active user" in acme.last_response()["text"]

    async def test_a_short_429_on_users_info_is_waited_out_and_the_answer_comes(
            self, acme: Installed, fake_slack: FakeSlack) -> None:
        fake_slack.throttle("users.info", 1)
        mark = len(fake_slack.calls)
        await acme.command("find nobody-at-all")
        assert "Nothing in the CRM matches" in acme.last_response()["text"]
        refused, answered = [c for c in fake_slack.calls[mark:] if c.method == "users.info"]
        assert (refused.status, answered.status) == (429, 200) and answered.at - refused.at >= 1.0

    async def test_when_slack_will_not_say_who_asks_the_answer_says_so(
            self, acme: Installed, fake_slack: FakeSlack) -> None:
        fake_slack.throttle("users.info", 30)
        await acme.command("find x")
        text = acme.last_response()["text"]
        assert "Slack would not tell us who you are (ratelimited)" in text and "Traceback" not in text

    async def test_a_workspace_that_is_not_installed_is_told_how_to_connect(
            self, hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack) -> None:
        team_id = new_team(fake_slack, "Stray")
        body, headers = fake_slack.command(team_id, "U0STRAY001", "find x")
        answer = await hub_client.post("/slack/events", content=body, headers=headers)
        await Hub.of(hub).service(Slack).drain()
        assert answer.status_code == 200
        assert "not connected to a CRM organization" in answer.text and "/v1/slack/install" in answer.text
        assert not [r for r in fake_slack.responses if f"/{team_id}/" in r["url"]]  # said once, in the answer

    async def test_a_workspace_that_is_not_installed_is_answered_200_when_its_response_url_is_unreachable(
            self, hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack) -> None:
        team_id = new_team(fake_slack, "Gone")
        body, _ = fake_slack.command(team_id, "U0GONE0001", "find x")
        form = dict(parse_qsl(body.decode()))
        form["response_url"] = "http://127.0.0.1:9/hooks/commands/unreachable"
        body = urlencode(form).encode()
        answer = await hub_client.post("/slack/events", content=body, headers={
            **fake_slack.sign(body), "Content-Type": "application/x-www-form-urlencoded"})
        assert answer.status_code == 200 and "not connected to a CRM organization" in answer.text

    async def test_each_workspace_reaches_only_its_own_organization(
            self, hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack) -> None:
        first = await install(hub, hub_client, fake_slack, "First")
        second = await install(hub, hub_client, fake_slack, "Second")
        await first.command("lead one@first.example One")
        await second.command("lead two@second.example Two")
        for org, email in ((first, "one@first.example"), (second, "two@second.example")):
            assert [x["email"] for x in (await org.api.get("/v1/leads")).json()["data"]] == [email]
