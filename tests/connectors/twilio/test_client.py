"""The official twilio client through `TwilioHttp`, against the loopback Twilio: only the base URL differs."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import AsyncIterator

import pytest

from connectors.twilio.client import NotSent, TwilioCalls
from connectors.twilio.errors import TwilioApiError
from connectors.twilio.fake import FakeTwilio, Play
from hub.settings import SettingsError, load_settings
from tests.connectors.twilio.conftest import ACCOUNT, TOKEN

REP, CALLER_ID = "+14155550111", "+14155550100"
HOOK = "https://hub.example.com/twilio/calls/cal_1"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = await FakeTwilio({ACCOUNT: TOKEN}).start()
    fake.plays.append(Play(answer="busy"))  # the call ends at the rep: no TwiML to fetch
    fake.drop_status_callbacks = True  # no app is listening at the callback URL
    yield fake
    await fake.stop()


def _calls(fake: FakeTwilio, token: str = TOKEN) -> TwilioCalls:
    return TwilioCalls(ACCOUNT, token, base_url=fake.url, timeout=5)


class TestTwilioCalls:
    async def test_creates_and_fetches_a_call_the_way_the_library_sends_it(self, twilio: FakeTwilio) -> None:
        async with _calls(twilio) as calls:
            made = await calls.create_call(to=REP, from_=CALLER_ID, url=f"{HOOK}/connect",
                                           status_callback=f"{HOOK}/status")
            assert made["sid"].startswith("CA") and made["status"] == "queued" and made["to"] == REP
            await twilio.played(made["sid"])
            fetched = await calls.fetch_call(made["sid"])
        assert fetched["status"] == "busy" and fetched["duration"] == "0"
        method, path, form = twilio.requests[0]
        assert (method, path) == ("POST", f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json")
        assert form["Method"] == ["POST"] and form["StatusCallbackMethod"] == ["POST"]

    async def test_wrong_credentials_are_twilios_401_labelled_user_error(self, twilio: FakeTwilio) -> None:
        async with _calls(twilio, token="f" * 32) as calls:
            with pytest.raises(TwilioApiError) as raised:
                await calls.create_call(to=REP, from_=CALLER_ID, url=HOOK, status_callback=HOOK)
        assert (raised.value.status, raised.value.code, raised.value.label) == (401, 20003, "user-error")
        assert "f" * 32 not in str(raised.value)

    async def test_a_bad_number_is_refused_with_twilios_code(self, twilio: FakeTwilio) -> None:
        async with _calls(twilio) as calls:
            with pytest.raises(TwilioApiError) as raised:
                await calls.create_call(to="555", from_=CALLER_ID, url=HOOK, status_callback=HOOK)
        assert (raised.value.status, raised.value.code) == (400, 21211)

    async def test_keeps_retry_after_of_a_429(self, twilio: FakeTwilio) -> None:
        twilio.retry_after = "7"
        twilio.fail_next.append((429, 20429, "Too Many Requests"))
        async with _calls(twilio) as calls:
            with pytest.raises(TwilioApiError) as raised:
                await calls.create_call(to=REP, from_=CALLER_ID, url=HOOK, status_callback=HOOK)
        assert raised.value.label == "rate-limit" and raised.value.retry_after == 7.0

    async def test_a_connection_that_never_opened_is_not_sent(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with TwilioCalls(ACCOUNT, TOKEN, base_url=closed, timeout=5) as calls:
            with pytest.raises(NotSent):
                await calls.create_call(to=REP, from_=CALLER_ID, url=HOOK, status_callback=HOOK)


class TestSettings:
    @pytest.mark.parametrize("env", [{"HUB_TWILIO_API_URL": "api.twilio.com"}, {"HUB_TWILIO_TIMEOUT": "0"}])
    def test_refuses_a_bad_twilio_setting_by_name(self, tmp_path: Path, env: dict[str, str]) -> None:
        with pytest.raises(SettingsError, match="HUB_TWILIO"):
            load_settings({"HUB_DATA_DIR": str(tmp_path), **env})
