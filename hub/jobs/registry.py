"""What a job is to its handler, how handlers say "later" or "never", and who handles which kind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.context import Reach
from hub.crypto import Cipher
from hub.events.models import Event

if TYPE_CHECKING:
    from hub.jobs.queue import JobQueue
    from hub.module import Module
    from hub.runtime import Hub

__all__ = ["GiveUp", "Handler", "Job", "JobContext", "JobRegistry", "Listener", "RetryLater", "build_registry"]


class RetryLater(Exception):
    """Try again after exactly `after` seconds (a 429's Retry-After, a service that is down)."""

    def __init__(self, after: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {after:g} s")
        self.after, self.reason = max(0.0, after), reason


class GiveUp(Exception):
    """The job can never succeed (the connection is gone, the record was deleted); fail it now."""


@dataclass(frozen=True)
class Job:
    id: str
    org_id: str
    kind: str
    payload: dict[str, Any]
    attempt: int
    created_at: datetime


@dataclass(frozen=True)
class JobContext(Reach):
    """What a handler may use: its units of work, settings, services, the job queue, and HTTP clients
    (`user_http` for any URL a user supplied)."""

    hub: Hub

    @property
    def runtime(self) -> Hub:
        return self.hub

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.hub.sessions

    @property
    def cipher(self) -> Cipher:
        return self.hub.cipher

    def queue(self, session: AsyncSession, org_id: str) -> JobQueue:
        """Enqueue more work for `org_id` in the handler's own unit of work `session`."""
        return self.hub.job_queue(session, org_id)


Handler = Callable[[JobContext, Job], Awaitable[dict[str, Any] | None]]
# Sees each committed batch of events inside the relay's transaction: a job it enqueues there exists exactly
# when the change that caused it committed.
Listener = Callable[[JobContext, AsyncSession, list[Event]], Awaitable[None]]


class JobRegistry:
    """Handlers by kind, and the listeners that turn committed events into jobs."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.listeners: list[Listener] = []

    def kind(self, kind: str, handler: Handler) -> None:
        if kind in self.handlers:
            raise ValueError(f"job kind {kind!r} is registered twice")
        self.handlers[kind] = handler

    def listen(self, listener: Listener) -> None:
        self.listeners.append(listener)

    async def consume(self, ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
        """A relay consumer (with its context bound): every listener sees the batch in the relay's transaction."""
        for listener in self.listeners:
            await listener(ctx, session, events)


def build_registry(modules: Iterable[Module]) -> JobRegistry:
    """Every module's job kinds and event listeners."""
    registry = JobRegistry()
    for module in modules:
        for kind, handler in module.jobs.items():
            registry.kind(kind, handler)
        for listener in module.listeners:
            registry.listen(listener)
    return registry
