"""Won deals become invoices in QuickBooks and Xero; payments there come back as paid deals."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from hub.jobs.queue import claim
from hub.jobs.testing import settle, settle_until
from tests.conftest import Api
from tests.connectors.accounting.conftest import REALM, World, connect, use_identity_servers, won_deal
from hub.runtime import Hub


async def jobs(api: Api, kind: str) -> list[dict]:
    answer = await api.get("/v1/jobs", params={"kind": kind})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def sync_log(api: Api, **params: str) -> list[tuple[str, str, str, str]]:
    rows = (await api.get("/v1/sync_log", params=params)).json()["data"]
    return [(r["direction"], r["entity"], r["outcome"], r["provider"]) for r in reversed(rows)]


def qbo_invoices(world: World) -> list[dict]:
    return list(world.qbo.companies.get(REALM, {}).get("Invoice", {}).values())


async def qbo_invoice(world: World, api: Api, deal: dict) -> dict:
    """The one QuickBooks invoice of the deal (the sync notes the deal's id on it)."""
    found = [i for i in qbo_invoices(world) if deal["id"] in i["PrivateNote"]]
    assert len(found) == 1, (found, await jobs(api, "accounting.invoice"), await sync_log(api))
    return found[0]


async def events_of(api: Api, type: str) -> list[dict]:
    return (await api.get("/v1/events", params={"type": type})).json()["data"]


@pytest.mark.parametrize("fmt", ["legacy", "cloudevents"])
async def test_a_won_deal_is_invoiced_in_quickbooks_and_its_payment_marks_it_paid(world: World, fmt: str) -> None:
    api = await world.org()
    connection = await connect(api, "quickbooks")
    assert connection["external_account_id"] == REALM
    deal = await won_deal(api)
    await settle(world.app)

    invoice = await qbo_invoice(world, api, deal)
    customer = world.qbo.companies[REALM]["Customer"][invoice["CustomerRef"]["value"]]
    assert customer["DisplayName"].startswith("Initech") and customer["BillAddr"]["City"] == "Austin"
    assert [(line["Description"], line["Amount"], line["SalesItemLineDetail"]["Qty"]) for line in invoice["Line"]] \
        == [("Pro seat", 7200.0, 40.0), ("Onboarding", 1900.0, 1.0)]
    assert invoice["TotalAmt"] == 9100.0 and invoice["CurrencyRef"] == {"value": "USD"}
    issued = date.fromisoformat(deal["closed_at"][:10])
    assert (invoice["TxnDate"], invoice["DueDate"]) == (issued.isoformat(), (issued + timedelta(days=30)).isoformat())
    shown = (await api.get(f"/v1/deals/{deal['id']}")).json()
    assert (shown["invoice_status"], shown["invoice_paid_at"]) == ("open", None)
    assert await sync_log(api) == [("push", "customer", "succeeded", "quickbooks"),
                                   ("push", "invoice", "succeeded", "quickbooks")]

    payment = world.qbo.record_payment(REALM, invoice["Id"])
    body, headers = world.qbo.payment_notification(REALM, payment, fmt=fmt)
    answer = await world.client.post("/v1/inbound/quickbooks", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    await settle(world.app)

    shown = (await api.get(f"/v1/deals/{deal['id']}")).json()
    assert shown["invoice_status"] == "paid" and shown["invoice_paid_at"] is not None
    [paid] = await events_of(api, "invoice.paid")
    assert paid["data"] | {"paid_at": None} == {
        "deal_id": deal["id"], "provider": "quickbooks", "invoice_id": invoice["Id"],
        "invoice_number": invoice.get("DocNumber"), "paid_at": None, "amount": "9100", "currency": "USD"}
    assert paid["data"]["paid_at"].endswith("Z") and shown["invoice_paid_at"].endswith("Z")  # one time format
    # Intuit resends notifications: the same one again changes nothing and emits nothing.
    assert (await world.client.post("/v1/inbound/quickbooks", content=body, headers=headers)).status_code == 200
    await settle(world.app)
    assert len(await events_of(api, "invoice.paid")) == 1


async def finished(world: World, api: Api, kind: str) -> list[dict]:
    """Settle until no job of `kind` is pending (a retry comes due within the test schedule's 0.2 s)."""
    for _ in range(100):
        await settle(world.app)
        found = await jobs(api, kind)
        if found and all(j["status"] != "pending" for j in found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{kind} jobs still pending: {await jobs(api, kind)}")


async def test_a_won_deal_is_invoiced_in_xero_and_its_payment_marks_it_paid(world: World) -> None:
    api = await world.org()
    await connect(api, "xero")
    deal = await won_deal(api, currency="NZD")
    assert [j["status"] for j in await finished(world, api, "accounting.invoice")] == ["succeeded"]

    [connection] = (await api.get("/v1/connections")).json()["data"]
    assert connection["external_account_id"] == world.xero.tenant, await jobs(api, "accounting.invoice")
    [invoice] = [i for i in world.xero.invoices[world.xero.tenant].values() if deal["id"] in i["Reference"]]
    assert invoice["Type"] == "ACCREC" and invoice["Status"] == "AUTHORISED" and invoice["CurrencyCode"] == "NZD"
    assert [(li["Description"], li["LineAmount"]) for li in invoice["LineItems"]] == [("Pro seat", 7200.0),
                                                                                   ("Onboarding", 1900.0)]
    contact = world.xero.contacts[world.xero.tenant][invoice["Contact"]["ContactID"]]
    assert contact["Name"].startswith("Initech")

    # Xero checks the endpoint before it sends anything: 200 when signed right, 401 otherwise, no body.
    for correct, status in ((True, 200), (False, 401)):
        probe = world.xero.intent_to_receive(correct=correct)
        answer = await world.client.post("/v1/inbound/xero", content=probe.body, headers=probe.headers)
        assert (answer.status_code, answer.content) == (status, b"")

    delivery = world.xero.pay(invoice["InvoiceID"])
    answer = await world.client.post("/v1/inbound/xero", content=delivery.body, headers=delivery.headers)
    assert (answer.status_code, answer.content) == (200, b"")
    await settle(world.app)
    shown = (await api.get(f"/v1/deals/{deal['id']}")).json()
    assert shown["invoice_status"] == "paid"
    [paid] = await events_of(api, "invoice.paid")
    assert (paid["data"]["provider"], paid["data"]["invoice_id"]) == ("xero", invoice["InvoiceID"])
    assert [entry[:3] for entry in await sync_log(api)] == [("push", "customer", "succeeded"),
                                                            ("push", "invoice", "succeeded"),
                                                            ("pull", "invoice", "succeeded")]


async def test_an_access_token_that_expires_mid_sync_is_refreshed_once(world: World) -> None:
    api = await world.org()
    await connect(api, "quickbooks")
    refreshes = world.intuit.refreshes
    world.intuit.advance(3700)  # past the hour the hub was told: QuickBooks now refuses the token it holds
    try:
        deal = await won_deal(api)
        await settle(world.app)
    finally:
        world.intuit.advance(-3700)
    done = await jobs(api, "accounting.invoice")
    assert world.intuit.refreshes == refreshes + 1, (done, await sync_log(api))
    assert [j["status"] for j in done] == ["succeeded"]
    await qbo_invoice(world, api, deal)


async def test_two_workers_refreshing_one_connection_spend_one_refresh(world: World) -> None:
    from hub.app import MODULES

    api = await world.org()
    await connect(api, "quickbooks")
    # A second worker process on the same database, with its own engine and refresher.
    other = Hub(Hub.of(world.app).settings, MODULES)
    use_identity_servers(other, world.intuit, world.xero_identity)
    Hub.of(world.app).jobs.paused = True  # this test claims by hand, one job for each worker
    first, second = await won_deal(api, company="Initech"), await won_deal(api, company="Globex")

    async def both_queued() -> None:  # the hub's own relay may be handing the deals' events on meanwhile
        while len(await jobs(api, "accounting.invoice")) < 2:
            await Hub.of(world.app).relay.run_once() or await asyncio.sleep(0.05)

    await asyncio.wait_for(both_queued(), 60)
    refreshes = world.intuit.refreshes
    world.intuit.advance(3700)
    try:
        runners = (Hub.of(world.app).jobs, other.jobs)
        taken = [await claim(r.sessions, ["accounting.invoice"], 1, 60.0) for r in runners]
        assert all(len(t) == 1 for t in taken)
        await asyncio.gather(*(r.attempt(*t[0]) for r, t in zip(runners, taken)))
    finally:
        Hub.of(world.app).jobs.paused = False
        world.intuit.advance(-3700)
        await other.engine.dispose()
    assert world.intuit.refreshes == refreshes + 1
    assert {(j["status"], j["last_error"]) for j in await jobs(api, "accounting.invoice")} == {("succeeded", None)}
    notes = " ".join(i["PrivateNote"] for i in qbo_invoices(world))
    assert first["id"] in notes and second["id"] in notes


async def test_the_service_down_for_a_while_and_the_sync_completes_once_it_returns(world: World) -> None:
    api = await world.org()
    await connect(api, "quickbooks")
    world.qbo.fail_next = [503] * 6  # three attempts of two calls each
    deal = await won_deal(api)
    for _ in range(200):  # the test schedule retries every 0.2 s
        await settle(world.app)
        [job] = await jobs(api, "accounting.invoice")
        if job["status"] != "pending":
            break
        await asyncio.sleep(0.05)
    assert world.qbo.fail_next == []
    assert (job["status"], job["attempts"]) == ("succeeded", 4)
    assert len([i for i in qbo_invoices(world) if deal["id"] in i["PrivateNote"]]) == 1
    log = await sync_log(api)
    assert [entry[2] for entry in log] == ["retrying"] * 3 + ["succeeded", "succeeded"]


async def test_forged_webhooks_are_refused_and_queue_nothing(world: World) -> None:
    api = await world.org()
    await connect(api, "quickbooks")
    body, headers = world.qbo.notification(REALM, [("Invoice", "1", "Update")], last_updated="2026-11-24T10:00:00Z")
    forged = await world.client.post("/v1/inbound/quickbooks", content=body,
                                     headers={**headers, "intuit-signature": "bm90IGEgc2lnbmF0dXJl"})
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    unsigned = await world.client.post("/v1/inbound/quickbooks", content=body,
                                       headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    tampered = await world.client.post("/v1/inbound/quickbooks", content=body.replace(b'"1"', b'"2"'),
                                       headers=headers)
    assert tampered.status_code == 401
    xero_forged = world.xero.webhook([], key="not-the-key")
    answer = await world.client.post("/v1/inbound/xero", content=xero_forged.body, headers=xero_forged.headers)
    assert (answer.status_code, answer.content) == (401, b"")
    assert await jobs(api, "accounting.pull") == []


async def test_one_organizations_sync_never_touches_another(world: World) -> None:
    api, other = await world.org("Acme"), await world.org("Globex")
    await connect(api, "quickbooks")
    before = len(qbo_invoices(world))
    deal = await won_deal(other)  # Globex has no accounting connection
    await settle(world.app)
    assert len(qbo_invoices(world)) == before
    assert await jobs(other, "accounting.invoice") == [] and await sync_log(other) == []
    mine = await won_deal(api)
    await settle(world.app)
    assert await sync_log(other) == []
    assert (await other.get(f"/v1/deals/{mine['id']}")).status_code == 404
    assert (await api.get(f"/v1/deals/{deal['id']}")).status_code == 404


async def test_a_customer_edited_in_the_crm_is_updated_through_a_sync_token_conflict(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.quickbooks.client import QuickBooksClient

    api = await world.org()
    await connect(api, "quickbooks")
    deal = await won_deal(api)
    await settle(world.app)
    invoice = await qbo_invoice(world, api, deal)
    customers = world.qbo.companies[REALM]["Customer"]
    customer_id = invoice["CustomerRef"]["value"]
    read = QuickBooksClient.read_customer
    edits = []

    async def read_then_someone_edits(self: QuickBooksClient, cid: str) -> dict:
        current = await read(self, cid)
        if not edits:  # a bookkeeper saves the customer in QuickBooks right after the hub read it
            customers[cid]["SyncToken"] = str(int(customers[cid]["SyncToken"]) + 1)
            customers[cid]["Notes"] = "edited in QuickBooks"
            edits.append(cid)
        return current

    monkeypatch.setattr(QuickBooksClient, "read_customer", read_then_someone_edits)
    renamed = await api.patch(f"/v1/companies/{deal['company_id']}", {"name": "Initech Holdings", "phone": "+15125550100"})
    assert renamed.status_code == 200, renamed.text
    # The update is a job: one attempt may fail and be retried on the schedule, after a plain settle returns.
    await settle_until(world.app, lambda: customers[customer_id].get("PrimaryPhone"))
    customer = customers[customer_id]
    assert (customer["DisplayName"], customer["PrimaryPhone"], customer["Notes"]) == (
        "Initech Holdings", {"FreeFormNumber": "+15125550100"}, "edited in QuickBooks")
    assert edits == [customer_id]
    assert [j["status"] for j in await jobs(api, "accounting.party")] == ["succeeded"]
    assert (await sync_log(api, crm_id=deal["company_id"]))[-1] == ("push", "customer", "succeeded", "quickbooks")


async def test_the_xero_organisation_is_chosen_among_those_the_grant_reaches(world: World) -> None:
    api = await world.org()
    connected = await connect(api, "xero")
    path = f"/v1/connections/{connected['connection_id']}/account"
    refused = await api.put(path, {"account_id": "00000000-0000-0000-0000-000000000000"})
    assert refused.status_code == 422 and "does not reach" in refused.json()["detail"]
    chosen = await api.put(path, {"account_id": world.xero.tenant})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {"connection_id": connected["connection_id"], "account_id": world.xero.tenant,
                             "account_name": "Organisation 1"}
    health = (await api.get(f"/v1/connections/{connected['connection_id']}")).json()
    assert health["external_account_id"] == world.xero.tenant
    other = await world.org("Globex")
    assert (await other.put(path, {"account_id": world.xero.tenant})).status_code == 404
    quickbooks = await connect(api, "quickbooks")
    assert (await api.put(f"/v1/connections/{quickbooks['connection_id']}/account",
                          {"account_id": "x"})).status_code == 409
