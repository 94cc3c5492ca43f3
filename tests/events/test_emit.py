"""Emitting into the outbox: a declared event with a fitting payload is written, anything else is refused where
the unit of work is strict and logged (and written) elsewhere; a commit wakes the relay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from structlog.testing import capture_logs

from hub.catalog import Catalog, EventType
from hub.db import create_engine, session_factory
from hub.events.models import Event
from hub.events.service import EventMismatch, append, emit, emit_many
from hub.tenancy.models import Organization
from hub.uow import Signals, UnitContext, UnitOfWork
from tests.conftest import make_settings


class Note(msgspec.Struct, kw_only=True):
    """A note was written."""

    title: Annotated[str, msgspec.Meta(min_length=1)]
    words: int = 0


class Memo(msgspec.Struct, kw_only=True):
    """Not a note."""

    title: str


NOTE_WRITTEN = EventType("note.written", "A note was written.", Note, {"title": "Minutes", "words": 3},
                         subject="note")
NOTE_FILED = EventType("note.filed", "A note was filed.", Note, {"title": "Minutes"}, subject="note")
TWIN = replace(NOTE_WRITTEN)  # the same key and fields, yet not the declaration the catalog holds


def catalog() -> Catalog:
    """This test's own catalog: it declares note.written and nothing else."""
    declared = Catalog()
    declared.add_event(NOTE_WRITTEN)
    declared.validate()
    return declared


@pytest.fixture(scope="module")
async def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    """A database of this module's own, with no hub running: no relay hands an event on while a test reads it."""
    engine = create_engine(await make_settings(backend, tmp_path_factory.mktemp("emit")))
    yield engine
    await engine.dispose()


@pytest.fixture
async def org_id(engine: AsyncEngine) -> str:
    org = Organization(id=f"org_{uuid.uuid4().hex[:20]}", name="Emitting", settings={})
    async with session_factory(engine).begin() as session:
        session.add(org)
    return org.id


def units(engine: AsyncEngine, *, strict: bool, signals: Signals | None = None) -> async_sessionmaker[UnitOfWork]:
    return session_factory(engine, UnitContext(signals or Signals(), catalog(), strict))


async def written(engine: AsyncEngine, org_id: str) -> list[Event]:
    async with session_factory(engine)() as session:
        return list((await session.scalars(select(Event).where(Event.org_id == org_id).order_by(Event.id))).all())


async def refused(engine: AsyncEngine, org_id: str, event: EventType[Any], payload: Any) -> str:
    """Emit in a strict unit that then commits; answers the refusal, having checked nothing was written."""
    async with units(engine, strict=True).begin() as session:
        with pytest.raises(EventMismatch) as info:
            emit(session, org_id, event, payload)
    assert await written(engine, org_id) == []
    return str(info.value)


async def logged(engine: AsyncEngine, org_id: str, event: EventType[Any], payload: Any) -> list[dict[str, Any]]:
    """Emit in a lenient unit that commits; answers the mismatches logged."""
    with capture_logs() as logs:
        async with units(engine, strict=False).begin() as session:
            emit(session, org_id, event, payload)
    return [entry for entry in logs if entry["event"] == "events.emit.mismatch"]


