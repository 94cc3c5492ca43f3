"""The client against the loopback fake: calls, idempotency, retries, auth and errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import httpx
import pytest

from connectors.xero.client import XeroClient, parse_xero_date
from connectors.xero.errors import AuthFailed, NotFound, RateLimited, Unavailable, ValidationFailed, XeroError
from connectors.xero.fake import FakeXero
from tests.connectors.xero.conftest import Sleeps, Tokens

LINES = [{"Description": "Consulting", "Quantity": 2, "UnitAmount": 150.0, "AccountCode": "200"}]


async def _invoice(xero: XeroClient, fake: FakeXero, key: str = "inv-1") -> dict:
    contact = await xero.create_contact(fake.tenant, {"Name": "Ada Ltd", "EmailAddress": "ada@example.com"},
                                        idempotency_key="contact-ada")
    return await xero.create_invoice(fake.tenant, contact_id=contact["ContactID"], line_items=LINES,
                                     currency="NZD", due_date=date(2026, 4, 30), reference="HUB-42",
                                     idempotency_key=key)


class TestCalls:
    async def test_lists_connections_as_tenants(self, xero: XeroClient, fake: FakeXero) -> None:
        tenants = await xero.connections()
        assert [t["tenantId"] for t in tenants] == [fake.tenant]
        assert tenants[0]["tenantType"] == "ORGANISATION"

    async def test_creates_and_finds_contact_by_name_and_email(self, xero: XeroClient, fake: FakeXero) -> None:
        created = await xero.create_contact(fake.tenant, {"Name": 'Ada "A" Ltd', "EmailAddress": "ada@example.com"},
                                            idempotency_key="c-1")
        assert created["ContactStatus"] == "ACTIVE"
        assert (await xero.find_contact(fake.tenant, name='Ada "A" Ltd'))["ContactID"] == created["ContactID"]
        assert (await xero.find_contact(fake.tenant, email="ada@example.com"))["ContactID"] == created["ContactID"]
        assert await xero.find_contact(fake.tenant, email="nobody@example.com") is None

    async def test_creates_sales_invoice_with_currency_due_date_and_reference(
            self, xero: XeroClient, fake: FakeXero) -> None:
        invoice = await _invoice(xero, fake)
        assert invoice["Type"] == "ACCREC" and invoice["Status"] == "AUTHORISED"
        assert (invoice["CurrencyCode"], invoice["Reference"], invoice["Total"]) == ("NZD", "HUB-42", 300.0)
        assert parse_xero_date(invoice["DueDate"]) == datetime(2026, 4, 30, tzinfo=UTC)
        assert (await xero.get_invoice(fake.tenant, invoice["InvoiceID"]))["InvoiceNumber"] == invoice["InvoiceNumber"]

    async def test_replayed_idempotency_key_returns_same_invoice_without_duplicate(
            self, xero: XeroClient, fake: FakeXero) -> None:
        first = await _invoice(xero, fake, key="inv-same")
        again = await xero.create_invoice(fake.tenant, contact_id=first["Contact"]["ContactID"], line_items=LINES,
                                          currency="NZD", due_date=date(2026, 4, 30), reference="HUB-42",
                                          idempotency_key="inv-same")
        assert again["InvoiceID"] == first["InvoiceID"]
        assert len(fake.invoices[fake.tenant]) == 1

    async def test_updates_invoice(self, xero: XeroClient, fake: FakeXero) -> None:
        invoice = await _invoice(xero, fake)
        updated = await xero.update_invoice(fake.tenant, invoice["InvoiceID"],
                                            {"Reference": "HUB-42b", "DueDate": "2026-05-31"},
                                            idempotency_key="inv-1-v2")
        assert (updated["InvoiceID"], updated["Reference"]) == (invoice["InvoiceID"], "HUB-42b")
        assert updated["DueDateString"] == "2026-05-31T00:00:00"

    async def test_paid_invoice_refuses_update_as_user_error(self, xero: XeroClient, fake: FakeXero) -> None:
        invoice = await _invoice(xero, fake)
        fake.pay(invoice["InvoiceID"])
        with pytest.raises(ValidationFailed) as caught:
            await xero.update_invoice(fake.tenant, invoice["InvoiceID"], {"Reference": "x"}, idempotency_key="k")
        assert caught.value.label == "user-error"
        assert caught.value.messages == ["Invoice not of valid status for modification"]

    async def test_validation_exception_lists_every_message(self, xero: XeroClient, fake: FakeXero) -> None:
        with pytest.raises(ValidationFailed) as caught:
            await xero.create_invoice(fake.tenant, contact_id="no-such-contact", line_items=[], currency="NZD",
                                      due_date=date(2026, 4, 30), reference="r", idempotency_key="bad")
        assert len(caught.value.messages) == 2
        assert caught.value.status == 400

    async def test_unknown_invoice_is_not_found(self, xero: XeroClient, fake: FakeXero) -> None:
        with pytest.raises(NotFound):
            await xero.get_invoice(fake.tenant, "00000000-0000-0000-0000-000000000000")

    async def test_accounting_call_needs_a_known_tenant_header(self, xero: XeroClient, fake: FakeXero) -> None:
        with pytest.raises(XeroError) as caught:
            await xero.find_contact("not-a-connected-tenant", name="Ada")
        assert caught.value.status == 403
        assert not fake.contacts.get("not-a-connected-tenant")


class TestRetries:
    async def test_minute_limit_answer_is_retried_after_retry_after(self, fake: FakeXero, sleeps: Sleeps) -> None:
        fake.per_minute = 2
        moment = [0.0]
        fake.clock = lambda: moment[0]

        async def sleep(seconds: float) -> None:
            sleeps.slept.append(seconds)
            moment[0] += seconds

        async with XeroClient(Tokens("valid-token"), base_url=fake.base_url, sleep=sleep) as xero:
            for _ in range(3):
                await xero.find_contact(fake.tenant, name="Ada")
        assert fake.answers == [200, 200, 429, 200]
        assert sleeps.slept == [60.0]

    async def test_concurrent_limit_answer_is_retried_after_retry_after(self, fake: FakeXero) -> None:
        fake.concurrent, fake.gate = 1, asyncio.Event()
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)
            fake.gate.set()  # the request in flight may now finish
            await asyncio.sleep(0.05)

        async with XeroClient(Tokens("valid-token"), base_url=fake.base_url, sleep=sleep) as xero:
            first = asyncio.create_task(xero.find_contact(fake.tenant, name="A"))
            while fake.in_flight.get(fake.tenant) != 1:
                await asyncio.sleep(0.005)
            await xero.find_contact(fake.tenant, name="B")
            await first
        assert fake.answers.count(429) == 1 and slept == [1.0]

    async def test_long_retry_after_is_not_waited_for(self, fake: FakeXero, sleeps: Sleeps) -> None:
        fake.per_minute, fake.clock = 1, lambda: 0.0
        async with XeroClient(Tokens("valid-token"), base_url=fake.base_url, sleep=sleeps,
                              max_retry_after=10) as xero:
            await xero.connections()
            await xero.find_contact(fake.tenant, name="A")
            with pytest.raises(RateLimited) as caught:
                await xero.find_contact(fake.tenant, name="A")
        assert (caught.value.problem, caught.value.retry_after, caught.value.label) == ("minute", 60.0, "rate-limit")
        assert sleeps.slept == []

    async def test_transient_5xx_is_retried_then_succeeds(self, xero: XeroClient, fake: FakeXero,
                                                          sleeps: Sleeps) -> None:
        fake.fail_next = [503, 500]
        assert await xero.find_contact(fake.tenant, name="A") is None
        assert sleeps.slept == [0.5, 1.0]

    async def test_persistent_5xx_raises_unavailable(self, xero: XeroClient, fake: FakeXero) -> None:
        fake.fail_next = [503] * 10
        with pytest.raises(Unavailable) as caught:
            await xero.find_contact(fake.tenant, name="A")
        assert caught.value.label == "failure" and fake.answers == [503] * 4

    async def test_unreachable_service_raises_unavailable_without_the_token(self, sleeps: Sleeps) -> None:
        async with XeroClient(Tokens("secret-token"), base_url="http://127.0.0.1:9", sleep=sleeps) as xero:
            with pytest.raises(Unavailable) as caught:
                await xero.connections()
        assert "secret-token" not in repr(caught.value) and caught.value.__cause__ is None
        assert caught.value.__suppress_context__


class TestAuth:
    async def test_rejected_token_is_refreshed_exactly_once_then_succeeds(self, fake: FakeXero) -> None:
        tokens = Tokens("expired-token", "valid-token")
        async with XeroClient(tokens, base_url=fake.base_url) as xero:
            assert await xero.connections()
            await xero.find_contact(fake.tenant, name="A")
        assert tokens.asked == [None, "expired-token", None]
        assert fake.seen_tokens == ["expired-token", "valid-token", "valid-token"]

    async def test_second_rejection_raises_auth_failed_without_the_token(self, fake: FakeXero) -> None:
        tokens = Tokens("revoked-token")
        async with XeroClient(tokens, base_url=fake.base_url) as xero:
            with pytest.raises(AuthFailed) as caught:
                await xero.find_contact(fake.tenant, name="A")
        assert tokens.asked == [None, "revoked-token"]
        assert caught.value.label == "user-error" and "revoked-token" not in str(caught.value)


class TestFakeChecks:
    async def test_fake_refuses_accounting_call_without_tenant_header(self, fake: FakeXero) -> None:
        async with httpx.AsyncClient(base_url=fake.base_url) as http:
            bare = await http.get("/api.xro/2.0/Contacts", headers={"Authorization": "Bearer valid-token"})
            unsigned = await http.get("/api.xro/2.0/Contacts", headers={"xero-tenant-id": fake.tenant})
        assert (bare.status_code, unsigned.status_code) == (403, 401)
