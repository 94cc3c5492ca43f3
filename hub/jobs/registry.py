"""What a job is to its handler, how handlers say "later" or "never", and who handles which kind."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.crypto import Cipher
from hub.events.models import Event
from hub.settings import Settings

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
class JobContext:
    """What a handler may use: the process's shared state (settings, sessions, cipher, oauth, catalog)."""

    state: Any

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.state.sessions

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def cipher(self) -> Cipher:
        return self.state.cipher


Handler = Callable[[JobContext, Job], Awaitable[dict[str, Any] | None]]
Listener = Callable[[AsyncSession, list[Event]], Awaitable[None]]


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

    async def consume(self, session: AsyncSession, events: list[Event]) -> None:
        """A relay consumer: every listener sees the batch in the relay's transaction."""
        for listener in self.listeners:
            await listener(session, events)


def build_registry(providers: tuple[str, ...] | None = None) -> JobRegistry:
    """Every catalog provider that declares `register_jobs(jobs)` adds its kinds and listeners."""
    from hub.catalog import PROVIDERS

    registry = JobRegistry()
    for path in providers if providers is not None else PROVIDERS:
        if register := getattr(importlib.import_module(path), "register_jobs", None):
            register(registry)
    return registry
