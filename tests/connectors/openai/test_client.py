"""The OpenAI model driven through the official `openai` SDK against the loopback fake of Chat Completions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
import pytest

from connectors.openai import errors
from connectors.openai.client import OpenAIModel
from connectors.openai.fake import FakeOpenAI
from hub import outside
from hub.language import Completion, Credentials, Prompt, TextDelta, Turn

PROMPT = Prompt(system="You write short sales emails.", turns=(Turn("user", "Write to Ann about the demo."),),
                model="gpt-4o-mini", max_tokens=200)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI().start()
    yield server
    await server.stop()


def model(fake: FakeOpenAI, **kw) -> OpenAIModel:
    return OpenAIModel(Credentials(api_key=kw.pop("api_key", fake.api_key), base_url=fake.url, **kw))


class TestComplete:
    async def test_sends_the_system_text_first_and_reads_text_and_usage(self, fake: FakeOpenAI) -> None:
        fake.replies.append("Subject: Demo\n\nHi Ann, shall we book the demo?")
        answer = await model(fake).complete(PROMPT)
        assert answer.text == "Subject: Demo\n\nHi Ann, shall we book the demo?" and answer.stop == "end"
        assert (answer.input_tokens, answer.output_tokens) == (11, 9) and answer.request_id == "req_000001"
        sent = fake.requests[0]
        assert [m["role"] for m in sent["messages"]] == ["system", "user"]
        assert sent["max_completion_tokens"] == 200 and sent["model"] == "gpt-4o-mini"

    async def test_an_answer_cut_at_the_token_limit_says_so(self, fake: FakeOpenAI) -> None:
        fake.replies.append(" ".join(["word"] * 30))
        answer = await model(fake).complete(Prompt(system="s", turns=PROMPT.turns, model="m", max_tokens=5))
        assert answer.stop == "length" and answer.text == "word word word word word"

    async def test_a_wrong_key_is_an_authorization_failure_without_the_key_in_it(self, fake: FakeOpenAI) -> None:
        with pytest.raises(errors.AuthFailed) as caught:
            await model(fake, api_key="sk-wrong-secret").complete(PROMPT)
        assert isinstance(caught.value, outside.AuthorizationRevoked) and caught.value.status == 401
        assert "sk-wrong-secret" not in str(caught.value) and len(fake.requests) == 0


class TestRetries:
    async def test_429s_are_retried_after_retry_after_until_one_succeeds(self, fake: FakeOpenAI) -> None:
        fake.fail("rate", times=2, retry_after=0.05)
        answer = await model(fake, max_retries=2).complete(PROMPT)
        assert answer.text.startswith("Subject:") and len(fake.requests) == 3

    async def test_429s_past_the_retries_are_rate_limited_with_the_wait(self, fake: FakeOpenAI) -> None:
        fake.fail("rate", times=3, retry_after=0.05)
        with pytest.raises(errors.RateLimited) as caught:
            await model(fake, max_retries=2).complete(PROMPT)
        assert caught.value.retry_after == pytest.approx(0.05) and caught.value.label == "rate-limit"
        assert len(fake.requests) == 3

    async def test_an_exhausted_quota_is_refused_not_waited_for(self, fake: FakeOpenAI) -> None:
        fake.fail("quota", times=3)
        with pytest.raises(errors.QuotaExceeded) as caught:
            await model(fake, max_retries=0).complete(PROMPT)
        assert isinstance(caught.value, outside.Rejected) and caught.value.label == "user-error"

    async def test_a_server_error_is_retried_with_backoff(self, fake: FakeOpenAI) -> None:
        fake.fail("server")
        answer = await model(fake, max_retries=1).complete(PROMPT)
        assert answer.text and len(fake.requests) == 2

    async def test_a_slow_answer_times_out_as_unavailable(self, fake: FakeOpenAI) -> None:
        fake.fail("slow", delay=3.0)
        with pytest.raises(errors.Unavailable) as caught:
            await model(fake, max_retries=0, timeout=0.3).complete(PROMPT)
        assert isinstance(caught.value, outside.Unavailable)


class TestStream:
    async def test_streams_pieces_then_the_whole_answer_with_usage(self, fake: FakeOpenAI) -> None:
        fake.replies.append("Subject: Demo\n\nHi Ann, shall we book it?")
        got = [item async for item in model(fake).stream(PROMPT)]
        pieces = [g.text for g in got if isinstance(g, TextDelta)]
        assert len(pieces) > 3 and "".join(pieces) == "Subject: Demo\n\nHi Ann, shall we book it?"
        final = got[-1]
        assert isinstance(final, Completion) and final.text == "".join(pieces) and final.stop == "end"
        assert final.output_tokens == 8 and final.input_tokens == 11
        assert fake.requests[0]["stream"] is True and fake.requests[0]["stream_options"] == {"include_usage": True}

    async def test_the_sdk_reads_the_fakes_stream_as_it_reads_openais(self, fake: FakeOpenAI) -> None:
        sdk = openai.AsyncOpenAI(api_key=fake.api_key, base_url=fake.url, max_retries=0)
        stream = await sdk.chat.completions.create(model="gpt-4o-mini", stream=True,
                                                   messages=[{"role": "user", "content": "hi"}])
        chunks = [chunk async for chunk in stream]
        assert chunks[0].choices[0].delta.role == "assistant"
        assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].usage is None
        await sdk.close()

    async def test_a_429_before_the_stream_is_retried(self, fake: FakeOpenAI) -> None:
        fake.fail("rate", retry_after=0.05)
        got = [item async for item in model(fake, max_retries=1).stream(PROMPT)]
        assert isinstance(got[-1], Completion) and got[-1].text and len(fake.requests) == 2


class TestGuardedClient:
    async def test_goes_through_the_http_client_handed_in_and_leaves_it_open(self, fake: FakeOpenAI) -> None:
        from hub.net.http import guarded_client
        from hub.net.ssrf import Policy

        refusing, allowing = guarded_client(Policy.parse("")), guarded_client(Policy.parse("127.0.0.1"))
        with pytest.raises(errors.Unavailable):
            await model(fake, http=refusing, max_retries=0).complete(PROMPT)
        assert fake.requests == []
        used = model(fake, http=allowing)
        assert (await used.complete(PROMPT)).text and len(fake.requests) == 1
        await used.aclose()
        assert not allowing.is_closed
        await refusing.aclose(), await allowing.aclose()
