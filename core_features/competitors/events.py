"""The events of competitor tracking, declared beside the rules that emit them (`service.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from hub.catalog import EventType

__all__ = ["COMPETITOR_ADDED_TO_DEAL", "CompetitorAdded", "DEAL_LOST_TO_COMPETITOR", "DealLostTo", "SAMPLESAMPLE_IDS"]


class CompetitorAdded(msgspec.Struct, kw_only=True):
    """A competitor was added to a deal."""

    deal_id: str
    deal_name: str
    competitor_id: str
    competitor_name: str
    status: Literal["active", "won_against", "lost_to"]
    notes: str | None = None
    amount: Annotated[str, Meta(description="The deal's amount, a decimal string")] | None = None
    currency: str


class DealLostTo(msgspec.Struct, kw_only=True):
    """A deal was lost, to this competitor."""

    deal_id: str
    deal_name: str
    amount: str | None = None
    currency: str
    lost_reason: str | None = None
    closed_at: datetime | None = None
    competitor_id: str
    competitor_name: str


SAMPLE_IDS = {"deal_id": "dea_06bqv0e7c1k2m3n4p5q6r7s8t9", "competitor_id": "cmp_06bqv0e7c1k2m3n4p5q6r7s8t9"}
COMPETITOR_ADDED_TO_DEAL = EventType(
    key="competitor.added_to_deal", payload=CompetitorAdded, subject="deal", label="Competitor added to deal",
    description="A competitor was added to a deal (by a rep, an integration or an action).",
    sample={**SAMPLE_IDS, "deal_name": "Acme Corp: 250 seats", "competitor_name": "Globex", "status": "active",
            "notes": "Incumbent; contract renews in June.", "amount": "48000", "currency": "USD"})
DEAL_LOST_TO_COMPETITOR = EventType(
    key="deal.lost_to_competitor", payload=DealLostTo, subject="deal", label="Deal lost to competitor",
    description="A deal was lost, and the competitor it was lost to is known.",
    sample={**SAMPLE_IDS, "deal_name": "Acme Corp: 250 seats", "amount": "48000", "currency": "USD",
            "lost_reason": "Chose a competitor", "closed_at": "2026-03-02T16:00:00Z", "competitor_name": "Globex"})
