"""Helpers of the commission tests: reps on plans, deals won and lost through the API, runs waited for."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Litestar

from core_features.commissions.periods import Period, containing
from hub.db import utcnow
from hub.jobs.testing import settle
from tests.conftest import Api
from tests.webhooks.portal.conftest import browser, chromium, live_hub, open_portal, page, portal  # noqa: F401 (fixtures)

__all__ = ["TIERS", "current", "plan", "rep", "run", "win"]

TIERS = [{"floor": "0", "rate": "0.05"}, {"floor": "50000", "rate": "0.08"}, {"floor": "100000", "rate": "0.10"}]


def current(kind: str = "quarter") -> Period:
    """The period deals closed now are credited to (credits go by the day a deal closes)."""
    return containing(kind, utcnow().date())


async def rep(api: Api, name: str = "Ana") -> dict[str, Any]:
    return await api.create("users", {"name": name, "email": f"{name.lower()}-{utcnow().timestamp()}@acme.test"})


async def plan(api: Api, users: list[dict[str, Any]], **rules: Any) -> dict[str, Any]:
    made = await api.create("commissions/plans", {"name": "Plan", "period": "quarter", **rules})
    for user in users:
        answer = await api.put(f"/v1/commissions/members/{user['id']}", {"plan_id": made["id"]})
        assert answer.status_code == 200, answer.text
    return made


async def win(app: Litestar, api: Api, owner: dict[str, Any] | None, amount: str, **fields: Any) -> dict[str, Any]:
    """A deal owned by `owner`, won through the API, its credit written."""
    made = await api.create("deals", {"name": f"Deal {amount}", "amount": amount,
                                      **({"owner_id": owner["id"]} if owner else {}), **fields})
    await status(app, api, made, "won")
    return made


async def status(app: Litestar, api: Api, deal: dict[str, Any], to: str) -> None:
    answer = await api.patch(f"/v1/deals/{deal['id']}", {"status": to})
    assert answer.status_code == 200, answer.text
    await settle(app)


async def run(app: Litestar, api: Api, period: str) -> dict[str, Any]:
    """Start a calculation run and wait until its job has finished; answers the run."""
    started = await api.post("/v1/commissions/runs", {"period": period})
    assert started.status_code == 202, started.text
    await settle(app)
    done = (await api.get(f"/v1/commissions/runs/{started.json()['id']}")).json()
    assert done["status"] == "done", done
    return done


async def payout(api: Api, user: dict[str, Any], period: str) -> dict[str, Any]:
    answer = await api.get(f"/v1/commissions/statements/{user['id']}", params={"period": period})
    assert answer.status_code == 200, answer.text
    return answer.json()


def day(value: str) -> date:
    return date.fromisoformat(value)
