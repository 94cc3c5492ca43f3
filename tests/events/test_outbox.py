"""An event exists if and only if its transaction committed, and the relay hands it on once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from hub.catalog import ActionContext
from hub.db import create_engine, session_factory
from hub.events.models import Event
from hub.events.outbox import Relay
from hub.records import service
from hub.records.definitions import CONTACTS
from hub.tenancy import service as tenancy
from hub.tenancy.auth import Principal
from tests.conftest import Api, make_settings, stops_when_woken_and_cancelled
from hub.runtime import Hub


def _ctx(session: Any, org_id: str) -> ActionContext:
    return ActionContext(session=session, principal=Principal("key_test", org_id, "hub_test", frozenset({"admin"})))


async def _events(sessions: Any, org_id: str) -> list[Event]:
    async with sessions() as session:
        return list((await session.execute(select(Event).where(Event.org_id == org_id).order_by(Event.id))).scalars())


class TestOutbox:
    async def test_a_rolled_back_change_leaves_no_event(self, api: Api, sessions: Any) -> None:
        async with sessions() as session:
            await service.create(_ctx(session, api.org_id), CONTACTS, CONTACTS.create(first_name="Ghost"))
            await session.rollback()
        assert await _events(sessions, api.org_id) == []

    async def test_a_committed_change_has_exactly_its_events(self, api: Api, sessions: Any) -> None:
        async with sessions.begin() as session:
            row = await service.create(_ctx(session, api.org_id), CONTACTS, CONTACTS.create(first_name="Real"))
        events = await _events(sessions, api.org_id)
        assert [(e.type, e.subject_id) for e in events] == [("contact.created", row.id)]
        assert events[0].data["first_name"] == "Real"

    async def test_a_request_failing_late_rolls_back_its_earlier_writes_and_events(self, app: Litestar,
                                                                                    api: Api) -> None:
        origins = Hub.of(app).catalog.origins

        async def record_events() -> list[str]:  # other modules may add their own about the lead meanwhile
            events = (await api.get("/v1/events", params={"limit": 100})).json()["data"]
            return [e["id"] for e in events if origins.get(f"event:{e['type']}") == "records"]

        lead = await api.create("leads", {"first_name": "Grace", "company_name": "Navy Labs"})
        before = await record_events()
        refused = await api.post(f"/v1/leads/{lead['id']}/convert", {"create_deal": True, "deal_stage": "nowhere"})
        assert refused.status_code == 422
        assert await record_events() == before
        assert (await api.get("/v1/contacts")).json()["data"] == []
        assert (await api.get("/v1/companies")).json()["data"] == []
        assert (await api.get(f"/v1/leads/{lead['id']}")).json()["status"] == "new"


@pytest.fixture
async def quiet(backend: str, tmp_path: Any) -> Any:
    """A database of its own, with no hub running, so only the relays a test makes hand events on."""
    engine = create_engine(await make_settings(backend, tmp_path))
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        org, _ = await tenancy.create_org(session, "Quiet")
    yield sessions, org.id
    await engine.dispose()


class TestRelay:
    async def test_hands_each_committed_event_to_consumers_once(self, app: Litestar, api: Api) -> None:
        seen: list[str] = []

        async def consumer(_session: Any, events: list[Event]) -> None:
            seen.extend(e.id for e in events if e.org_id == api.org_id)

        Hub.of(app).relay.consumers.append(consumer)
        try:
            contact = await api.create("contacts", {"first_name": "Ada"})
            await api.patch(f"/v1/contacts/{contact['id']}", {"last_name": "Lovelace"})
            logged = [e["id"] for e in (await api.get("/v1/events")).json()["data"]]
            for _ in range(100):
                if len(seen) >= len(logged):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)  # a second hand-over would show up here
        finally:
            Hub.of(app).relay.consumers.remove(consumer)
        assert sorted(seen) == sorted(logged) and len(logged) == 2

    async def test_a_failing_consumer_keeps_the_events_for_the_next_round(self, quiet: Any) -> None:
        sessions, org_id = quiet
        async with sessions.begin() as session:
            await service.create(_ctx(session, org_id), CONTACTS, CONTACTS.create(first_name="Retry"))
        calls: list[int] = []

        async def flaky(_session: Any, events: list[Event]) -> None:
            calls.append(len(events))
            if len(calls) == 1:
                raise RuntimeError("consumer down")

        relay = Relay(sessions, [flaky])
        with pytest.raises(RuntimeError):
            await relay.run_once()
        assert await relay.run_once() == 1
        assert calls == [1, 1]
        assert all(e.relayed_at is not None for e in await _events(sessions, org_id))

    async def test_a_stop_that_comes_with_a_wake_still_stops_it(self, quiet: Any) -> None:
        """The hub stops its relay by cancelling it; a commit waking the relay at that moment does not undo the
        stop (a wait that let the wake win would keep the relay running past the hub's stop)."""
        relay = Relay(quiet[0], [], interval=60)
        await stops_when_woken_and_cancelled(relay.run, relay._wake, relay.wake)

    async def test_three_relays_never_hand_on_the_same_event(self, quiet: Any) -> None:
        sessions, org_id = quiet
        async with sessions.begin() as session:
            for i in range(30):
                await service.create(_ctx(session, org_id), CONTACTS, CONTACTS.create(first_name=f"C{i}"))
        got: list[str] = []

        async def collect(_session: Any, events: list[Event]) -> None:
            got.extend(e.id for e in events)
            await asyncio.sleep(0.01)

        relays = [Relay(sessions, [collect], batch=7) for _ in range(3)]
        for _ in range(20):
            counts = await asyncio.gather(*[r.run_once() for r in relays], return_exceptions=True)
            if all(c == 0 for c in counts):
                break
        assert sorted(got) == sorted(e.id for e in await _events(sessions, org_id))
        assert len(got) == len(set(got)) == 30
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Event).where(
                Event.relayed_at.is_(None))) == 0