class TestEmit:
    async def test_writes_a_declared_event_as_its_payloads_json(self, engine: AsyncEngine, org_id: str) -> None:
        async with units(engine, strict=True).begin() as session:
            emit(session, org_id, NOTE_WRITTEN, Note(title="Minutes", words=3), subject_id="note_1", source="crm")
        [row] = await written(engine, org_id)
        assert (row.type, row.data, row.subject_type, row.subject_id, row.source) == (
            "note.written", {"title": "Minutes", "words": 3}, "note", "note_1", "crm")
        assert row.relayed_at is None and row.id.startswith("evt_")

    async def test_refuses_an_event_its_catalog_does_not_declare(self, engine: AsyncEngine, org_id: str) -> None:
        problem = await refused(engine, org_id, NOTE_FILED, Note(title="Minutes"))
        assert "note.filed is not declared" in problem

    async def test_refuses_another_declaration_under_a_declared_key(self, engine: AsyncEngine, org_id: str) -> None:
        assert TWIN is not NOTE_WRITTEN and TWIN.key == NOTE_WRITTEN.key
        problem = await refused(engine, org_id, TWIN, Note(title="Minutes"))
        assert "note.written is not declared" in problem

    async def test_refuses_a_payload_that_is_not_its_declared_type(self, engine: AsyncEngine, org_id: str) -> None:
        problem = await refused(engine, org_id, NOTE_WRITTEN, Memo(title="Minutes"))
        assert "takes a Note, not a Memo" in problem

    async def test_refuses_a_payload_that_breaks_its_constraints(self, engine: AsyncEngine, org_id: str) -> None:
        problem = await refused(engine, org_id, NOTE_WRITTEN, Note(title=""))
        assert problem.startswith("note.written:") and "title" in problem

    async def test_logs_and_writes_an_undeclared_event_where_not_strict(self, engine: AsyncEngine,
                                                                        org_id: str) -> None:
        mismatches = await logged(engine, org_id, NOTE_FILED, Note(title="Minutes"))
        assert [(m["event_type"], m["log_level"]) for m in mismatches] == [("note.filed", "error")]
        assert [(row.type, row.data) for row in await written(engine, org_id)] == [
            ("note.filed", {"title": "Minutes", "words": 0})]

    async def test_logs_and_writes_a_payload_of_another_type_where_not_strict(self, engine: AsyncEngine,
                                                                              org_id: str) -> None:
        mismatches = await logged(engine, org_id, NOTE_WRITTEN, Memo(title="Minutes"))
        assert ["takes a Note, not a Memo" in m["problem"] for m in mismatches] == [True]
        assert [row.data for row in await written(engine, org_id)] == [{"title": "Minutes"}]

    async def test_logs_and_writes_a_payload_that_breaks_its_constraints_where_not_strict(
            self, engine: AsyncEngine, org_id: str) -> None:
        mismatches = await logged(engine, org_id, NOTE_WRITTEN, Note(title=""))
        assert [row.data for row in await written(engine, org_id)] == [{"title": "", "words": 0}]
        assert [m["event_type"] for m in mismatches] == ["note.written"]

    async def test_a_committed_emit_wakes_the_events_topic(self, engine: AsyncEngine, org_id: str) -> None:
        signals, woken = Signals(), []
        signals.connect("events", lambda: woken.append("relay"))
        async with units(engine, strict=True, signals=signals).begin() as session:
            emit(session, org_id, NOTE_WRITTEN, Note(title="Minutes"))
            await session.flush()
            assert woken == []
        assert woken == ["relay"]

    async def test_a_rolled_back_emit_leaves_no_row_and_wakes_no_one(self, engine: AsyncEngine, org_id: str) -> None:
        signals, woken = Signals(), []
        signals.connect("events", lambda: woken.append("relay"))
        with pytest.raises(RuntimeError):
            async with units(engine, strict=True, signals=signals).begin() as session:
                emit(session, org_id, NOTE_WRITTEN, Note(title="Minutes"))
                await session.flush()
                raise RuntimeError("the change failed")
        assert woken == [] and await written(engine, org_id) == []


class TestEmitMany:
    async def test_writes_each_payload_with_its_subject_in_order_and_wakes_the_relay_once(
            self, engine: AsyncEngine, org_id: str) -> None:
        signals, woken = Signals(), []
        signals.connect("events", lambda: woken.append("relay"))
        async with units(engine, strict=True, signals=signals).begin() as session:
            added = await emit_many(session, org_id, NOTE_WRITTEN,
                                    [(Note(title=f"Minutes {n}", words=n), f"note_{n}") for n in range(3)])
            assert woken == []
        assert added == 3 and woken == ["relay"]
        assert [(row.type, row.data, row.subject_type, row.subject_id, row.relayed_at)
                for row in await written(engine, org_id)] == [
            ("note.written", {"title": f"Minutes {n}", "words": n}, "note", f"note_{n}", None) for n in range(3)]

    async def test_nothing_to_add_writes_nothing_and_wakes_no_one(self, engine: AsyncEngine, org_id: str) -> None:
        signals, woken = Signals(), []
        signals.connect("events", lambda: woken.append("relay"))
        async with units(engine, strict=True, signals=signals).begin() as session:
            assert await emit_many(session, org_id, NOTE_WRITTEN, []) == 0
        assert woken == [] and await written(engine, org_id) == []

    async def test_refuses_the_batch_where_strict_when_one_payload_does_not_fit(self, engine: AsyncEngine,
                                                                                org_id: str) -> None:
        with pytest.raises(EventMismatch, match="title"):
            async with units(engine, strict=True).begin() as session:
                await emit_many(session, org_id, NOTE_WRITTEN, [(Note(title="Minutes"), None), (Note(title=""), None)])
        assert await written(engine, org_id) == []

    async def test_logs_and_writes_a_misfit_where_not_strict(self, engine: AsyncEngine, org_id: str) -> None:
        with capture_logs() as logs:
            async with units(engine, strict=False).begin() as session:
                await emit_many(session, org_id, NOTE_FILED, [(Note(title="Minutes"), "note_1")])
        assert [m["event_type"] for m in logs if m["event"] == "events.emit.mismatch"] == ["note.filed"]
        assert [(row.type, row.subject_id) for row in await written(engine, org_id)] == [("note.filed", "note_1")]


class TestAppend:
    async def test_writes_a_raw_row_unchecked_and_wakes_the_events_topic(self, engine: AsyncEngine,
                                                                         org_id: str) -> None:
        signals, woken = Signals(), []
        signals.connect("events", lambda: woken.append("relay"))
        async with units(engine, strict=True, signals=signals).begin() as session:
            append(session, org_id, "crm.anything", {"free": ["form"]}, subject_type="deal", subject_id="deal_1",
                   source="crm")
        [row] = await written(engine, org_id)
        assert (row.type, row.data, row.subject_type, row.subject_id, row.source) == (
            "crm.anything", {"free": ["form"]}, "deal", "deal_1", "crm")
        assert woken == ["relay"]
