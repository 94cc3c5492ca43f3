"""The messages a worker holds: each endpoint's attempts in flight up to its room, the rest waiting their turn.

Both queue backends lease up to `Worker.hold` messages of an endpoint, more than its room, so a slot that
frees starts the next attempt at once, without a database round trip. `worker.inflight` counts what is held
(in flight or waiting) per endpoint; `running` only what is in flight.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime, timedelta

from webhooks.recording import Result
from webhooks.worker import Job, Worker

__all__ = ["Slots"]


class Slots:
    def __init__(self, worker: Worker, on_result: Callable[[Result], None],
                 on_free: Callable[[str], None]) -> None:
        self.worker = worker
        self.concurrency = worker.config.concurrency
        self.on_result, self.on_free = on_result, on_free
        self.ready: dict[str, deque[Job]] = {}  # leased, waiting for a slot of their endpoint
        self.running: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        self.starved = False  # a waiting message found every slot of the worker taken
        self.stopping = False

    def held(self) -> int:
        return len(self.tasks) + sum(len(q) for q in self.ready.values())

    def waiting(self) -> int:
        return sum(len(q) for q in self.ready.values())

    def add(self, jobs: list[Job]) -> None:
        """Jobs just claimed wait for a slot; `start_all` (or an attempt that ends) starts them."""
        for job in jobs:
            self.ready.setdefault(job.endpoint_id, deque()).append(job)

    def start_all(self) -> None:
        for endpoint_id in list(self.ready):
            self.start(endpoint_id)

    def start(self, endpoint_id: str) -> None:
        queue = self.ready.get(endpoint_id)
        while queue and not self.stopping and self.running[endpoint_id] < self.worker._room(endpoint_id):
            if len(self.tasks) >= self.concurrency:
                self.starved = True
                return
            job = queue.popleft()
            self.running[endpoint_id] += 1
            task = asyncio.create_task(self._attempt(job))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        if not queue:
            self.ready.pop(endpoint_id, None)

    async def _attempt(self, job: Job) -> None:
        try:
            result = await self.worker.attempt(job)
        finally:
            endpoint_id = job.endpoint_id
            self.running[endpoint_id] -= 1
            self.worker.inflight[endpoint_id] -= 1
            self.start(endpoint_id)
            if self.starved and len(self.tasks) < self.concurrency:
                self.starved = False
                self.start_all()  # another endpoint's waiting message may take the slot
            self.on_free(endpoint_id)
        self.on_result(result)

    def take_late(self, now: datetime) -> list[Job]:
        """Waiting messages with less than half their lease left (their endpoint slowed down)."""
        half = timedelta(seconds=self.worker.config.lease_seconds / 2)
        return self._take(lambda queue: queue[0].lease is not None and queue[0].lease - now < half)

    def take_broken(self, now: datetime) -> list[Job]:
        """What waits for an endpoint whose breaker is open: it would outlast its lease."""
        broken = set(self.worker.breakers.open_endpoints(now))
        return self._take(lambda queue: queue[0].endpoint_id in broken)

    def take_all(self) -> list[Job]:
        return self._take(lambda queue: True)

    def _take(self, take: Callable[[deque[Job]], bool]) -> list[Job]:
        taken = []
        for endpoint_id, queue in list(self.ready.items()):
            while queue and take(queue):
                taken.append(queue.popleft())
            if not queue:
                self.ready.pop(endpoint_id, None)
        return taken

    async def stop(self) -> None:
        """Cancel the attempts in flight (their leases lapse) and start nothing more."""
        self.stopping = True
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
