"""The fake's QuickBooks-side actions: a payment lands, and the signed webhook says so."""

from __future__ import annotations

import pytest

from connectors.quickbooks.client import QuickBooksClient
from connectors.quickbooks.fake import FakeQuickBooks
from connectors.quickbooks.inbound import SIGNATURE_HEADER, BadSignature, receive
from tests.connectors.quickbooks.conftest import REALM
from tests.connectors.quickbooks.test_client import _invoice


class TestPayments:
    @pytest.mark.parametrize("fmt", ["legacy", "cloudevents"])
    async def test_payment_notification_verifies_and_names_the_paid_invoice(
            self, client: QuickBooksClient, fake: FakeQuickBooks, fmt: str) -> None:
        invoice = await _invoice(client)
        payment = fake.record_payment(REALM, invoice["Id"])
        body, headers = fake.payment_notification(REALM, payment, fmt=fmt)
        changes = receive(body, headers[SIGNATURE_HEADER], "verifier-123")
        assert [(c.realm_id, c.entity_name, c.entity_id, c.operation) for c in changes] == [
            (REALM, "Payment", payment["Id"], "Create"), (REALM, "Invoice", invoice["Id"], "Update")]
        paid = await client.read_invoice(changes[1].entity_id)
        assert paid["Balance"] == 0 and paid["SyncToken"] == "1" and paid["TotalAmt"] == 345.5
        read = await client.read_payment(changes[0].entity_id)
        assert read["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]

    async def test_notification_is_refused_under_another_verifier_token(
            self, client: QuickBooksClient, fake: FakeQuickBooks) -> None:
        invoice = await _invoice(client)
        body, headers = fake.payment_notification(REALM, fake.record_payment(REALM, invoice["Id"]))
        with pytest.raises(BadSignature):
            receive(body, headers[SIGNATURE_HEADER], "not-the-verifier")

    async def test_update_after_payment_needs_the_new_sync_token(
            self, client: QuickBooksClient, fake: FakeQuickBooks) -> None:
        invoice = await _invoice(client)
        fake.record_payment(REALM, invoice["Id"], amount=45.5)
        updated = await client.update_invoice(invoice["Id"], "1", {"DueDate": "2027-01-01"}, request_id="u")
        assert updated["Balance"] == 300.0 and updated["SyncToken"] == "2"


class TestTokens:
    async def test_a_pluggable_validator_decides_which_tokens_pass(self) -> None:
        fake = await FakeQuickBooks(validator=lambda token: token.startswith("oauth-fake-")).start()
        try:
            async def token(rejected: str | None) -> str:
                return "oauth-fake-abc"
            async with QuickBooksClient(REALM, token, base_url=fake.url) as client:
                assert await client.find_customers("x") == []
        finally:
            await fake.stop()
