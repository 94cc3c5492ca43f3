"""Action input fields, custom fields and dropdowns, read as a Zapier or Make editor reads them; actions
answered as Zapier expects a create (one object) and a search (a list)."""

from __future__ import annotations

from typing import Any

from hub.tenancy.service import DEFAULT_STAGES
from tests.conftest import Api


async def _fields(api: Api, key: str) -> dict[str, dict[str, Any]]:
    answer = await api.get(f"/v1/actions/{key}/fields")
    assert answer.status_code == 200, answer.text
    return {f["key"]: f for f in answer.json()}


class TestFields:
    async def test_a_create_actions_fields_come_from_its_input_schema(self, api: Api) -> None:
        fields = await _fields(api, "deal.create")
        assert fields["name"] == {"key": "name", "label": "Name", "type": "string", "required": True,
                                  "help_text": "The name of the deal."}
        assert fields["amount"]["type"] == "number" and "decimal" in fields["amount"]["help_text"]
        assert fields["expected_close"]["type"] == "date" and not fields["expected_close"]["required"]
        assert [c["id"] for c in fields["status"]["choices"]] == ["lost", "open", "won"]
        assert fields["owner_id"]["dynamic"] == "/v1/choices/owners"
        assert fields["owner_id"]["label"] == "Owner"
        assert fields["pipeline_id"]["dynamic"] == "/v1/choices/pipelines"
        assert fields["pipeline_id"]["alters_dynamic_fields"] is True
        assert fields["stage"]["dynamic"] == "/v1/choices/stages?pipeline_id={pipeline_id}"
        assert "custom_fields" not in fields

    async def test_long_text_updates_and_searches(self, api: Api) -> None:
        assert (await _fields(api, "activity.create"))["body"]["type"] == "text"
        update = await _fields(api, "contact.update")
        assert update["id"] == {"key": "id", "label": "ID", "type": "string", "required": True,
                                "help_text": "The ID of the contact; map it from an earlier step or a search."}
        assert not any(f["required"] for k, f in update.items() if k != "id")
        assert set(await _fields(api, "contact.find")) == {"email", "phone", "last_name", "limit"}

    async def test_every_field_has_help_and_rules_show_before_run_time(self, api: Api) -> None:
        for key in ("contact.create", "deal.update", "activity.create", "lead.upsert", "note.add", "task.create"):
            fields = await _fields(api, key)
            assert all(f.get("help_text") for f in fields.values()), key
        contact = await _fields(api, "contact.create")
        assert "at least one of first name, last name or email" in contact["first_name"]["help_text"]
        assert "contact, company, lead or deal" in (await _fields(api, "activity.create"))["deal_id"]["help_text"]
        assert contact["company_id"]["dynamic"] == "/v1/choices/records/companies"
        assert "from the list" in contact["company_id"]["help_text"]

    async def test_record_dropdowns_list_the_organizations_records(self, api: Api, other: Api) -> None:
        await api.create("companies", {"name": "Acme", "domain": "acme.example"})
        await other.create("companies", {"name": "Theirs"})
        await api.create("contacts", {"first_name": "Ada", "last_name": "L", "email": "ada@example.com"})
        companies = (await api.get("/v1/choices/records/companies")).json()
        assert [c["label"] for c in companies] == ["Acme (acme.example)"]
        contacts = (await api.get("/v1/choices/records/contacts")).json()
        assert [c["label"] for c in contacts] == ["Ada L (ada@example.com)"]
        missing = await api.get("/v1/choices/records/spaceships")
        assert missing.status_code == 404 and "companies" in missing.json()["detail"]

    async def test_the_organizations_custom_fields_are_dynamic_fields(self, api: Api, other: Api) -> None:
        made = await api.post("/v1/custom_fields", {"record_type": "deal", "key": "region", "label": "Region",
                                                    "type": "select", "options": ["EMEA", "AMER"],
                                                    "required": True})
        assert made.status_code == 201, made.text
        await api.post("/v1/custom_fields", {"record_type": "contact", "key": "tier", "label": "Tier",
                                             "type": "integer"})
        region = (await _fields(api, "deal.create"))["custom_fields.region"]
        assert region == {"key": "custom_fields.region", "label": "Region", "type": "string",
                          "required": True, "custom": True,
                          "choices": [{"id": "EMEA", "label": "EMEA"}, {"id": "AMER", "label": "AMER"}]}
        assert (await _fields(api, "deal.update"))["custom_fields.region"]["required"] is False
        assert "custom_fields.tier" not in await _fields(api, "deal.create")
        assert (await _fields(api, "contact.update"))["custom_fields.tier"]["type"] == "integer"
        assert not [k for k in await _fields(other, "deal.create") if k.startswith("custom_fields.")]
        ran = await api.post("/v1/actions/deal.create",
                             {"name": "Regional", "custom_fields": {"region": "EMEA"}})
        assert ran.status_code == 200 and ran.json()["data"]["custom_fields"] == {"region": "EMEA"}

    async def test_an_unknown_action_has_no_fields(self, api: Api) -> None:
        assert (await api.get("/v1/actions/deal.explode/fields")).status_code == 404


class TestChoices:
    async def test_owners_are_the_organizations_active_users(self, api: Api, other: Api) -> None:
        dana = await api.create("users", {"name": "Dana Reyes", "email": "dana@acme.example"})
        await api.create("users", {"name": "Gone Rep", "email": "gone@acme.example", "active": False})
        await other.create("users", {"name": "Their Rep", "email": "rep@globex.example"})
        owners = (await api.get("/v1/choices/owners")).json()
        assert owners == [{"id": dana["id"], "label": "Dana Reyes (dana@acme.example)"}]

    async def test_pipelines_and_stages_are_scoped_to_the_organization(self, api: Api, other: Api) -> None:
        [sales] = (await api.get("/v1/choices/pipelines")).json()
        assert sales["label"] == "Sales"
        stages = (await api.get("/v1/choices/stages", params={"pipeline_id": sales["id"]})).json()
        assert stages == [{"id": s["key"], "label": s["label"]} for s in DEFAULT_STAGES]
        assert (await api.get("/v1/choices/stages")).json() == stages
        [theirs] = (await other.get("/v1/choices/pipelines")).json()
        assert theirs["id"] != sales["id"]
        assert (await api.get("/v1/choices/stages", params={"pipeline_id": theirs["id"]})).status_code == 404


class TestActionAnswers:
    async def test_a_create_answers_one_object_and_a_search_a_list(self, api: Api) -> None:
        made = await api.post("/v1/actions/contact.create",
                              {"first_name": "Ada", "email": "ada@acme.example"})
        assert made.status_code == 200 and isinstance(made.json()["data"], dict)
        found = await api.post("/v1/actions/contact.find", {"email": "ada@acme.example"})
        assert found.status_code == 200
        assert [c["id"] for c in found.json()["data"]] == [made.json()["data"]["id"]]
        missing = await api.post("/v1/actions/contact.find", {"email": "nobody@acme.example"})
        assert missing.json()["data"] == []
