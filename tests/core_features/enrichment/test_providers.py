"""Provider keys sealed per organization; Clearbit and Hunter asked through the port; rate limits honoured;
a bulk run that shows its progress; the action the apps call."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import select, update

from connectors.clearbit.fake import FakeClearbit
from connectors.hunter.fake import FakeHunter
from core_features.enrichment.models import ProviderKey
from hub.jobs.models import JobRow
from hub.jobs.testing import settle
from hub.runtime import Hub
from tests.conftest import Api
from tests.core_features.enrichment.conftest import CLEARBIT_KEY, HUNTER_KEY, company, enrich, suggested
from tests.core_features.enrichment.site import Site


async def _keys(api: Api) -> None:
    for provider, key in (("clearbit", CLEARBIT_KEY), ("hunter", HUNTER_KEY)):
        answer = await api.put(f"/v1/enrichment/providers/{provider}", {"api_key": key})
        assert answer.status_code == 200, answer.text


def _known(clearbit: FakeClearbit, hunter: FakeHunter, domain: str) -> None:
    clearbit.add(domain, "Acme", legalName="Acme Holdings Inc.", foundedYear=1998,
                 metrics={"employees": 240, "employeesRange": "51-250"})
    hunter.add(domain, "Acme", pattern="{first}.{last}", headcount="201-500")


class TestKeys:
    async def test_a_key_is_sealed_at_rest_and_never_answered(self, app: Litestar, api: Api) -> None:
        await _keys(api)
        listed = (await api.get("/v1/enrichment/providers")).json()
        assert {p["provider"]: (p["enabled"], p["configured"], p["hint"]) for p in listed["data"]} == {
            "clearbit": (True, True, "0001"), "hunter": (True, True, "0002")}
        assert CLEARBIT_KEY not in str(listed)
        async with Hub.of(app).sessions() as session:
            sealed = await session.scalar(select(ProviderKey.sealed_key).where(ProviderKey.org_id == api.org_id,
                                                                               ProviderKey.provider == "clearbit"))
        assert sealed and CLEARBIT_KEY not in sealed and sealed.startswith("v1.")

    async def test_keys_need_an_admin_and_a_known_provider(self, api: Api) -> None:
        key = (await api.post("/v1/api_keys", {"name": "writer", "scopes": ["write"]})).json()["key"]
        writer = Api(api.client, api.org_id, key)
        assert (await writer.put("/v1/enrichment/providers/clearbit", {"api_key": CLEARBIT_KEY})).status_code == 403
        unknown = await api.put("/v1/enrichment/providers/nosuch", {"api_key": CLEARBIT_KEY})
        assert unknown.status_code == 404 and "clearbit" in unknown.json()["detail"]
        assert (await api.put("/v1/enrichment/providers/clearbit", {"api_key": "short"})).status_code == 400
        assert (await api.delete("/v1/enrichment/providers/hunter")).status_code == 404


class TestProviders:
    async def test_clearbit_and_hunter_suggest_beside_the_homepage_with_the_organization_s_keys(
            self, app: Litestar, api: Api, other: Api, site: Site, clearbit: FakeClearbit,
            hunter: FakeHunter) -> None:
        await _keys(api)
        _known(clearbit, hunter, "both.example")
        made = await company(api, site, domain="both.example")
        await enrich(app, api, made["id"])
        found = await suggested(api, made["id"])
        assert found[("legal_name", "clearbit")]["value"] == "Acme Holdings Inc."
        assert found[("legal_name", "clearbit")]["confidence"] == 0.8
        assert found[("email_pattern", "hunter")]["value"] == "{first}.{last}@both.example"
        assert found[("employee_range", "hunter")]["value"] == "201-500"
        assert ("legal_name", "homepage") in found
        assert ("both.example", CLEARBIT_KEY) in clearbit.requests and ("both.example", HUNTER_KEY) in hunter.requests
        # an organization without keys asks no provider
        theirs = await company(other, site, domain="other.example")
        await enrich(app, other, theirs["id"])
        assert {source for _, source in await suggested(other, theirs["id"])} == {"homepage"}
        assert not any(domain == "other.example" for domain, _ in clearbit.requests + hunter.requests)

    async def test_a_429_is_retried_with_backoff_within_the_job(self, app: Litestar, api: Api, site: Site,
                                                                clearbit: FakeClearbit, hunter: FakeHunter) -> None:
        await _keys(api)
        _known(clearbit, hunter, "busy.example")
        clearbit.fail_next, hunter.fail_next = [429], [403, 429]
        made = await company(api, site, domain="busy.example")
        await enrich(app, api, made["id"])
        assert {s for _, s in await suggested(api, made["id"])} == {"homepage", "clearbit", "hunter"}

    async def test_a_long_retry_after_asks_that_provider_again_later_by_itself(
            self, app: Litestar, api: Api, site: Site, clearbit: FakeClearbit, hunter: FakeHunter) -> None:
        await _keys(api)
        _known(clearbit, hunter, "later.example")
        clearbit.retry_after, clearbit.fail_next = "600", [429]
        try:
            made = await company(api, site, domain="later.example")
            await enrich(app, api, made["id"])
        finally:
            clearbit.retry_after = "0.05"
        assert {s for _, s in await suggested(api, made["id"])} == {"homepage", "hunter"}
        async with Hub.of(app).sessions.begin() as session:
            job = await session.scalar(select(JobRow).where(JobRow.org_id == api.org_id, JobRow.status == "pending",
                                                            JobRow.kind == "company.enrich"))
            assert job is not None and job.payload["sources"] == ["clearbit"]
            await session.execute(update(JobRow).where(JobRow.id == job.id).values(next_attempt_at=job.created_at))
        await settle(app)
        assert {s for _, s in await suggested(api, made["id"])} == {"homepage", "hunter", "clearbit"}

    async def test_a_revoked_key_is_reported_and_the_other_sources_still_count(
            self, app: Litestar, api: Api, site: Site, clearbit: FakeClearbit, hunter: FakeHunter) -> None:
        assert (await api.put("/v1/enrichment/providers/clearbit", {"api_key": "sk_revoked_key"})).status_code == 200
        made = await company(api, site, domain="revoked.example")
        await enrich(app, api, made["id"])
        await settle(app)
        events = (await api.get("/v1/events", params={"type": "company.enriched"})).json()["data"]
        [event] = [e["data"] for e in events if e["data"]["company_id"] == made["id"]]
        assert "401" in event["errors"]["clearbit"] and "sk_revoked_key" not in str(event)
        assert event["sources"] == ["homepage"]


class TestBulk:
    async def test_enriching_every_company_shows_progress_to_the_end(self, app: Litestar, api: Api,
                                                                    site: Site) -> None:
        for n in range(3):
            await company(api, site, name=f"Acme {n}", domain=f"acme{n}.example")
        await api.create("companies", {"name": "No domain"})
        started = await api.post("/v1/enrichment/runs")
        assert started.status_code == 202 and started.json()["status"] == "running"
        assert started.json()["progress"] == 0.0
        await settle(app)
        run = (await api.get(f"/v1/enrichment/runs/{started.json()['id']}")).json()
        assert (run["status"], run["total"], run["done"], run["failed"], run["progress"]) == ("done", 3, 3, 0, 1.0)
        assert run["suggested"] > 0 and run["finished_at"]

    async def test_a_run_with_nothing_to_enrich_is_done_at_once(self, app: Litestar, api: Api) -> None:
        started = (await api.post("/v1/enrichment/runs")).json()
        await settle(app)
        run = (await api.get(f"/v1/enrichment/runs/{started['id']}")).json()
        assert (run["status"], run["total"], run["progress"]) == ("done", 0, 1.0)


class TestAction:
    async def test_the_enrich_action_queues_a_run_the_apps_can_follow(self, app: Litestar, api: Api,
                                                                     site: Site) -> None:
        made = await company(api, site)
        answer = await api.post("/v1/actions/company.enrich", {"company_id": made["id"]})
        assert answer.status_code == 200, answer.text
        await settle(app)
        run = (await api.get(f"/v1/enrichment/runs/{answer.json()['data']['id']}")).json()
        assert run["status"] == "done" and run["company_id"] == made["id"] and run["suggested"] > 0
        catalog = (await api.get("/v1/catalog")).json()
        assert "company.enriched" in str(catalog) and "company.enrich" in str(catalog)
