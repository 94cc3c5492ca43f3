"""Win/loss by competitor, worked out by hand on a small book of deals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from litestar import Litestar

from tests.conftest import Api
from tests.core_features.competitors.conftest import close, deal

T = datetime(2026, 6, 30, tzinfo=timezone.utc)
PERIOD = {"since": (T - timedelta(days=30)).isoformat(), "until": T.isoformat()}


def _days(n: float) -> datetime:
    return T - timedelta(days=n)


async def _book(app: Litestar, api: Api) -> None:
    """Six deals: four closed in the period (one without a competitor), one open, one closed before it."""
    book = [("D1", "100", "USD", ["Globex"], "won", 20, 10), ("D2", "300", "USD", ["Globex"], "lost", 25, 5),
            ("D3", "50", "EUR", ["Globex", "Initech"], "won", 12, 2), ("D4", "70", "USD", ["Initech"], None, 3, None),
            ("D5", "200", "USD", ["Globex"], "won", 40, 35), ("D6", "80", "USD", [], "won", 8, 4)]
    for name, amount, currency, rivals, status, created, closed in book:
        made = await deal(api, name, amount=amount, currency=currency)
        for rival in rivals:
            added = await api.post(f"/v1/deals/{made['id']}/competitors", {"competitor_name": rival})
            assert added.status_code == 201, added.text
        if status:
            await close(app, api, made, status, created=_days(created), closed=_days(closed))


class TestAnalysis:
    async def test_counts_rates_amounts_and_cycle_per_competitor(self, app: Litestar, api: Api) -> None:
        await _book(app, api)
        body = (await api.get("/v1/competitors/analysis", params=PERIOD)).json()
        rows = {r["competitor_name"]: r for r in body["competitors"]}
        assert [r["competitor_name"] for r in body["competitors"]] == ["Globex", "Initech", "No competitor"]
        globex, initech, none = rows["Globex"], rows["Initech"], rows["No competitor"]
        assert (globex["deals"], globex["won"], globex["lost"], globex["open"]) == (3, 2, 1, 0)
        assert globex["win_rate"] == 0.6667 and globex["average_cycle_days"] == 13.3  # (10 + 20 + 10) / 3
        assert globex["amounts"] == [{"currency": "EUR", "won": "50", "lost": "0", "open": "0"},
                                     {"currency": "USD", "won": "100", "lost": "300", "open": "0"}]
        assert (initech["deals"], initech["won"], initech["open"], initech["win_rate"]) == (2, 1, 1, 1.0)
        assert initech["average_cycle_days"] == 10.0
        assert (none["competitor_id"], none["deals"], none["win_rate"], none["average_cycle_days"]) == (
            None, 1, 1.0, 4.0)
        overall = body["overall"]
        assert (overall["deals"], overall["won"], overall["lost"], overall["open"]) == (5, 3, 1, 1)
        assert overall["win_rate"] == 0.75 and overall["average_cycle_days"] == 11.0  # (10 + 20 + 10 + 4) / 4

    async def test_the_period_decides_which_closed_deals_count(self, app: Litestar, api: Api) -> None:
        await _book(app, api)
        earlier = {"since": _days(45).isoformat(), "until": _days(30).isoformat()}
        rows = {r["competitor_name"]: r for r in (await api.get("/v1/competitors/analysis",
                                                                params=earlier)).json()["competitors"]}
        assert (rows["Globex"]["deals"], rows["Globex"]["won"], rows["Globex"]["average_cycle_days"]) == (1, 1, 5.0)
        assert (rows["Initech"]["deals"], rows["Initech"]["open"], rows["Initech"]["win_rate"]) == (1, 1, None)

    async def test_refuses_a_period_that_ends_before_it_starts(self, api: Api) -> None:
        backwards = {"since": PERIOD["until"], "until": PERIOD["since"]}
        assert (await api.get("/v1/competitors/analysis", params=backwards)).status_code == 400
        assert (await api.get("/v1/competitors/analysis", params={"since": "2026-01-01T00:00:00"})).status_code == 400

    async def test_another_organizations_deals_never_count(self, app: Litestar, api: Api, other: Api) -> None:
        await _book(app, api)
        body = (await other.get("/v1/competitors/analysis", params=PERIOD)).json()
        assert body["competitors"] == [] and body["overall"]["deals"] == 0
