"""Payouts through the API, on both databases: the doc's worked examples, lock, adjustments, draws, what-if."""

from __future__ import annotations

from decimal import Decimal as D

from litestar import Litestar
from sqlalchemy import select

from core_features.commissions import jobs
from core_features.commissions.models import Payout, Run
from hub.db import new_id, utcnow
from hub.jobs import Job, JobContext
from hub.runtime import Hub
from tests.conftest import Api
from tests.core_features.commissions.conftest import TIERS, current, payout, plan, rep, run, status, win


def _amounts(statement: dict) -> list[tuple[str, D]]:
    return [(line["kind"], D(line["commission"])) for line in statement["lines"]]


class TestWorkedExamples:
    async def test_marginal_and_cumulative_tiers_on_the_same_deals(self, app: Litestar, api: Api) -> None:
        marta, carl = await rep(api, "Marta"), await rep(api, "Carl")
        await plan(api, [marta], kind="tiered", tiers=TIERS, tier_mode="marginal")
        await plan(api, [carl], kind="tiered", tiers=TIERS, tier_mode="cumulative")
        for who in (marta, carl):
            await win(app, api, who, "40000")
            await win(app, api, who, "80000")
        q = current().label
        progress = await run(app, api, q)
        assert (progress["total"], progress["done"]) == (2, 2)
        marginal, cumulative = await payout(api, marta, q), await payout(api, carl, q)
        assert _amounts(marginal) == [("credit", D(2000)), ("credit", D(6500))]
        assert D(marginal["total"]) == D(8500)
        assert _amounts(cumulative) == [("credit", D(4000)), ("credit", D(8000))]
        assert D(cumulative["total"]) == D(12000)

    async def test_accelerator_past_quota_then_the_cap(self, app: Litestar, api: Api) -> None:
        ana, ben = await rep(api, "Ana"), await rep(api, "Ben")
        await plan(api, [ana], rate="0.05", accelerator="1.5")
        await plan(api, [ben], rate="0.05", accelerator="1.5", cap="6000")
        q = current().label
        for who in (ana, ben):
            await api.put("/v1/commissions/quotas", {"user_id": who["id"], "period": q, "amount": "100000"})
            await win(app, api, who, "90000")
            await win(app, api, who, "30000")
        await run(app, api, q)
        accelerated, capped = await payout(api, ana, q), await payout(api, ben, q)
        assert _amounts(accelerated) == [("credit", D(4500)), ("credit", D(2000))]
        assert D(accelerated["attainment"]) == D("1.2")
        assert _amounts(capped)[-1] == ("cap", D(-500)) and D(capped["total"]) == D(6000)


class TestLock:
    async def test_a_locked_payout_never_changes_and_a_later_clawback_lands_in_the_next_period(
            self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], kind="tiered", tiers=TIERS)
        await win(app, api, ana, "60000")
        late = await win(app, api, ana, "60000")
        q, nxt = current(), current().next()
        await run(app, api, q.label)
        first = await payout(api, ana, q.label)
        assert (await api.post(f"/v1/commissions/payouts/{first['id']}/review")).json()["status"] == "reviewed"
        locked = (await api.post(f"/v1/commissions/payouts/{first['id']}/lock")).json()
        assert locked["status"] == "locked" and D(locked["total"]) == D(8500)  # 2,500 + 800 + 3,200 + 2,000
        await status(app, api, late, "lost")
        await run(app, api, q.label)
        assert await payout(api, ana, q.label) == locked
        assert (await api.post(f"/v1/commissions/payouts/{first['id']}/lock")).status_code == 409
        assert (await api.post(f"/v1/commissions/payouts/{first['id']}/review")).status_code == 409
        await run(app, api, nxt.label)
        following = await payout(api, ana, nxt.label)
        assert [(line["kind"], line["for_period"], D(line["commission"])) for line in following["lines"]] == [
            ("adjustment", q.label, D(-5200))]
        assert D(following["total"]) == D(-5200) and D(following["credited"]) == D(0)
        events = (await api.get("/v1/events", params={"type": "payout.locked"})).json()["data"]
        assert [e["data"]["total"] for e in events] == ["8500"]

    async def test_an_adjustment_is_paid_once_even_when_the_next_period_is_recalculated(
            self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], rate="0.1")
        deal = await win(app, api, ana, "1000")
        q, nxt = current(), current().next()
        await run(app, api, q.label)
        await api.post(f"/v1/commissions/payouts/{(await payout(api, ana, q.label))['id']}/lock")
        await status(app, api, deal, "lost")
        await run(app, api, nxt.label)
        await run(app, api, nxt.label)
        following = await payout(api, ana, nxt.label)
        assert D(following["adjustments"]) == D(-100) and D(following["total"]) == D(-100)
        await api.post(f"/v1/commissions/payouts/{following['id']}/lock")
        await run(app, api, nxt.next().label)
        assert D((await payout(api, ana, nxt.next().label))["total"]) == D(0)


