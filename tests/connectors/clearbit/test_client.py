"""The Clearbit client and provider against the loopback Company API: shapes, the 202 queue, rate limits and keys."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.clearbit.client import ClearbitClient
from connectors.clearbit.errors import (ClearbitAuthRevoked, ClearbitQueued, ClearbitRateLimited, ClearbitRejected,
                                        ClearbitUnavailable)
from connectors.clearbit.fake import FakeClearbit
from connectors.clearbit.provider import facts
from hub import outside

KEY = "sk_test_clearbit"


@pytest.fixture
async def fake() -> AsyncIterator[FakeClearbit]:
    fake = await FakeClearbit(keys={KEY}, retry_after="0.05").start()
    fake.add("acme.example", "Acme", legalName="Acme Corporation", foundedYear=1999, phone="+1 415-555-0100",
             geo={"streetNumber": "1", "streetName": "Market St", "city": "San Francisco", "state": "California",
                  "postalCode": "94105", "countryCode": "US"},
             category={"industry": "Software"}, metrics={"employees": 250, "employeesRange": "251-1000"},
             linkedin={"handle": "company/acme"}, twitter={"handle": "acme"})
    yield fake
    await fake.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def _client(http: httpx.AsyncClient, fake: FakeClearbit, key: str = KEY, **kw: float) -> ClearbitClient:
    return ClearbitClient(http, key, base_url=fake.url, backoff=0.01, **kw)  # type: ignore[arg-type]


class TestLookup:
    async def test_finds_a_company_by_domain_with_the_secret_key_as_bearer(self, fake: FakeClearbit,
                                                                           http: httpx.AsyncClient) -> None:
        record = await _client(http, fake).find_company("acme.example")
        assert record is not None and record["legalName"] == "Acme Corporation"
        assert fake.requests == [("acme.example", KEY)]

    async def test_an_unknown_domain_is_none(self, fake: FakeClearbit, http: httpx.AsyncClient) -> None:
        assert await _client(http, fake).find_company("nobody.example") is None

    async def test_a_queued_lookup_asks_to_come_back_later(self, fake: FakeClearbit, http: httpx.AsyncClient) -> None:
        fake.queued.add("acme.example")
        with pytest.raises(ClearbitQueued) as raised:
            await _client(http, fake).find_company("acme.example")
        assert isinstance(raised.value, outside.RateLimited) and raised.value.retry_after
        assert (await _client(http, fake).find_company("acme.example")) is not None

    async def test_an_invalid_domain_is_rejected_and_a_bad_key_is_revoked(self, fake: FakeClearbit,
                                                                         http: httpx.AsyncClient) -> None:
        with pytest.raises(ClearbitRejected):
            await _client(http, fake).find_company("not a domain")
        with pytest.raises(ClearbitAuthRevoked) as raised:
            await _client(http, fake, key="sk_wrong_key").find_company("acme.example")
        assert "sk_wrong_key" not in str(raised.value)


class TestRetries:
    async def test_a_429_is_retried_after_its_retry_after(self, fake: FakeClearbit, http: httpx.AsyncClient) -> None:
        fake.fail_next = [429, 429]
        assert await _client(http, fake).find_company("acme.example") is not None
        assert len(fake.requests) == 3

    async def test_a_5xx_is_retried_with_backoff_until_the_tries_run_out(self, fake: FakeClearbit,
                                                                         http: httpx.AsyncClient) -> None:
        fake.fail_next = [503, 503, 503]
        with pytest.raises(ClearbitUnavailable):
            await _client(http, fake, attempts=3).find_company("acme.example")
        assert len(fake.requests) == 3

    async def test_a_wait_longer_than_max_wait_goes_back_to_the_caller(self, fake: FakeClearbit,
                                                                       http: httpx.AsyncClient) -> None:
        fake.retry_after, fake.fail_next = "120", [429]
        with pytest.raises(ClearbitRateLimited) as raised:
            await _client(http, fake, max_wait=5).find_company("acme.example")
        assert raised.value.retry_after == 120 and len(fake.requests) == 1

    async def test_the_per_minute_limit_answers_429(self, http: httpx.AsyncClient) -> None:
        fake = await FakeClearbit(keys={KEY}, per_minute=2, retry_after="90").start()
        try:
            client = _client(http, fake, max_wait=1)
            for _ in range(2):
                await client.find_company("acme.example")
            with pytest.raises(ClearbitRateLimited):
                await client.find_company("acme.example")
        finally:
            await fake.stop()


class TestFacts:
    async def test_a_record_reads_as_facts_and_null_fields_state_nothing(self, fake: FakeClearbit,
                                                                         http: httpx.AsyncClient) -> None:
        found = {f.field: f.value for f in facts(await _client(http, fake).find_company("acme.example") or {})}
        assert found == {"name": "Acme", "legal_name": "Acme Corporation", "founded_year": 1999,
                         "phone": "+1 415-555-0100", "street": "1 Market St", "city": "San Francisco",
                         "region": "California", "postal_code": "94105", "country": "US", "industry": "Software",
                         "employee_count": 250, "employee_range": "251-1000",
                         "linkedin": "https://www.linkedin.com/company/acme", "twitter": "https://twitter.com/acme"}
