"""One organization's key never reaches another organization's data: every resource, every verb, 404."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.jobs.testing import settle
from tests.conftest import Api

PLURALS = ["users", "companies", "contacts", "leads", "pipelines", "deals", "activities", "products", "line_items",
           "custom_fields"]

BODIES: dict[str, dict[str, Any]] = {
    "users": {"name": "Dana Reyes", "email": "dana@acme.example"},
    "companies": {"name": "Acme Corp"},
    "contacts": {"first_name": "Ada", "email": "ada@acme.example"},
    "leads": {"first_name": "Grace", "email": "grace@navy.example", "company_name": "Navy Labs"},
    "pipelines": {"name": "Partners", "stages": [{"key": "a", "label": "A"}]},
    "deals": {"name": "Big deal", "amount": "1250.5"},
    "activities": {"type": "note", "subject": "Met at the fair"},
    "products": {"name": "Pro seat", "unit_price": "192"},
    "line_items": {"name": "Seat", "unit_price": "12.5"},
    "custom_fields": {"record_type": "deal", "key": "region", "label": "Region", "type": "text"},
}

CHANGES: dict[str, dict[str, Any]] = {
    "users": {"name": "Mallory"}, "companies": {"name": "Mallory"}, "contacts": {"first_name": "Mallory"},
    "leads": {"first_name": "Mallory"}, "pipelines": {"name": "Mallory"}, "deals": {"name": "Mallory"},
    "activities": {"subject": "Mallory"}, "products": {"name": "Mallory"}, "line_items": {"name": "Mallory"},
    "custom_fields": {"label": "Mallory"},
}

# (record type, field, type of the record it references)
REFERENCES = [
    ("companies", "owner_id", "users"),
    ("contacts", "company_id", "companies"),
    ("contacts", "owner_id", "users"),
    ("leads", "owner_id", "users"),
    ("deals", "pipeline_id", "pipelines"),
    ("deals", "company_id", "companies"),
    ("deals", "contact_id", "contacts"),
    ("activities", "contact_id", "contacts"),
    ("activities", "company_id", "companies"),
    ("activities", "lead_id", "leads"),
    ("activities", "deal_id", "deals"),
    ("line_items", "deal_id", "deals"),
    ("line_items", "product_id", "products"),
]


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404 and body["type"] and body["title"] and body["detail"]


async def seed(api: Api, plural: str, **extra: Any) -> dict[str, Any]:
    """A valid record of that type in the key's organization, with whatever it needs to exist; answered once
    what its writes set off in the background (a score, its event) is done, so event counts hold still."""
    body = {**BODIES[plural], **extra}
    if plural == "activities" and not any(k in body for k in ("contact_id", "company_id", "lead_id", "deal_id")):
        body["contact_id"] = (await api.create("contacts", {"first_name": "Linked"}))["id"]
    if plural == "line_items" and "deal_id" not in body:
        body["deal_id"] = (await api.create("deals", {"name": "Holder"}))["id"]
    made = await api.create(plural, body)
    await settle(api.app, timeout=60)
    return made


async def ids(api: Api, url: str, **params: Any) -> list[str]:
    response = await api.get(url, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


class TestTenantIsolation:
    @pytest.mark.parametrize("plural", PLURALS)
    async def test_reading_another_organizations_record_is_not_found(self, api: Api, other: Api, plural: str) -> None:
        record = await seed(api, plural)
        assert_not_found(await other.get(f"/v1/{plural}/{record['id']}"))
        assert_not_found(await other.get(f"/v1/{plural}/{record['id']}", params={"fields": "id"}))
        assert (await api.get(f"/v1/{plural}/{record['id']}")).json() == record

    @pytest.mark.parametrize("plural", PLURALS)
    async def test_updating_another_organizations_record_is_not_found_and_changes_nothing(
            self, api: Api, other: Api, plural: str) -> None:
        record = await seed(api, plural)
        events_before = await ids(api, "/v1/events")
        assert_not_found(await other.patch(f"/v1/{plural}/{record['id']}", CHANGES[plural]))
        assert_not_found(await other.patch(f"/v1/{plural}/{record['id']}", CHANGES[plural],
                                           headers={"If-Match": '"1"'}))
        assert (await api.get(f"/v1/{plural}/{record['id']}")).json() == record
        assert await ids(api, "/v1/events") == events_before
        assert await ids(other, "/v1/events") == []

    @pytest.mark.parametrize("plural", PLURALS)
    async def test_deleting_another_organizations_record_is_not_found_and_keeps_it(
            self, api: Api, other: Api, plural: str) -> None:
        record = await seed(api, plural)
        events_before = await ids(api, "/v1/events")
        assert_not_found(await other.delete(f"/v1/{plural}/{record['id']}"))
        still = await api.get(f"/v1/{plural}/{record['id']}")
        assert still.status_code == 200 and still.json() == record
        assert await ids(api, "/v1/events") == events_before
        assert await ids(other, "/v1/events") == []

    @pytest.mark.parametrize("plural", PLURALS)
    async def test_lists_show_only_the_callers_own_records(self, api: Api, other: Api, plural: str) -> None:
        theirs = await seed(api, plural)
        mine = await seed(other, plural)
        listed = await ids(other, f"/v1/{plural}")
        assert mine["id"] in listed and theirs["id"] not in listed
        assert theirs["id"] in await ids(api, f"/v1/{plural}")
        assert mine["id"] not in await ids(api, f"/v1/{plural}")

    @pytest.mark.parametrize(("plural", "field", "target"), REFERENCES)
    async def test_filtering_by_another_organizations_record_finds_nothing(
            self, api: Api, other: Api, plural: str, field: str, target: str) -> None:
        parent = await seed(api, target)
        child = await seed(api, plural, **{field: parent["id"]})
        assert await ids(api, f"/v1/{plural}", **{field: parent["id"]}) == [child["id"]]
        await seed(other, plural)
        assert await ids(other, f"/v1/{plural}", **{field: parent["id"]}) == []

    @pytest.mark.parametrize(("plural", "field", "target"), REFERENCES)
    async def test_creating_a_record_that_points_at_another_organization_is_not_found_and_creates_nothing(
            self, api: Api, other: Api, plural: str, field: str, target: str) -> None:
        foreign = await seed(api, target)
        body = {**BODIES[plural], field: foreign["id"]}
        if plural == "activities":
            body.setdefault("contact_id", (await other.create("contacts", {"first_name": "Own"}))["id"])
        if plural == "line_items":
            body.setdefault("deal_id", (await other.create("deals", {"name": "Own"}))["id"])
        await settle(other.app, timeout=60)
        records_before, events_before = await ids(other, f"/v1/{plural}"), await ids(other, "/v1/events")
        assert_not_found(await other.post(f"/v1/{plural}", body))
        assert await ids(other, f"/v1/{plural}") == records_before
        assert await ids(other, "/v1/events") == events_before

    @pytest.mark.parametrize(("plural", "field", "target"), REFERENCES)
    async def test_repointing_an_own_record_at_another_organization_is_not_found_and_changes_nothing(
            self, api: Api, other: Api, plural: str, field: str, target: str) -> None:
        foreign = await seed(api, target)
        mine = await seed(other, plural)
        events_before = await ids(other, "/v1/events")
        assert_not_found(await other.patch(f"/v1/{plural}/{mine['id']}", {field: foreign["id"]}))
        assert (await other.get(f"/v1/{plural}/{mine['id']}")).json() == mine
        assert await ids(other, "/v1/events") == events_before

    async def test_the_event_log_never_shows_another_organizations_events(self, api: Api, other: Api) -> None:
        contact = await seed(api, "contacts")
        posted = await api.post("/v1/events", {"type": "email.opened", "subject_id": contact["id"], "data": {
            "message_id": "<m1@mail.example>", "email": "ada@acme.example", "contact_id": contact["id"]}})
        assert posted.status_code == 201, posted.text
        theirs = await ids(api, "/v1/events")
        assert posted.json()["id"] in theirs and len(theirs) == 2
        await seed(other, "contacts")
        mine = await ids(other, "/v1/events")
        assert len(mine) == 1 and not set(mine) & set(theirs)
        assert await ids(other, "/v1/events", subject_id=contact["id"]) == []
        assert await ids(other, "/v1/events", type="email.*") == []
        for event_id in theirs:
            assert_not_found(await other.get(f"/v1/events/{event_id}"))

    async def test_catalog_actions_cannot_touch_another_organizations_records(self, api: Api, other: Api) -> None:
        contact = await seed(api, "contacts")
        deal = await seed(api, "deals")
        company = await seed(api, "companies")
        events_before = await ids(api, "/v1/events")
        assert_not_found(await other.post("/v1/actions/contact.update", {"id": contact["id"], "first_name": "Eve"}))
        assert_not_found(await other.post("/v1/actions/deal.update", {"id": deal["id"], "status": "won"}))
        assert_not_found(await other.post("/v1/actions/contact.create",
                                          {"first_name": "Eve", "company_id": company["id"]}))
        found = await other.post("/v1/actions/contact.find", {"email": contact["email"]})
        assert found.status_code == 200 and found.json() == {"data": []}
        found = await other.post("/v1/actions/company.find", {"name": company["name"]})
        assert found.status_code == 200 and found.json() == {"data": []}
        assert (await api.get(f"/v1/contacts/{contact['id']}")).json() == contact
        assert (await api.get(f"/v1/deals/{deal['id']}")).json() == deal
        assert await ids(api, "/v1/events") == events_before
        assert await ids(other, "/v1/contacts") == [] and await ids(other, "/v1/events") == []

    async def test_converting_another_organizations_lead_is_not_found(self, api: Api, other: Api) -> None:
        lead = await seed(api, "leads")
        assert_not_found(await other.post(f"/v1/leads/{lead['id']}/convert", {"create_deal": True}))
        assert (await api.get(f"/v1/leads/{lead['id']}")).json() == lead
        for plural in ("contacts", "companies", "deals"):
            assert await ids(other, f"/v1/{plural}") == [] and await ids(api, f"/v1/{plural}") == []
        assert await ids(other, "/v1/events") == []

    async def test_converting_an_own_lead_into_another_organizations_company_is_not_found(
            self, api: Api, other: Api) -> None:
        company = await seed(api, "companies")
        lead = await seed(other, "leads")
        events_before = await ids(other, "/v1/events")
        assert_not_found(await other.post(f"/v1/leads/{lead['id']}/convert", {"company_id": company["id"]}))
        assert (await other.get(f"/v1/leads/{lead['id']}")).json() == lead
        assert await ids(other, "/v1/contacts") == [] and await ids(other, "/v1/events") == events_before

    async def test_one_organizations_custom_fields_and_pipelines_never_apply_to_another(
            self, api: Api, other: Api) -> None:
        await api.create("custom_fields", {"record_type": "deal", "key": "region", "label": "Region",
                                           "type": "select", "options": ["EMEA"], "required": True})
        theirs = await api.create("pipelines", {"name": "Only", "stages": [{"key": "a", "label": "A"}],
                                                "is_default": True})
        mine = (await other.get("/v1/pipelines")).json()["data"]
        deal = await other.create("deals", {"name": "Mine"})
        assert deal["pipeline_id"] == mine[0]["id"] != theirs["id"] and deal["custom_fields"] == {}
        refused = await other.post("/v1/deals", {"name": "Mine", "custom_fields": {"region": "EMEA"}})
        assert refused.status_code == 422, refused.text

    async def test_another_organizations_api_keys_cannot_be_read_or_revoked(self, api: Api, other: Api) -> None:
        keys = (await api.get("/v1/api_keys")).json()["data"]
        assert len(keys) == 1
        key = keys[0]
        assert_not_found(await other.get(f"/v1/api_keys/{key['id']}"))
        assert_not_found(await other.delete(f"/v1/api_keys/{key['id']}"))
        assert_not_found(await other.delete(f"/v1/api_keys/{key['prefix']}"))
        assert key["id"] not in await ids(other, "/v1/api_keys")
        assert (await api.get(f"/v1/api_keys/{key['id']}")).json()["revoked_at"] is None
        assert (await api.get("/v1/me")).status_code == 200
