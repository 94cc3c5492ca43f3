"""The Hunter client and provider against the loopback API: the envelope, rate and quota limits, and keys."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.hunter.client import HunterClient
from connectors.hunter.errors import HunterAuthRevoked, HunterRateLimited, HunterRejected, HunterUnavailable
from connectors.hunter.fake import FakeHunter
from connectors.hunter.provider import facts

KEY = "hunter_test_key"


@pytest.fixture
async def fake() -> AsyncIterator[FakeHunter]:
    fake = await FakeHunter(keys={KEY}, retry_after="0.05").start()
    fake.add("acme.example", "Acme", pattern="{first}", industry="Software", country="us", city="San Francisco",
             headcount="201-500", twitter="acme", linkedin="https://www.linkedin.com/company/acme",
             emails=[{"value": f"p{i}@acme.example", "type": "personal", "confidence": 90} for i in range(30)])
    yield fake
    await fake.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def _client(http: httpx.AsyncClient, fake: FakeHunter, key: str = KEY, **kw: float) -> HunterClient:
    return HunterClient(http, key, base_url=fake.url, backoff=0.01, **kw)  # type: ignore[arg-type]


class TestDomainSearch:
    async def test_answers_the_data_of_the_envelope_with_the_key_in_a_header(self, fake: FakeHunter,
                                                                             http: httpx.AsyncClient) -> None:
        data = await _client(http, fake).domain_search("acme.example", limit=5)
        assert data is not None and data["organization"] == "Acme" and len(data["emails"]) == 5
        assert fake.requests == [("acme.example", KEY)]

    async def test_an_unknown_domain_answers_empty_data(self, fake: FakeHunter, http: httpx.AsyncClient) -> None:
        data = await _client(http, fake).domain_search("nobody.example")
        assert data is not None and data["organization"] is None and facts(data) == []

    async def test_a_bad_limit_is_rejected_and_a_bad_key_is_revoked(self, fake: FakeHunter,
                                                                   http: httpx.AsyncClient) -> None:
        with pytest.raises(HunterRejected) as rejected:
            await _client(http, fake).domain_search("acme.example", limit=500)
        assert rejected.value.error_id == "wrong_params"
        with pytest.raises(HunterAuthRevoked) as raised:
            await _client(http, fake, key="wrong-key").domain_search("acme.example")
        assert "wrong-key" not in str(raised.value)


class TestLimits:
    async def test_a_403_rate_answer_is_retried_after_its_retry_after(self, fake: FakeHunter,
                                                                      http: httpx.AsyncClient) -> None:
        fake.fail_next = [403, 429]
        assert (await _client(http, fake).domain_search("acme.example")) is not None
        assert len(fake.requests) == 3

    async def test_a_spent_quota_is_rate_limited_and_goes_back_past_max_wait(self, http: httpx.AsyncClient) -> None:
        fake = await FakeHunter(keys={KEY}, searches=1, retry_after="3600").start()
        try:
            client = _client(http, fake, max_wait=1)
            await client.domain_search("acme.example")
            with pytest.raises(HunterRateLimited) as raised:
                await client.domain_search("acme.example")
            assert raised.value.retry_after == 3600 and len(fake.requests) == 2
        finally:
            await fake.stop()

    async def test_the_per_second_rate_answers_403(self, http: httpx.AsyncClient) -> None:
        fake = await FakeHunter(keys={KEY}, per_second=1, retry_after="30").start()
        try:
            client = _client(http, fake, max_wait=1)
            await client.domain_search("acme.example")
            with pytest.raises(HunterRateLimited) as raised:
                await client.domain_search("acme.example")
            assert raised.value.status == 403
        finally:
            await fake.stop()

    async def test_a_5xx_is_unavailable_once_the_tries_run_out(self, fake: FakeHunter,
                                                              http: httpx.AsyncClient) -> None:
        fake.fail_next = [500, 502]
        with pytest.raises(HunterUnavailable):
            await _client(http, fake, attempts=2).domain_search("acme.example")


class TestFacts:
    async def test_search_data_reads_as_facts(self, fake: FakeHunter, http: httpx.AsyncClient) -> None:
        found = {f.field: f.value for f in facts(await _client(http, fake).domain_search("acme.example") or {})}
        assert found == {"name": "Acme", "industry": "Software", "city": "San Francisco", "country": "US",
                         "employee_range": "201-500", "twitter": "https://twitter.com/acme",
                         "linkedin": "https://www.linkedin.com/company/acme", "email_pattern": "{first}@acme.example"}
