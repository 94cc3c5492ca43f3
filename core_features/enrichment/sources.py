"""Asking every source about one company at once: its homepage and each configured provider.

Runs outside any transaction (a slow site holds no database connection). A source that fails is reported and
the others still count; one that says to wait (`RateLimited`) is asked again later, by itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import structlog

from core_features.enrichment.extract import company_facts
from core_features.enrichment.homepage import HomepageFailed, Limits, read_homepage
from core_features.enrichment.settings import EnrichmentSettings
from hub import outside
from hub.context import Reach
from hub.enrichment import EnrichmentProvider, Fact
from hub.net.ssrf import Policy

__all__ = ["HOMEPAGE", "Answers", "Target", "ask"]

log = structlog.get_logger("core_features.enrichment")
HOMEPAGE = "homepage"
DEFAULT_WAIT = 60.0  # a provider that limits us without saying for how long


@dataclass(frozen=True)
class Target:
    """The company as the sources are asked about it."""

    company_id: str
    name: str
    domain: str
    homepage: str

    @classmethod
    def of(cls, company_id: str, name: str, domain: str | None, website: str | None) -> Target | None:
        """From the record: the domain, else the website's host; None when it has neither."""
        host = (urlsplit(website).hostname or "") if website else ""
        domain = (domain or host.removeprefix("www.")).strip().lower().rstrip(".")
        if not domain:
            return None
        return cls(company_id, name, domain, website or f"https://{domain}/")


@dataclass
class Answers:
    facts: dict[str, list[Fact]] = field(default_factory=dict)  # by the source that answered
    errors: dict[str, str] = field(default_factory=dict)
    later: dict[str, float] = field(default_factory=dict)  # source → seconds to wait before asking again


async def ask(reach: Reach, target: Target, providers: dict[str, tuple[EnrichmentProvider, str]],
              homepage: bool) -> Answers:
    """What each source says about `target`; `providers` maps a key to the provider and the organization's key."""
    answers = Answers()
    calls = [_provider(reach, target, key, provider, api_key, answers)
             for key, (provider, api_key) in providers.items()]
    if homepage:
        calls.append(_homepage(reach, target, answers))
    await asyncio.gather(*calls)
    return answers


async def _homepage(reach: Reach, target: Target, answers: Answers) -> None:
    config = reach.config(EnrichmentSettings)
    limits = Limits(max_bytes=config.max_bytes, timeout=config.timeout, max_redirects=config.max_redirects,
                    robots=config.robots, user_agent=config.user_agent)
    try:
        page = await read_homepage(reach.user_http, Policy.parse(reach.settings.allowed_hosts), target.homepage,
                                   limits)
    except HomepageFailed as failed:
        log.info("enrichment.homepage.refused" if failed.refused else "enrichment.homepage.failed",
                 company_id=target.company_id, reason=failed.reason)
        answers.errors[HOMEPAGE] = failed.reason
        return
    answers.facts[HOMEPAGE] = await asyncio.to_thread(company_facts, page.html, page.url)  # parsing is CPU work
    if page.truncated:
        log.info("enrichment.homepage.truncated", company_id=target.company_id, bytes=config.max_bytes)


async def _provider(reach: Reach, target: Target, key: str, provider: EnrichmentProvider, api_key: str,
                    answers: Answers) -> None:
    try:
        answers.facts[key] = await provider.company(reach, api_key=api_key, domain=target.domain)
    except outside.RateLimited as limited:
        answers.later[key] = limited.retry_after or DEFAULT_WAIT
        log.info("enrichment.provider.limited", provider=key, retry_after=answers.later[key])
    except outside.ServiceError as failed:
        answers.errors[key] = str(failed)[:300]
        log.warning("enrichment.provider.failed", provider=key, label=failed.label, error=type(failed).__name__)
