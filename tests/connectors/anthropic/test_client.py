"""The Anthropic model driven through the official `anthropic` SDK against the loopback fake of Messages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import pytest

from connectors.anthropic import errors
from connectors.anthropic.client import AnthropicModel
from connectors.anthropic.fake import FakeAnthropic
from connectors.anthropic.manifest import API_VERSION
from hub import outside
from hub.language import Completion, Credentials, Prompt, TextDelta, Turn

PROMPT = Prompt(system="You write short sales emails.", turns=(Turn("user", "Write to Ann about the demo."),),
                model="claude-haiku-4-5", max_tokens=200)


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    server = await FakeAnthropic().start()
    yield server
    await server.stop()


def model(fake: FakeAnthropic, **kw) -> AnthropicModel:
    return AnthropicModel(Credentials(api_key=kw.pop("api_key", fake.api_key), base_url=fake.url, **kw))


class TestComplete:
    async def test_sends_the_system_text_top_level_and_reads_text_and_usage(self, fake: FakeAnthropic) -> None:
        fake.replies.append("Subject: Demo\n\nHi Ann, shall we book the demo?")
        answer = await model(fake).complete(PROMPT)
        assert answer.text == "Subject: Demo\n\nHi Ann, shall we book the demo?" and answer.stop == "end"
        assert (answer.input_tokens, answer.output_tokens) == (11, 9) and answer.request_id == "req_000001"
        sent = fake.requests[0]
        assert sent["system"] == "You write short sales emails." and [m["role"] for m in sent["messages"]] == ["user"]
        assert sent["max_tokens"] == 200 and fake.headers[0]["anthropic-version"] == API_VERSION

    async def test_an_answer_cut_at_max_tokens_says_so(self, fake: FakeAnthropic) -> None:
        fake.replies.append(" ".join(["word"] * 30))
        answer = await model(fake).complete(Prompt(system="s", turns=PROMPT.turns, model="m", max_tokens=4))
        assert answer.stop == "length" and answer.text == "word word word word"

    async def test_a_wrong_key_is_an_authorization_failure_without_the_key_in_it(self, fake: FakeAnthropic) -> None:
        with pytest.raises(errors.AuthFailed) as caught:
            await model(fake, api_key="sk-ant-wrong-secret").complete(PROMPT)
        assert isinstance(caught.value, outside.AuthorizationRevoked) and caught.value.status == 401
        assert "sk-ant-wrong-secret" not in str(caught.value) and "authentication_error" in str(caught.value)

    async def test_the_fake_refuses_a_system_role_as_the_api_does(self, fake: FakeAnthropic) -> None:
        sdk = anthropic.AsyncAnthropic(api_key=fake.api_key, base_url=fake.url, max_retries=0)
        with pytest.raises(anthropic.BadRequestError):
            await sdk.messages.create(model="m", max_tokens=10, messages=[{"role": "system", "content": "x"}])
        await sdk.close()


class TestRetries:
    async def test_429s_are_retried_after_retry_after_until_one_succeeds(self, fake: FakeAnthropic) -> None:
        fake.fail("rate", times=2, retry_after=0.05)
        answer = await model(fake, max_retries=2).complete(PROMPT)
        assert answer.text.startswith("Subject:") and len(fake.requests) == 3

    async def test_529_overloaded_is_retried_with_backoff(self, fake: FakeAnthropic) -> None:
        fake.fail("overloaded")
        answer = await model(fake, max_retries=1).complete(PROMPT)
        assert answer.text and len(fake.requests) == 2

    async def test_529_past_the_retries_is_overloaded_and_unavailable(self, fake: FakeAnthropic) -> None:
        fake.fail("overloaded", times=2)
        with pytest.raises(errors.Overloaded) as caught:
            await model(fake, max_retries=1).complete(PROMPT)
        assert isinstance(caught.value, outside.Unavailable) and caught.value.status == 529
        assert len(fake.requests) == 2

    async def test_429s_past_the_retries_are_rate_limited_with_the_wait(self, fake: FakeAnthropic) -> None:
        fake.fail("rate", times=2, retry_after=0.05)
        with pytest.raises(errors.RateLimited) as caught:
            await model(fake, max_retries=1).complete(PROMPT)
        assert caught.value.retry_after == pytest.approx(0.05) and caught.value.label == "rate-limit"

    async def test_a_slow_answer_times_out_as_unavailable(self, fake: FakeAnthropic) -> None:
        fake.fail("slow", delay=3.0)
        with pytest.raises(errors.Unavailable):
            await model(fake, max_retries=0, timeout=0.3).complete(PROMPT)


class TestStream:
    async def test_streams_text_deltas_then_the_whole_answer_with_usage(self, fake: FakeAnthropic) -> None:
        fake.replies.append("Subject: Demo\n\nHi Ann, shall we book it?")
        got = [item async for item in model(fake).stream(PROMPT)]
        pieces = [g.text for g in got if isinstance(g, TextDelta)]
        assert len(pieces) > 3 and "".join(pieces) == "Subject: Demo\n\nHi Ann, shall we book it?"
        final = got[-1]
        assert isinstance(final, Completion) and final.text == "".join(pieces) and final.stop == "end"
        assert (final.input_tokens, final.output_tokens) == (11, 8) and fake.requests[0]["stream"] is True

    async def test_the_sdks_stream_helper_reads_the_fakes_events(self, fake: FakeAnthropic) -> None:
        fake.replies.append("Hello there")
        sdk = anthropic.AsyncAnthropic(api_key=fake.api_key, base_url=fake.url, max_retries=0)
        async with sdk.messages.stream(model="m", max_tokens=50, messages=[{"role": "user", "content": "hi"}]) as s:
            text = "".join([t async for t in s.text_stream])
            message = await s.get_final_message()
        assert text == "Hello there" and message.stop_reason == "end_turn" and message.usage.output_tokens == 2
        await sdk.close()

    async def test_an_error_event_mid_stream_is_overloaded(self, fake: FakeAnthropic) -> None:
        fake.fail("midstream")
        with pytest.raises(errors.Overloaded):
            [item async for item in model(fake, max_retries=0).stream(PROMPT)]


class TestTranslate:
    def _status(self, status: int, kind: str, headers: dict[str, str] | None = None) -> anthropic.APIStatusError:
        import httpx

        request = httpx.Request("POST", "https://api.anthropic.com/v1/messages")
        response = httpx.Response(status, request=request, headers={"request-id": "req_1", **(headers or {})})
        body = {"type": "error", "error": {"type": kind, "message": "m"}}
        return anthropic.APIStatusError("m", response=response, body=body)

    def test_an_overloaded_error_sent_with_a_429_is_overloaded_not_rate_limited(self) -> None:
        error = errors.translate(self._status(429, "overloaded_error"))
        assert isinstance(error, errors.Overloaded) and "req_1" in str(error)

    def test_billing_and_size_refusals_are_rejected_and_5xx_unavailable(self) -> None:
        assert isinstance(errors.translate(self._status(402, "billing_error")), outside.Rejected)
        assert isinstance(errors.translate(self._status(413, "request_too_large")), outside.Rejected)
        assert isinstance(errors.translate(self._status(504, "timeout_error")), errors.Unavailable)
        limited = errors.translate(self._status(429, "rate_limit_error", {"retry-after": "7"}))
        assert isinstance(limited, errors.RateLimited) and limited.retry_after == 7.0
