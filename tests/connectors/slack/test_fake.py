"""The loopback Slack answers the official client (slack_sdk) the way Slack does."""

from __future__ import annotations

from typing import AsyncIterator

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from connectors.slack.fake import FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    server.add_workspace("T0FAKE0001", "Fake Co", channels=("C0GENERAL1",))
    server.add_workspace("T0FAKE0002", "Other Co", channels=("C0GENERAL1",))
    yield server
    await server.stop()


async def _bot_token(fake: FakeSlack, team_id: str = "T0FAKE0001") -> str:
    """Install through the consent page and oauth.v2.access, as the hub does."""
    fake.consent = (team_id, "U0ADMIN001")
    redirect = "https://hub.example/slack/oauth/callback"
    async with httpx.AsyncClient() as browser:
        page = await browser.get(f"{fake.url}/oauth/v2/authorize", params={
            "client_id": fake.client_id, "scope": "chat:write", "redirect_uri": redirect, "state": "s1"})
    back = httpx.URL(page.headers["location"])
    assert back.params["state"] == "s1"
    answer = await AsyncWebClient(base_url=fake.api_url).oauth_v2_access(
        client_id=fake.client_id, client_secret=fake.client_secret, code=back.params["code"],
        redirect_uri=redirect)
    assert answer["token_type"] == "bot" and answer["team"]["id"] == team_id
    return answer["access_token"]


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return exc.value.response["error"]


class TestWebApi:
    async def test_auth_test_answers_for_a_good_token_and_refuses_others(self, fake: FakeSlack) -> None:
        token = await _bot_token(fake)
        answer = await AsyncWebClient(token=token, base_url=fake.api_url).auth_test()
        assert answer["team_id"] == "T0FAKE0001" and answer["user_id"].startswith("U0BOT")
        with pytest.raises(SlackApiError) as refused:
            await AsyncWebClient(token="xoxb-forged", base_url=fake.api_url).auth_test()
        assert _error(refused) == "invalid_auth"

    async def test_a_429_carries_retry_after_which_the_official_retry_handler_honours(
            self, fake: FakeSlack) -> None:
        client = AsyncWebClient(token=await _bot_token(fake), base_url=fake.api_url)
        fake.throttle("chat.postMessage", 0)
        with pytest.raises(SlackApiError) as throttled:
            await client.chat_postMessage(channel="C0GENERAL1", text="hi")
        response = throttled.value.response
        assert response.status_code == 429 and response.headers["Retry-After"] == "0"
        fake.throttle("chat.postMessage", 0)
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
        assert (await client.chat_postMessage(channel="C0GENERAL1", text="hi"))["ok"]
        assert [c.status for c in fake.calls if c.method == "chat.postMessage"] == [429, 429, 200]

    async def test_post_and_update_a_message_of_the_bots_own_workspace_only(self, fake: FakeSlack) -> None:
        mine = AsyncWebClient(token=await _bot_token(fake), base_url=fake.api_url)
        theirs = AsyncWebClient(token=await _bot_token(fake, "T0FAKE0002"), base_url=fake.api_url)
        posted = await mine.chat_postMessage(channel="C0GENERAL1", text="first")
        with pytest.raises(SlackApiError) as refused:
            await theirs.chat_update(channel="C0GENERAL1", ts=posted["ts"], text="hijacked")
        assert _error(refused) == "message_not_found"
        await mine.chat_update(channel="C0GENERAL1", ts=posted["ts"], text="second")
        assert [m["text"] for m in fake.posted("C0GENERAL1")] == ["second"]
        with pytest.raises(SlackApiError) as missing:
            await mine.chat_postMessage(channel="C0NOWHERE1", text="x")
        assert _error(missing) == "channel_not_found"

    @pytest.mark.parametrize("blocks", [
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "a"}, "block_id": "b"},
         {"type": "section", "text": {"type": "mrkdwn", "text": "b"}, "block_id": "b"}],
        [{"type": "actions", "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text",
                                                                                       "text": "y" * 76}}]}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "z"}}] * 51,
    ])
    async def test_refuses_blocks_beyond_block_kits_limits(self, fake: FakeSlack, blocks: list) -> None:
        client = AsyncWebClient(token=await _bot_token(fake), base_url=fake.api_url)
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel="C0GENERAL1", text="t", blocks=blocks)
        assert _error(refused) == "invalid_blocks"

    async def test_users_info_and_a_revoked_token(self, fake: FakeSlack) -> None:
        fake.add_user("T0FAKE0001", "U0ADA00001", "ada@fake.example", "Ada Lovelace")
        client = AsyncWebClient(token=await _bot_token(fake), base_url=fake.api_url)
        assert (await client.users_info(user="U0ADA00001"))["user"]["profile"]["email"] == "ada@fake.example"
        with pytest.raises(SlackApiError) as unknown:
            await client.users_info(user="U0NOBODY01")
        assert _error(unknown) == "user_not_found"
        assert (await client.auth_revoke())["revoked"] is True
        with pytest.raises(SlackApiError) as revoked:
            await client.auth_test()
        assert _error(revoked) == "token_revoked"


class TestOAuth:
    @pytest.mark.parametrize("how, error", [
        ("secret", "bad_client_secret"), ("reuse", "invalid_code"), ("redirect", "bad_redirect_uri"),
        ("client", "invalid_client_id")])
    async def test_oauth_v2_access_refuses_bad_credentials_codes_and_redirects(
            self, fake: FakeSlack, how: str, error: str) -> None:
        fake.consent = ("T0FAKE0001", "U0ADMIN001")
        redirect = "https://hub.example/cb"
        async with httpx.AsyncClient() as browser:
            page = await browser.get(f"{fake.url}/oauth/v2/authorize", params={
                "client_id": fake.client_id, "scope": "chat:write", "redirect_uri": redirect, "state": "s"})
        code = httpx.URL(page.headers["location"]).params["code"]
        client = AsyncWebClient(base_url=fake.api_url)
        args = {"client_id": fake.client_id, "client_secret": fake.client_secret, "code": code,
                "redirect_uri": redirect}
        if how == "secret":
            args["client_secret"] = "wrong"
        elif how == "reuse":
            await client.oauth_v2_access(**args)
        elif how == "redirect":
            args["redirect_uri"] = "https://evil.example/cb"
        elif how == "client":
            args["client_id"] = "9999.9999"
        with pytest.raises(SlackApiError) as refused:
            await client.oauth_v2_access(**args)
        assert _error(refused) == error


class TestSlackSide:
    async def test_a_response_url_takes_five_posts(self, fake: FakeSlack) -> None:
        body, _ = fake.command("T0FAKE0001", "U0ADA00001", "help")
        url = httpx.QueryParams(body.decode())["response_url"]
        async with httpx.AsyncClient() as http:
            answers = [(await http.post(url, json={"text": f"#{i}"})).status_code for i in range(6)]
        assert answers == [200] * 5 + [404]
        assert [r["text"] for r in fake.responses] == [f"#{i}" for i in range(5)]
