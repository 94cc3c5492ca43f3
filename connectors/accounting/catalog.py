"""The accounting sync's events, and its jobs and event listener."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from hub.catalog import Catalog, EventType

__all__ = ["INVOICE_PAID", "InvoicePaid", "register"]


class InvoicePaid(msgspec.Struct, kw_only=True):
    """A won deal's invoice was paid in full in the accounting system."""

    deal_id: str
    provider: Annotated[str, Meta(examples=["quickbooks", "xero"])]
    invoice_id: str
    invoice_number: str | None = None
    paid_at: datetime
    amount: str | None = None
    currency: str


INVOICE_PAID = EventType(
    key="invoice.paid", subject="deal", payload=InvoicePaid,
    description="The invoice of a won deal was paid in full in QuickBooks or Xero.",
    sample={"deal_id": "dea_06bqv0e7c1k2m3n4p5q6r7s8t9", "provider": "quickbooks", "invoice_id": "130",
            "invoice_number": "1037", "paid_at": "2026-04-02T09:30:00Z", "amount": "48000",
            "currency": "USD"})


def register(catalog: Catalog) -> None:
    catalog.add_event(INVOICE_PAID)
