"""`hub demo-data`: a realistic organization, written through the record service with its events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.demo import populate
from hub.errors import NotFound
from tests.conftest import Api

RECORDS = ("users", "companies", "contacts", "leads", "deals", "products", "line_items", "activities")


async def _populate(sessions: Any, seed: int = 7, org_id: str | None = None) -> dict[str, Any]:
    async with sessions.begin() as session:
        return await populate(session, org_id=org_id, seed=seed)


async def _all(api: Api, plural: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/{plural}", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["next_cursor"] is None
    return page["data"]


class TestDemoData:
    async def test_a_new_organization_reads_back_through_the_api(self, sessions: Any,
                                                                 client: httpx.AsyncClient) -> None:
        summary = await _populate(sessions)
        api = Api(client, summary["org_id"], summary["api_key"])
        rows = {plural: await _all(api, plural) for plural in RECORDS}
        assert {plural: len(rows[plural]) for plural in RECORDS} == {plural: summary[plural] for plural in RECORDS}
        assert summary["users"] == 6 and summary["products"] == 5
        assert 25 <= summary["companies"] <= 30 and 55 <= summary["contacts"] <= 70
        assert summary["leads"] == 30 and 38 <= summary["deals"] <= 45 and summary["activities"] == 80
        assert all(u["phone"].startswith("+1415555") for u in rows["users"])
        assert sum(lead["status"] == "converted" for lead in rows["leads"]) == summary["converted_leads"] == 3
        deals = rows["deals"]
        assert len({d["stage"] for d in deals if d["status"] == "open"}) >= 3
        won = [d for d in deals if d["status"] == "won"]
        lost = [d for d in deals if d["status"] == "lost"]
        assert (len(won), len(lost)) == (summary["deals_won"], summary["deals_lost"])
        assert won and lost and all(d["closed_at"] for d in won + lost)
        events = await _all(api, "events", type="deal.won")
        assert sorted(e["subject_id"] for e in events) == sorted(d["id"] for d in won)
        assert await _all(api, "events", type="lead.converted")

    async def test_line_items_add_up_to_their_deal(self, sessions: Any, client: httpx.AsyncClient) -> None:
        summary = await _populate(sessions, seed=3)
        api = Api(client, summary["org_id"], summary["api_key"])
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for item in await _all(api, "line_items"):
            totals[item["deal_id"]] += Decimal(item["amount"])
        amounts = {d["id"]: Decimal(d["amount"]) for d in await _all(api, "deals")}
        assert totals and all(amounts[deal_id] == total for deal_id, total in totals.items())

    async def test_the_same_seed_gives_the_same_companies(self, sessions: Any, client: httpx.AsyncClient) -> None:
        names = []
        for seed in (7, 7, 8):
            summary = await _populate(sessions, seed=seed)
            api = Api(client, summary["org_id"], summary["api_key"])
            names.append(sorted(c["name"] for c in await _all(api, "companies")))
        assert names[0] == names[1] != names[2]

    async def test_fills_an_existing_organization_more_than_once(self, sessions: Any, api: Api) -> None:
        first = await _populate(sessions, org_id=api.org_id)
        second = await _populate(sessions, org_id=api.org_id)
        assert "api_key" not in first and first == second
        assert len(await _all(api, "users")) == 6
        assert len(await _all(api, "deals")) == 2 * first["deals"]

    async def test_refuses_an_unknown_organization(self, sessions: Any) -> None:
        with pytest.raises(NotFound):
            await _populate(sessions, org_id="org_missing")

    def test_the_cli_prints_the_new_organization_as_json(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")} | {"HUB_DATA_DIR": str(tmp_path)}
        done = subprocess.run([sys.executable, "-m", "hub.cli", "demo-data", "--json"], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        assert summary["org_id"].startswith("org_") and summary["api_key"].startswith("hub_")
        assert summary["deals_won"] >= 1 and summary["activities"] == 80
        assert (tmp_path / "hub.db").exists()
