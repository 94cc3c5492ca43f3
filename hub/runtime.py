"""The hub of one process, typed: what API servers and `hub worker` processes build alike, and the one
sequence that starts and stops them.

`Hub(settings, modules)` makes the database engine and its units of work, the catalog, the cipher, the outbox
relay, the job runner, key caching and rate limits, and the HTTP clients; then each module's `build` adds
its services (`hub.provide`). `async with hub.running(delivers=...)` starts the modules in their order, runs
the relay, the job runner (where `delivers`), key-usage flushing, hourly maintenance and every module's
background work, and on the way out drains and stops the modules in reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import Catalog, build_catalog
from hub.crypto import Cipher
from hub.db import create_engine, session_factory
from hub.events.outbox import Relay
from hub.idempotency import purge_expired
from hub.jobs.queue import JobQueue
from hub.jobs.registry import build_registry
from hub.jobs.runner import JobRunner
from hub.module import Module
from hub.net.http import guarded_client
from hub.net.ssrf import Policy
from hub.settings import ModuleSettings, Settings
from hub.tenancy.auth import KeyCache, KeyUsage, RateLimiter
from hub.uow import Signals, UnitContext

__all__ = ["Hub"]

T = TypeVar("T")
S = TypeVar("S", bound=ModuleSettings)
log = structlog.get_logger("hub.runtime")
MAINTENANCE_EVERY = 3600.0
STOP_STEP_SECONDS = 30.0  # the longest one shut-down step may take before the next one runs anyway


class Hub:
    """Everything a hub process shares, built once from its settings and its modules."""

    def __init__(self, settings: Settings, modules: Iterable[Module], *, catalog: Catalog | None = None) -> None:
        self.settings, self.modules = settings, tuple(modules)
        self.catalog = catalog or build_catalog(self.modules)
        self.signals = Signals()
        self.engine = create_engine(settings)
        self.sessions = session_factory(self.engine, UnitContext(self.signals, self.catalog,
                                                                 settings.strict_events))
        self.cipher = Cipher.from_settings(settings)
        self.key_cache = KeyCache(settings.key_cache_seconds)
        self.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        self.key_usage = KeyUsage(self.sessions)
        self.http = httpx.AsyncClient(timeout=settings.http_timeout)
        self.user_http = guarded_client(Policy.parse(settings.allowed_hosts), timeout=settings.http_timeout)
        self.relay = Relay(self.sessions, consumers=[], interval=settings.relay_interval_seconds)
        self.signals.connect("events", self.relay.wake)
        registry = build_registry(self.modules)
        self.jobs = JobRunner(self, registry)
        self.signals.connect("jobs", self.jobs.wake)
        self.delivers = False
        self.stop_timeout = STOP_STEP_SECONDS
        self._services: dict[type, Any] = {}
        for module in self.modules:
            if module.build is not None:
                module.build(self)
        # After what the modules added (the webhooks' fan-out comes first): every module's listeners.
        self.relay.consumers.append(functools.partial(registry.consume, self.jobs.context))

    @staticmethod
    def of(owner: Any) -> Hub:
        """The hub of a Litestar app, or of a request's app."""
        app = getattr(owner, "app", owner)
        return app.state.hub

    # -- what modules find here
    def provide(self, service: Any) -> None:
        """Make `service` the process's one `type(service)`, for `service(type)` to find."""
        kind = type(service)
        if kind in self._services:
            raise RuntimeError(f"{kind.__name__} is provided twice")
        self._services[kind] = service

    def service(self, kind: type[T]) -> T:
        try:
            return self._services[kind]
        except KeyError:
            raise LookupError(f"no module provides {kind.__name__}; is it in the tuple of modules?") from None

    def find(self, kind: type[T]) -> T | None:
        """`service(kind)`, or None where no module in this hub provides it."""
        return self._services.get(kind)

    def contributions(self, kind: type[T]) -> list[T]:
        """What the modules contribute to an extension point (`Module.provides`), in module order."""
        return [item for module in self.modules for item in module.provides if isinstance(item, kind)]

    def port(self, kind: type[T], key: str) -> T | None:
        """The contribution of `kind` whose `key` is `key` (the vendor a setting or a connection names): how a
        module reaches an outside service without importing the connector that serves it."""
        return next((item for item in self.contributions(kind) if getattr(item, "key", None) == key), None)

    def config(self, kind: type[S]) -> S:
        return self.settings.of(kind)

    def job_queue(self, session: AsyncSession, org_id: str) -> JobQueue:
        return JobQueue(session, org_id, self.jobs.registry.handlers.keys())

    # -- the one start-up and shut-down sequence
    @contextlib.asynccontextmanager
    async def running(self, *, delivers: bool) -> AsyncIterator[Hub]:
        """Start the modules, run the background work (jobs only where `delivers`), and stop it all."""
        self.delivers = delivers
        started: list[Module] = []
        tasks: list[asyncio.Task[Any]] = []
        try:
            for module in self.modules:
                if module.start is not None:
                    await module.start(self)
                started.append(module)
            tasks = [asyncio.create_task(self.relay.run(), name="outbox-relay"),
                     asyncio.create_task(self.key_usage.run(), name="key-usage"),
                     asyncio.create_task(self._maintenance(), name="maintenance")]
            if delivers:
                tasks.append(asyncio.create_task(self.jobs.run(), name="jobs"))
            tasks += [asyncio.create_task(m.background(self), name=m.name) for m in self.modules
                      if m.background is not None]
            yield self
        finally:
            await self._stop(started, tasks)

    async def _stop(self, started: list[Module], tasks: list[asyncio.Task[Any]]) -> None:
        """Drain, cancel the background work, stop: each step bounded by `stop_timeout`, so a step that never
        ends (a lost connection, a task that will not stop) cannot hold the process, or a test run, forever."""
        bound = self.stop_timeout
        for module in reversed(started):
            if module.drain is not None:
                await _quietly(module.drain(self), f"{module.name}.drain", bound)
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=bound)
            for task in stuck:
                log.warning("hub.stop.step_timed_out", step=f"{task.get_name()}.cancel", seconds=bound)
        for module in reversed(started):
            if module.stop is not None:
                await _quietly(module.stop(self), f"{module.name}.stop", bound)
        await _quietly(self.key_usage.flush(), "key_usage.flush", bound)
        await _quietly(self.http.aclose(), "http.close", bound)
        await _quietly(self.user_http.aclose(), "user_http.close", bound)
        await _quietly(self.engine.dispose(), "engine.dispose", bound)

    async def maintain(self) -> dict[str, int]:
        """One round of upkeep: expired idempotency keys, and every module's own; answers the counts."""
        counts: dict[str, int] = {}
        async with self.sessions.begin() as session:
            counts["idempotency_keys"] = await purge_expired(session, self.settings.idempotency_ttl_hours)
        for module in self.modules:
            if module.maintenance is not None:
                try:
                    counts.update(await module.maintenance(self))
                except Exception as exc:  # one module's trouble must not stop the others' upkeep
                    log.warning("maintenance.failed", module=module.name, error_class=type(exc).__name__)
        return counts

    async def _maintenance(self) -> None:
        while True:
            try:
                log.info("maintenance.done", **await self.maintain())
            except Exception as exc:
                log.warning("maintenance.failed", error_class=type(exc).__name__)
            await asyncio.sleep(MAINTENANCE_EVERY)


async def _quietly(step: Any, name: str, bound: float) -> None:
    """A stop step that fails, or outlasts `bound` seconds, is logged: the rest of the shut-down still runs."""
    try:
        async with asyncio.timeout(bound):
            await step
    except asyncio.TimeoutError:
        log.warning("hub.stop.step_timed_out", step=name, seconds=bound)
    except Exception as exc:
        log.warning("hub.stop.step_failed", step=name, error_class=type(exc).__name__)
