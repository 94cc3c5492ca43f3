"""What the competitor API takes and answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from hub.types import Url

__all__ = ["Analysis", "Choice", "CompetitorIn", "CompetitorOut", "CompetitorPage", "CompetitorPatch", "CompetitorResult",
           "DealCompetitorIn", "DealCompetitorList", "DealCompetitorOut", "DealCompetitorPatch", "Status"]

Status = Literal["active", "won_against", "lost_to"]
Name = Annotated[str, Meta(min_length=1, max_length=100, description="Unique in the organization, whatever its case.")]
Notes = Annotated[str, Meta(max_length=10_000)]
Card = Annotated[str, Meta(max_length=50_000, description="Plain text; blank lines separate paragraphs.")]
Id = Annotated[str, Meta(min_length=3, max_length=40)]


class CompetitorIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A company the organization competes with."""

    name: Name
    website: Url | None = None
    strengths: Notes | None = None
    weaknesses: Notes | None = None
    pricing_notes: Notes | None = None
    battle_card: Card | None = None


class CompetitorPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change."""

    name: Name | UnsetType = UNSET
    website: Url | None | UnsetType = UNSET
    strengths: Notes | None | UnsetType = UNSET
    weaknesses: Notes | None | UnsetType = UNSET
    pricing_notes: Notes | None | UnsetType = UNSET
    battle_card: Card | None | UnsetType = UNSET


class CompetitorOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    website: str | None
    strengths: str | None
    weaknesses: str | None
    pricing_notes: str | None
    battle_card: str | None
    battle_card_updated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class CompetitorPage(msgspec.Struct, kw_only=True):
    data: list[CompetitorOut]
    next_cursor: str | None


class DealCompetitorIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Add a competitor to a deal, by id or by name (a name not known yet adds the competitor too)."""

    competitor_id: Id | None = None
    competitor_name: Name | None = None
    status: Status | None = None
    notes: Notes | None = None


class DealCompetitorPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: Status | UnsetType = UNSET
    notes: Notes | None | UnsetType = UNSET


class DealCompetitorOut(msgspec.Struct, kw_only=True):
    """A competitor in a deal; `status` says whether the deal was won against it or lost to it."""

    deal_id: str
    competitor_id: str
    competitor_name: str
    status: Status
    notes: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class DealCompetitorList(msgspec.Struct, kw_only=True):
    data: list[DealCompetitorOut]


class Choice(msgspec.Struct, kw_only=True):
    """One entry of a dropdown."""

    id: str
    label: str


class Amount(msgspec.Struct, kw_only=True):
    currency: str
    won: Decimal
    lost: Decimal
    open: Decimal


class CompetitorResult(msgspec.Struct, kw_only=True):
    """One competitor's record against the organization, or (`competitor_id` null) deals that had none."""

    competitor_id: str | None
    competitor_name: str
    deals: int
    won: int
    lost: int
    open: int
    win_rate: float | None = msgspec.field(default=None)  # won / (won + lost); null before any deal closed
    average_cycle_days: float | None = None  # from a closed deal's creation to its close
    amounts: list[Amount] = msgspec.field(default_factory=list)


class Analysis(msgspec.Struct, kw_only=True):
    """Win/loss by competitor over deals closed in [since, until), beside deals still open with them."""

    since: datetime
    until: datetime
    overall: CompetitorResult
    competitors: list[CompetitorResult]
