"""The embedded queue's loop: each endpoint's slots kept busy from messages leased ahead, topped up in batches.

A worker holds more of an endpoint's messages than its room (see `Worker.hold` and `webhooks.slots`), so a
slot that frees starts the next attempt at once, without a database round trip. Holdings are topped up per
endpoint, through its own index, when they fall to half; other endpoints' due messages are searched for when
something may have changed (a new event, an API call, a recorded retry) and every poll interval otherwise.
Waiting messages are given back when their endpoint's breaker opens or when they have waited half their
lease, and when the loop stops.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import structlog

from hub.uow import to_the_end
from webhooks.recording import Result
from webhooks.slots import Slots
from webhooks.worker import Job, Worker

__all__ = ["Dispatcher", "give_back"]

log = structlog.get_logger("webhooks.worker")
BATCH = 500  # results recorded, and messages searched for, in one transaction at most
SEARCH_GAP = 0.005  # seconds between two searches at least: wakes come in bursts


class Dispatcher:
    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.slots = Slots(worker, on_result=self._on_result, on_free=self._on_free)
        self.topping: set[str] = set()  # endpoints whose last claim came back full, or that just finished one
        self.done: asyncio.Queue[Result] = asyncio.Queue()
        self._kick = asyncio.Event()

    @property
    def ready(self) -> dict[str, Any]:
        return self.slots.ready

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
                    self.slots.start_all()
                await self._guarded(self._top_up())
                self.slots.start_all()
                await _first(self.worker._wake.wait(), self._kick.wait(),
                             asyncio.sleep(max(0.0, next_search - loop.time())))
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self.slots.stop()
            await give_back(self.worker, self.slots.take_all())

    async def _search(self) -> None:
        """Due messages of any endpoint this worker holds less of than it may."""
        room = min(2 * self.slots.concurrency - self.slots.held(), BATCH)
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
        for endpoint_id, n in (asked or {}).items():
            if got[endpoint_id] < n:
                self.topping.discard(endpoint_id)  # what is due for it now is all held
        for endpoint_id in got:
            if self.worker.inflight[endpoint_id] >= self.worker.hold(endpoint_id):
                self.topping.add(endpoint_id)  # full: there is probably more
        self.slots.add(jobs)

    def _on_result(self, result: Result) -> None:
        self.done.put_nowait(result)

    def _on_free(self, endpoint_id: str) -> None:
        if endpoint_id in self.topping and self.worker.inflight[endpoint_id] * 2 <= self.worker.hold(endpoint_id):
            self._kick.set()

    async def _record_loop(self) -> None:
        while True:
            batch = [await self.done.get()]
            while not self.done.empty() and len(batch) < BATCH:
                batch.append(self.done.get_nowait())
            while True:
                try:
                    await to_the_end(self.worker._record(batch))
                    break
                except Exception as exc:  # keep the results and retry; the leases hold meanwhile
                    log.warning("webhooks.record.failed", error_class=type(exc).__name__, count=len(batch))
                    await asyncio.sleep(1)
            # a retry due now, or the next message of an ordered endpoint, may be waiting: look at once
            self.topping.update(r.job.endpoint_id for r in batch)
            now = self.worker.clock()
            await to_the_end(give_back(self.worker, self.slots.take_broken(now) + self.slots.take_late(now)))
            self._kick.set()

    async def _guarded(self, step: Any) -> None:
        try:
            await to_the_end(step)
        except Exception as exc:  # the database is away: try again on the next round
            log.warning("webhooks.claim.failed", error_class=type(exc).__name__)
            await asyncio.sleep(self.worker.poll_interval)


async def give_back(worker: Worker, jobs: list[Job]) -> None:
    """Release leased messages unattempted; if the database is away, their leases lapse instead."""
    if not jobs:
        return
    try:
        await worker.release(jobs)
    except Exception as exc:
        log.warning("webhooks.release.failed", error_class=type(exc).__name__, count=len(jobs))
        for job in jobs:
            worker.inflight[job.endpoint_id] -= 1


async def _first(*aws: Any) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when cancelled: nothing is left waiting
        for task in tasks:
            task.cancel()
