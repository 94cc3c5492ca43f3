"""The delivery worker: claims due messages, posts them signed, records every attempt.

A claimed message carries a lease longer than the longest attempt; a worker that dies leaves its
leases to expire and another worker takes the messages again (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

import aiohttp
import structlog
from sqlalchemy import bindparam, exists, func, or_, select, text, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from hub.crypto import Cipher
from hub.db import UTCDateTime, utcnow
from hub.net.ssrf import BlockedAddress, Policy, guarded_connector
from hub.retry import RetryPolicy
from hub.settings import Settings
from hub.tenancy.auth import RateLimiter
from webhooks import signing
from webhooks.breaker import Breakers
from webhooks.health import EndpointHealth
from webhooks.metrics import ENDPOINTS, OLDEST_PENDING, PENDING, REDELIVERIES
from webhooks.models import Endpoint, Message
from webhooks.policy import classify, retry_after_seconds
from webhooks.recording import Result, record
from webhooks.settings import WebhookSettings
from webhooks.targets import Target, Targets

__all__ = ["Job", "Worker"]

log = structlog.get_logger("webhooks.worker")
BODY_LIMIT = 4096
USER_AGENT = "crm-hub-webhooks/1"


@dataclass
class Job:
    message_id: str
    org_id: str
    endpoint_id: str
    payload: bytes
    attempt_count: int
    url: str
    headers: dict[str, str]
    keys: list[bytes]
    rate_limit: int | None = None
    lease: datetime | None = None  # the message's `leased_until` this claim set: its recording is valid while it holds


@dataclass
class Worker:
    sessions: async_sessionmaker[AsyncSession]
    cipher: Cipher
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    rng: random.Random = field(default_factory=random.Random)
    poll_interval: float = 0.5

    def __post_init__(self) -> None:
        self.config = self.settings.of(WebhookSettings)
        self.policy = RetryPolicy.parse(self.config.retry_schedule)
        self.ssrf = Policy.parse(self.config.allowed_hosts)
        self.health = EndpointHealth(timedelta(hours=self.config.disable_after_hours))
        self.targets = Targets(self.cipher)
        self.pace: dict[str, float] = {}  # endpoint → recent seconds per attempt (moving average)
        self.inflight: Counter[str] = Counter()
        self.caps: dict[str, int] = {}
        self.rates: dict[str, tuple[int, RateLimiter]] = {}
        self.breakers = Breakers(self.config.breaker_failures,
                                 timedelta(seconds=self.config.breaker_cooldown_seconds))
        self._wake = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None

    def wake(self) -> None:
        self._wake.set()

    async def __aenter__(self) -> Worker:
        timeout = aiohttp.ClientTimeout(total=self.config.timeout,
                                        connect=self.config.connect_timeout)
        self._http = aiohttp.ClientSession(connector=guarded_connector(self.ssrf, limit=0), timeout=timeout,
                                           headers={"user-agent": USER_AGENT}, auto_decompress=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()

    async def run_once(self, limit: int = 500) -> int:
        """Claim what is due, deliver it all and record it; answers how many attempts were made."""
        jobs = await self.claim(limit)
        results = await asyncio.gather(*(self.attempt(job) for job in jobs))
        for job in jobs:
            self.inflight[job.endpoint_id] -= 1
        await self._record(list(results))
        return len(results)

    async def run(self) -> None:
        """Deliver continuously from the database (the embedded queue)."""
        from webhooks.dispatch import Dispatcher

        await Dispatcher(self).run()

    async def observe(self) -> None:
        """Refresh the queue gauges: pending messages, the oldest due one's age, endpoints by state."""
        now = self.clock()
        async with self.sessions() as session:
            pending = await session.scalar(select(func.count()).select_from(Message).where(
                Message.status == "pending"))
            oldest_due = await session.scalar(select(func.min(Message.next_attempt_at)).where(
                Message.status == "pending", Message.next_attempt_at <= now))
            states = dict((await session.execute(select(Endpoint.state, func.count()).group_by(Endpoint.state))).all())
        PENDING.set(pending)
        OLDEST_PENDING.set((now - oldest_due).total_seconds() if oldest_due else 0)
        for state in ("enabled", "paused", "disabled"):
            ENDPOINTS.labels(state).set(states.get(state, 0))

    async def _gauge_loop(self, every: float = 10.0) -> None:
        while True:
            try:
                await self.observe()
            except Exception as exc:  # gauges are advisory; the next round tries again
                log.warning("webhooks.gauges.failed", error_class=type(exc).__name__)
            await asyncio.sleep(every)

    async def claim(self, limit: int, among: list[str] | None = None, prefetch: bool = False) -> list[Job]:
        """Lease up to `limit` due messages, oldest due first, of enabled endpoints this worker holds less of
        than `hold` allows; `among` narrows the search to the ids a broker handed over (a duplicate or early
        id then simply yields nothing)."""
        if limit <= 0:
            return []
        return await self._claim(lambda session, now: self._due(session, now, limit, among, prefetch), prefetch)

    async def claim_for(self, wants: dict[str, int]) -> list[Job]:
        """Lease up to `wants[endpoint]` due messages of each endpoint, read through its own index."""
        if not (wants := {ep: n for ep, n in wants.items() if n > 0}):
            return []
        return await self._claim(lambda session, now: self._due_for(session, now, wants), True)

    async def _claim(self, due: Callable[[AsyncSession, datetime], Any], prefetch: bool) -> list[Job]:
        now = self.clock()
        chosen: list[Any] = []
        try:
            async with self.sessions.begin() as session:
                if not (rows := await due(session, now)):
                    return []
                if stale := self.targets.stale({r.endpoint_id: r.version for r in rows}):
                    await self.targets.load(session, stale, now)
                    self.caps.update({ep: self._cap(self.targets[ep]) for ep in stale if self.targets.get(ep)})
                if not (chosen := self._within_caps(rows, prefetch)):
                    return []
                await _without_flush_wait(session)
                jobs = await self._lease(session, chosen, now)
        except BaseException:  # the lease was not taken: give the endpoints their room back
            for row in chosen:
                self.inflight[row.endpoint_id] -= 1
            raise
        for row in _missing(chosen, jobs):  # taken by another worker meanwhile
            self.inflight[row.endpoint_id] -= 1
        return jobs

    def _room(self, endpoint_id: str) -> int:
        return 1 if self.breakers.probing(endpoint_id) else self.caps.get(endpoint_id, 1)

    def hold(self, endpoint_id: str, prefetch: bool = True) -> int:
        """How many messages of an endpoint this worker may hold: its room and, with `prefetch`, more waiting
        for a slot, so a slot that frees is refilled at once: as many as its room, or for an endpoint that
        answers fast up to eight times that, never more than its slots work through in a tenth of a lease
        at its recent pace (none for a rate-limited or probing endpoint, whose waiting ones could outlast it)."""
        room = self._room(endpoint_id)
        target = self.targets.get(endpoint_id)
        if not prefetch or self.breakers.probing(endpoint_id) or target is None or target.rate_limit is not None:
            return room
        seconds = self.pace.get(endpoint_id)
        if seconds is None:
            return 2 * room
        budget = int(room * self.config.lease_seconds / 10 / max(seconds, 0.001))
        return room + max(1, min(8 * room, budget))

    def _within_caps(self, rows: list[Any], prefetch: bool) -> list[Any]:
        """Keep what each endpoint's hold allows now; the rest stays due for the next claim."""
        kept = []
        for row in rows:
            if self.inflight[row.endpoint_id] < self.hold(row.endpoint_id, prefetch):
                self.inflight[row.endpoint_id] += 1
                kept.append(row)
        return kept

    async def _due(self, session: AsyncSession, now: datetime, limit: int, among: list[str] | None,
                   prefetch: bool) -> list[Any]:
        """Ids of due messages, oldest due first, with their endpoint's version and any lapsed lease."""
        full = [ep for ep, n in self.inflight.items() if n >= self.hold(ep, prefetch)]
        params = {"now": now, "n": limit, "full": full + self.breakers.open_endpoints(now), "among": among or []}
        query = _statement(session.bind.dialect.name, "among" if among is not None else "any")
        return list((await session.execute(query, params)).all())

    async def _due_for(self, session: AsyncSession, now: datetime, wants: dict[str, int]) -> list[Any]:
        open_now = set(self.breakers.open_endpoints(now))
        wants = {ep: n for ep, n in wants.items() if ep not in open_now}
        rows: list[Any] = []
        for chunk in _chunks(list(wants.items()), 16):
            params: dict[str, Any] = {"now": now}
            for i, (ep, n) in enumerate(chunk):
                params[f"ep{i}"], params[f"n{i}"] = ep, n
            rows += (await session.execute(_statement(session.bind.dialect.name, len(chunk)), params)).all()
        return rows

    async def release(self, jobs: list[Job]) -> None:
        """Give leased messages back unattempted, so any worker may take them now."""
        table = Message.__table__
        async with self.sessions.begin() as session:
            await session.execute(update(table).where(table.c.id.in_([j.message_id for j in jobs]))
                                  .values(leased_until=None))
        for job in jobs:
            self.inflight[job.endpoint_id] -= 1

    async def _lease(self, session: AsyncSession, rows: list[Any], now: datetime) -> list[Job]:
        """Take the lease and read what to send, in one statement."""
        if lapsed := sum(1 for r in rows if r.leased_until is not None):
            REDELIVERIES.inc(lapsed)  # the worker that held them died or stalled: its attempt may have landed
        table = Message.__table__
        leased = await session.execute(  # the conditions again: a concurrent claim may have won a row
            update(table).where(table.c.id.in_([r.id for r in rows]), table.c.status == "pending")
            .where(table.c.leased_until.is_(None) | (table.c.leased_until < now))
            .values(leased_until=(lease := now + timedelta(seconds=self.config.lease_seconds)))
            .returning(table.c.id, table.c.org_id, table.c.endpoint_id, table.c.payload, table.c.attempt_count))
        jobs = []
        for r in leased:
            target = self.targets[r.endpoint_id]
            jobs.append(Job(message_id=r.id, org_id=r.org_id, endpoint_id=r.endpoint_id, payload=r.payload.encode(),
                            attempt_count=r.attempt_count, url=target.url, headers=target.headers, keys=target.keys,
                            rate_limit=target.rate_limit, lease=lease))
        return jobs

    def _cap(self, target: Target) -> int:
        """In flight at most: the endpoint's cap, and no more than its rate can send within half a lease."""
        if target.rate_limit is None:
            return target.max_concurrency
        return max(1, min(target.max_concurrency, int(target.rate_limit * self.config.lease_seconds / 2)))

    async def _pace(self, job: Job) -> None:
        """Wait for the endpoint's rate limit, if it has one."""
        if job.rate_limit is None:
            return
        rate, limiter = self.rates.get(job.endpoint_id, (None, None))
        if rate != job.rate_limit or limiter is None:
            limiter = RateLimiter(per_minute=job.rate_limit * 60, burst=1)
            self.rates[job.endpoint_id] = (job.rate_limit, limiter)
        while (wait := limiter.hit(job.endpoint_id)) is not None:
            await asyncio.sleep(wait)

    async def attempt(self, job: Job) -> Result:
        """One signed POST; never raises: every outcome becomes a Result."""
        assert self._http is not None, "use the worker as an async context manager"
        await self._pace(job)
        started, clock = self.clock(), time.perf_counter()
        timestamp = int(started.timestamp())
        headers = {**job.headers, **signing.webhook_headers(job.keys, job.message_id, timestamp, job.payload)}
        try:
            async with self._http.post(job.url, data=job.payload, headers=headers, allow_redirects=False) as resp:
                body = await resp.content.read(BODY_LIMIT)
                return Result(job, started, _ms(clock), resp.status, dict(resp.headers),
                              body.decode(errors="replace"), None,
                              retry_after_seconds(resp.headers.get("retry-after"), started))
        except Exception as exc:  # any failure to get an answer is retried
            return Result(job, started, _ms(clock), None, None, None, _error_class(exc), None)

    async def _record(self, results: list[Result]) -> dict[str, datetime]:
        """Store a batch of results; answers each message still pending with the time it is next due."""
        if not results:
            return {}
        now = self.clock()
        for result in results:  # any answer but one that asks for a retry shows the endpoint alive
            endpoint_id = result.job.endpoint_id
            self.breakers.observe(endpoint_id, classify(result.status_code) != "retry", now)
            seconds = result.duration_ms / 1000
            self.pace[endpoint_id] = 0.8 * self.pace.get(endpoint_id, seconds) + 0.2 * seconds
        try:
            async with self.sessions.begin() as session:
                await _without_flush_wait(session)
                return await record(session, results, self.policy, self.health, self.clock(), self.rng)
        except IntegrityError:  # an endpoint was deleted, with its messages, while they were being sent
            async with self.sessions.begin() as session:
                ids = {r.job.message_id for r in results}
                alive = set(await session.scalars(select(Message.id).where(Message.id.in_(ids))))
                if alive == ids:
                    raise
                log.info("webhooks.record.dropped", count=len(ids - alive), reason="message deleted")
                if not alive:
                    return {}
                await _without_flush_wait(session)
                return await record(session, [r for r in results if r.job.message_id in alive], self.policy,
                                    self.health, self.clock(), self.rng)


