"""No leakage: a closed record's training row is the record as it stood before it closed, from its events."""

from __future__ import annotations

from litestar import Litestar

from core_features.insights import history
from core_features.insights.features import features
from hub.jobs.testing import settle
from hub.runtime import Hub
from tests.conftest import Api
from tests.core_features.insights.conftest import close, lead


async def _snap(app: Litestar, api: Api, kind: str, record_id: str) -> history.Snapshot:
    await settle(app, timeout=60)
    async with Hub.of(app).sessions() as session:
        return next(s for s in await history.outcomes(session, api.org_id, kind) if s.record_id == record_id)


class TestNoLeakage:
    async def test_a_won_deal_is_described_as_it_was_before_it_closed(self, app: Litestar, api: Api) -> None:
        deal = await api.create("deals", {"name": "Acme", "amount": "1000", "stage": "discovery",
                                          "expected_close": "2026-12-20"})
        await api.patch(f"/v1/deals/{deal['id']}", {"amount": "2000", "stage": "proposal",
                                                    "expected_close": "2027-01-15"})
        await api.create("activities", {"type": "call", "deal_id": deal["id"]})
        # closed in one write that also changes its amount and stage, then edited and worked on after
        closed = await api.patch(f"/v1/deals/{deal['id']}", {"status": "won", "amount": "999999", "stage": "commit"})
        assert closed.status_code == 200, closed.text
        await api.patch(f"/v1/deals/{deal['id']}", {"amount": "5"})
        for _ in range(3):
            await api.create("activities", {"type": "meeting", "deal_id": deal["id"]})
        snap = await _snap(app, api, "deal", deal["id"])
        assert snap.label == 1
        assert (snap.state["status"], snap.state["amount"], snap.state["stage"]) == ("open", "2000", "proposal")
        row = features("deal", snap, {})
        assert row["stage"] == "proposal" and row["stage_probability"] == 0.5
        assert row["activities_call"] == 1 and row["activities_meeting"] == 0
        assert row["close_date_pushes"] == 1 and row["stage_changes"] == 1

    async def test_a_lost_deal_is_a_negative_and_an_open_one_is_no_outcome(self, app: Litestar, api: Api) -> None:
        lost = await api.create("deals", {"name": "Lost"})
        await api.patch(f"/v1/deals/{lost['id']}", {"status": "lost", "lost_reason": "Price"})
        still = await api.create("deals", {"name": "Open"})
        assert (await _snap(app, api, "deal", lost["id"])).label == 0
        async with Hub.of(app).sessions() as session:
            assert still["id"] not in {s.record_id for s in await history.outcomes(session, api.org_id, "deal")}

    async def test_a_converted_lead_counts_only_what_happened_before_it_converted(self, app: Litestar,
                                                                                  api: Api) -> None:
        made = await lead(api, title="Engineer")
        await api.create("activities", {"type": "email", "lead_id": made["id"], "direction": "inbound"})
        assert (await close(api, made["id"], True)).status_code == 200
        await api.patch(f"/v1/leads/{made['id']}", {"title": "Chief Executive"})
        await api.create("activities", {"type": "meeting", "lead_id": made["id"]})
        snap = await _snap(app, api, "lead", made["id"])
        row = features("lead", snap, {})
        assert snap.label == 1 and row["seniority"] == "staff"
        assert (row["activities_email"], row["activities_inbound"], row["activities_meeting"]) == (1, 1, 0)

    async def test_a_deal_reopened_after_it_closed_is_no_outcome_until_it_closes_again(self, app: Litestar,
                                                                                      api: Api) -> None:
        deal = await api.create("deals", {"name": "Back", "amount": "10"})
        await api.patch(f"/v1/deals/{deal['id']}", {"status": "lost"})
        await api.patch(f"/v1/deals/{deal['id']}", {"status": "open", "amount": "20"})
        async with Hub.of(app).sessions() as session:
            assert deal["id"] not in {s.record_id for s in await history.outcomes(session, api.org_id, "deal")}
        await api.patch(f"/v1/deals/{deal['id']}", {"status": "won"})
        snap = await _snap(app, api, "deal", deal["id"])
        assert (snap.label, snap.state["amount"]) == (1, "20")
