"""Helpers of the insights tests: an organization's history of leads entered through the API, with outcomes."""

from __future__ import annotations

import random
from typing import Any

from litestar import Litestar

from hub.jobs.testing import settle
from tests.conftest import Api
from tests.webhooks.portal.conftest import (browser, chromium, live_hub, open_portal, page,  # noqa: F401 (fixtures)
                                            portal)

__all__ = ["budget_field", "close", "history", "lead", "score_of", "settled_events"]

DOMAINS = ("acme.com", "initech.io", "gmail.com", "mailinator.com")


async def budget_field(api: Api) -> None:
    """A number custom field the organization keeps on its leads."""
    await api.create("custom_fields", {"record_type": "lead", "key": "budget", "label": "Budget", "type": "number"})


async def lead(api: Api, **fields: Any) -> dict[str, Any]:
    return await api.create("leads", {"first_name": "Ada", "email": "ada@acme.com", **fields})


async def history(api: Api, n: int, *, seed: int = 7, signal: bool = True) -> list[dict[str, Any]]:
    """`n` leads, each created open and then converted or disqualified through the API; with `signal`, a
    higher budget makes conversion likelier, else the outcome is a coin toss."""
    rng, made = random.Random(seed), []
    for i in range(n):
        budget = rng.randint(0, 100)
        won = rng.random() < (0.1 + 0.8 * budget / 100 if signal else 0.5)
        row = await lead(api, first_name=f"Lead {i}", email=f"p{i}@{rng.choice(DOMAINS)}",
                         custom_fields={"budget": budget})
        answer = await close(api, row["id"], won)
        assert answer.status_code == 200, answer.text
        made.append(row)
    return made


async def close(api: Api, lead_id: str, won: bool) -> Any:
    """Convert the lead (its outcome is positive) or disqualify it (negative)."""
    if won:
        return await api.post(f"/v1/leads/{lead_id}/convert", {"create_company": False})
    return await api.patch(f"/v1/leads/{lead_id}", {"status": "unqualified"})


async def score_of(app: Litestar, api: Api, kind: str, record_id: str) -> dict[str, Any]:
    """The record's score once every committed change has been scored."""
    await settle(app, timeout=120)
    answer = await api.get(f"/v1/{kind}s/{record_id}/score")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def settled_events(app: Litestar, api: Api, type: str) -> list[dict[str, Any]]:
    await settle(app, timeout=120)
    return (await api.get("/v1/events", params={"type": type, "limit": 200})).json()["data"]