async def _without_flush_wait(session: AsyncSession) -> None:
    """On PostgreSQL, commit a lease or a result without waiting for the WAL flush: if the server crashed in
    the next moments and lost it, the message would only be sent again (at least once holds; a duplicate is
    possible). Events and messages themselves are always written with the flush."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _error_class(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        # The guard refused the address: the endpoint's URL, not the network, is what needs a look.
        return "blocked_by_policy" if isinstance(exc.os_error, BlockedAddress) else "connect"
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        return "connection_reset"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "bad_response"
    return type(exc).__name__


def _missing(rows: list[Any], jobs: list[Job]) -> list[Any]:
    leased = {job.message_id for job in jobs}
    return [row for row in rows if row.id not in leased]


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _due_query(limit: Any) -> Any:
    """Due messages, oldest due first; `:now` is the time, `limit` a bound parameter."""
    now = bindparam("now", type_=UTCDateTime)
    earlier = aliased(Message)
    blocked = exists().where(earlier.endpoint_id == Message.endpoint_id, earlier.status == "pending",
                             earlier.id < Message.id)
    return (select(Message.id, Message.endpoint_id, Message.leased_until, Endpoint.version)
            .join(Endpoint, Endpoint.id == Message.endpoint_id)
            .where(Message.status == "pending", Message.next_attempt_at <= now, Endpoint.state == "enabled")
            .where((Message.leased_until.is_(None)) | (Message.leased_until < now))
            .where(or_(Endpoint.ordered.is_(False), ~blocked))  # ordered: only the oldest pending one
            .order_by(Message.next_attempt_at).limit(limit))


@functools.cache
def _statement(dialect: str, kind: str | int) -> Any:
    """The claim's SELECT, built once per shape so that only parameters change between claims: "any" (every
    endpoint but those in `:full`), "among" (also only the ids in `:among`), or a number k (the first `:n<i>`
    due messages of endpoint `:ep<i>`, for i < k, each through the endpoint's own index)."""
    lock = (lambda q: q.with_for_update(skip_locked=True, of=Message)) if dialect == "postgresql" else (lambda q: q)
    if isinstance(kind, int):
        parts = [lock(_due_query(bindparam(f"n{i}")).where(Message.endpoint_id == bindparam(f"ep{i}"))).subquery()
                 for i in range(kind)]
        return union_all(*(select(*part.c) for part in parts)) if kind > 1 else select(*parts[0].c)
    query = _due_query(bindparam("n")).where(Message.endpoint_id.not_in(bindparam("full", expanding=True)))
    if kind == "among":  # a broker's ids: looked up by key; ordering them would walk the whole due index
        query = query.where(Message.id.in_(bindparam("among", expanding=True))).order_by(None)
    return lock(query)
