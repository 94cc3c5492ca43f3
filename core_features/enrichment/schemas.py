"""What the enrichment API takes and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = ["AcceptedValue", "EnrichCompany", "Enrichment", "ProviderKeyIn", "ProviderList", "ProviderOut", "RunOut",
           "SuggestionList", "SuggestionOut", "Value"]

Value = str | int
Id = Annotated[str, Meta(min_length=3, max_length=40)]


class ProviderKeyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The organization's API key for a provider; stored sealed, never answered back."""

    api_key: Annotated[str, Meta(min_length=8, max_length=500, pattern=r"^\S+$")]


class ProviderOut(msgspec.Struct, kw_only=True):
    """A provider the hub knows: whether the operator turned it on and whether this organization has a key."""

    provider: str
    label: str
    enabled: bool
    configured: bool
    hint: str | None = None  # the key's last characters
    updated_at: datetime | None = None


class ProviderList(msgspec.Struct, kw_only=True):
    homepage: bool
    data: list[ProviderOut]


class SuggestionOut(msgspec.Struct, kw_only=True):
    """A value a source states for a field of a company; applied only when a person accepts it."""

    id: str
    company_id: str
    field: str
    value: Value
    source: str
    source_url: str | None
    confidence: float
    status: Literal["pending", "accepted", "rejected", "replaced"]
    current: Value | None = None  # the company's value now, for a field of the record
    created_at: datetime
    decided_at: datetime | None


class SuggestionList(msgspec.Struct, kw_only=True):
    data: list[SuggestionOut]


class AcceptedValue(msgspec.Struct, kw_only=True):
    """A value a person accepted, and where it came from."""

    value: Value
    source: str
    source_url: str | None
    confidence: float
    accepted_at: datetime
    suggestion_id: str


class Enrichment(msgspec.Struct, kw_only=True):
    """A company's enrichment: the values accepted with their sources, and the suggestions still pending."""

    company_id: str
    accepted: dict[str, AcceptedValue]
    pending: list[SuggestionOut]


class RunOut(msgspec.Struct, kw_only=True):
    """An enrichment of one company or of all of them, and how far it has come."""

    id: str
    scope: Literal["company", "all"]
    company_id: str | None
    status: Literal["running", "done"]
    total: int
    done: int
    failed: int
    suggested: int
    progress: Annotated[float, Meta(description="Companies finished out of total, 0 to 1")]
    created_at: datetime
    finished_at: datetime | None


class EnrichCompany(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Enrich a company from its domain: its homepage and the configured providers make suggestions."""

    company_id: Id
