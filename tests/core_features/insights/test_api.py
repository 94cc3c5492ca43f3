"""Deal win probabilities, next best actions and the catalog's actions, through the API as an integration uses it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from litestar import Litestar

from hub.jobs.testing import settle
from tests.conftest import Api
from tests.core_features.insights.conftest import lead, score_of, settled_events


async def _hot_lead(api: Api) -> dict:
    """67 points from its fields, 15 more from an inbound meeting five days ago: hot, and not touched since."""
    made = await lead(api, title="VP Sales", phone="+14155550100")
    five_days_ago = (datetime.now(timezone.utc) - timedelta(days=5)).isoformat()
    await api.create("activities", {"type": "meeting", "lead_id": made["id"], "direction": "inbound",
                                    "occurred_at": five_days_ago})
    return made


async def _actions(app: Litestar, api: Api, kind: str, record_id: str) -> dict:
    await settle(app, timeout=60)
    answer = await api.get(f"/v1/{kind}s/{record_id}/next_best_actions")
    assert answer.status_code == 200, answer.text
    return answer.json()


class TestDeals:
    async def test_a_deal_moving_to_a_later_stage_crosses_into_hot_and_says_so(self, app: Litestar,
                                                                               api: Api) -> None:
        made = await api.create("deals", {"name": "Acme", "amount": "1000", "stage": "proposal"})
        first = await score_of(app, api, "deal", made["id"])
        assert (first["regime"], first["win_probability"], first["bucket"]) == ("rules", 50.0, "warm")
        await api.patch(f"/v1/deals/{made['id']}", {"stage": "commit"})
        now = await score_of(app, api, "deal", made["id"])
        assert (now["win_probability"], now["bucket"]) == (90.0, "hot")
        changes = [e["data"] for e in await settled_events(app, api, "deal.win_probability_changed")
                   if e["subject_id"] == made["id"]]
        assert [(c["previous_win_probability"], c["win_probability"], c["bucket_changed"]) for c in changes] == [
            (50.0, 90.0, True), (None, 50.0, True)]

    async def test_a_deal_past_its_close_date_with_one_contact_gets_its_next_steps(self, app: Litestar,
                                                                                  api: Api) -> None:
        made = await api.create("deals", {"name": "Late", "stage": "discovery", "expected_close": "2020-01-31"})
        suggested = (await _actions(app, api, "deal", made["id"]))["data"]
        assert {s["action"] for s in suggested} == {"re_engage_deal", "involve_second_contact"}
        assert suggested[0]["reason"] == "Stalled deal: close date has passed"
        assert [s["priority"] for s in suggested] == sorted((s["priority"] for s in suggested), reverse=True)


class TestNextBestActions:
    async def test_a_hot_lead_left_alone_is_to_be_called_and_the_suggestion_is_announced(self, app: Litestar,
                                                                                        api: Api) -> None:
        made = await _hot_lead(api)
        [call] = (await _actions(app, api, "lead", made["id"]))["data"]
        assert call["action"] == "call_hot_lead" and call["reason"] == "Hot lead (score 82) not touched for 5 days"
        [event] = [e for e in await settled_events(app, api, "recommendation.created")
                   if e["subject_id"] == made["id"]]
        assert event["data"]["id"] == call["id"] and event["data"]["expected_effect"] == call["expected_effect"]

    async def test_decisions_are_recorded_and_weigh_the_ranking_of_later_suggestions(self, app: Litestar,
                                                                                    api: Api) -> None:
        warm = [await lead(api, title="VP Sales", phone="+14155550100") for _ in range(2)]
        [nurture] = (await _actions(app, api, "lead", warm[0]["id"]))["data"]
        assert nurture["action"] == "send_nurture_email" and nurture["priority"] == 0.225
        decided = await api.post(f"/v1/ai/suggestions/{nurture['id']}/decision", {"status": "dismissed"})
        assert decided.status_code == 200 and decided.json()["status"] == "dismissed"
        await api.patch(f"/v1/leads/{warm[1]['id']}", {"first_name": "Grace"})  # rescored: ranked again
        later = await _actions(app, api, "lead", warm[1]["id"])
        assert later["data"][0]["priority"] == 0.15 and later["acceptance_rate"] == 0.0
        hot = await _hot_lead(api)
        [call] = (await _actions(app, api, "lead", hot["id"]))["data"]
        await api.post(f"/v1/ai/suggestions/{call['id']}/decision", {"status": "accepted"})
        assert (await _actions(app, api, "lead", hot["id"]))["data"] == []  # taken: no longer open
        assert (await _actions(app, api, "lead", warm[0]["id"]))["acceptance_rate"] == 0.5

    async def test_a_bad_decision_and_another_organizations_suggestion_are_refused(self, app: Litestar, api: Api,
                                                                                   other: Api) -> None:
        made = await lead(api, title="VP Sales", phone="+14155550100")
        [nurture] = (await _actions(app, api, "lead", made["id"]))["data"]
        bad = await api.post(f"/v1/ai/suggestions/{nurture['id']}/decision", {"status": "maybe"})
        assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
        theirs = await other.post(f"/v1/ai/suggestions/{nurture['id']}/decision", {"status": "accepted"})
        assert theirs.status_code == 404
        assert (await other.get(f"/v1/leads/{made['id']}/next_best_actions")).status_code == 404


class TestActions:
    async def test_the_catalog_actions_score_predict_suggest_and_train(self, app: Litestar, api: Api) -> None:
        made = await lead(api, title="VP Sales", phone="+14155550100")
        deal = await api.create("deals", {"name": "Acme", "stage": "negotiation"})
        scored = await api.post("/v1/actions/lead.score", {"lead_id": made["id"]})
        assert scored.status_code == 200 and scored.json()["data"]["score"] == 67
        predicted = (await api.post("/v1/actions/deal.predict", {"deal_id": deal["id"]})).json()["data"]
        assert predicted["win_probability"] == 75.0 and predicted["regime"] == "rules"
        suggested = await api.post("/v1/actions/recommendation.next_best_actions",
                                   {"record_type": "lead", "record_id": made["id"]})
        assert [s["action"] for s in suggested.json()["data"]["data"]] == ["send_nurture_email"]
        trained = await api.post("/v1/actions/model.train", {"kind": "deal"})
        assert trained.status_code == 200 and trained.json()["data"]["status"] == "training"
        missing = await api.post("/v1/actions/lead.score", {"lead_id": "lea_missing"})
        assert missing.status_code == 404
        catalog = (await api.get("/v1/catalog")).json()
        assert {"lead.score_changed", "deal.win_probability_changed", "recommendation.created"} <= {
            t["key"] for t in catalog["triggers"]}
        await settle(app, timeout=60)
