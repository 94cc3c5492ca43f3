"""Webhook signature, intent-to-receive answers, parsing, and the fake's signed deliveries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from connectors.xero.client import XeroClient
from connectors.xero.fake import FakeXero
from connectors.xero.inbound import receive, sign, verify

FIXTURES = Path(__file__).parents[3] / "connectors" / "xero" / "fixtures"
KEY = "test-webhook-key"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class TestReceive:
    def test_invoice_updated_fixture_parses_into_one_change(self) -> None:
        body = _fixture("invoice_updated.json")
        verdict = receive(body, sign(body, KEY), KEY)
        assert verdict.status == 200 and (verdict.first_sequence, verdict.last_sequence) == (41, 41)
        (change,) = verdict.changes
        assert (change.event, change.resource_id) == ("xero.invoice.updated", "6a1c4d9e-3f1b-4e1a-9c55-2b7f0e8d1a10")
        assert change.tenant_id == "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f"
        assert change.occurred_at == datetime(2026, 3, 14, 9, 26, 53, 123000, tzinfo=UTC)

    def test_forged_signature_answers_401_and_nothing_else(self) -> None:
        body = _fixture("invoice_updated.json")
        verdict = receive(body, sign(body, "someone-elses-key"), KEY)
        assert (verdict.status, verdict.changes) == (401, ())

    def test_missing_signature_or_altered_body_answers_401(self) -> None:
        body = _fixture("invoice_updated.json")
        assert receive(body, None, KEY).status == 401
        assert receive(body.replace(b"41", b"42"), sign(body, KEY), KEY).status == 401

    def test_intent_to_receive_correctly_signed_answers_200_with_no_changes(self) -> None:
        body = _fixture("intent_to_receive.json")
        assert receive(body, sign(body, KEY), KEY).status == 200
        assert receive(body, sign(body, KEY), KEY).changes == ()

    def test_intent_to_receive_wrongly_signed_answers_401(self) -> None:
        body = _fixture("intent_to_receive.json")
        assert receive(body, "dGhpcyBpcyBub3QgYSBzaWduYXR1cmU=", KEY).status == 401

    def test_signed_garbage_answers_400(self) -> None:
        assert receive(b"not json", sign(b"not json", KEY), KEY).status == 400

    def test_verify_reads_raw_bytes(self) -> None:
        assert verify(b'{"a":1}', sign(b'{"a":1}', KEY), KEY)
        assert not verify(b'{"a": 1}', sign(b'{"a":1}', KEY), KEY)


class TestFakeDeliveries:
    async def test_payment_in_fake_sends_signed_webhook_naming_the_invoice(self) -> None:
        async with FakeXero(webhook_key=KEY) as fake:
            async with XeroClient(lambda rejected: _async("valid-token"), base_url=fake.base_url) as xero:
                contact = await xero.create_contact(fake.tenant, {"Name": "Ada"}, idempotency_key="c")
                invoice = await xero.create_invoice(
                    fake.tenant, contact_id=contact["ContactID"], currency="GBP", due_date=date(2026, 5, 1),
                    reference="R", idempotency_key="i",
                    line_items=[{"Description": "x", "Quantity": 1, "UnitAmount": 10}])
                post = fake.pay(invoice["InvoiceID"])
                verdict = receive(post.body, post.headers["x-xero-signature"], KEY)
                assert verdict.status == 200
                (change,) = verdict.changes
                assert (change.category, change.kind) == ("invoice", "update")
                assert (change.resource_id, change.tenant_id) == (invoice["InvoiceID"], fake.tenant)
                paid = await xero.get_invoice(change.tenant_id, change.resource_id)
        assert (paid["Status"], paid["AmountDue"], paid["AmountPaid"]) == ("PAID", 0.0, 10.0)

    def test_intent_to_receive_probes_answer_200_and_401(self) -> None:
        fake = FakeXero(webhook_key=KEY)
        good, bad = fake.intent_to_receive(correct=True), fake.intent_to_receive(correct=False)
        assert receive(good.body, good.headers["x-xero-signature"], KEY).status == 200
        assert receive(bad.body, bad.headers["x-xero-signature"], KEY).status == 401


async def _async(value: str) -> str:
    return value
