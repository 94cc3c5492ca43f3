"""Models trained per organization from outcomes entered through the API: the hand-over from rules, faithful
factors, a better model kept in service, and the walls between organizations."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import numpy as np
from litestar import Litestar
from sqlalchemy import update

from core_features.insights import history as past
from core_features.insights import jobs, service, training
from core_features.insights.features import features
from core_features.insights.models import ModelVersion
from core_features.insights.settings import InsightSettings
from hub.jobs.testing import settle
from hub.runtime import Hub
from tests.conftest import Api
from tests.core_features.insights.conftest import budget_field, history, lead, score_of


async def _models(api: Api) -> dict:
    answer = await api.get("/v1/ai/models")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _trained(app: Litestar, api: Api, n: int = 70) -> dict:
    """An organization with a budget field and `n` leads with outcomes; answers its serving lead model."""
    await budget_field(api)
    await history(api, n)
    await settle(app, timeout=180)
    models = await _models(api)
    return next(m for m in models["data"] if m["kind"] == "lead" and m["status"] == "active")


class TestHandOver:
    async def test_rules_score_until_history_suffices_then_a_model_takes_over(self, app: Litestar, api: Api,
                                                                            other: Api) -> None:
        await budget_field(api)
        early = await lead(api, custom_fields={"budget": 90})
        assert (await score_of(app, api, "lead", early["id"]))["regime"] == "rules"
        theirs = await lead(other)
        await history(api, 70)
        await settle(app, timeout=180)
        models = await _models(api)
        [kind] = [k for k in models["kinds"] if k["kind"] == "lead"]
        assert kind["regime"] == "model" and kind["positives"] >= 30 and kind["negatives"] >= 30
        [serving] = [m for m in models["data"] if m["status"] == "active"]
        # trained as soon as 30 of each were in: the job runner works while the history is still coming
        assert 60 <= serving["samples"] <= 70 and serving["algorithm"] in training.ALGORITHMS
        assert serving["calibration"] == "sigmoid"  # 70 outcomes: far below the isotonic threshold
        assert {"auc", "average_precision", "brier", "lift_top_decile", "gains", "calibration"} <= set(
            serving["metrics"]) and serving["metrics"]["auc"] > 0.6
        assert serving["features"][0]["feature"] == "cf_budget"
        now = await score_of(app, api, "lead", early["id"])
        assert now["regime"] == "model" and now["score_model_version"] == serving["version"]
        # the other organization's history is its own: it trained nothing and still scores by rules
        assert (await _models(other))["data"] == []
        assert (await score_of(app, other, "lead", theirs["id"]))["regime"] == "rules"

    async def test_training_asked_for_on_thin_history_says_why_and_rules_stay(self, app: Litestar,
                                                                             api: Api) -> None:
        await budget_field(api)
        await history(api, 12)
        asked = await api.post("/v1/ai/models/lead/train")
        assert asked.status_code == 202 and asked.json()["status"] == "training"
        await settle(app, timeout=60)
        [version] = (await _models(api))["data"]
        assert version["status"] == "failed" and version["error"].startswith("thin history")
        assert (await api.post("/v1/ai/models/contact/train")).status_code == 404


class TestFactors:
    async def test_moving_a_top_factor_to_its_typical_value_moves_the_score_as_the_factor_said(
            self, app: Litestar, api: Api) -> None:
        serving = await _trained(app, api)
        async with Hub.of(app).sessions() as session:
            typical = (await session.get(ModelVersion, serving["id"])).baseline["cf_budget"]
        for budget, sign in ((97, 1), (3, -1)):
            made = await lead(api, custom_fields={"budget": budget})
            before = await score_of(app, api, "lead", made["id"])
            [factor] = [f for f in before["score_factors"] if f["feature"] == "cf_budget"]
            assert factor["points"] * sign > 0 and factor["text"] == f"Budget: {budget}: {factor['points']:+d}"
            await api.patch(f"/v1/leads/{made['id']}", {"custom_fields": {"budget": typical}})
            after = await score_of(app, api, "lead", made["id"])
            assert abs((before["score"] - after["score"]) - factor["points"]) <= 1


class TestRetraining:
    async def test_a_version_that_does_better_on_outcomes_since_replaces_the_serving_one(self, app: Litestar,
                                                                                          api: Api) -> None:
        await budget_field(api)
        await history(api, 70, signal=False)  # coin tosses: the first model has nothing to learn
        await settle(app, timeout=180)
        [first] = (await _models(api))["data"]
        await history(api, 100, seed=11)  # then outcomes that follow the budget, and retraining after 50 of them
        await settle(app, timeout=180)
        versions = sorted((await _models(api))["data"], key=lambda m: m["version"])
        assert versions[0]["id"] == first["id"] and versions[0]["status"] == "retired"
        [serving] = [v for v in versions if v["status"] == "active"]
        assert serving["version"] > 1 and serving["samples"] >= 110
        assert {v["status"] for v in versions[1:]} <= {"active", "retired", "kept"}  # each compared with the one before
        comparison = versions[1]["metrics"]["comparison"]
        assert comparison["serving_version"] == 1 and comparison["auc"] >= comparison["serving_auc"]

    async def test_a_worse_candidate_is_kept_aside_and_the_better_model_serves_on(self, app: Litestar,
                                                                                   api: Api) -> None:
        first = await _trained(app, api)
        hub = Hub.of(app)
        async with hub.sessions() as session:
            snaps = await past.outcomes(session, api.org_id, "lead")
            defs = await past.custom_defs(session, api.org_id, "lead")
        rows, labels = [features("lead", s, defs) for s in snaps], [s.label for s in snaps]
        shuffled = random.Random(3).sample(labels, len(labels))  # outcomes that no longer follow the inputs
        weak, _ = training.fit(rows, shuffled, folds=3, holdout_share=0.25, isotonic_above=1000)
        async with hub.sessions.begin() as session:
            version_id = (await service.start_training(session, api.org_id, "lead")).id
        # Outcomes that closed after the serving version was trained: neither version saw them.
        later = datetime.now(timezone.utc) + timedelta(days=1)
        held = service.Held(rows=rows, y=np.asarray(labels), at=[later] * len(rows))
        result = await service._store(hub.sessions, api.org_id, "lead", version_id, weak, held, len(rows),
                                      sum(labels))
        assert result["status"] == "kept" and result["current_auc"] > result["auc"]
        async with hub.sessions() as session:
            serving = await service.active(session, api.org_id, "lead")
        assert serving.id == first["id"]
        assert hub.config(InsightSettings).min_positive == 30  # the defaults these tests rely on

    async def test_the_hourly_upkeep_retrains_a_model_older_than_the_setting(self, app: Litestar, api: Api) -> None:
        first = await _trained(app, api)
        hub = Hub.of(app)
        async with hub.sessions.begin() as session:
            await session.execute(update(ModelVersion).where(ModelVersion.id == first["id"]).values(
                trained_at=datetime.now(timezone.utc) - timedelta(hours=25)))
        assert (await jobs.maintenance(hub))["retraining_queued"] >= 1
        await settle(app, timeout=180)
        versions = (await _models(api))["data"]
        assert len(versions) == 2 and {v["status"] for v in versions} <= {"active", "retired", "kept"}
