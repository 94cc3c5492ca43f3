"""Scores while history is thin: the rule-based regime, refreshed after activities, announced on a crossing."""

from __future__ import annotations

from litestar import Litestar

from tests.conftest import Api
from tests.core_features.insights.conftest import lead, score_of, settled_events


class TestRuleRegime:
    async def test_a_new_lead_is_scored_by_rules_that_say_so_with_their_factors(self, app: Litestar,
                                                                                api: Api) -> None:
        made = await lead(api, title="VP Sales", phone="+14155550100")
        scored = await score_of(app, api, "lead", made["id"])
        assert scored["regime"] == "rules" and scored["score_model_version"] is None
        texts = [f["text"] for f in scored["score_factors"]]
        assert "Email on a company domain: +10" in texts and "Title reads as an executive: +12" in texts
        assert scored["score"] == 40 + 10 + 12 + 5 and scored["bucket"] == "warm"

    async def test_a_disposable_address_counts_against_a_lead(self, app: Litestar, api: Api) -> None:
        made = await lead(api, email="someone@mailinator.com")
        scored = await score_of(app, api, "lead", made["id"])
        assert {"feature": "email_domain", "value": "disposable", "points": -25,
                "text": "Email on a disposable domain: -25"} in scored["score_factors"]

    async def test_an_activity_refreshes_the_score_and_a_bucket_crossing_is_announced(self, app: Litestar,
                                                                                      api: Api) -> None:
        made = await lead(api, title="VP Sales", phone="+14155550100")
        before = await score_of(app, api, "lead", made["id"])
        await api.create("activities", {"type": "meeting", "lead_id": made["id"], "direction": "inbound"})
        after = await score_of(app, api, "lead", made["id"])
        assert after["score"] == before["score"] + 8 + 4 + 3 and after["bucket"] == "hot"
        assert after["scored_at"] > before["scored_at"]
        changes = [e["data"] for e in await settled_events(app, api, "lead.score_changed")
                   if e["subject_id"] == made["id"]]
        assert [(c["previous_bucket"], c["bucket"], c["bucket_changed"]) for c in changes] == [
            ("warm", "hot", True), (None, "warm", True)]

    async def test_another_organization_cannot_read_a_score(self, app: Litestar, api: Api, other: Api) -> None:
        made = await lead(api)
        await score_of(app, api, "lead", made["id"])
        answer = await other.get(f"/v1/leads/{made['id']}/score")
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"


class TestOnTheRecord:
    async def test_the_score_reads_on_the_lead_itself_when_included(self, app: Litestar, api: Api) -> None:
        made = await lead(api, title="VP Sales", phone="+14155550100")
        scored = await score_of(app, api, "lead", made["id"])
        plain = (await api.get(f"/v1/leads/{made['id']}")).json()
        assert "score" not in plain
        read = (await api.get(f"/v1/leads/{made['id']}", params={"include": "insights"})).json()
        assert (read["score"], read["score_bucket"], read["score_regime"]) == (67, "warm", "rules")
        assert read["score_factors"] == scored["score_factors"] and read["scored_at"] == scored["scored_at"]
        assert read["score_model_version"] is None and read["first_name"] == "Ada"
        listed = (await api.get("/v1/leads", params={"include": "insights", "fields": "email"})).json()["data"]
        assert [(item["id"], item["score"]) for item in listed] == [(made["id"], 67)]
        deal = await api.create("deals", {"name": "Acme", "stage": "proposal"})
        await score_of(app, api, "deal", deal["id"])
        shown = (await api.get(f"/v1/deals/{deal['id']}", params={"include": "insights"})).json()
        assert shown["win_probability"] == 50.0
        unknown = await api.get(f"/v1/contacts", params={"include": "insights"})
        assert unknown.status_code == 400 and "none" in unknown.json()["detail"]
