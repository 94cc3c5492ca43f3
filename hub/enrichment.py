"""The port company enrichment calls: a provider that knows facts about a company from its domain.

A connector (a Clearbit-style company API, Hunter's domain search...) contributes an `EnrichmentProvider` in
its `Module.provides`; the enrichment feature finds it with `hub.port(EnrichmentProvider, key)` by the key a
setting names, and hands it the organization's own API key, unsealed only for the call. A provider answers
`Fact`s or fails in the shared vocabulary (`hub.outside`): `RateLimited` when the service says to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hub.context import Reach

__all__ = ["FIELDS", "RECORD_FIELDS", "EnrichmentProvider", "Fact", "FieldName"]

# What a fact may be about. The first group are columns of a company record; the rest are kept beside it.
FieldName = Literal[
    "name", "industry", "employee_count", "phone", "website", "street", "city", "region", "postal_code", "country",
    "legal_name", "description", "logo", "email", "founded_year", "employee_range", "email_pattern",
    "linkedin", "twitter", "facebook", "instagram", "youtube", "github", "crunchbase",
]
FIELDS: tuple[str, ...] = FieldName.__args__  # type: ignore[attr-defined]
RECORD_FIELDS = FIELDS[:10]


@dataclass(frozen=True)
class Fact:
    """One value a source states about a company, with how sure the hub is of it (0 to 1)."""

    field: FieldName
    value: str | int
    confidence: float
    source_url: str | None = None


class EnrichmentProvider:
    """A service that answers facts about the company at `domain`; `key` is what settings name it by."""

    key: str = ""
    label: str = ""

    async def company(self, reach: Reach, *, api_key: str, domain: str) -> list[Fact]:
        """The facts the service holds about the company at `domain` ([] when it knows none)."""
        raise NotImplementedError
