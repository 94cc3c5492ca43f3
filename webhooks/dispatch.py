"""The embedded queue's loop: each endpoint's slots kept busy from messages leased ahead, topped up in batches.

A worker holds up to twice an endpoint's concurrency cap (see `Worker.hold`): the cap in flight and as many
leased and waiting, so a slot that frees starts the next attempt at once, without a database round trip.
Holdings are topped up per endpoint, through its own index, when they fall to half; other endpoints' due
messages are searched for when something may have changed (a new event, an API call, a recorded retry) and
every poll interval otherwise. Waiting messages are never held longer than about one attempt, well inside
their lease; if an endpoint's circuit breaker opens, what waits for it is given back at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from datetime import timedelta
from typing import Any

import structlog

from webhooks.recording import Result
from webhooks.worker import Job, Worker

__all__ = ["Dispatcher"]

log = structlog.get_logger("webhooks.worker")
BATCH = 500  # results recorded, and messages searched for, in one transaction at most
SEARCH_GAP = 0.005  # seconds between two searches at least: wakes come in bursts


class Dispatcher:
    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.concurrency = worker.settings.webhook_concurrency
        self.ready: dict[str, deque[Job]] = {}  # leased, waiting for a slot of their endpoint
        self.running: Counter[str] = Counter()
        self.topping: set[str] = set()  # endpoints whose last claim came back full, or that just finished one
        self.done: asyncio.Queue[Result] = asyncio.Queue()
        self.tasks: set[asyncio.Task[None]] = set()
        self._kick = asyncio.Event()
        self._starved = False  # a waiting message found every slot of the worker taken
        self._stopping = False

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        helpers = [asyncio.create_task(self._record_loop()), asyncio.create_task(self.worker._gauge_loop())]
        last_search, next_search = float("-inf"), 0.0
        try:
            while True:
                if self.worker._wake.is_set():  # something changed: search soon, but not once per wake
                    next_search = min(next_search, last_search + SEARCH_GAP)
                self.worker._wake.clear()  # before claiming, so a wake during the claim is not lost
                self._kick.clear()
                if loop.time() >= next_search:
                    await self._guarded(self._search())
                    last_search = loop.time()
                    next_search = last_search + self.worker.poll_interval
                    self._start_ready()
                await self._guarded(self._top_up())
                self._start_ready()
                await _first(self.worker._wake.wait(), self._kick.wait(),
                             asyncio.sleep(max(0.0, next_search - loop.time())))
        finally:
            self._stopping = True  # an attempt cancelled now must not start a waiting one
            for task in [*helpers, *self.tasks]:
                task.cancel()
            await asyncio.gather(*helpers, *self.tasks, return_exceptions=True)
            await self._give_back([job for queue in self.ready.values() for job in queue])

    def _held(self) -> int:
        return len(self.tasks) + sum(len(q) for q in self.ready.values())

    async def _search(self) -> None:
        """Due messages of any endpoint this worker holds less of than it may."""
        room = min(2 * self.concurrency - self._held(), BATCH)
        self._take(await self.worker.claim(room, prefetch=True), asked=None)

    async def _top_up(self) -> None:
        """Claim for the endpoints held at half or less that have more due (or may have)."""
        wants = {}
        for endpoint_id in list(self.topping):
            hold = self.worker.hold(endpoint_id)
            if self.worker.inflight[endpoint_id] * 2 <= hold:
                wants[endpoint_id] = hold - self.worker.inflight[endpoint_id]
        if wants:
            self._take(await self.worker.claim_for(wants), asked=wants)

    def _take(self, jobs: list[Job], asked: dict[str, int] | None) -> None:
        got = Counter(job.endpoint_id for job in jobs)
        for job in jobs:
            self.ready.setdefault(job.endpoint_id, deque()).append(job)
        for endpoint_id, n in (asked or {}).items():
            if got[endpoint_id] < n:
                self.topping.discard(endpoint_id)  # what is due for it now is all held
        for endpoint_id in got:
            if self.worker.inflight[endpoint_id] >= self.worker.hold(endpoint_id):
                self.topping.add(endpoint_id)  # full: there is probably more

    def _start_ready(self) -> None:
        for endpoint_id in list(self.ready):
            self._start(endpoint_id)

    def _start(self, endpoint_id: str) -> None:
        queue = self.ready.get(endpoint_id)
        while queue and not self._stopping and self.running[endpoint_id] < self.worker._room(endpoint_id):
            if len(self.tasks) >= self.concurrency:
                self._starved = True
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
            self.done.put_nowait(await self.worker.attempt(job))
        finally:
            endpoint_id = job.endpoint_id
            self.running[endpoint_id] -= 1
            self.worker.inflight[endpoint_id] -= 1
            self._start(endpoint_id)
            if self._starved and len(self.tasks) < self.concurrency:
                self._starved = False
                self._kick.set()  # another endpoint's waiting message may take the slot
            if endpoint_id in self.topping and self.worker.inflight[endpoint_id] * 2 <= \
                    self.worker.hold(endpoint_id):
                self._kick.set()

    async def _record_loop(self) -> None:
        while True:
            batch = [await self.done.get()]
            while not self.done.empty() and len(batch) < BATCH:
                batch.append(self.done.get_nowait())
            while True:
                try:
                    await self.worker._record(batch)
                    break
                except Exception as exc:  # keep the results and retry; the leases hold meanwhile
                    log.warning("webhooks.record.failed", error_class=type(exc).__name__, count=len(batch))
                    await asyncio.sleep(1)
            # a retry due now, or the next message of an ordered endpoint, may be waiting: look at once
            self.topping.update(r.job.endpoint_id for r in batch)
            await self._release_broken()
            await self._release_late()
            self._kick.set()

    async def _release_broken(self) -> None:
        """What waits for an endpoint whose breaker just opened would outlast its lease: give it back."""
        now = self.worker.clock()
        broken = [ep for ep in self.worker.breakers.open_endpoints(now) if ep in self.ready]
        await self._give_back([job for ep in broken for job in self.ready.pop(ep)])

    async def _release_late(self) -> None:
        """An endpoint that slowed down can leave messages waiting for half their lease: give those back."""
        now = self.worker.clock()
        half = timedelta(seconds=self.worker.settings.webhook_lease_seconds / 2)
        late = []
        for endpoint_id, queue in list(self.ready.items()):
            while queue and queue[0].lease is not None and queue[0].lease - now < half:
                late.append(queue.popleft())
            if not queue:
                self.ready.pop(endpoint_id, None)
        await self._give_back(late)

    async def _give_back(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        try:
            await self.worker.release(jobs)
        except Exception as exc:  # their leases lapse instead, and another claim takes them then
            log.warning("webhooks.release.failed", error_class=type(exc).__name__, count=len(jobs))
            for job in jobs:
                self.worker.inflight[job.endpoint_id] -= 1

    async def _guarded(self, step: Any) -> None:
        try:
            await step
        except Exception as exc:  # the database is away: try again on the next round
            log.warning("webhooks.claim.failed", error_class=type(exc).__name__)
            await asyncio.sleep(self.worker.poll_interval)


async def _first(*aws: Any) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when cancelled: nothing is left waiting
        for task in tasks:
            task.cancel()
