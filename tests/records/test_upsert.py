"""Create-or-update actions: a record found by its natural key is updated, otherwise made; repeating the call
or running it several times at once leaves one record."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import Api


async def _upsert(api: Api, record: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await api.post(f"/v1/actions/{record}.upsert", body)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


class TestUpsert:
    async def test_creates_then_updates_the_contact_with_that_email(self, api: Api) -> None:
        made = await _upsert(api, "contact", {"email": "Ada@Example.com", "first_name": "Ada"})
        again = await _upsert(api, "contact", {"email": "ada@example.com", "title": "CTO"})
        assert again["id"] == made["id"] and again["version"] == made["version"] + 1
        assert (again["first_name"], again["title"], again["email"]) == ("Ada", "CTO", "ada@example.com")
        found = (await api.get("/v1/contacts", params={"email": "ada@example.com"})).json()["data"]
        assert [c["id"] for c in found] == [made["id"]]

    async def test_repeating_the_same_call_changes_nothing(self, api: Api) -> None:
        body = {"domain": "acme.example", "name": "Acme Corp", "industry": "Software"}
        first, second = await _upsert(api, "company", body), await _upsert(api, "company", body)
        assert second == first

    @pytest.mark.parametrize(("record", "key", "value"), [
        ("lead", "email", "grace@navy.example"), ("deal", "name", "Acme: 40 seats")])
    async def test_every_upsertable_record_is_found_by_its_key(self, api: Api, record: str, key: str,
                                                              value: str) -> None:
        made = await _upsert(api, record, {key: value})
        updated = await _upsert(api, record, {key: value.upper(), "source" if record == "lead" else "amount":
                                              "webinar" if record == "lead" else "1200"})
        assert updated["id"] == made["id"] and updated["version"] == 2

    async def test_racing_calls_leave_one_record(self, api: Api) -> None:
        names = [f"Racer {i}" for i in range(6)]
        answers = await asyncio.gather(*(api.post("/v1/actions/contact.upsert", {
            "email": "race@example.com", "first_name": name}) for name in names))
        assert [a.status_code for a in answers] == [200] * len(names), [a.text for a in answers]
        assert len({a.json()["data"]["id"] for a in answers}) == 1
        found = (await api.get("/v1/contacts", params={"email": "race@example.com"})).json()["data"]
        assert len(found) == 1 and found[0]["first_name"] in names

    async def test_an_empty_key_is_refused_with_the_field_named(self, api: Api) -> None:
        for body in ({"first_name": "Ada"}, {"email": None, "first_name": "Ada"}, {"email": " "}):
            refused = await api.post("/v1/actions/contact.upsert", body)
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert "email" in refused.text

    async def test_records_of_another_organization_are_not_matched(self, api: Api, other: Api) -> None:
        theirs = await _upsert(other, "contact", {"email": "shared@example.com", "first_name": "Theirs"})
        ours = await _upsert(api, "contact", {"email": "shared@example.com", "first_name": "Ours"})
        assert ours["id"] != theirs["id"]
        assert (await other.get(f"/v1/contacts/{theirs['id']}")).json()["first_name"] == "Theirs"
