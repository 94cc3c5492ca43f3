"""Client-side pacing: at most 5 in flight and 60 per rolling minute per tenant, on a fake clock."""

from __future__ import annotations

import asyncio

from connectors.xero._limiter import TenantLimiter
from connectors.xero.client import XeroClient
from connectors.xero.fake import FakeXero
from tests.connectors.xero.conftest import Tokens


class Clock:
    def __init__(self) -> None:
        self.now, self.slept = 1000.0, []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class TestTenantLimiter:
    async def test_sixty_first_call_in_a_minute_waits_for_the_oldest_to_age_out(self) -> None:
        clock = Clock()
        limiter = TenantLimiter(clock=clock, sleep=clock.sleep)
        for _ in range(60):
            async with limiter.slot("t1"):
                clock.now += 0.5
        assert clock.slept == []
        async with limiter.slot("t1"):
            pass
        assert clock.slept == [30.0]  # the first call was at 1000, now is 1030

    async def test_tenants_are_paced_apart(self) -> None:
        clock = Clock()
        limiter = TenantLimiter(per_minute=1, clock=clock, sleep=clock.sleep)
        async with limiter.slot("t1"):
            pass
        async with limiter.slot("t2"):
            pass
        assert clock.slept == []

    async def test_keeps_at_most_five_in_flight(self) -> None:
        limiter, inside, most = TenantLimiter(), 0, 0

        async def call() -> None:
            nonlocal inside, most
            async with limiter.slot("t1"):
                inside += 1
                most = max(most, inside)
                await asyncio.sleep(0.01)
                inside -= 1

        await asyncio.gather(*(call() for _ in range(20)))
        assert most == 5


class TestClientPacing:
    async def test_client_never_trips_xeros_limits(self) -> None:
        clock = Clock()
        async with FakeXero(clock=clock) as fake:
            fake.gate = asyncio.Event()
            limiter = TenantLimiter(clock=clock, sleep=clock.sleep)
            async with XeroClient(Tokens("valid-token"), base_url=fake.base_url, limiter=limiter,
                                  sleep=clock.sleep) as xero:
                calls = [asyncio.create_task(xero.find_contact(fake.tenant, name=f"c{i}")) for i in range(70)]
                while fake.in_flight.get(fake.tenant) != 5:
                    await asyncio.sleep(0.005)
                await asyncio.sleep(0.05)
                assert fake.in_flight[fake.tenant] == 5  # the other 65 wait on our side
                fake.gate.set()
                await asyncio.gather(*calls)
        assert fake.max_in_flight == 5
        assert 429 not in fake.answers and len(fake.answers) == 70
        assert clock.slept and clock.now - 1000.0 >= 60.0  # the 61st waited out the minute
