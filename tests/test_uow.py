"""The unit of work: hooks and wakers run once the outermost transaction commits, and never after a rollback."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from structlog.testing import capture_logs

from hub.db import create_engine, session_factory
from hub.settings import Settings
from hub.tenancy.models import Organization
from hub.uow import Signals, UnitContext, UnitOfWork, after_commit, to_the_end, touch
from tests.conftest import make_settings


@pytest.fixture(scope="module")
async def fresh(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return await make_settings(backend, tmp_path_factory.mktemp(f"uow-{backend}"))


@pytest.fixture
async def engine(fresh: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(fresh)
    yield engine
    await engine.dispose()


@pytest.fixture
def signals() -> Signals:
    return Signals()


@pytest.fixture
def units(engine: AsyncEngine, signals: Signals) -> async_sessionmaker[UnitOfWork]:
    return session_factory(engine, UnitContext(signals))


def recorder(ran: list[Any], value: Any) -> Callable[[], None]:
    """A hook that notes `value` each time it runs."""
    return lambda: ran.append(value)


def new_org(session: AsyncSession) -> str:
    """Add an organization row; answers its id."""
    org = Organization(id=f"org_{uuid.uuid4().hex[:20]}", name="Unit of work", settings={})
    session.add(org)
    return org.id


async def exists(units: async_sessionmaker[UnitOfWork], org_id: str) -> bool:
    async with units() as session:
        return await session.get(Organization, org_id) is not None


class TestUnitOfWork:
    async def test_every_session_of_the_factory_is_a_unit_of_work_sharing_its_context(self, engine: AsyncEngine
                                                                                       ) -> None:
        context = UnitContext(Signals(), strict=True)
        units = session_factory(engine, context)
        async with units() as first, units() as second:
            assert isinstance(first, UnitOfWork) and isinstance(second, UnitOfWork)
            assert first.context is context and second.context is context

    async def test_runs_a_hook_only_once_the_transaction_commits(self, units: async_sessionmaker[UnitOfWork]
                                                                 ) -> None:
        ran: list[str] = []
        async with units.begin() as session:
            org_id = new_org(session)
            session.after_commit(recorder(ran, "committed"))
            await session.flush()
            assert ran == []
        assert ran == ["committed"] and await exists(units, org_id)

    async def test_runs_a_hook_once_per_key(self, units: async_sessionmaker[UnitOfWork]) -> None:
        ran: list[str] = []
        same = recorder(ran, "same")
        async with units.begin() as session:
            new_org(session)
            session.after_commit(same)
            session.after_commit(same)
            session.after_commit(recorder(ran, "first of a"), key="a")
            session.after_commit(recorder(ran, "second of a"), key="a")
            session.after_commit(recorder(ran, "b"), key="b")
        assert sorted(ran) == ["b", "first of a", "same"]

    async def test_runs_each_hook_once_though_the_session_commits_again(self, units: async_sessionmaker[UnitOfWork]
                                                                         ) -> None:
        ran: list[str] = []
        async with units() as session:
            async with session.begin():
                session.after_commit(recorder(ran, "first"))
            async with session.begin():
                new_org(session)
        assert ran == ["first"]

    async def test_forgets_its_hooks_when_the_transaction_rolls_back(self, units: async_sessionmaker[UnitOfWork]
                                                                     ) -> None:
        ran: list[str] = []
        async with units() as session:
            with pytest.raises(RuntimeError):
                async with session.begin():
                    org_id = new_org(session)
                    session.after_commit(recorder(ran, "rolled back"))
                    await session.flush()
                    raise RuntimeError("the change failed")
            async with session.begin():  # the next transaction does not inherit them
                new_org(session)
        assert ran == [] and not await exists(units, org_id)

    async def test_a_failing_hook_is_logged_and_neither_the_commit_nor_other_hooks_suffer(
            self, units: async_sessionmaker[UnitOfWork]) -> None:
        ran: list[str] = []

        def broken() -> None:
            raise ZeroDivisionError("waker broke")

        with capture_logs() as logs:
            async with units.begin() as session:
                org_id = new_org(session)
                session.after_commit(broken)
                session.after_commit(recorder(ran, "after the broken one"))
        assert ran == ["after the broken one"] and await exists(units, org_id)
        failures = [entry for entry in logs if entry["event"] == "uow.after_commit.failed"]
        assert [entry["error_class"] for entry in failures] == ["ZeroDivisionError"]

    async def test_a_released_savepoint_runs_no_hook_before_the_outermost_commit(
            self, units: async_sessionmaker[UnitOfWork]) -> None:
        ran: list[str] = []
        with pytest.raises(RuntimeError):
            async with units.begin() as session:
                session.after_commit(recorder(ran, "outer"))
                async with session.begin_nested():
                    new_org(session)
                    session.after_commit(recorder(ran, "inside the savepoint"))
                raise RuntimeError("the outer change failed")
        assert ran == []

    async def test_a_rolled_back_savepoint_keeps_the_hooks_of_the_transaction_around_it(
            self, units: async_sessionmaker[UnitOfWork]) -> None:
        ran: list[str] = []
        async with units.begin() as session:
            org_id = new_org(session)
            session.after_commit(recorder(ran, "outer"))
            with pytest.raises(RuntimeError):
                async with session.begin_nested():
                    raise RuntimeError("a lost race, undone on its own")
        assert await exists(units, org_id)
        assert ran == ["outer"]


class TestSignals:
    async def test_touch_wakes_the_topics_listeners_once_after_the_commit(
            self, units: async_sessionmaker[UnitOfWork], signals: Signals) -> None:
        woken: list[str] = []
        signals.connect("events", recorder(woken, "relay"))
        signals.connect("events", recorder(woken, "second relay"))
        signals.connect("jobs", recorder(woken, "job runner"))
        async with units.begin() as session:
            new_org(session)
            session.touch("events")
            session.touch("events")
            await session.flush()
            assert woken == []
        assert sorted(woken) == ["relay", "second relay"]

    async def test_touch_in_a_rolled_back_transaction_wakes_no_one(
            self, units: async_sessionmaker[UnitOfWork], signals: Signals) -> None:
        woken: list[str] = []
        signals.connect("webhooks", recorder(woken, "worker"))
        with pytest.raises(RuntimeError):
            async with units.begin() as session:
                new_org(session)
                session.touch("webhooks")
                raise RuntimeError("the change failed")
        assert woken == []

    async def test_units_of_another_context_wake_their_own_signals_only(
            self, engine: AsyncEngine, units: async_sessionmaker[UnitOfWork], signals: Signals) -> None:
        mine, theirs = [], []
        signals.connect("jobs", recorder(mine, "mine"))
        elsewhere = Signals()
        elsewhere.connect("jobs", recorder(theirs, "theirs"))
        async with session_factory(engine, UnitContext(elsewhere)).begin() as session:
            session.touch("jobs")
        assert (mine, theirs) == ([], ["theirs"])


class TestHelpers:
    async def test_touch_and_after_commit_reach_a_unit_of_work(
            self, units: async_sessionmaker[UnitOfWork], signals: Signals) -> None:
        ran: list[str] = []
        signals.connect("jobs", recorder(ran, "jobs"))
        async with units.begin() as session:
            touch(session, "jobs")
            after_commit(session, recorder(ran, "hook"))
            after_commit(session, recorder(ran, "hook again"), key="hook")
            after_commit(session, recorder(ran, "same key"), key="hook")
        assert sorted(ran) == ["hook", "hook again", "jobs"]

    async def test_they_do_nothing_on_a_plain_session(self, engine: AsyncEngine,
                                                      units: async_sessionmaker[UnitOfWork]) -> None:
        ran: list[str] = []
        async with AsyncSession(engine) as session, session.begin():
            org_id = new_org(session)
            touch(session, "events")
            after_commit(session, recorder(ran, "hook"))
        assert ran == [] and await exists(units, org_id)


class TestToTheEnd:
    async def test_a_unit_of_work_under_way_commits_before_its_callers_cancellation_is_raised(
            self, units: async_sessionmaker[UnitOfWork]) -> None:
        started, go_on = asyncio.Event(), asyncio.Event()
        made: list[str] = []

        async def step() -> None:
            async with units.begin() as session:
                made.append(new_org(session))
                await session.flush()  # the write is under way, its transaction open
                started.set()
                await go_on.wait()

        caller = asyncio.create_task(to_the_end(step()))
        await asyncio.wait_for(started.wait(), 30)
        caller.cancel()
        await asyncio.sleep(0)
        caller.cancel()  # twice: the step still comes first
        go_on.set()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert await exists(units, made[0])
        async with units.begin() as session:  # nothing left holding the database: the next write goes through
            later = new_org(session)
        assert await exists(units, later)


class TestCancelledCommit:
    @pytest.mark.parametrize("spelling", ["begin", "commit"])
    @pytest.mark.parametrize("moment", ["commit", "reset"])
    async def test_a_unit_cancelled_during_its_commit_ends_whole(
            self, engine: AsyncEngine, units: async_sessionmaker[UnitOfWork], spelling: str, moment: str,
            caplog: pytest.LogCaptureFixture) -> None:
        """A loop is stopped by cancelling it, wherever its unit of work is. Cancelled as its commit starts, or
        as the connection is reset for the pool after it, the commit still ends and the connection goes back
        reset: the write stands, the cancellation is raised after it, and SQLAlchemy logs no failed reset (a
        traceback in a clean stop's log, and a connection thrown away)."""
        # the caller is cancelled from inside the step: SQLAlchemy's event runs just before the commit, or the
        # rollback that resets the connection for the pool, awaits the database
        target = engine.sync_engine.pool if moment == "reset" else engine.sync_engine
        callers: list[asyncio.Task[Any]] = []

        def cancel_the_caller(*_: Any) -> None:
            if callers:
                callers.pop().cancel()

        made: list[str] = []

        async def unit() -> None:
            if spelling == "begin":
                async with units() as session, session.begin():
                    made.append(new_org(session))
            else:
                async with units() as session:
                    made.append(new_org(session))
                    await session.commit()

        event.listen(target, moment, cancel_the_caller)
        try:
            callers.append(asyncio.create_task(unit()))
            caller = callers[0]
            with pytest.raises(asyncio.CancelledError):
                await caller
        finally:
            event.remove(target, moment, cancel_the_caller)
        assert callers == []  # the moment came, and the caller was cancelled then
        assert [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy")] == []
        assert await exists(units, made[0])
        async with units.begin() as session:  # the pool is sound: the next write goes through
            later = new_org(session)
        assert await exists(units, later)
