"""A loopback target standing in for Zapier's or Make's hook URL, and helpers that act as their apps do."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from standardwebhooks.webhooks import Webhook

from hub.jobs.testing import settle
from tests.conftest import Api
from tests.webhooks.receiver import Receiver, Received, start_receiver


@pytest.fixture
async def target() -> AsyncIterator[Receiver]:
    receiver, runner = await start_receiver()
    yield receiver
    await runner.cleanup()


def hook_path() -> str:
    return f"/hooks/catch/{uuid.uuid4().hex[:10]}"


async def subscribe(api: Api, target: Receiver, path: str, event: str,
                    platform: str = "zapier") -> dict[str, Any]:
    """What a Zapier app's performSubscribe (or Make's attach) sends; insists on 201."""
    made = await api.post("/v1/hooks", {"target_url": target.url(path), "event": event, "platform": platform})
    assert made.status_code == 201, made.text
    return made.json()


def verified(secret: str, request: Received) -> dict[str, Any]:
    """The delivery as Zapier's perform would see it, once the official verifier accepted it."""
    Webhook(secret).verify(request.body, {k.lower(): v for k, v in request.headers.items()})
    return json.loads(request.body)


async def hooks(api: Api) -> list[dict[str, Any]]:
    answer = await api.get("/v1/hooks")
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def until(app: Litestar, check: Any, timeout: float = 10.0) -> None:
    """Relay events and run due jobs until `check()` holds (the worker records attempts on its own time)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the hub did not get there in time")
        await settle(app)
        await asyncio.sleep(0.05)
