"""The accounting sync's view of one QuickBooks company: customers and invoices in CRM terms."""

from __future__ import annotations

import hashlib
from typing import Any

from connectors.accounting.ledger import InvoiceDraft, Ledger, LedgerProvider, Party, Remote
from connectors.quickbooks.client import QuickBooksClient, oauth_tokens
from connectors.quickbooks.errors import StaleObject
from connectors.quickbooks.settings import QuickBooksSettings
from hub.jobs import GiveUp, JobContext
from oauth import OAuth
from oauth.models import Connection

__all__ = ["LEDGER", "QuickBooksLedger", "request_id"]

STALE_RETRIES = 3


def request_id(key: str) -> str:
    """Intuit's `requestid` for a piece of work: stable across retries, short whatever the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:36]


class QuickBooksLedger:
    provider = "quickbooks"

    def __init__(self, client: QuickBooksClient, *, item_ref: str = "1") -> None:
        self.client, self.item_ref = client, item_ref

    async def aclose(self) -> None:
        await self.client.aclose()

    async def upsert_party(self, party: Party, known: Remote | None, *, key: str) -> Remote:
        fields = _customer(party)
        if known is None:
            # DisplayName is unique in a company: adopt the customer that already carries it.
            found = await self.client.find_customers(fields["DisplayName"])
            customer = found[0] if found else await self.client.create_customer(fields, request_id=request_id(key))
            return _remote(customer)
        for _ in range(STALE_RETRIES):
            current = await self.client.read_customer(known.id)
            try:
                updated = await self.client.update_customer(
                    known.id, current["SyncToken"], fields,
                    request_id=request_id(f"{key}:{current['SyncToken']}"))
            except StaleObject:  # changed in QuickBooks since we read it: read again and reapply
                continue
            return _remote(updated)
        raise StaleObject(f"Customer {known.id} kept changing under {STALE_RETRIES} updates")

    async def create_invoice(self, draft: InvoiceDraft, customer: Remote, *, key: str) -> Remote:
        invoice = {
            "CustomerRef": {"value": customer.id},
            "CurrencyRef": {"value": draft.currency},
            "TxnDate": draft.issued.isoformat(),
            "DueDate": draft.due.isoformat(),
            "PrivateNote": f"{draft.reference} (CRM deal {draft.deal_id})",
            "Line": [{"Amount": float(line.amount), "DetailType": "SalesItemLineDetail",
                      "Description": line.description,
                      "SalesItemLineDetail": {"ItemRef": {"value": self.item_ref}, "Qty": float(line.quantity),
                                              "UnitPrice": float(line.amount / line.quantity if line.quantity
                                                                 else line.unit_price)}}
                     for line in draft.lines],
        }
        return _invoice(await self.client.create_invoice(invoice, request_id=request_id(key)))

    async def changed_invoices(self, entity: str, external_id: str) -> list[Remote]:
        if entity == "Invoice":
            return [_invoice(await self.client.read_invoice(external_id))]
        if entity == "Payment":
            payment = await self.client.read_payment(external_id)
            linked = {link["TxnId"] for line in payment.get("Line", []) for link in line.get("LinkedTxn", [])
                      if link.get("TxnType") == "Invoice"}
            return [_invoice(await self.client.read_invoice(i)) for i in sorted(linked)]
        return []


def _customer(party: Party) -> dict[str, Any]:
    fields: dict[str, Any] = {"DisplayName": party.name[:500]}
    if party.crm_type == "company":
        fields["CompanyName"] = party.name[:100]
    if party.first_name:
        fields["GivenName"] = party.first_name[:100]
    if party.last_name:
        fields["FamilyName"] = party.last_name[:100]
    if party.email:
        fields["PrimaryEmailAddr"] = {"Address": party.email}
    if party.phone:
        fields["PrimaryPhone"] = {"FreeFormNumber": party.phone}
    if address := party.address:
        fields["BillAddr"] = {k: v for k, v in {
            "Line1": address.get("line1"), "City": address.get("city"),
            "CountrySubDivisionCode": address.get("region"), "PostalCode": address.get("postal_code"),
            "Country": address.get("country")}.items() if v}
    return fields


def _remote(entity: dict[str, Any]) -> Remote:
    return Remote(id=str(entity["Id"]), version=str(entity.get("SyncToken")))


def _invoice(invoice: dict[str, Any]) -> Remote:
    total, balance = float(invoice.get("TotalAmt", 0)), float(invoice.get("Balance", 0))
    return Remote(id=str(invoice["Id"]), version=str(invoice.get("SyncToken")), number=invoice.get("DocNumber"),
                  status="paid" if total > 0 and balance <= 0 else "open")


async def open_ledger(ctx: JobContext, connection: Connection, attempts: int) -> Ledger:
    """The ledger of the company (realm) a connection reaches, with tokens from the hub's one refresher."""
    if not connection.external_account_id:
        raise GiveUp("the QuickBooks connection names no company (realmId)")
    config = ctx.config(QuickBooksSettings)
    tokens = oauth_tokens(ctx.service(OAuth), ctx.sessions, connection.id)
    return QuickBooksLedger(QuickBooksClient(connection.external_account_id, tokens, attempts=attempts,
                                             base_url=config.api_url), item_ref=config.item_ref)


LEDGER = LedgerProvider("quickbooks", open_ledger)
