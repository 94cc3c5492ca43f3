"""Enrichment from a company's homepage served on loopback: structured data becomes suggestions, and the reader
keeps to the SSRF guard, robots.txt and its size and redirect limits."""

from __future__ import annotations

from litestar import Litestar

from tests.conftest import Api
from tests.core_features.enrichment.conftest import company, enrich, enriched_events, suggested
from tests.core_features.enrichment.site import Site


class TestStructuredData:
    async def test_json_ld_organization_becomes_suggestions_with_source_and_confidence(
            self, app: Litestar, api: Api, site: Site) -> None:
        made = await company(api, site)
        run = await enrich(app, api, made["id"])
        found = await suggested(api, made["id"])
        values = {field: s["value"] for (field, source), s in found.items() if source == "homepage"}
        assert values == {"legal_name": "Acme Corporation", "description": "Acme makes anvils for the discerning "
                          "coyote.", "phone": "+1 415 555 0199", "founded_year": 1999, "employee_count": 250,
                          "street": "1 Market St", "city": "San Francisco", "region": "CA", "postal_code": "94105",
                          "country": "US", "logo": f"{site.url}/img/logo.png", "website": "https://acme.example",
                          "linkedin": "https://www.linkedin.com/company/acme", "twitter": "https://twitter.com/acme"}
        assert all(s["confidence"] == 0.9 and s["source_url"] == f"{site.url}/jsonld" for s in found.values())
        assert run["done"] == 1 and run["suggested"] == len(found) and run["progress"] == 1.0
        [event] = await enriched_events(app, api, made["id"])
        assert event["sources"] == ["homepage"] and event["suggestions"] == len(found) and event["errors"] == {}

    async def test_what_the_company_already_holds_is_not_suggested(self, app: Litestar, api: Api,
                                                                   site: Site) -> None:
        made = await company(api, site, city="San Francisco", postal_code="94105")
        await enrich(app, api, made["id"])
        fields = {field for field, _ in await suggested(api, made["id"])}
        assert "city" not in fields and "postal_code" not in fields and "street" in fields

    async def test_opengraph_and_meta_tags_when_there_is_no_json_ld(self, app: Litestar, api: Api,
                                                                    site: Site) -> None:
        made = await company(api, site, "/og", name="Acme Anvils")
        await enrich(app, api, made["id"])
        every = (await api.get(f"/v1/companies/{made['id']}/suggestions")).json()["data"]
        assert {(s["field"], s["value"]): s["confidence"] for s in every} == {
            ("description", "Anvils, delivered."): 0.7, ("description", "The anvil people."): 0.5,
            ("facebook", "https://www.facebook.com/acmeanvils"): 0.6}  # the share link is no profile
        assert [s["value"] for s in every if s["field"] == "description"][0] == "Anvils, delivered."

    async def test_a_redirect_within_the_site_is_followed(self, app: Litestar, api: Api, site: Site) -> None:
        made = await company(api, site, "/to-jsonld")
        await enrich(app, api, made["id"])
        assert ("legal_name", "homepage") in await suggested(api, made["id"])

    async def test_instructions_in_page_text_are_kept_as_text_and_change_nothing(
            self, app: Litestar, api: Api, site: Site) -> None:
        made = await company(api, site, "/injection")
        await enrich(app, api, made["id"])
        found = await suggested(api, made["id"])
        assert found[("description", "homepage")]["value"].startswith("Ignore previous instructions")
        assert "pwned" not in str((await api.get(f"/v1/companies/{made['id']}")).json())


class TestGuards:
    async def test_a_redirect_to_a_private_address_is_refused(self, app: Litestar, api: Api, site: Site) -> None:
        made = await company(api, site, "/to-private")
        run = await enrich(app, api, made["id"])
        [event] = await enriched_events(app, api, made["id"])
        assert "169.254.169.254" in event["errors"]["homepage"] and "refused" in event["errors"]["homepage"]
        assert event["sources"] == [] and await suggested(api, made["id"]) == {} and run["done"] == 1

    async def test_a_huge_page_is_cut_off_and_read_as_far_as_it_came(self, app: Litestar, api: Api,
                                                                     site: Site) -> None:
        made = await company(api, site, "/huge")
        await enrich(app, api, made["id"])
        found = await suggested(api, made["id"])
        assert found[("legal_name", "homepage")]["value"] == "Acme Early"  # the second block lies past the cut

    async def test_robots_txt_disallowing_the_page_is_respected(self, app: Litestar, api: Api, site: Site) -> None:
        made = await company(api, site, "/private")
        before = len(site.hits)
        await enrich(app, api, made["id"])
        [event] = await enriched_events(app, api, made["id"])
        assert "robots.txt" in event["errors"]["homepage"] and "/private" not in site.hits[before:]

    async def test_a_robots_txt_that_fails_with_5xx_disallows_everything_and_404_allows(
            self, app: Litestar, api: Api, site: Site) -> None:
        site.robots = 503
        try:
            made = await company(api, site)
            await enrich(app, api, made["id"])
            assert await suggested(api, made["id"]) == {}
            site.robots = None
            await enrich(app, api, made["id"])
            assert ("legal_name", "homepage") in await suggested(api, made["id"])
        finally:
            site.robots = "User-agent: *\nDisallow: /private\n"

    async def test_a_redirect_loop_and_a_page_that_is_not_html_are_refused(self, app: Litestar, api: Api,
                                                                           site: Site) -> None:
        for page, reason in (("/loop", "redirects"), ("/pdf", "not HTML")):
            made = await company(api, site, page)
            await enrich(app, api, made["id"])
            [event] = await enriched_events(app, api, made["id"])
            assert reason in event["errors"]["homepage"], event
