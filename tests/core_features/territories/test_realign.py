"""Realignment as a durable job: it saves its place after every batch, so a run cut off mid-way carries on
from there, neither skipping nor doing twice what was done."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from sqlalchemy import select

from core_features.territories import jobs
from core_features.territories.models import Assignment, Territory
from core_features.territories.settings import TerritorySettings
from hub.jobs.testing import settle
from hub.runtime import Hub
from tests.conftest import Api
from tests.core_features.territories.conftest import company, draw


class Killed(Exception):
    """Stands for the process dying in the middle of a batch: that batch's transaction never commits."""


async def _run(api: Api, model_id: str, run_id: str) -> dict[str, Any]:
    return (await api.get(f"/v1/territory_models/{model_id}/realignments/{run_id}")).json()


async def _placed(hub: Hub, api: Api) -> dict[str, str]:
    """Each placed record's one territory, by name; a record twice would fail the count."""
    async with hub.sessions() as session:
        rows = (await session.execute(select(Assignment.record_id, Territory.name).join(
            Territory, Territory.id == Assignment.territory_id).where(Assignment.org_id == api.org_id))).all()
    assert len(rows) == len({r for r, _ in rows})
    return dict(rows)


class TestRealignment:
    async def test_a_run_killed_mid_way_resumes_from_its_last_batch(self, app: Litestar, api: Api,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        hub = Hub.of(app)
        small = msgspec.structs.replace(hub.config(TerritorySettings), batch_size=2)
        monkeypatch.setitem(hub.settings.sections, TerritorySettings.prefix, small)
        ids = await draw(api)
        made = [await company(api, f"Co {n}", country="US", region="CA" if n % 2 else "TX") for n in range(7)]
        seen: list[list[str]] = []
        real = jobs.assign_records  # the kill comes once: the attempt after it runs as it would

        async def dies_on_the_third_batch(session: Any, model: Any, kind: str, records: list[dict[str, Any]],
                                          **kw: Any) -> int:
            seen.append([r["id"] for r in records])
            changed = await real(session, model, kind, records, **kw)
            if len(seen) == 3:
                raise Killed("mid-batch")
            return changed

        monkeypatch.setattr(jobs, "assign_records", dies_on_the_third_batch)
        started = await api.post(f"/v1/territory_models/{ids['model']}/realignments", {"record_types": ["company"]})
        assert started.status_code == 202
        run_id = started.json()["id"]
        async with asyncio.timeout(60):
            while (done := await _run(api, ids["model"], run_id))["status"] != "succeeded":
                await settle(app)  # the attempt that was cut off is retried a moment later
                await asyncio.sleep(0.05)
        ordered = sorted(made)
        # Batches of two: the third was cut off and done again by the next attempt, nothing before it was.
        assert seen == [ordered[0:2], ordered[2:4], ordered[4:6], ordered[4:6], ordered[6:7]]
        assert (done["processed"], done["total"], done["attempts"]) == (7, 7, 2)
        assert await _placed(hub, api) == {m: ("West" if n % 2 else "Americas") for n, m in enumerate(made)}
