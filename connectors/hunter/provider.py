"""Hunter as the hub's `EnrichmentProvider`: a domain search read as facts about the company."""

from __future__ import annotations

from typing import Any

from connectors.hunter.client import HunterClient
from connectors.hunter.settings import HunterSettings
from hub.context import Reach
from hub.enrichment import EnrichmentProvider, Fact

__all__ = ["HunterProvider", "facts"]

# Hunter gathers company facts from public sources as a side of its email search: less sure than Clearbit.
CONFIDENCE = 0.6
_PLAIN = {"organization": "name", "description": "description", "industry": "industry", "street": "street",
          "city": "city", "state": "region", "postal_code": "postal_code", "headcount": "employee_range"}
_SOCIAL = {"linkedin": "https://www.linkedin.com/company/{}", "twitter": "https://twitter.com/{}",
           "facebook": "https://www.facebook.com/{}", "instagram": "https://www.instagram.com/{}",
           "youtube": "https://www.youtube.com/{}"}


class HunterProvider(EnrichmentProvider):
    key = "hunter"
    label = "Hunter.io"

    async def company(self, reach: Reach, *, api_key: str, domain: str) -> list[Fact]:
        """What Hunter's domain search says of the company at `domain`, as facts."""
        config = reach.config(HunterSettings)
        client = HunterClient(reach.http, api_key, base_url=config.api_url, attempts=config.attempts,
                              max_wait=config.max_wait)
        data = await client.domain_search(domain, limit=config.emails)
        return [] if data is None else facts(data, config.api_url)


def facts(data: dict[str, Any], source_url: str | None = None) -> list[Fact]:
    """The facts a domain search's `data` states (fields it leaves null state nothing)."""
    found: list[tuple[str, Any]] = [(field, data.get(name)) for name, field in _PLAIN.items()]
    country = data.get("country")
    found.append(("country", country.upper() if isinstance(country, str) and len(country) == 2 else None))
    for network, url in _SOCIAL.items():
        value = data.get(network)
        found.append((network, value if not value or str(value).startswith("http") else url.format(value)))
    pattern, domain = data.get("pattern"), data.get("domain")
    found.append(("email_pattern", f"{pattern}@{domain}" if pattern and domain else None))
    return [Fact(field, value, CONFIDENCE, source_url) for field, value in found  # type: ignore[arg-type]
            if value not in (None, "", [])]
