"""Company enrichment's settings: `HUB_ENRICHMENT_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import ModuleSettings, doc

__all__ = ["EnrichmentSettings"]


class EnrichmentSettings(ModuleSettings, kw_only=True, frozen=True):
    """Which sources enrichment asks, and the limits of reading a company's homepage."""

    prefix: ClassVar[str] = "enrichment"

    providers: Annotated[str, doc(
        "Enrichment providers asked, by key, comma-separated (`clearbit`, `hunter`); each is asked only for "
        "organizations that stored a key for it.")] = ""
    homepage: Annotated[bool, doc(
        "Read the company's own homepage (JSON-LD, microdata, OpenGraph, meta tags), through the SSRF guard.")] = True
    max_bytes: Annotated[int, doc(
        "Bytes of a homepage read at most; the rest is cut off and the page read as far as it came.",
        ge=1024, le=20_000_000)] = 1_000_000
    timeout: Annotated[float, doc(
        "Seconds for reading one company's robots.txt and homepage, redirects included.", gt=0, le=120)] = 10.0
    max_redirects: Annotated[int, doc("Redirects followed at most, each hop checked by the SSRF guard.",
                                      ge=0, le=10)] = 5
    robots: Annotated[bool, doc(
        "Respect the site's robots.txt (RFC 9309): a page it disallows for the hub's user agent is not read.")] = True
    fill_empty: Annotated[bool, doc(
        "Write a suggestion to a field of the company that is still empty, without waiting for a person, when it "
        "is the surest for that field and at least `HUB_ENRICHMENT_FILL_CONFIDENCE` sure. A field a person "
        "filled in is never overwritten this way.")] = False
    fill_confidence: Annotated[float, doc(
        "How sure a suggestion must be (0 to 1) for `HUB_ENRICHMENT_FILL_EMPTY` to write it.", ge=0, le=1)] = 0.85
    user_agent: Annotated[str, doc(
        "The User-Agent the homepage reader sends and robots.txt rules are matched against.")] = (
        "CRMHubEnrichment/1.0 (+https://example.com/bot)")
