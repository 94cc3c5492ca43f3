"""The territory API on both databases: rules refused with reasons, realignment on activation, the write
path through the outbox, explain, manual and excluded records, the owner setting and activation's preview."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from hub.jobs.testing import settle
from tests.conftest import Api
from tests.core_features.territories.conftest import activate, company, draw, rule, territory


async def _where(api: Api, model_id: str, company_id: str) -> list[tuple[str, bool, str]]:
    explained = await api.get(f"/v1/territory_models/{model_id}/explain",
                              params={"record_type": "company", "record_id": company_id})
    assert explained.status_code == 200, explained.text
    return [(a["territory_name"], a["primary"], a["cause"]) for a in explained.json()["assignments"]]


async def _events(app: Litestar, api: Api, type: str) -> list[dict[str, Any]]:
    await settle(app)
    return [e["data"] for e in (await api.get("/v1/events", params={"type": type})).json()["data"]]


class TestRules:
    async def test_a_bad_filter_is_refused_with_its_position(self, api: Api) -> None:
        ids = await draw(api)
        answer = await api.post(f"/v1/territories/{ids['west']}/rules", {
            "record_type": "company", "boolean_filter": "(1 AND 2",
            "items": [{"field": "industry", "operator": "equals", "value": "x"},
                      {"field": "city", "operator": "equals", "value": "y"}]})
        assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["position"] == 9 and "ends too soon" in answer.json()["detail"]

    async def test_an_unknown_field_or_bad_value_is_refused_by_name(self, api: Api) -> None:
        ids = await draw(api)
        unknown = await api.post(f"/v1/territories/{ids['west']}/rules", {
            "record_type": "company", "items": [{"field": "custom.nope", "operator": "equals", "value": "x"}]})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "items[0].field"
        bad = await api.post(f"/v1/territories/{ids['west']}/rules", {
            "record_type": "company", "items": [{"operator": "within_radius", "value": {"lat": 1}}]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "items[0].value"

    async def test_depth_and_rule_limits_hold(self, api: Api) -> None:
        ids = await draw(api)
        parent = ids["bay"]
        for level in range(4, 11):
            parent = await territory(api, ids["model"], f"Level {level}", parent)
        deeper = await api.post(f"/v1/territory_models/{ids['model']}/territories", {"name": "11", "parent_id": parent})
        assert deeper.status_code == 422 and "10 levels" in deeper.json()["detail"]
        for _ in range(14):
            await rule(api, ids["europe"], {"field": "city", "operator": "is_not_empty"})
        extra = await api.post(f"/v1/territories/{ids['europe']}/rules", {
            "record_type": "company", "items": [{"field": "city", "operator": "is_empty"}]})
        assert extra.status_code == 409 and "15 rules" in extra.json()["detail"]


class TestAssignment:
    async def test_activation_realigns_every_record_by_the_deepest_match(self, app: Litestar, api: Api) -> None:
        ids = await draw(api)
        sf = await company(api, "Acme SF", country="US", region="CA", postal_code="94105", industry="Software")
        portland = await company(api, "Rose", country="US", region="OR", postal_code="97201")
        oakland = await company(api, "Oak", country="US", region="CA", postal_code="90001",
                                custom_fields={"latitude": 37.8044, "longitude": -122.2712})
        berlin = await company(api, "Spree", country="DE")
        tokyo = await company(api, "Sakura", country="JP")
        run = await activate(app, api, ids["model"])
        assert (run["status"], run["processed"], run["total"]) == ("succeeded", 5, 5)
        assert await _where(api, ids["model"], sf) == [("Bay", True, "rule"), ("Software", False, "rule")]
        assert await _where(api, ids["model"], portland) == [("West", True, "rule")]
        assert await _where(api, ids["model"], oakland) == [("Bay", True, "rule")]  # by radius
        assert await _where(api, ids["model"], berlin) == [("Europe", True, "rule")]
        assert await _where(api, ids["model"], tokyo) == []
        assigned = await _events(app, api, "territory.assigned")
        assert sorted((e["record_id"], e["territory_name"]) for e in assigned) == sorted(
            [(sf, "Bay"), (sf, "Software"), (portland, "West"), (oakland, "Bay"), (berlin, "Europe")])

    async def test_a_record_written_is_placed_through_the_outbox_and_its_move_is_told(self, app: Litestar,
                                                                                     api: Api) -> None:
        ids = await draw(api)
        await activate(app, api, ids["model"])
        made = await company(api, "Later", country="US", region="WA", postal_code="98101")
        await settle(app)
        assert await _where(api, ids["model"], made) == [("West", True, "rule")]
        assert (await api.patch(f"/v1/companies/{made}", {"country": "FR"})).status_code == 200
        await settle(app)
        assert await _where(api, ids["model"], made) == [("Europe", True, "rule")]
        moved = await _events(app, api, "territory.changed")
        assert [(e["record_id"], e["previous_territory_name"], e["territory_name"]) for e in moved] == [
            (made, "West", "Europe")]
        assert (await api.delete(f"/v1/companies/{made}")).status_code == 204
        await settle(app)
        explained = await api.get(f"/v1/territory_models/{ids['model']}/explain",
                                  params={"record_type": "company", "record_id": made})
        assert explained.status_code == 404

    async def test_explain_says_which_rule_and_items_put_a_record_where_it_is(self, app: Litestar, api: Api) -> None:
        ids = await draw(api)
        big = await company(api, "Big", country="US", region="CA", postal_code="90210", employee_count=5000,
                            custom_fields={"tier": "Gold"})
        await activate(app, api, ids["model"])
        answer = (await api.get(f"/v1/territory_models/{ids['model']}/explain",
                                params={"record_type": "company", "record_id": big})).json()
        assert [(a["territory_id"], a["rule_id"], a["primary"]) for a in answer["assignments"]] == [
            (ids["software"], ids["r_software"], True)]
        steps = {s["territory_id"]: s for s in answer["steps"]}
        assert steps[ids["software"]]["rules"] == [{"rule_id": ids["r_software"], "matched": True,
                                                   "items": [False, True, True]}]
        assert steps[ids["bay"]]["matched"] is False and steps[ids["europe"]]["reached"] is True
        assert steps[ids["europe"]]["matched"] is False

    async def test_manual_and_excluded_records_survive_realignment(self, app: Litestar, api: Api) -> None:
        ids = await draw(api)
        kept = await company(api, "Kept", country="US", region="OR")
        frozen = await company(api, "Frozen", country="US", region="OR")
        await activate(app, api, ids["model"])
        manual = await api.post(f"/v1/territories/{ids['europe']}/assignments",
                                {"record_type": "company", "record_id": kept, "primary": True})
        assert manual.status_code == 200, manual.text
        assert (await api.put(f"/v1/territory_models/{ids['model']}/exclusions",
                              {"record_type": "company", "record_id": frozen})).status_code == 204
        for made in (kept, frozen):
            assert (await api.patch(f"/v1/companies/{made}", {"region": "CA", "postal_code": "94110"})).status_code == 200
        realign = await api.post(f"/v1/territory_models/{ids['model']}/realignments", {"record_types": ["company"]})
        assert realign.status_code == 202
        await settle(app)
        assert await _where(api, ids["model"], kept) == [("Europe", True, "manual"), ("Bay", False, "rule")]
        assert await _where(api, ids["model"], frozen) == [("West", True, "rule")]
        manual_id = next(a["id"] for a in manual.json() if a["cause"] == "manual")
        assert (await api.delete(f"/v1/territory_assignments/{manual_id}")).status_code == 204
        await api.post(f"/v1/territory_models/{ids['model']}/assign", {"record_type": "company", "record_id": kept})
        assert await _where(api, ids["model"], kept) == [("Bay", True, "rule")]

    async def test_the_territory_owner_becomes_the_record_owner_when_the_model_says_so(self, app: Litestar,
                                                                                      api: Api) -> None:
        ids = await draw(api)
        rep = await api.create("users", {"name": "Rita", "email": "rita@example.com"})
        assert (await api.put(f"/v1/territories/{ids['europe']}/members",
                              {"user_id": rep["id"], "role": "owner"})).status_code == 200
        assert (await api.patch(f"/v1/territory_models/{ids['model']}", {"assign_owner": True})).status_code == 200
        made = await company(api, "Paris", country="FR")
        await activate(app, api, ids["model"])
        assert (await api.get(f"/v1/companies/{made}")).json()["owner_id"] == rep["id"]


class TestModels:
    async def test_the_preview_shows_what_activating_a_clone_would_move(self, app: Litestar, api: Api) -> None:
        ids = await draw(api)
        lyon = await company(api, "Lyon", country="FR")
        await company(api, "Munich", country="DE")
        await company(api, "Austin", country="US", region="TX")
        await activate(app, api, ids["model"])
        clone = (await api.post(f"/v1/territory_models/{ids['model']}/clone", {"name": "FY28"})).json()
        assert clone["state"] == "planning" and clone["cloned_from_id"] == ids["model"]
        territories = {t["name"]: t["id"] for t in
                       (await api.get(f"/v1/territory_models/{clone['id']}/territories")).json()}
        france = await territory(api, clone["id"], "France", territories["Europe"])
        await rule(api, france, {"operator": "country_in", "value": ["FR"]})
        shown = (await api.get(f"/v1/territory_models/{clone['id']}/preview")).json()
        diff = {t["territory"]: (t["gained"], t["lost"], t["kept"]) for t in shown["territories"]}
        assert shown["compared_with"] == ids["model"] and shown["moved"] == 1
        assert diff["Europe / France"] == (1, 0, 0) and diff["Europe"] == (0, 1, 1) and diff["Americas"] == (0, 0, 1)
        assert shown["moves"] == [{"record_type": "company", "record_id": lyon, "from": "Europe",
                                   "to": "Europe / France"}]
        await activate(app, api, clone["id"])
        old = (await api.get(f"/v1/territory_models/{ids['model']}")).json()
        assert old["state"] == "archived" and await _where(api, clone["id"], lyon) == [("France", True, "rule")]
        refused = await api.post(f"/v1/territory_models/{ids['model']}/territories", {"name": "Late"})
        assert refused.status_code == 409 and "read-only" in refused.json()["detail"]
        again = await api.post(f"/v1/territory_models/{ids['model']}/activate")
        assert again.status_code == 409


class TestCatalog:
    async def test_the_actions_assign_a_record_and_find_its_territories(self, app: Litestar, api: Api) -> None:
        ids = await draw(api)
        none = await api.post("/v1/actions/territory.find", {"name": "Europe"})
        assert none.status_code == 200 and none.json() == {"data": []}  # no active model yet
        await activate(app, api, ids["model"])
        made = await company(api, "Lille", country="FR")
        assigned = await api.post("/v1/actions/territory.assign", {"record_type": "company", "record_id": made})
        assert assigned.status_code == 200
        assert [(a["territory_id"], a["primary"]) for a in assigned.json()["data"]] == [(ids["europe"], True)]
        found = await api.post("/v1/actions/territory.find", {"record_type": "company", "record_id": made})
        assert found.json()["data"] == [{"territory_id": ids["europe"], "territory_name": "Europe", "primary": True,
                                         "cause": "rule"}]
        by_name = await api.post("/v1/actions/territory.find", {"name": "  west "})
        assert [t["territory_id"] for t in by_name.json()["data"]] == [ids["west"]]
        bare = await api.post("/v1/actions/territory.find", {})
        assert bare.status_code == 422

    async def test_a_record_assigned_by_hand_is_announced(self, app: Litestar, api: Api) -> None:
        ids = await draw(api)
        await activate(app, api, ids["model"])
        made = await company(api, "Nowhere", country="JP")
        await api.post(f"/v1/territories/{ids['europe']}/assignments", {"record_type": "company", "record_id": made})
        assert [(e["record_id"], e["cause"]) for e in await _events(app, api, "territory.assigned")] == [
            (made, "manual")]
