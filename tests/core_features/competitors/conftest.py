"""Helpers of the competitor tests: deals in a pipeline of the organization, and closing them at a given time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Litestar
from sqlalchemy import update

from hub.jobs.testing import settle
from hub.records.models import Deal
from hub.runtime import Hub
from tests.conftest import Api
from tests.webhooks.portal.conftest import (browser, chromium, live_hub, open_portal, page,  # noqa: F401 (fixtures)
                                            portal)

__all__ = ["close", "deal", "settled_events"]


async def deal(api: Api, name: str = "Deal", **fields: Any) -> dict[str, Any]:
    return await api.create("deals", {"name": name, **fields})


async def close(app: Litestar, api: Api, made: dict[str, Any], status: str, *, created: datetime | None = None,
                closed: datetime | None = None) -> None:
    """Close a deal through the API (so its events run), then date it as a test needs."""
    answer = await api.patch(f"/v1/deals/{made['id']}", {"status": status})
    assert answer.status_code == 200, answer.text
    await settle(app)
    times = {k: v for k, v in {"created_at": created, "closed_at": closed}.items() if v is not None}
    if times:
        async with Hub.of(app).sessions.begin() as session:
            await session.execute(update(Deal).where(Deal.id == made["id"]).values(**times))


async def settled_events(app: Litestar, api: Api, type: str) -> list[dict[str, Any]]:
    """The organization's events of one type, newest first, once everything committed has been relayed."""
    await settle(app)
    return (await api.get("/v1/events", params={"type": type})).json()["data"]
