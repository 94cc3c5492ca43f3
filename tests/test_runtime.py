"""The hub of one process: its modules start in order and stop in reverse, its background work runs while it
runs, services and contributions are found by type, and upkeep gathers every module's counts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from structlog.testing import capture_logs

from hub.app import MODULES
from hub.jobs.registry import Job, JobContext
from hub.module import Module
from hub.runtime import Hub
from hub.settings import Settings
from hub.tenancy import service as tenancy
from tests.conftest import JOB_TEST_SETTINGS, make_settings

CORE = tuple(m for m in MODULES if m.name in ("tenancy", "records", "events", "jobs"))
BACKGROUND = {"outbox-relay", "key-usage", "maintenance"}  # the tasks of every running hub; "jobs" where it delivers


@pytest.fixture(scope="module")
async def fresh(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return await make_settings(backend, tmp_path_factory.mktemp(f"runtime-{backend}"), **JOB_TEST_SETTINGS)


@pytest.fixture
async def build(fresh: Settings) -> AsyncIterator[Callable[..., Hub]]:
    """Makes hubs of the core modules and the given ones; closes what each opened."""
    made: list[Hub] = []

    def make(*modules: Module) -> Hub:
        made.append(hub := Hub(fresh, (*CORE, *modules)))
        return hub

    yield make
    for hub in made:
        await hub.engine.dispose()
        await hub.http.aclose()
        await hub.user_http.aclose()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for `condition` to hold."""
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def task_names(since: set[asyncio.Task[Any]]) -> set[str]:
    """The names of the tasks alive now and not among `since` (other hubs of the test session run beside)."""
    return {task.get_name() for task in asyncio.all_tasks() - since}


@dataclass
class Journal:
    """Modules of this test's own, which write down each hook as it runs."""

    entries: list[str] = field(default_factory=list)

    def module(self, name: str, *, failing: tuple[str, ...] = (), **declared: Any) -> Module:
        def hook(step: str) -> Callable[[Hub], Any]:
            async def run(hub: Hub) -> None:
                assert isinstance(hub, Hub)
                self.entries.append(f"{step} {name}")
                if step in failing:
                    raise RuntimeError(f"{name} cannot {step}")
            return run

        return Module(name=name, description=f"The module {name}.", start=hook("start"), drain=hook("drain"),
                      stop=hook("stop"), **declared)

    def background(self, name: str) -> Callable[[Hub], Any]:
        async def run(hub: Hub) -> None:
            self.entries.append(f"runs {name}")
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.entries.append(f"cancelled {name}")
                raise
        return run


class TestRunning:
    async def test_starts_modules_in_order_and_drains_and_stops_them_in_reverse(self, build: Callable[..., Hub]
                                                                                 ) -> None:
        journal = Journal()
        hub = build(*(journal.module(name) for name in ("a", "b", "c")))
        async with hub.running(delivers=False) as running:
            assert running is hub and journal.entries == ["start a", "start b", "start c"]
        assert journal.entries[3:] == ["drain c", "drain b", "drain a", "stop c", "stop b", "stop a"]

    async def test_runs_background_work_while_running_and_cancels_it_between_drain_and_stop(
            self, build: Callable[..., Hub]) -> None:
        journal = Journal()
        hub = build(journal.module("a", background=journal.background("a")))
        before = asyncio.all_tasks()
        async with hub.running(delivers=False):
            await until(lambda: "runs a" in journal.entries)
            assert "a" in task_names(before)
        assert journal.entries == ["start a", "runs a", "drain a", "cancelled a", "stop a"]
        assert not (BACKGROUND | {"a"}) & task_names(before)

    async def test_still_stops_the_others_when_one_drain_or_stop_raises(self, build: Callable[..., Hub]) -> None:
        journal = Journal()
        hub = build(journal.module("a"), journal.module("b", failing=("drain", "stop")), journal.module("c"))
        with capture_logs() as logs:
            async with hub.running(delivers=False):
                pass
        assert journal.entries[3:] == ["drain c", "drain b", "drain a", "stop c", "stop b", "stop a"]
        failed = [entry["step"] for entry in logs if entry["event"] == "hub.stop.step_failed"]
        assert failed == ["b.drain", "b.stop"]

    async def test_a_step_that_never_ends_is_cut_off_and_the_rest_still_stops(self, build: Callable[..., Hub]
                                                                           ) -> None:
        journal = Journal()

        async def hangs(hub: Hub) -> None:
            journal.entries.append("stop b")
            await asyncio.Event().wait()

        async def ignores_cancellation(hub: Hub) -> None:
            journal.entries.append("runs b")
            while True:
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    journal.entries.append("refused to stop b")  # then waits on: only its bound ends it
                    await asyncio.sleep(3600)

        hub = build(journal.module("a"), Module(name="b", description="The module b.", stop=hangs,
                                                background=ignores_cancellation), journal.module("c"))
        hub.stop_timeout = 0.2
        with capture_logs() as logs:
            async with hub.running(delivers=False):
                await until(lambda: "runs b" in journal.entries)
        assert journal.entries[-4:] == ["refused to stop b", "stop c", "stop b", "stop a"]
        timed_out = [entry["step"] for entry in logs if entry["event"] == "hub.stop.step_timed_out"]
        assert timed_out == ["b.cancel", "b.stop"]
        for task in asyncio.all_tasks():  # a second cancellation ends the one that refused the first
            if task.get_name() == "b":
                task.cancel()

    async def test_stops_the_started_modules_when_one_fails_to_start(self, build: Callable[..., Hub]) -> None:
        journal = Journal()
        hub = build(journal.module("a"), journal.module("b", failing=("start",)), journal.module("c"))
        with pytest.raises(RuntimeError, match="b cannot start"):
            async with hub.running(delivers=False):
                pytest.fail("the hub ran without all its modules")
        assert journal.entries == ["start a", "start b", "drain a", "stop a"]

    async def test_runs_jobs_where_it_delivers(self, build: Callable[..., Hub]) -> None:
        ran: list[dict[str, Any]] = []

        async def ping(ctx: JobContext, job: Job) -> None:
            ran.append(job.payload)

        hub = build(Module(name="pinger", description="Runs pings.", jobs={"runtime.ping": ping}))
        before = asyncio.all_tasks()
        async with hub.running(delivers=True):
            assert hub.delivers and BACKGROUND | {"jobs"} <= task_names(before)
            async with hub.sessions.begin() as session:
                org, _ = await tenancy.create_org(session, "Runtime")
                await hub.job_queue(session, org.id).enqueue("runtime.ping", {"n": 1})
            await until(lambda: ran == [{"n": 1}])
        assert not (BACKGROUND | {"jobs"}) & task_names(before)

    async def test_leaves_jobs_to_other_processes_where_it_does_not_deliver(self, build: Callable[..., Hub]) -> None:
        async def ping(ctx: JobContext, job: Job) -> None:
            """A handler, without which no runner would start anyway."""

        hub = build(Module(name="pinger", description="Runs pings.", jobs={"runtime.ping": ping}))
        before = asyncio.all_tasks()
        async with hub.running(delivers=False):
            names = task_names(before)
            assert not hub.delivers and BACKGROUND <= names and "jobs" not in names


