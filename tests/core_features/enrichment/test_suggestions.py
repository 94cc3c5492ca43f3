"""Suggestions change nothing until a person accepts them; accepted values carry their source; rejected ones
are not suggested again; bad input answers a problem."""

from __future__ import annotations

import msgspec
from litestar import Litestar

from core_features.enrichment.settings import EnrichmentSettings
from hub.runtime import Hub
from tests.conftest import Api
from tests.core_features.enrichment.conftest import company, enrich, enriched_events, suggested
from tests.core_features.enrichment.site import Site


class TestAcceptance:
    async def test_a_person_s_value_is_never_overwritten_without_acceptance(self, app: Litestar, api: Api,
                                                                            site: Site) -> None:
        made = await company(api, site, phone="+14155550100", employee_count=12)
        await enrich(app, api, made["id"])
        found = await suggested(api, made["id"])
        assert found[("phone", "homepage")]["current"] == "+14155550100"
        assert found[("employee_count", "homepage")]["value"] == 250
        now = (await api.get(f"/v1/companies/{made['id']}")).json()
        assert now["phone"] == "+14155550100" and now["employee_count"] == 12 and now["version"] == made["version"]

    async def test_accepting_writes_the_record_and_keeps_the_source(self, app: Litestar, api: Api,
                                                                    site: Site) -> None:
        made = await company(api, site, phone="+14155550100")
        await enrich(app, api, made["id"])
        found = await suggested(api, made["id"])
        for field in ("phone", "legal_name"):
            answer = await api.post(f"/v1/companies/{made['id']}/suggestions/{found[(field, 'homepage')]['id']}"
                                    "/accept")
            assert answer.status_code == 200 and answer.json()["status"] == "accepted", answer.text
        assert (await api.get(f"/v1/companies/{made['id']}")).json()["phone"] == "+14155550199"
        accepted = (await api.get(f"/v1/companies/{made['id']}/enrichment")).json()["accepted"]
        assert accepted["phone"]["source"] == "homepage" and accepted["phone"]["value"] == "+1 415 555 0199"
        assert accepted["legal_name"] == {**accepted["legal_name"], "value": "Acme Corporation",
                                          "source": "homepage", "source_url": f"{site.url}/jsonld"}
        updated = (await api.get("/v1/events", params={"type": "company.updated"})).json()["data"]
        assert any(e["data"]["id"] == made["id"] and e["data"]["changed_fields"] == ["phone"] for e in updated)

    async def test_a_suggestion_is_decided_once(self, app: Litestar, api: Api, site: Site) -> None:
        made = await company(api, site)
        await enrich(app, api, made["id"])
        one = (await suggested(api, made["id"]))[("city", "homepage")]
        assert (await api.post(f"/v1/companies/{made['id']}/suggestions/{one['id']}/accept")).status_code == 200
        again = await api.post(f"/v1/companies/{made['id']}/suggestions/{one['id']}/reject")
        assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")

    async def test_re_enrichment_leaves_out_accepted_and_rejected_values(self, app: Litestar, api: Api,
                                                                         site: Site) -> None:
        made = await company(api, site)
        await enrich(app, api, made["id"])
        found = await suggested(api, made["id"])
        await api.post(f"/v1/companies/{made['id']}/suggestions/{found[('logo', 'homepage')]['id']}/reject")
        await api.post(f"/v1/companies/{made['id']}/suggestions/{found[('twitter', 'homepage')]['id']}/accept")
        await enrich(app, api, made["id"])
        again = await suggested(api, made["id"])
        assert ("logo", "homepage") not in again and ("twitter", "homepage") not in again
        assert ("legal_name", "homepage") in again and len(again) == len(found) - 2

    async def test_a_value_that_does_not_fit_the_record_is_refused_with_a_problem(self, app: Litestar, api: Api,
                                                                                  site: Site) -> None:
        site.pages["/badphone"] = site.pages["/jsonld"].replace("+1 415 555 0199", "call us!")
        made = await company(api, site, "/badphone")
        await enrich(app, api, made["id"])
        bad = (await suggested(api, made["id"]))[("phone", "homepage")]
        answer = await api.post(f"/v1/companies/{made['id']}/suggestions/{bad['id']}/accept")
        assert answer.status_code == 422 and answer.json()["status"] == 422, answer.text
        assert (await suggested(api, made["id"]))[("phone", "homepage")]["status"] == "pending"


class TestBadInput:
    async def test_a_company_without_domain_or_website_cannot_be_enriched(self, api: Api) -> None:
        made = await api.create("companies", {"name": "Nowhere Ltd"})
        answer = await api.post(f"/v1/companies/{made['id']}/enrich")
        assert answer.status_code == 422 and "domain" in answer.json()["detail"]

    async def test_another_organization_s_company_and_suggestion_are_not_found(
            self, app: Litestar, api: Api, other: Api, site: Site) -> None:
        made = await company(api, site)
        await enrich(app, api, made["id"])
        one = next(iter((await suggested(api, made["id"])).values()))
        for path in (f"/v1/companies/{made['id']}/enrich", f"/v1/companies/{made['id']}/suggestions/{one['id']}/accept"):
            assert (await other.post(path)).status_code == 404
        assert (await api.get(f"/v1/companies/{made['id']}/suggestions/")).status_code in (200, 404)
        assert (await suggested(api, made["id"]))[(one["field"], one["source"])]["status"] == "pending"


class TestFillEmpty:
    async def test_only_empty_fields_are_filled_and_only_when_turned_on(self, app: Litestar, api: Api,
                                                                        site: Site) -> None:
        settings = Hub.of(app).settings
        before = settings.of(EnrichmentSettings)
        settings.sections["enrichment"] = msgspec.structs.replace(before, fill_empty=True, fill_confidence=0.85)
        try:
            made = await company(api, site, phone="+14155550100")
            await enrich(app, api, made["id"])
        finally:
            settings.sections["enrichment"] = before
        now = (await api.get(f"/v1/companies/{made['id']}")).json()
        assert (now["phone"], now["city"], now["country"], now["employee_count"]) == (
            "+14155550100", "San Francisco", "US", 250)
        [event] = await enriched_events(app, api, made["id"])
        assert event["filled"] == ["city", "country", "employee_count", "postal_code", "region", "street"]
        pending = await suggested(api, made["id"])
        assert ("phone", "homepage") in pending and ("city", "homepage") not in pending
        accepted = (await api.get(f"/v1/companies/{made['id']}/enrichment")).json()["accepted"]
        assert accepted["city"]["source"] == "homepage" and "phone" not in accepted
