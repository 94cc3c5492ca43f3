"""Plans, splits, credits and clawbacks through the API, on both databases."""

from __future__ import annotations

from decimal import Decimal as D

from litestar import Litestar

from core_features.commissions.events import REFUND_EVENT
from hub.events.service import append
from hub.jobs.testing import settle
from hub.runtime import Hub
from tests.conftest import Api
from tests.core_features.commissions.conftest import TIERS, current, payout, plan, rep, run, status, win


async def _credits(api: Api, **params: str) -> list[dict]:
    return (await api.get("/v1/commissions/credits", params=params)).json()


class TestPlans:
    async def test_a_tiered_plan_without_tiers_or_with_a_bad_rate_is_refused_with_problem_details(
            self, api: Api) -> None:
        no_tiers = await api.post("/v1/commissions/plans", {"name": "T", "period": "quarter", "kind": "tiered"})
        negative = await api.post("/v1/commissions/plans", {"name": "T", "period": "month", "rate": "-0.1"})
        gap = await api.post("/v1/commissions/plans", {"name": "T", "period": "month", "kind": "tiered",
                                                       "tiers": [{"floor": "100", "rate": "0.1"}]})
        period = await api.post("/v1/commissions/plans", {"name": "T", "period": "week"})
        for answer in (no_tiers, negative, gap, period):
            assert 400 <= answer.status_code < 500, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
        assert (await api.get("/v1/commissions/plans")).json() == []

    async def test_a_plan_answers_in_the_organizations_currency_with_sorted_tiers(self, api: Api) -> None:
        made = await api.create("commissions/plans", {"name": "AE", "period": "quarter", "kind": "tiered",
                                                       "tiers": list(reversed(TIERS))})
        assert made["currency"] == "USD"
        assert [t["floor"] for t in made["tiers"]] == ["0", "50000", "100000"]

    async def test_a_quota_of_the_wrong_period_kind_is_refused(self, api: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], rate="0.1")
        wrong = await api.put("/v1/commissions/quotas", {"user_id": ana["id"], "period": "2026-03", "amount": "10"})
        right = await api.put("/v1/commissions/quotas", {"user_id": ana["id"], "period": "2026-Q1", "amount": "10"})
        assert (wrong.status_code, right.status_code) == (422, 200)


class TestSplits:
    async def test_splits_must_add_up_to_100(self, api: Api) -> None:
        ana, ben = await rep(api, "Ana"), await rep(api, "Ben")
        deal = await api.create("deals", {"name": "Acme", "amount": "1000"})
        url = f"/v1/deals/{deal['id']}/commission-splits"
        short = await api.put(url, {"splits": [{"user_id": ana["id"], "percent": "60"},
                                               {"user_id": ben["id"], "percent": "30"}]})
        twice = await api.put(url, {"splits": [{"user_id": ana["id"], "percent": "50"},
                                               {"user_id": ana["id"], "percent": "50"}]})
        assert (short.status_code, twice.status_code) == (422, 422)
        assert "90" in short.json()["detail"]
        assert (await api.get(url)).json()["splits"] == []

    async def test_a_won_deal_credits_each_rep_their_share_to_the_cent(self, app: Litestar, api: Api) -> None:
        ana, ben, cy = await rep(api, "Ana"), await rep(api, "Ben"), await rep(api, "Cy")
        deal = await api.create("deals", {"name": "Acme", "amount": "1000.00"})
        shares = [{"user_id": ana["id"], "percent": "33.33"}, {"user_id": ben["id"], "percent": "33.33"},
                  {"user_id": cy["id"], "percent": "33.34"}]
        assert (await api.put(f"/v1/deals/{deal['id']}/commission-splits", {"splits": shares})).status_code == 200
        await status(app, api, deal, "won")
        credits = await _credits(api, deal_id=deal["id"])
        assert sorted(D(c["amount"]) for c in credits) == [D("333.30"), D("333.30"), D("333.40")]
        assert sum(D(c["amount"]) for c in credits) == D("1000.00")
        events = (await api.get("/v1/events", params={"type": "commission.credited"})).json()["data"]
        assert sorted(e["data"]["user_id"] for e in events) == sorted([ana["id"], ben["id"], cy["id"]])

    async def test_new_splits_on_a_won_deal_claw_back_the_old_shares(self, app: Litestar, api: Api) -> None:
        ana, ben = await rep(api, "Ana"), await rep(api, "Ben")
        deal = await win(app, api, ana, "500")
        answer = await api.put(f"/v1/deals/{deal['id']}/commission-splits",
                               {"splits": [{"user_id": ana["id"], "percent": "50"},
                                           {"user_id": ben["id"], "percent": "50"}]})
        assert answer.status_code == 200
        net: dict[str, D] = {}
        for c in await _credits(api, deal_id=deal["id"]):
            net[c["user_id"]] = net.get(c["user_id"], D(0)) + D(c["amount"])
        assert net == {ana["id"]: D(250), ben["id"]: D(250)}


