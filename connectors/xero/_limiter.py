"""Client-side pacing under Xero's per-tenant limits: N in flight, M per rolling minute."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

__all__ = ["TenantLimiter"]

WINDOW = 60.0


class TenantLimiter:
    """One semaphore and one rolling window per tenant; `clock` and `sleep` are injectable for tests."""

    def __init__(self, *, per_minute: int = 60, concurrent: int = 5,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.per_minute, self.concurrent = per_minute, concurrent
        self._clock, self._sleep = clock, sleep
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._sent: dict[str, deque[float]] = {}

    @asynccontextmanager
    async def slot(self, tenant: str) -> AsyncIterator[None]:
        """Hold one of the tenant's concurrent slots, after waiting for room in its minute."""
        semaphore = self._slots.setdefault(tenant, asyncio.Semaphore(self.concurrent))
        async with semaphore:
            await self._take(tenant)
            yield

    async def _take(self, tenant: str) -> None:
        sent = self._sent.setdefault(tenant, deque())
        while True:
            now = self._clock()
            while sent and sent[0] <= now - WINDOW:
                sent.popleft()
            if len(sent) < self.per_minute:
                sent.append(now)  # no await between the check and this, so no other task slips in
                return
            await self._sleep(sent[0] + WINDOW - now)