@dataclass(frozen=True)
class Clock:
    """A service of this test's own."""

    now: str = "noon"


@dataclass(frozen=True)
class Ledger:
    """An extension point of this test's own; `key` names the vendor behind it."""

    key: str


class SubLedger(Ledger):
    pass


class TestServices:
    async def test_finds_what_a_module_provides_by_its_type(self, build: Callable[..., Hub]) -> None:
        clock = Clock()
        hub = build(Module(name="clock", description="Tells the time.", build=lambda hub: hub.provide(clock)))
        assert hub.service(Clock) is clock and hub.find(Clock) is clock
        assert hub.find(Ledger) is None
        with pytest.raises(LookupError, match="no module provides Ledger"):
            hub.service(Ledger)

    async def test_refuses_one_type_provided_twice(self, build: Callable[..., Hub]) -> None:
        twice = [Module(name=name, description="Tells the time.", build=lambda hub: hub.provide(Clock()))
                 for name in ("clock", "another clock")]
        with pytest.raises(RuntimeError, match="Clock is provided twice"):
            build(*twice)

    async def test_gathers_contributions_by_type_in_module_order(self, build: Callable[..., Hub]) -> None:
        first, second, third = Ledger("first"), Ledger("second"), SubLedger("third")
        hub = build(Module(name="a", description="Ledgers.", provides=(first, Clock(), second)),
                    Module(name="b", description="More ledgers.", provides=(third,)))
        assert hub.contributions(Ledger) == [first, second, third]
        assert hub.contributions(SubLedger) == [third] and hub.contributions(int) == []

    async def test_finds_a_port_by_the_key_of_its_contribution(self, build: Callable[..., Hub]) -> None:
        books, sheets = Ledger("books"), Ledger("sheets")
        hub = build(Module(name="a", description="Ledgers.", provides=(Clock(), books)),
                    Module(name="b", description="More ledgers.", provides=(sheets,)))
        assert hub.port(Ledger, "sheets") is sheets and hub.port(Ledger, "books") is books
        assert hub.port(Ledger, "abacus") is None and hub.port(SubLedger, "books") is None


class TestMaintain:
    async def test_answers_the_counts_of_every_modules_maintenance(self, build: Callable[..., Hub]) -> None:
        async def purge_a(hub: Hub) -> dict[str, int]:
            return {"a_rows": 2}

        async def purge_b(hub: Hub) -> dict[str, int]:
            return {"b_rows": 5}

        hub = build(Module(name="a", description="A.", maintenance=purge_a),
                    Module(name="b", description="B.", maintenance=purge_b))
        assert await hub.maintain() == {"idempotency_keys": 0, "a_rows": 2, "b_rows": 5}

    async def test_survives_a_module_whose_maintenance_raises(self, build: Callable[..., Hub]) -> None:
        async def broken(hub: Hub) -> dict[str, int]:
            raise ConnectionError("the archive is away")

        async def purge(hub: Hub) -> dict[str, int]:
            return {"b_rows": 5}

        hub = build(Module(name="a", description="A.", maintenance=broken),
                    Module(name="b", description="B.", maintenance=purge))
        with capture_logs() as logs:
            assert await hub.maintain() == {"idempotency_keys": 0, "b_rows": 5}
        assert [(e["module"], e["error_class"]) for e in logs if e["event"] == "maintenance.failed"] == [
            ("a", "ConnectionError")]
