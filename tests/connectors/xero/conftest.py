"""The Xero fake on loopback and a client pointed at it, with tokens and sleeps the test controls."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.xero.client import XeroClient
from connectors.xero.fake import FakeXero


class Tokens:
    """A token source: hands out `issued[0]`; when told a token was rejected, moves to the next one."""

    def __init__(self, *issued: str) -> None:
        self.issued = list(issued)
        self.asked: list[str | None] = []

    async def __call__(self, rejected: str | None) -> str:
        self.asked.append(rejected)
        if rejected is not None and rejected == self.issued[0] and len(self.issued) > 1:
            self.issued.pop(0)
        return self.issued[0]


class Sleeps:
    """An injectable sleep that records and returns at once."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeXero]:
    async with FakeXero(tokens={"valid-token"}) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def xero(fake: FakeXero, sleeps: Sleeps) -> AsyncIterator[XeroClient]:
    async with XeroClient(Tokens("valid-token"), base_url=fake.base_url, sleep=sleeps) as client:
        yield client
