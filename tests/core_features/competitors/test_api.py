"""Competitors and the deals they are in, through the API as a CRM or an integration uses it."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from tests.conftest import Api
from tests.core_features.competitors.conftest import close, deal, settled_events


async def _competitor(api: Api, name: str = "Globex", **fields: Any) -> dict[str, Any]:
    return await api.create("competitors", {"name": name, **fields})


async def _add(api: Api, deal_id: str, **body: Any) -> Any:
    return await api.post(f"/v1/deals/{deal_id}/competitors", body)


class TestCompetitors:
    async def test_names_are_unique_whatever_their_case_and_spacing(self, api: Api) -> None:
        await _competitor(api, "Globex  Corp")
        again = await api.post("/v1/competitors", {"name": "globex corp"})
        assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
        found = (await api.get("/v1/competitors", params={"name": "GLOBEX CORP"})).json()["data"]
        assert [c["name"] for c in found] == ["Globex  Corp".strip()]

    async def test_a_stale_write_is_refused_and_a_new_battle_card_is_dated(self, api: Api) -> None:
        made = await _competitor(api)
        assert made["battle_card_updated_at"] is None
        first = await api.patch(f"/v1/competitors/{made['id']}", {"battle_card": "Lead with uptime."},
                                headers={"If-Match": '"1"'})
        assert first.status_code == 200 and first.headers["etag"] == '"2"'
        assert first.json()["battle_card_updated_at"] is not None
        stale = await api.patch(f"/v1/competitors/{made['id']}", {"strengths": "Cheap"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert (await api.get(f"/v1/competitors/{made['id']}")).json()["strengths"] is None

    async def test_another_organization_sees_and_changes_nothing(self, api: Api, other: Api) -> None:
        made = await _competitor(api)
        on = await deal(api)
        await _add(api, on["id"], competitor_id=made["id"])
        assert (await other.get(f"/v1/competitors/{made['id']}")).status_code == 404
        assert (await other.patch(f"/v1/competitors/{made['id']}", {"name": "Mine"})).status_code == 404
        assert (await other.get(f"/v1/deals/{on['id']}/competitors")).status_code == 404
        theirs = await deal(other)
        assert (await _add(other, theirs["id"], competitor_id=made["id"])).status_code == 404
        assert (await other.get("/v1/competitors")).json()["data"] == []
        assert (await other.get("/v1/choices/competitors")).json() == []
        assert (await api.get(f"/v1/competitors/{made['id']}")).json()["name"] == "Globex"


class TestInDeals:
    async def test_added_by_name_it_is_found_or_made_and_announced_once(self, app: Litestar, api: Api) -> None:
        on = await deal(api, "Acme: 40 seats", amount="9100")
        first = await _add(api, on["id"], competitor_name="Initech", notes="Incumbent")
        again = await _add(api, on["id"], competitor_name="INITECH")
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["competitor_id"] == again.json()["competitor_id"]
        assert [c["name"] for c in (await api.get("/v1/competitors")).json()["data"]] == ["Initech"]
        [event] = await settled_events(app, api, "competitor.added_to_deal")
        assert event["subject_id"] == on["id"]
        assert {k: event["data"][k] for k in ("deal_name", "competitor_name", "status", "notes", "amount")} == {
            "deal_name": "Acme: 40 seats", "competitor_name": "Initech", "status": "active", "notes": "Incumbent",
            "amount": "9100"}

    async def test_statuses_follow_the_deal_won_lost_and_reopened(self, app: Litestar, api: Api) -> None:
        on = await deal(api)
        for name in ("Globex", "Initech"):
            await _add(api, on["id"], competitor_name=name)
        await close(app, api, on, "won")
        listed = (await api.get(f"/v1/deals/{on['id']}/competitors")).json()["data"]
        assert [c["status"] for c in listed] == ["won_against", "won_against"]
        await close(app, api, on, "open")
        listed = (await api.get(f"/v1/deals/{on['id']}/competitors")).json()["data"]
        assert [c["status"] for c in listed] == ["active", "active"]
        assert await settled_events(app, api, "deal.lost_to_competitor") == []

    async def test_a_deal_lost_with_one_competitor_is_lost_to_it(self, app: Litestar, api: Api) -> None:
        on = await deal(api, "Acme renewal", amount="500")
        await _add(api, on["id"], competitor_name="Globex")
        await api.patch(f"/v1/deals/{on['id']}", {"lost_reason": "Price"})
        await close(app, api, on, "lost")
        [link] = (await api.get(f"/v1/deals/{on['id']}/competitors")).json()["data"]
        assert link["status"] == "lost_to"
        [event] = await settled_events(app, api, "deal.lost_to_competitor")
        assert {k: event["data"][k] for k in ("deal_name", "competitor_name", "lost_reason", "amount")} == {
            "deal_name": "Acme renewal", "competitor_name": "Globex", "lost_reason": "Price", "amount": "500"}

    async def test_with_several_competitors_a_person_says_which_one_won(self, app: Litestar, api: Api) -> None:
        on = await deal(api)
        globex = (await _add(api, on["id"], competitor_name="Globex")).json()
        initech = (await _add(api, on["id"], competitor_name="Initech")).json()
        early = await api.patch(f"/v1/deals/{on['id']}/competitors/{globex['competitor_id']}", {"status": "lost_to"})
        assert early.status_code == 422 and early.json()["errors"][0]["field"] == "status"
        await close(app, api, on, "lost")
        assert {c["status"] for c in (await api.get(f"/v1/deals/{on['id']}/competitors")).json()["data"]} == {
            "active"}
        chosen = await api.patch(f"/v1/deals/{on['id']}/competitors/{globex['competitor_id']}",
                                 {"status": "lost_to"})
        assert chosen.status_code == 200 and chosen.headers["etag"] == '"2"'
        second = await api.patch(f"/v1/deals/{on['id']}/competitors/{initech['competitor_id']}",
                                 {"status": "lost_to"})
        assert second.status_code == 409
        [event] = await settled_events(app, api, "deal.lost_to_competitor")
        assert event["data"]["competitor_name"] == "Globex"

    async def test_removed_from_a_deal_and_deleted_it_leaves_the_deal(self, api: Api) -> None:
        made = await _competitor(api)
        on = await deal(api)
        await _add(api, on["id"], competitor_id=made["id"])
        assert (await api.delete(f"/v1/deals/{on['id']}/competitors/{made['id']}")).status_code == 204
        assert (await api.delete(f"/v1/deals/{on['id']}/competitors/{made['id']}")).status_code == 404
        await _add(api, on["id"], competitor_id=made["id"])
        assert (await api.delete(f"/v1/competitors/{made['id']}")).status_code == 204
        assert (await api.get(f"/v1/deals/{on['id']}/competitors")).json()["data"] == []
        assert (await api.get(f"/v1/deals/{on['id']}")).status_code == 200


class TestActions:
    async def test_an_integration_adds_and_finds_competitors_through_the_catalog(self, api: Api) -> None:
        on = await deal(api)
        added = await api.post("/v1/actions/competitor.add_to_deal", {
            "deal_id": on["id"], "competitor_name": "Hooli", "competitor_id": "", "status": "", "notes": ""})
        assert added.status_code == 200, added.text
        assert added.json()["data"]["competitor_name"] == "Hooli"
        found = (await api.post("/v1/actions/competitor.find", {"name": "hooli"})).json()["data"]
        assert [c["id"] for c in found] == [added.json()["data"]["competitor_id"]]
        fields = {f["key"]: f for f in (await api.get("/v1/actions/competitor.add_to_deal/fields")).json()}
        assert fields["competitor_id"]["dynamic"] == "/v1/choices/competitors"
        assert (await api.get("/v1/choices/competitors")).json() == [
            {"id": added.json()["data"]["competitor_id"], "label": "Hooli"}]

    async def test_an_action_without_a_competitor_is_refused(self, api: Api) -> None:
        on = await deal(api)
        refused = await api.post("/v1/actions/competitor.add_to_deal", {"deal_id": on["id"]})
        assert refused.status_code == 422
        assert (await api.get(f"/v1/deals/{on['id']}/competitors")).json()["data"] == []
