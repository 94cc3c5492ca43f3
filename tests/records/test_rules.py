"""Domain rules that hold across writes: pipelines keep their deals' stages, required fields stay set,
amounts keep one exact form."""

from __future__ import annotations

from tests.conftest import Api


class TestPipelines:
    async def test_a_stage_that_still_has_deals_cannot_be_removed(self, api: Api) -> None:
        pipeline = await api.create("pipelines", {"name": "Renewals", "stages": [
            {"key": "open", "label": "Open"}, {"key": "signed", "label": "Signed"}]})
        deal = await api.create("deals", {"name": "R1", "pipeline_id": pipeline["id"], "stage": "signed"})
        refused = await api.patch(f"/v1/pipelines/{pipeline['id']}", {"stages": [{"key": "open", "label": "Open"}]})
        assert refused.status_code == 422 and "signed" in refused.json()["detail"]
        assert len((await api.get(f"/v1/pipelines/{pipeline['id']}")).json()["stages"]) == 2
        await api.patch(f"/v1/deals/{deal['id']}", {"stage": "open"})
        allowed = await api.patch(f"/v1/pipelines/{pipeline['id']}", {"stages": [{"key": "open", "label": "Open"}]})
        assert allowed.status_code == 200

    async def test_a_deal_moves_between_pipelines_only_into_a_stage_of_the_new_one(self, api: Api) -> None:
        other = await api.create("pipelines", {"name": "Partners", "stages": [{"key": "intro", "label": "Intro"}]})
        deal = await api.create("deals", {"name": "P1"})
        assert (await api.patch(f"/v1/deals/{deal['id']}", {"pipeline_id": other["id"]})).status_code == 422
        moved = await api.patch(f"/v1/deals/{deal['id']}", {"pipeline_id": other["id"], "stage": "intro"})
        assert moved.status_code == 200 and moved.json()["stage"] == "intro"
        assert (await api.patch(f"/v1/deals/{deal['id']}", {"pipeline_id": None})).status_code == 422


class TestCustomFields:
    async def test_a_required_field_cannot_be_cleared_later(self, api: Api) -> None:
        made = await api.post("/v1/custom_fields", {"record_type": "deal", "key": "region", "label": "Region",
                                                    "type": "select", "options": ["EMEA", "AMER"], "required": True})
        assert made.status_code == 201, made.text
        deal = await api.create("deals", {"name": "D", "custom_fields": {"region": "EMEA"}})
        cleared = await api.patch(f"/v1/deals/{deal['id']}", {"custom_fields": {"region": None}})
        assert cleared.status_code == 422
        assert (await api.get(f"/v1/deals/{deal['id']}")).json()["custom_fields"] == {"region": "EMEA"}
        changed = await api.patch(f"/v1/deals/{deal['id']}", {"custom_fields": {"region": "AMER"}})
        assert changed.json()["custom_fields"] == {"region": "AMER"}

    async def test_optional_fields_merge_and_clear_key_by_key(self, api: Api) -> None:
        for key, kind in (("score", "number"), ("vip", "boolean")):
            await api.post("/v1/custom_fields", {"record_type": "contact", "key": key, "label": key, "type": kind})
        contact = await api.create("contacts", {"first_name": "A", "custom_fields": {"score": "7.5", "vip": True}})
        assert contact["custom_fields"] == {"score": 7.5, "vip": True}
        patched = await api.patch(f"/v1/contacts/{contact['id']}", {"custom_fields": {"vip": None}})
        assert patched.json()["custom_fields"] == {"score": 7.5}


class TestAmounts:
    async def test_an_amount_reads_back_exactly_as_it_was_answered(self, api: Api) -> None:
        for written, shown in (("1000", "1000"), ("1000.00", "1000"), ("10.50", "10.5"), (1250, "1250"),
                               ("0.0001", "0.0001")):
            deal = await api.create("deals", {"name": "A", "amount": written})
            assert deal["amount"] == shown
            assert (await api.get(f"/v1/deals/{deal['id']}")).json()["amount"] == shown

    async def test_line_items_price_from_their_product_and_total_to_the_cent(self, api: Api) -> None:
        product = await api.create("products", {"name": "Seat", "unit_price": "19.99"})
        deal = await api.create("deals", {"name": "Seats"})
        item = await api.create("line_items", {"deal_id": deal["id"], "product_id": product["id"], "quantity": 3,
                                               "discount_percent": "10"})
        assert (item["name"], item["unit_price"], item["amount"]) == ("Seat", "19.99", "53.97")