class TestDraws:
    async def test_a_recoverable_draw_tops_up_then_is_paid_back(self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], rate="0.1", draw="1000", draw_recoverable=True)
        await win(app, api, ana, "4000")
        q, nxt = current(), current().next()
        await run(app, api, q.label)
        first = await payout(api, ana, q.label)
        assert (D(first["commission"]), D(first["draw_top_up"]), D(first["total"])) == (D(400), D(600), D(1000))
        await api.post(f"/v1/commissions/payouts/{first['id']}/lock")
        await run(app, api, nxt.label)
        assert D((await payout(api, ana, nxt.label))["total"]) == D(1000)  # nothing earned: the draw again


class TestStatementsAndWhatIf:
    async def test_a_statement_traces_each_line_to_its_deal_and_another_org_sees_nothing(
            self, app: Litestar, api: Api, other: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], rate="0.1")
        deal = await win(app, api, ana, "1234.56")
        await run(app, api, current().label)
        statement = await payout(api, ana, current().label)
        line = statement["lines"][0]
        assert (line["deal_id"], line["deal_name"], D(line["credited"]), D(line["commission"])) == (
            deal["id"], deal["name"], D("1234.56"), D("123.46"))  # 123.456 rounds half up
        assert (await api.get(f"/v1/commissions/statements/{ana['id']}")).json()["id"] == statement["id"]
        assert (await other.get(f"/v1/commissions/statements/{ana['id']}")).status_code == 404
        assert (await other.get(f"/v1/commissions/payouts/{statement['id']}")).status_code == 404
        assert (await other.get("/v1/commissions/payouts")).json() == []

    async def test_what_if_open_deals_closed_under_marginal_tiers(self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], kind="tiered", tiers=TIERS)
        await win(app, api, ana, "40000")
        hopeful = await api.create("deals", {"name": "Hopeful", "amount": "80000", "owner_id": ana["id"]})
        answer = await api.post("/v1/commissions/what-if", {"user_id": ana["id"], "deal_ids": [hopeful["id"]]})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (D(body["commission_now"]), D(body["commission_if_won"]), D(body["difference"])) == (
            D(2000), D(8500), D(6500))
        assert body["lines"][0]["deal_name"] == "Hopeful"
        closed = await win(app, api, ana, "10")
        refused = await api.post("/v1/commissions/what-if", {"user_id": ana["id"], "deal_ids": [closed["id"]]})
        assert refused.status_code == 422
        token = (await api.post("/v1/api_keys", {"name": "ro", "scopes": ["read"]})).json()["key"]
        reader = Api(api.client, api.org_id, token)
        asked = await reader.post("/v1/commissions/what-if", {"user_id": ana["id"], "deal_ids": [hopeful["id"]]})
        assert asked.status_code == 200 and asked.json()["lines"][0]["deal_id"] == hopeful["id"]
        assert (await reader.post("/v1/commissions/runs", {"period": current().label})).status_code == 403


class TestRuns:
    async def test_a_run_stopped_after_a_batch_resumes_after_it(self, app: Litestar, api: Api) -> None:
        reps = [await rep(api, name) for name in ("Ana", "Ben", "Cy")]
        await plan(api, reps, rate="0.1")
        hub = Hub.of(app)
        first = min(r["id"] for r in reps)
        async with hub.sessions.begin() as session:  # as a run that committed its first batch, then died
            done = Run(id=new_id("crn"), org_id=api.org_id, period=current().label, status="running", total=3,
                       done=1, cursor=first, created_at=utcnow(), updated_at=utcnow())
            session.add(done)
        job = Job(id="job_x", org_id=api.org_id, kind=jobs.RUN_JOB, payload={"run_id": done.id}, attempt=2,
                  created_at=utcnow())
        assert await jobs.run_payouts(JobContext(hub), job) == {"run_id": done.id, "payouts": 3}
        async with hub.sessions() as session:
            users = set(await session.scalars(select(Payout.user_id).where(Payout.org_id == api.org_id)))
            finished = await session.get(Run, done.id)
        assert users == {r["id"] for r in reps} - {first}
        assert (finished.status, finished.done) == ("done", 3)

    async def test_a_bad_period_is_refused(self, api: Api) -> None:
        answer = await api.post("/v1/commissions/runs", {"period": "2026-13"})
        assert answer.status_code == 422 and "2026-Q1" in answer.json()["detail"]
