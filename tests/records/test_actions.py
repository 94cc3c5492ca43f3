"""Actions beyond create and update: notes, tasks (and `task.due`), products on deals, lead conversion, and
searches that take a limit and match phone numbers however they are written."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from litestar import Litestar

from hub.jobs.testing import settle
from tests.conftest import Api


async def _act(api: Api, key: str, body: dict[str, Any], status: int = 200) -> Any:
    answer = await api.post(f"/v1/actions/{key}", body)
    assert answer.status_code == status, answer.text
    return answer.json()["data"] if status == 200 else answer.json()


async def _events(api: Api, kind: str) -> list[dict[str, Any]]:
    return [e for e in (await api.get("/v1/events")).json()["data"] if e["type"] == kind]


def _at(minutes: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat()


class TestNotesAndTasks:
    async def test_a_note_is_added_to_a_deal(self, api: Api) -> None:
        deal = await api.create("deals", {"name": "Acme"})
        note = await _act(api, "note.add", {"body": "Wants a pilot.", "deal_id": deal["id"]})
        assert (note["type"], note["deal_id"], note["body"]) == ("note", deal["id"], "Wants a pilot.")
        problem = await _act(api, "note.add", {"body": "About nothing."}, status=422)
        assert "linked" in problem["detail"]

    async def test_an_open_task_past_due_fires_task_due_once(self, app: Litestar, api: Api) -> None:
        contact = await api.create("contacts", {"first_name": "Ada"})
        due = await _act(api, "task.create", {"subject": "Call back", "due_at": _at(-5), "contact_id": contact["id"]})
        later = await _act(api, "task.create", {"subject": "Renewal", "due_at": _at(600), "contact_id": contact["id"]})
        done = await api.create("activities", {"type": "task", "subject": "Done", "due_at": _at(-5), "done": True,
                                               "contact_id": contact["id"]})
        await settle(app)
        await settle(app)  # a second pass finds nothing new to announce
        fired = await _events(api, "task.due")
        assert [e["data"]["id"] for e in fired] == [due["id"]]
        assert fired[0]["data"]["version"] == due["version"]  # announcing is not a change of the task
        assert later["id"] != done["id"]

    async def test_moving_the_due_time_announces_again(self, app: Litestar, api: Api) -> None:
        contact = await api.create("contacts", {"first_name": "Ada"})
        task = await _act(api, "task.create", {"subject": "Call", "due_at": _at(-10), "contact_id": contact["id"]})
        await settle(app)
        moved = await api.patch(f"/v1/activities/{task['id']}", {"due_at": _at(-1)})
        assert moved.status_code == 200, moved.text
        await settle(app)
        assert len(await _events(api, "task.due")) == 2


class TestDealsAndLeads:
    async def test_a_product_is_added_to_a_deal_at_its_price(self, api: Api) -> None:
        deal = await api.create("deals", {"name": "Acme"})
        product = await _act(api, "product.create", {"name": "Seat", "unit_price": "192", "sku": "S-1"})
        line = await _act(api, "deal.add_product", {"deal_id": deal["id"], "product_id": product["id"],
                                                    "quantity": "3"})
        assert (line["name"], line["unit_price"], Decimal(line["amount"])) == ("Seat", "192", Decimal(576))

    async def test_a_lead_is_converted(self, api: Api) -> None:
        lead = await api.create("leads", {"first_name": "Grace", "email": "g@navy.example", "company_name": "Navy"})
        done = await _act(api, "lead.convert", {"lead_id": lead["id"], "create_deal": True})
        assert done["lead"]["status"] == "converted" and done["deal"]["contact_id"] == done["contact"]["id"]
        again = await _act(api, "lead.convert", {"lead_id": lead["id"]}, status=409)
        assert "already" in again["detail"]


class TestSearches:
    async def test_phone_matches_however_it_is_written(self, api: Api) -> None:
        made = await api.create("contacts", {"first_name": "Ada", "phone": "+1 415 555 0199"})
        for written in ("(415) 555-0199", "+14155550199", "415.555.0199"):
            found = await _act(api, "contact.find", {"phone": written})
            assert [c["id"] for c in found] == [made["id"]], written
        assert await _act(api, "contact.find", {"phone": "not a phone"}) == []

    async def test_a_search_takes_a_limit_past_ten(self, api: Api) -> None:
        for i in range(12):
            await api.create("contacts", {"first_name": f"C{i}", "last_name": "Same"})
        assert len(await _act(api, "contact.find", {"last_name": "same"})) == 10
        assert len(await _act(api, "contact.find", {"last_name": "same", "limit": 50})) == 12
        assert (await _act(api, "contact.find", {"last_name": "same", "limit": 500}, status=422))["status"] == 422

    async def test_users_products_and_activities_can_be_found(self, api: Api) -> None:
        rep = await api.create("users", {"name": "Dana Reyes", "email": "dana@example.com"})
        assert [u["id"] for u in await _act(api, "user.find", {"email": "Dana@Example.com"})] == [rep["id"]]
        product = await _act(api, "product.create", {"name": "Seat", "unit_price": "1", "sku": "SEAT"})
        assert [p["id"] for p in await _act(api, "product.find", {"sku": "seat"})] == [product["id"]]
        deal = await api.create("deals", {"name": "D"})
        call = await api.create("activities", {"type": "call", "deal_id": deal["id"]})
        assert [a["id"] for a in await _act(api, "activity.find", {"deal_id": deal["id"]})] == [call["id"]]
