"""The event of company enrichment, declared beside the rules that emit it (`runs.py`)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from hub.catalog import EventType

__all__ = ["COMPANY_ENRICHED", "CompanyEnriched", "SAMPLE_IDS"]


class CompanyEnriched(msgspec.Struct, kw_only=True):
    """A company was enriched: the suggestions it brought wait for a person to accept them."""

    company_id: str
    company_name: str
    domain: str | None = None
    run_id: str | None = None
    suggestions: Annotated[int, Meta(description="New suggestions waiting for acceptance")]
    fields: Annotated[list[str], Meta(description="The fields they are for")]
    sources: Annotated[list[str], Meta(description="The sources that answered: homepage, clearbit, hunter...")]
    errors: Annotated[dict[str, str], Meta(description="Sources that did not answer, and why")] = {}
    filled: Annotated[list[str], Meta(description=(
        "Empty fields of the company written without waiting for a person (HUB_ENRICHMENT_FILL_EMPTY)"))] = []


SAMPLE_IDS = {"company_id": "com_06bqv0e7c1k2m3n4p5q6r7s8t9", "run_id": "enr_06bqv0e7c1k2m3n4p5q6r7s8t9"}
COMPANY_ENRICHED = EventType(
    key="company.enriched", payload=CompanyEnriched, subject="company", label="Company enriched",
    description="Enrichment read a company's homepage and asked the configured providers; its suggestions wait "
                "for a person to accept them.",
    sample={**SAMPLE_IDS, "company_name": "Acme Corp", "domain": "acme.example", "suggestions": 4,
            "fields": ["description", "founded_year", "linkedin", "phone"], "sources": ["homepage", "clearbit"],
            "errors": {"hunter": "Hunter answered HTTP 401: No user found for the API key supplied"}, "filled": []})
