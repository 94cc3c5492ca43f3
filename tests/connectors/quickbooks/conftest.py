"""A fresh loopback QuickBooks per test, and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from connectors.quickbooks.client import QuickBooksClient
from connectors.quickbooks.fake import FakeQuickBooks

REALM = "9130350000000001"
GOOD = "good-access-token"


class Tokens:
    """A token source that records what it was asked; hands out `issue` in turn."""

    def __init__(self, *issue: str) -> None:
        self.issue, self.asked = list(issue), []  # type: ignore[var-annotated]
        self.current = self.issue.pop(0)

    async def __call__(self, rejected: str | None) -> str:
        self.asked.append(rejected)
        if rejected is not None and rejected == self.current and self.issue:
            self.current = self.issue.pop(0)
        return self.current


@pytest.fixture
async def fake() -> AsyncIterator[FakeQuickBooks]:
    server = await FakeQuickBooks(tokens={GOOD}, verifier_token="verifier-123").start()
    yield server
    await server.stop()


@pytest.fixture
async def make_client(fake: FakeQuickBooks) -> AsyncIterator[Callable[..., QuickBooksClient]]:
    made: list[QuickBooksClient] = []

    def make(tokens: Tokens | None = None, **kw) -> QuickBooksClient:
        kw.setdefault("backoff", 0.01)
        client = QuickBooksClient(REALM, tokens or Tokens(GOOD), base_url=fake.url, **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: Callable[..., QuickBooksClient]) -> QuickBooksClient:
    return make_client()
