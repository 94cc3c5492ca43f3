"""The record API driven over HTTP, as an integration would use it."""

from __future__ import annotations

import asyncio


from tests.conftest import Api


class TestRecordCrud:
    async def test_creates_reads_updates_and_deletes_a_contact(self, api: Api) -> None:
        company = await api.create("companies", {"name": "Acme"})
        created = await api.create("contacts", {"first_name": "Ada", "email": "ADA@Acme.example",
                                                "phone": "+1 (415) 555-2671", "company_id": company["id"]})
        assert created["email"] == "ada@acme.example"
        assert created["phone"] == "+14155552671"
        read = await api.get(f"/v1/contacts/{created['id']}")
        assert read.status_code == 200 and read.json() == created
        assert read.headers["etag"] == '"1"'
        patched = await api.patch(f"/v1/contacts/{created['id']}", {"title": "CTO"})
        assert patched.status_code == 200
        assert patched.json()["title"] == "CTO" and patched.json()["version"] == 2
        assert patched.json()["first_name"] == "Ada"
        deleted = await api.delete(f"/v1/contacts/{created['id']}")
        assert deleted.status_code == 204
        assert (await api.get(f"/v1/contacts/{created['id']}")).status_code == 404

    async def test_lists_newest_first_across_pages_with_an_opaque_cursor(self, api: Api) -> None:
        ids = [(await api.create("companies", {"name": f"C{i}"}))["id"] for i in range(5)]
        seen, cursor = [], None
        while True:
            page = (await api.get("/v1/companies", params={"limit": 2, **({"cursor": cursor} if cursor else {})})).json()
            seen += [c["id"] for c in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(ids))

    async def test_filters_by_equality_and_updated_since(self, api: Api) -> None:
        a = await api.create("deals", {"name": "A", "status": "open"})
        await api.create("deals", {"name": "B", "status": "lost"})
        open_deals = (await api.get("/v1/deals", params={"status": "open"})).json()["data"]
        assert [d["id"] for d in open_deals] == [a["id"]]
        later = (await api.get("/v1/deals", params={"updated_since": "2999-01-01T00:00:00Z"})).json()["data"]
        assert later == []

    async def test_returns_only_the_selected_fields(self, api: Api) -> None:
        deal = await api.create("deals", {"name": "A", "amount": "10.50"})
        one = (await api.get(f"/v1/deals/{deal['id']}", params={"fields": "name,amount"})).json()
        assert one == {"id": deal["id"], "name": "A", "amount": "10.5"}
        listed = (await api.get("/v1/deals", params={"fields": "stage"})).json()["data"]
        assert listed == [{"id": deal["id"], "stage": "qualification"}]


class TestOptimisticConcurrency:
    async def test_refuses_a_write_with_a_stale_if_match(self, api: Api) -> None:
        deal = await api.create("deals", {"name": "A"})
        first = await api.patch(f"/v1/deals/{deal['id']}", {"name": "B"}, headers={"If-Match": '"1"'})
        assert first.status_code == 200 and first.headers["etag"] == '"2"'
        stale = await api.patch(f"/v1/deals/{deal['id']}", {"name": "C"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.headers["content-type"].startswith("application/problem+json")
        assert (await api.get(f"/v1/deals/{deal['id']}")).json()["name"] == "B"

    async def test_concurrent_writers_never_silently_overwrite(self, api: Api) -> None:
        deal = await api.create("deals", {"name": "A"})
        answers = await asyncio.gather(*[
            api.patch(f"/v1/deals/{deal['id']}", {"name": f"writer {i}"}, headers={"If-Match": '"1"'})
            for i in range(4)])
        statuses = sorted(a.status_code for a in answers)
        assert statuses.count(200) == 1 and set(statuses[1:]) == {412}
        final = (await api.get(f"/v1/deals/{deal['id']}")).json()
        assert final["version"] == 2
        assert final["name"] == next(a.json()["name"] for a in answers if a.status_code == 200)
