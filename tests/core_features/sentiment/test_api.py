"""Activities scored as they are logged and reworded, a deal's trend, and the drop event, through the API."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from hub.jobs.testing import settle
from tests.conftest import Api

HAPPY = ["Great call, they loved the demo and want a proposal.", "Excellent feedback from the pilot team, "
         "they are delighted.", "Thanks for the warm welcome, the workshop was a success."]
ANGRY = "They are furious about the outage and threatened to cancel. Support has been useless."


async def _deal(api: Api, name: str = "Acme: 40 seats") -> dict[str, Any]:
    return await api.create("deals", {"name": name, "amount": "9100"})


async def _log(api: Api, body: str, *, deal_id: str | None = None, day: int = 1, **more: Any) -> dict[str, Any]:
    link = {"deal_id": deal_id} if deal_id else {"contact_id": (await api.create("contacts", {
        "first_name": "Ada"}))["id"]}
    return await api.create("activities", {"type": "email", "subject": "Re: pilot", "body": body,
                                           "occurred_at": f"2026-03-{day:02d}T10:00:00Z", **link, **more})


async def _events(app: Litestar, api: Api, type: str) -> list[dict[str, Any]]:
    await settle(app)
    return (await api.get("/v1/events", params={"type": type})).json()["data"]


class TestActivities:
    async def test_a_logged_email_is_scored_with_the_sentences_that_drove_it(self, app: Litestar, api: Api) -> None:
        made = await _log(api, f"Hi Dana,\n\n{ANGRY}\n\nBest, Sam")
        [event] = await _events(app, api, "activity.sentiment_scored")
        assert event["subject_id"] == made["id"] and event["data"]["label"] == "negative"
        assert event["data"]["drivers"][0] == "They are furious about the outage and threatened to cancel."
        stored = (await api.get(f"/v1/activities/{made['id']}/sentiment")).json()
        assert stored["score"] == event["data"]["score"] < 0 and stored["label"] == "negative"
        assert stored["model"] == "blend" and stored["drivers"][0]["score"] < 0

    async def test_rewording_rescores_and_other_edits_do_not(self, app: Litestar, api: Api) -> None:
        made = await _log(api, ANGRY)
        await settle(app)
        assert (await api.patch(f"/v1/activities/{made['id']}", {"outcome": "replied"})).status_code == 200
        assert len(await _events(app, api, "activity.sentiment_scored")) == 1
        assert (await api.patch(f"/v1/activities/{made['id']}", {"body": HAPPY[0]})).status_code == 200
        newest, _ = await _events(app, api, "activity.sentiment_scored")
        assert newest["data"]["label"] == "positive"
        assert (await api.get(f"/v1/activities/{made['id']}/sentiment")).json()["label"] == "positive"

    async def test_scoring_on_demand_keeps_the_result(self, app: Litestar, api: Api) -> None:
        made = await _log(api, HAPPY[1])
        await settle(app)
        answer = await api.post(f"/v1/activities/{made['id']}/sentiment")
        assert answer.status_code == 200 and answer.json()["label"] == "positive"
        assert len(await _events(app, api, "activity.sentiment_scored")) == 2  # the relay's, then this one's

    async def test_an_activity_without_words_gets_no_score_and_loses_one_when_they_are_cleared(
            self, app: Litestar, api: Api) -> None:
        contact = await api.create("contacts", {"first_name": "Ada"})
        silent = await api.create("activities", {"type": "call", "contact_id": contact["id"]})
        await settle(app)
        assert (await api.get(f"/v1/activities/{silent['id']}/sentiment")).status_code == 404
        assert (await api.post(f"/v1/activities/{silent['id']}/sentiment")).status_code == 422
        worded = await _log(api, ANGRY)
        await settle(app)
        assert (await api.patch(f"/v1/activities/{worded['id']}", {"subject": None, "body": " "})).status_code == 200
        await settle(app)
        assert (await api.get(f"/v1/activities/{worded['id']}/sentiment")).status_code == 404
        assert len(await _events(app, api, "activity.sentiment_scored")) == 1  # the angry words, once

    async def test_an_activity_that_cannot_be_scored_holds_up_nothing_else(
            self, app: Litestar, api: Api, monkeypatch: Any) -> None:
        from core_features.sentiment.scorer import Scorer

        real = Scorer.score

        def score(self: Scorer, text: str) -> Any:
            if "explode" in text:
                raise RuntimeError("a model that breaks on this text")
            return real(self, text)

        monkeypatch.setattr(Scorer, "score", score)
        broken, fine = await _log(api, "This will explode."), await _log(api, ANGRY)
        [scored] = await _events(app, api, "activity.sentiment_scored")
        assert scored["subject_id"] == fine["id"]
        assert (await api.get(f"/v1/activities/{broken['id']}/sentiment")).status_code == 404
        assert len(await _events(app, api, "activity.created")) == 2

    async def test_an_activity_of_another_organization_is_404(self, app: Litestar, api: Api, other: Api) -> None:
        made = await _log(api, ANGRY)
        await settle(app)
        for answer in (await other.get(f"/v1/activities/{made['id']}/sentiment"),
                       await other.post(f"/v1/activities/{made['id']}/sentiment")):
            assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"
        assert await _events(app, other, "activity.sentiment_scored") == []


class TestDealTrend:
    async def test_a_turn_for_the_worse_drops_the_deal_once_and_shows_in_its_trend(
            self, app: Litestar, api: Api) -> None:
        deal = await _deal(api)
        for day, text in enumerate(HAPPY, start=1):
            await _log(api, text, deal_id=deal["id"], day=day)
        await settle(app)
        assert await _events(app, api, "deal.sentiment_dropped") == []
        angry = await _log(api, ANGRY, deal_id=deal["id"], day=9)
        [dropped] = await _events(app, api, "deal.sentiment_dropped")
        assert dropped["subject_id"] == deal["id"] and dropped["data"]["activity_id"] == angry["id"]
        data = dropped["data"]
        assert (data["id"], data["name"], data["amount"]) == (deal["id"], "Acme: 40 seats", "9100")
        assert data["drop"] >= 0.3 and abs(data["previous_score"] - data["score"] - data["drop"]) < 1e-3
        assert data["drivers"][0].startswith("They are furious")
        trend = (await api.get(f"/v1/deals/{deal['id']}/sentiment")).json()
        assert trend["scored"] == 4 and trend["window"] == 3
        assert [p["label"] for p in trend["points"]] == ["positive", "positive", "positive", "negative"]
        assert (trend["previous"], trend["current"]) == (data["previous_score"], data["score"])
        assert trend["change"] < 0 and trend["points"][-1]["average"] == trend["current"]

    async def test_an_old_complaint_logged_late_does_not_drop_a_deal(self, app: Litestar, api: Api) -> None:
        deal = await _deal(api)
        for day, text in enumerate(HAPPY, start=10):
            await _log(api, text, deal_id=deal["id"], day=day)
        await settle(app)
        await _log(api, ANGRY, deal_id=deal["id"], day=1)
        assert await _events(app, api, "deal.sentiment_dropped") == []
        trend = (await api.get(f"/v1/deals/{deal['id']}/sentiment")).json()
        assert trend["points"][0]["label"] == "negative" and trend["current"] > 0.3

    async def test_a_deal_of_another_organization_is_404(self, api: Api, other: Api) -> None:
        deal = await _deal(api)
        assert (await other.get(f"/v1/deals/{deal['id']}/sentiment")).status_code == 404
        assert (await api.get(f"/v1/deals/{deal['id']}/sentiment")).json()["points"] == []

    async def test_slack_can_be_told_of_drops_past_a_size(self, api: Api) -> None:
        rule = await api.post("/v1/slack/rules", {
            "name": "Deals turning sour", "event_type": "deal.sentiment_dropped", "channel": "C0123ABCD",
            "conditions": [{"field": "drop", "op": "gte", "value": 0.5}]})
        assert rule.status_code == 201, rule.text
        wrong = await api.post("/v1/slack/rules", {
            "name": "Bad", "event_type": "deal.sentiment_dropped", "channel": "C0123ABCD",
            "conditions": [{"field": "mood", "op": "eq", "value": "sad"}]})
        assert wrong.status_code == 422


class TestText:
    async def test_a_text_is_scored_without_being_kept(self, api: Api) -> None:
        answer = await api.post("/v1/sentiment", {"text": ANGRY})
        assert answer.status_code == 200 and answer.json()["label"] == "negative"
        assert answer.json()["drivers"][0]["text"].startswith("They are furious")

    async def test_bad_input_is_a_problem_not_a_crash(self, api: Api) -> None:
        for body in ({"text": ""}, {"text": "x" * 20_001}, {"txt": "hello"}, {"text": 42}):
            answer = await api.post("/v1/sentiment", body)
            assert answer.status_code in (400, 422), body
            assert answer.headers["content-type"] == "application/problem+json"

    async def test_an_integration_scores_a_text_through_the_catalog(self, api: Api) -> None:
        answer = await api.post("/v1/actions/sentiment.analyze", {"text": HAPPY[0]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["label"] == "positive"
        catalog = (await api.get("/v1/catalog")).json()
        assert {"activity.sentiment_scored", "deal.sentiment_dropped"} <= {e["type"] for e in catalog["events"]}


class TestBackfill:
    async def test_activities_from_before_are_scored_in_batches_without_events(
            self, app: Litestar, api: Api, other: Api, monkeypatch: Any) -> None:
        from core_features.sentiment import jobs
        from hub.db import new_id, utcnow
        from hub.records.models import Activity
        from hub.runtime import Hub

        monkeypatch.setattr(jobs, "BATCH", 2)
        deal = await _deal(api)
        async with Hub.of(app).sessions.begin() as session:  # written as an import would, with no event
            for text in [*HAPPY, ANGRY, "Call moved to Friday.", None]:
                session.add(Activity(id=new_id("act"), org_id=api.org_id, type="note", body=text,
                                     deal_id=deal["id"], occurred_at=utcnow()))
        before = (await api.get("/v1/sentiment/backfill")).json()
        assert (before["activities"], before["unscored"]) == (6, 5)  # one has no words to score
        started = await api.post("/v1/sentiment/backfill")
        assert started.status_code == 202 and started.json()["job_id"]
        await settle(app)
        assert (await api.get("/v1/sentiment/backfill")).json()["unscored"] == 0
        assert (await other.get("/v1/sentiment/backfill")).json() == {"job_id": None, "activities": 0,
                                                                       "unscored": 0}
        batches = (await api.get("/v1/jobs", params={"kind": "sentiment.backfill"})).json()["data"]
        assert sorted(j["result"]["scored"] for j in batches) == [1, 2, 2]
        trend = (await api.get(f"/v1/deals/{deal['id']}/sentiment")).json()
        assert trend["scored"] == 5 and "negative" in {p["label"] for p in trend["points"]}
        assert await _events(app, api, "activity.sentiment_scored") == []
        assert await _events(app, api, "deal.sentiment_dropped") == []
