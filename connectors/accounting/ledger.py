"""What the sync asks of an accounting system, in CRM terms; each provider maps it to its own API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

from hub.jobs import JobContext
from oauth.models import Connection

__all__ = ["InvoiceDraft", "Ledger", "LedgerProvider", "Line", "Party", "Remote"]


@dataclass(frozen=True)
class Party:
    """The company or contact an invoice is addressed to."""

    crm_type: Literal["company", "contact"]
    crm_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    address: dict[str, str] = field(default_factory=dict)  # line1, city, region, postal_code, country


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceDraft:
    """A won deal as an invoice: its lines, its currency, when it was issued and when it is due."""

    deal_id: str
    reference: str
    currency: str
    issued: date
    due: date
    lines: list[Line]


@dataclass(frozen=True)
class Remote:
    """An object in the accounting system as it answered: its id, version and, for invoices, state."""

    id: str
    version: str | None = None
    number: str | None = None
    status: Literal["open", "paid", "voided"] | None = None
    paid_at: datetime | None = None


class Ledger(Protocol):
    """One connected company (QuickBooks realm, Xero tenant). Every write carries `key`, the same on every
    retry of the same piece of work, so a retried write is done once."""

    provider: str

    async def upsert_party(self, party: Party, known: Remote | None, *, key: str) -> Remote: ...

    async def create_invoice(self, draft: InvoiceDraft, customer: Remote, *, key: str) -> Remote: ...

    async def changed_invoices(self, entity: str, external_id: str) -> list[Remote]:
        """The invoices as they are now, after a change the provider told us about (an invoice itself, or
        a payment and the invoices it paid)."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class LedgerProvider:
    """An accounting system the sync invoices in, contributed by its connector (`Module.provides`): `key` is the
    OAuth provider of its connections, `open` gives the ledger of one connected company, its client retrying a
    429 or 5xx `attempts` times before the job queue's schedule takes over."""

    key: str
    open: Callable[[JobContext, Connection, int], Awaitable[Ledger]]
