"""The unit of work: one session, one transaction, and what must happen once it has committed.

Every session of the hub is a `UnitOfWork` (`hub.db.session_factory`): the request, a job or the relay opens
it and commits it, and code that writes says what it touched (`touch(session, "events")`) or hands over a
hook (`after_commit(session, fn)`). Nothing runs before the commit, and nothing at all after a rollback, so a
relay, a job runner or a broker never hears of a row that was not committed. `Signals` maps each topic to
the wakers of this process (the outbox relay, the job runner, the delivery worker).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

if TYPE_CHECKING:
    from hub.catalog import Catalog

__all__ = ["Signals", "Topic", "UnitContext", "UnitOfWork", "after_commit", "to_the_end", "touch"]

log = structlog.get_logger("hub.uow")
# events: the outbox has new rows · jobs: a job is due · webhooks: a message is due or an endpoint changed
Topic = Literal["events", "jobs", "webhooks"]


class Signals:
    """Who to wake, per topic, once a unit of work that touched it has committed."""

    def __init__(self) -> None:
        self._wakers: dict[str, list[Callable[[], None]]] = defaultdict(list)

    def connect(self, topic: Topic, waker: Callable[[], None]) -> None:
        self._wakers[topic].append(waker)

    def fire(self, topic: str) -> None:
        for waker in self._wakers.get(topic, ()):
            waker()


@dataclass(frozen=True)
class UnitContext:
    """What every unit of work of a process shares: its signals, and the catalog that events are checked
    against (`strict`: an undeclared or ill-fitting event raises instead of being logged)."""

    signals: Signals = field(default_factory=Signals)
    catalog: Catalog | None = None
    strict: bool = False


class UnitOfWork(AsyncSession):
    """An AsyncSession that runs its after-commit hooks once its outermost transaction commits, and forgets
    them when it rolls back."""

    def __init__(self, *args: Any, context: UnitContext | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context or UnitContext()
        self._hooks: dict[Any, Callable[[], Any]] = {}
        self._committed = False
        # SQLAlchemy also reports a SAVEPOINT's release or rollback as a commit or rollback: what counts is how
        # the last of them went when the outermost transaction ends.
        event.listen(self.sync_session, "after_commit", self._note_commit)
        event.listen(self.sync_session, "after_rollback", self._note_rollback)
        event.listen(self.sync_session, "after_transaction_end", self._ended)

    # A loop is stopped by cancelling it. Its transaction's end (the commit or rollback, then the connection's
    # reset as it goes back to the pool) runs to the end all the same: a commit cut short leaves its outcome
    # unknown to the caller, and a reset cut short makes SQLAlchemy log an error and throw the connection away.
    def begin(self) -> AsyncSessionTransaction:
        return _Transaction(self)

    def begin_nested(self) -> AsyncSessionTransaction:
        return _Transaction(self, nested=True)

    async def commit(self) -> None:
        await to_the_end(super().commit())

    async def rollback(self) -> None:
        await to_the_end(super().rollback())

    def touch(self, topic: Topic) -> None:
        """Wake `topic`'s listeners in this process once the transaction commits."""
        self._hooks.setdefault(("topic", topic), lambda: self.context.signals.fire(topic))

    def after_commit(self, hook: Callable[[], Any], key: Any = None) -> None:
        """Run `hook` once the transaction commits (once per `key`, which defaults to the hook itself)."""
        self._hooks.setdefault(hook if key is None else key, hook)

    def _note_commit(self, _session: Any) -> None:
        self._committed = True

    def _note_rollback(self, _session: Any) -> None:
        self._committed = False

    def _ended(self, _session: Any, transaction: Any) -> None:
        if transaction.parent is not None:  # a SAVEPOINT: the transaction around it goes on, hooks and all
            return
        hooks, committed, self._hooks, self._committed = list(self._hooks.values()), self._committed, {}, False
        for hook in hooks if committed else ():
            try:
                hook()
            except Exception as exc:  # a waker failing must not turn a committed change into an error
                log.warning("uow.after_commit.failed", error_class=type(exc).__name__)


class _Transaction(AsyncSessionTransaction):
    """`session.begin()` of a unit of work: its end runs to the end when the caller is cancelled meanwhile."""

    async def commit(self) -> None:
        await to_the_end(super().commit())

    async def rollback(self) -> None:
        await to_the_end(super().rollback())

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        await to_the_end(super().__aexit__(type_, value, traceback))


def touch(session: AsyncSession, topic: Topic) -> None:
    """`session.touch(topic)` for a unit of work; a plain session has no one to tell."""
    if isinstance(session, UnitOfWork):
        session.touch(topic)


def after_commit(session: AsyncSession, hook: Callable[[], Any], key: Any = None) -> None:
    """`session.after_commit(hook)` for a unit of work; on a plain session the hook runs never."""
    if isinstance(session, UnitOfWork):
        session.after_commit(hook, key)


async def to_the_end(step: Any) -> Any:
    """Await a unit of work that a cancellation must not cut in half, such as a worker loop's claim.

    A transaction abandoned midway can keep SQLite's write lock past the loop's end (so what the loop does
    on its way out finds the database locked), and a claim cut short loses the rows it leased. When the
    caller is cancelled, the step still finishes (what it claimed in the caller's hands, to be given back)
    and the cancellation is raised after it.
    """
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            try:
                await asyncio.wait([task])
            except asyncio.CancelledError:  # cancelled again while waiting: the step still comes first
                continue
        raise
