"""Rates by product (from line items) and by deal type (a deal custom field), draws paid back, and the catalog
actions, through the API on both databases."""

from __future__ import annotations

from decimal import Decimal as D

from litestar import Litestar

from hub.jobs.testing import settle
from tests.conftest import Api
from tests.core_features.commissions.conftest import current, payout, plan, rep, run, status, win


class TestRates:
    async def test_line_items_credit_by_product_and_a_product_rate_replaces_the_plans(
            self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        support = await api.create("products", {"name": "Support", "unit_price": "1000"})
        seats = await api.create("products", {"name": "Seats", "unit_price": "100"})
        await plan(api, [ana], rate="0.10", product_rates={support["id"]: "0.02"})
        deal = await api.create("deals", {"name": "Acme", "amount": "9999", "owner_id": ana["id"]})
        await api.create("line_items", {"deal_id": deal["id"], "product_id": support["id"], "quantity": "5"})
        await api.create("line_items", {"deal_id": deal["id"], "product_id": seats["id"], "quantity": "30",
                                        "discount_percent": "10"})
        await status(app, api, deal, "won")
        await run(app, api, current().label)
        lines = {line["credited"]: line for line in (await payout(api, ana, current().label))["lines"]}
        # support: 5 x 1,000 = 5,000 at 2 % = 100; seats: 30 x 100 less 10 % = 2,700 at 10 % = 270
        assert {D(k): D(v["commission"]) for k, v in lines.items()} == {D(5000): D(100), D(2700): D(270)}

    async def test_a_deal_type_rate_reads_the_deal_field_the_plan_names(self, app: Litestar, api: Api) -> None:
        made = await api.post("/v1/custom_fields", {"record_type": "deal", "key": "kind", "label": "Kind",
                                                    "type": "text"})
        assert made.status_code == 201, made.text
        ana = await rep(api)
        await plan(api, [ana], rate="0.10", deal_type_rates={"renewal": "0.03"}, deal_type_field="kind")
        await win(app, api, ana, "10000", custom_fields={"kind": "renewal"})
        await win(app, api, ana, "10000", custom_fields={"kind": "new"})
        await run(app, api, current().label)
        assert [D(line["commission"]) for line in (await payout(api, ana, current().label))["lines"]] == [
            D(300), D(1000)]


class TestDraws:
    async def test_a_recoverable_draw_is_paid_back_from_a_later_period_above_the_draw(
            self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], rate="0.1", draw="1000", draw_recoverable=True)
        await win(app, api, ana, "4000")
        q = current()
        await run(app, api, q.label)
        first = await payout(api, ana, q.label)
        await api.post(f"/v1/commissions/payouts/{first['id']}/lock")
        late = await win(app, api, ana, "20000")  # dated in the locked period: paid as an adjustment next
        await run(app, api, q.next().label)
        second = await payout(api, ana, q.next().label)
        # earned 2,000 (the adjustment), 1,000 above the draw: 600 of it pays back the earlier top-up
        assert (D(second["adjustments"]), D(second["draw_top_up"]), D(second["draw_recovered"]),
                D(second["total"])) == (D(2000), D(0), D(600), D(1400))
        assert late["id"] not in {line["deal_id"] for line in second["lines"]}  # one adjustment line, by credit
        assert [line["kind"] for line in second["lines"]] == ["adjustment", "draw_recovery"]


class TestActions:
    async def test_calculate_and_statement_as_catalog_actions(self, app: Litestar, api: Api) -> None:
        ana = await rep(api)
        await plan(api, [ana], rate="0.05")
        await win(app, api, ana, "1000")
        started = await api.post("/v1/actions/commission.calculate", {"period": current().label})
        assert started.status_code == 200, started.text
        await settle(app)
        progress = (await api.get(f"/v1/commissions/runs/{started.json()['data']['id']}")).json()
        assert (progress["status"], progress["done"]) == ("done", 1)
        answer = await api.post("/v1/actions/commission.statement", {"user_id": ana["id"],
                                                                    "period": current().label})
        assert answer.status_code == 200, answer.text
        assert D(answer.json()["data"]["total"]) == D(50)
        missing = await api.post("/v1/actions/commission.statement", {"user_id": ana["id"], "period": "1999"})
        assert missing.status_code == 404
