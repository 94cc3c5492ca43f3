"""Every request to /slack/events must carry Slack's v0 signature, at most five minutes old."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from connectors.slack.fake import FakeSlack
from tests.connectors.slack.conftest import EVENTS, Installed
from tests.test_bad_input import assert_problem


class TestSignature:
    async def test_the_fakes_requests_verify_with_the_official_library_and_are_answered(
            self, acme: Installed, fake_slack: FakeSlack) -> None:
        body, headers = fake_slack.command(acme.team_id, acme.rep_slack, "help")
        assert SignatureVerifier(fake_slack.signing_secret).is_valid_request(body, headers)
        answer = await acme.send(body, headers)
        assert answer.status_code == 200 and "/crm find" in answer.json()["text"]

    @pytest.mark.parametrize("how, mention", [
        ("forged", "does not match"),
        ("tampered", "does not match"),
        ("stale", "five minutes"),
        ("ahead", "five minutes"),
        ("unsigned", "required"),
        ("no-timestamp", "required"),
        ("garbled-timestamp", "unix time"),
    ])
    async def test_refuses_a_forged_stale_or_unsigned_request_with_401_and_does_nothing(
            self, acme: Installed, fake_slack: FakeSlack, how: str, mention: str) -> None:
        body, headers = fake_slack.command(acme.team_id, acme.rep_slack, "lead forged@evil.example Mallory")
        now = int(time.time())
        if how == "forged":
            headers.update(fake_slack.sign(body, secret="not-the-signing-secret"))
        elif how == "tampered":
            body = body.replace(b"forged%40evil", b"other%40evil")
        elif how == "stale":
            headers.update(fake_slack.sign(body, timestamp=now - 301))
        elif how == "ahead":
            headers.update(fake_slack.sign(body, timestamp=now + 600))
        elif how == "unsigned":
            del headers["X-Slack-Signature"]
        elif how == "no-timestamp":
            del headers["X-Slack-Request-Timestamp"]
        elif how == "garbled-timestamp":
            headers["X-Slack-Request-Timestamp"] = "yesterday"
        responses = len(fake_slack.responses)
        assert_problem(await acme.send(body, headers), 401, mention)
        assert len(fake_slack.responses) == responses
        assert (await acme.api.get("/v1/leads")).json()["data"] == []

    async def test_answers_slacks_url_verification_challenge(self, acme: Installed,
                                                             fake_slack: FakeSlack) -> None:
        body = json.dumps({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                           "type": "url_verification"}).encode()
        answer = await acme.send(body, {"Content-Type": "application/json", **fake_slack.sign(body)})
        assert answer.status_code == 200
        assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.text

    async def test_refuses_a_body_over_the_size_limit(self, acme: Installed, fake_slack: FakeSlack,
                                                      hub_client: httpx.AsyncClient) -> None:
        body, headers = fake_slack.command(acme.team_id, acme.rep_slack, "find " + "x" * 2_000_000)
        assert_problem(await hub_client.post(EVENTS, content=body, headers=headers), 413)