class TestClawbacks:
    async def test_a_won_deal_then_lost_is_clawed_back_once(self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        deal = await win(app, api, ana, "8000")
        await status(app, api, deal, "lost")
        await status(app, api, deal, "lost")  # no change, no second clawback
        credits = await _credits(api, deal_id=deal["id"])
        assert [(D(c["amount"]), c["cause"]) for c in credits] == [(D(8000), "deal.won"), (D(-8000), "deal.lost")]
        assert credits[0]["reversed"] and credits[1]["reverses_id"] == credits[0]["id"]

    async def test_a_reopened_deal_is_clawed_back_and_credited_again_when_won_again(
            self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        deal = await win(app, api, ana, "100")
        await status(app, api, deal, "open")
        await status(app, api, deal, "won")
        causes = [(c["cause"], D(c["amount"])) for c in await _credits(api, deal_id=deal["id"])]
        assert causes == [("deal.won", D(100)), ("deal.reopened", D(-100)), ("deal.won", D(100))]

    async def test_a_refunded_invoice_claws_back_the_credit(self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        deal = await win(app, api, ana, "2500")
        async with Hub.of(app).sessions.begin() as session:
            append(session, api.org_id, REFUND_EVENT, {"deal_id": deal["id"], "provider": "quickbooks",
                                                       "invoice_id": "130", "amount": "2500", "currency": "USD"},
                   subject_type="deal", subject_id=deal["id"], source="quickbooks")
        await settle(app)
        credits = await _credits(api, deal_id=deal["id"])
        assert [(D(c["amount"]), c["cause"]) for c in credits] == [(D(2500), "deal.won"),
                                                                   (D(-2500), "invoice.refunded")]

    async def test_a_clawback_in_an_open_period_nets_the_payout_out(self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], kind="tiered", tiers=TIERS)
        kept, lost = await win(app, api, ana, "60000"), await win(app, api, ana, "60000")
        await status(app, api, lost, "lost")
        q = current().label
        await run(app, api, q)
        statement = await payout(api, ana, q)
        assert D(statement["credited"]) == D(60000) and D(statement["commission"]) == D(3300)  # 2,500 + 800
        assert [line["kind"] for line in statement["lines"]] == ["credit", "credit", "clawback"]
        assert kept["id"] in {line["deal_id"] for line in statement["lines"]}

    async def test_a_deleted_won_deal_is_clawed_back_and_its_ledger_kept(self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        deal = await win(app, api, ana, "700")
        assert (await api.delete(f"/v1/deals/{deal['id']}")).status_code == 204
        await settle(app)
        credits = await _credits(api, deal_id=deal["id"])
        assert [(D(c["amount"]), c["cause"]) for c in credits] == [(D(700), "deal.won"), (D(-700), "deal.deleted")]

    async def test_a_won_deals_new_amount_claws_back_the_old_credit_and_credits_the_new(
            self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        deal = await win(app, api, ana, "1000")
        assert (await api.patch(f"/v1/deals/{deal['id']}", {"amount": "1500"})).status_code == 200
        assert (await api.patch(f"/v1/deals/{deal['id']}", {"name": "Renamed"})).status_code == 200
        await settle(app)
        credits = await _credits(api, deal_id=deal["id"])
        assert [(D(c["amount"]), c["cause"]) for c in credits] == [
            (D(1000), "deal.won"), (D(-1000), "deal.changed"), (D(1500), "deal.changed")]
