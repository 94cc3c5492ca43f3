"""The homepage reader and the extraction on their own: the guard is in play, limits hold, markup maps to facts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core_features.enrichment.extract import company_facts
from core_features.enrichment.homepage import HomepageFailed, Limits, read_homepage
from hub.net.http import guarded_client
from hub.net.ssrf import Policy
from tests.core_features.enrichment.site import Site

LOOPBACK = Policy.parse("127.0.0.1")


@pytest.fixture
async def page_site() -> AsyncIterator[Site]:
    site = await Site().start()
    yield site
    await site.stop()


class TestReader:
    async def test_loopback_is_refused_unless_allowlisted(self, page_site: Site) -> None:
        async with guarded_client(Policy()) as http:
            with pytest.raises(HomepageFailed) as refused:
                await read_homepage(http, Policy(), f"{page_site.url}/jsonld", Limits())
        assert refused.value.refused and page_site.hits == []
        async with guarded_client(LOOPBACK) as http:
            page = await read_homepage(http, LOOPBACK, f"{page_site.url}/jsonld", Limits())
        assert "Acme Corporation" in page.html and not page.truncated and page_site.hits == ["/robots.txt", "/jsonld"]

    async def test_the_allowlist_lets_the_guard_refuse_a_name_resolving_to_loopback(self, page_site: Site) -> None:
        port = page_site.url.rsplit(":", 1)[1]
        async with guarded_client(Policy()) as http:
            with pytest.raises(HomepageFailed) as refused:
                await read_homepage(http, Policy.parse("localhost"), f"http://localhost:{port}/jsonld",
                                    Limits(robots=False))
        assert refused.value.refused and "may not reach" in refused.value.reason

    async def test_a_huge_page_stops_at_max_bytes(self, page_site: Site) -> None:
        async with guarded_client(LOOPBACK) as http:
            page = await read_homepage(http, LOOPBACK, f"{page_site.url}/huge", Limits(max_bytes=50_000))
        assert page.truncated and len(page.html.encode()) <= 50_000 and "Acme Early" in page.html

    async def test_redirects_past_the_limit_are_refused(self, page_site: Site) -> None:
        async with guarded_client(LOOPBACK) as http:
            with pytest.raises(HomepageFailed, match="more than 0 redirects"):
                await read_homepage(http, LOOPBACK, f"{page_site.url}/to-jsonld", Limits(max_redirects=0))
            page = await read_homepage(http, LOOPBACK, f"{page_site.url}/to-jsonld", Limits(max_redirects=1))
        assert page.url == f"{page_site.url}/jsonld"


class TestExtraction:
    def test_microdata_and_a_json_ld_graph_are_read_alike(self) -> None:
        html = ('<html><body><div itemscope itemtype="https://schema.org/Corporation">'
                '<span itemprop="name">Initech</span><span itemprop="legalName">Initech LLC</span>'
                '<span itemprop="foundingDate">founded in 1988</span></div>'
                '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": '
                '"WebSite", "name": "Not a company"}, {"@type": "Organization", "name": "Initech", "numberOfEmployees":'
                ' {"minValue": 51, "maxValue": 200}, "address": {"addressCountry": "United States"}}]}</script>'
                '</body></html>')
        found = {(f.field, f.value) for f in company_facts(html, "https://initech.example/")}
        assert found == {("name", "Initech"), ("legal_name", "Initech LLC"), ("founded_year", 1988),
                         ("employee_range", "51-200")}  # a country name is no ISO code: left out

    def test_broken_or_empty_markup_states_nothing(self) -> None:
        assert company_facts("", "https://x.example/") == []
        assert company_facts("<html><script type='application/ld+json'>{not json</script>", "https://x.example/") == []

    def test_long_text_is_cut_to_what_its_field_holds(self) -> None:
        html = f'<html><head><meta name="description" content="{"word " * 1000}"></head></html>'
        [fact] = company_facts(html, "https://x.example/")
        assert fact.field == "description" and len(str(fact.value)) == 2000
