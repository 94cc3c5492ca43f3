"""The events of commission tracking, and the name of the refund event it listens for."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from hub.catalog import EventType

__all__ = ["COMMISSION_CREDITED", "PAYOUT_LOCKED", "REFUND_EVENT", "CommissionCredited", "PayoutLocked"]

# The accounting sync declares no refund event yet; commission tracking listens for this name (declared by
# whichever module reports refunds) and never imports the connector.
REFUND_EVENT = "invoice.refunded"
Money = Annotated[str, Meta(description="A decimal string in the organization's currency")]


class CommissionCredited(msgspec.Struct, kw_only=True):
    """A rep was credited with a share of a won deal, or (a negative amount) that credit was clawed back."""

    credit_id: str
    deal_id: str
    user_id: str
    kind: Literal["credit", "clawback"]
    cause: Annotated[str, Meta(examples=["deal.won", "deal.lost", "deal.reopened", "invoice.refunded"])]
    amount: Money
    percent: Annotated[str, Meta(description="The rep's split of the deal, in percent")]
    closed_on: str
    currency: str


class PayoutLocked(msgspec.Struct, kw_only=True):
    """A rep's payout for a period was locked: its figures are final; later changes land in the next period."""

    payout_id: str
    user_id: str
    period: str
    credited: Money
    commission: Money
    adjustments: Money
    total: Money
    currency: str


COMMISSION_CREDITED = EventType(
    key="commission.credited", payload=CommissionCredited, subject="deal", label="Commission credited",
    description="A rep was credited with a share of a won deal, or a clawback took a credit back (a negative "
                "amount) when the deal was reopened, lost, or its invoice refunded.",
    sample={"credit_id": "ccr_06bqv0e7c1k2m3n4p5q6r7s8t9", "deal_id": "dea_06bqv0e7c1k2m3n4p5q6r7s8t9",
            "user_id": "usr_06bqv0e7c1k2m3n4p5q6r7s8t9", "kind": "credit", "cause": "deal.won", "amount": "28800",
            "percent": "60", "closed_on": "2026-03-02", "currency": "USD"})
PAYOUT_LOCKED = EventType(
    key="payout.locked", payload=PayoutLocked, subject="user", label="Payout locked",
    description="A rep's commission payout for a period was reviewed and locked as a final statement.",
    sample={"payout_id": "cpo_06bqv0e7c1k2m3n4p5q6r7s8t9", "user_id": "usr_06bqv0e7c1k2m3n4p5q6r7s8t9",
            "period": "2026-Q1", "credited": "120000", "commission": "8500", "adjustments": "0", "total": "8500",
            "currency": "USD"})
