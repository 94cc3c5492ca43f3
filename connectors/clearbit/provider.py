"""Clearbit as the hub's `EnrichmentProvider`: a company record of the Company API, read as facts."""

from __future__ import annotations

from typing import Any

from connectors.clearbit.client import ClearbitClient
from connectors.clearbit.settings import ClearbitSettings
from hub.context import Reach
from hub.enrichment import EnrichmentProvider, Fact

__all__ = ["ClearbitProvider", "facts"]

# Clearbit's record is curated, but can be months old: below what the company's own site states.
CONFIDENCE = 0.8
_SOCIAL = {"linkedin": "https://www.linkedin.com/{}", "twitter": "https://twitter.com/{}",
           "facebook": "https://www.facebook.com/{}", "crunchbase": "https://www.crunchbase.com/{}"}
_TOP = {"name": "name", "legalName": "legal_name", "description": "description", "logo": "logo",
        "phone": "phone", "foundedYear": "founded_year"}
_GEO = {"streetAddress": "street", "city": "city", "state": "region", "postalCode": "postal_code",
        "countryCode": "country"}


class ClearbitProvider(EnrichmentProvider):
    key = "clearbit"
    label = "Clearbit"

    async def company(self, reach: Reach, *, api_key: str, domain: str) -> list[Fact]:
        """Clearbit's record of the company at `domain`, as facts."""
        config = reach.config(ClearbitSettings)
        client = ClearbitClient(reach.http, api_key, base_url=config.api_url, attempts=config.attempts,
                                max_wait=config.max_wait)
        record = await client.find_company(domain)
        return [] if record is None else facts(record, config.api_url)


def facts(record: dict[str, Any], source_url: str | None = None) -> list[Fact]:
    """The facts a Clearbit company record states (fields it leaves null state nothing)."""
    found: list[tuple[str, Any]] = [(field, record.get(name)) for name, field in _TOP.items()]
    geo = record.get("geo") or {}
    street = " ".join(str(p) for p in (geo.get("streetNumber"), geo.get("streetName")) if p)
    found += [("street", street or None)] + [(f, geo.get(n)) for n, f in _GEO.items() if n != "streetAddress"]
    found.append(("industry", (record.get("category") or {}).get("industry")))
    metrics = record.get("metrics") or {}
    found += [("employee_count", metrics.get("employees")), ("employee_range", metrics.get("employeesRange"))]
    for network, url in _SOCIAL.items():
        handle = (record.get(network) or {}).get("handle")
        found.append((network, url.format(handle) if handle else None))
    return [Fact(field, value, CONFIDENCE, source_url) for field, value in found  # type: ignore[arg-type]
            if value not in (None, "", [])]
