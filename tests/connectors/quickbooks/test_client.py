"""The client against the loopback QuickBooks: shapes, idempotency, concurrency, retries and auth."""

from __future__ import annotations

import time

import pytest

from connectors.quickbooks.client import INVOICE, QuickBooksClient, oauth_tokens, quote
from connectors.quickbooks.errors import (
    AuthFailed,
    NotFound,
    RateLimited,
    StaleObject,
    Unavailable,
    ValidationFault,
)
from connectors.quickbooks.fake import FakeQuickBooks
from connectors.quickbooks.manifest import MINOR_VERSION
from tests.connectors.quickbooks.conftest import GOOD, REALM, Tokens

LINES = [{"Amount": 300.0, "DetailType": "SalesItemLineDetail",
          "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"}, "Qty": 2, "UnitPrice": 150.0}},
         {"Amount": 45.5, "DetailType": "SalesItemLineDetail",
          "SalesItemLineDetail": {"ItemRef": {"value": "2"}, "Qty": 1, "UnitPrice": 45.5}}]


async def _customer(client: QuickBooksClient, name: str = "Acme Ltd") -> dict:
    return await client.create_customer({"DisplayName": name, "PrimaryEmailAddr": {"Address": "ap@acme.test"}},
                                        request_id=f"cust-{name}")


async def _invoice(client: QuickBooksClient) -> dict:
    customer = await _customer(client)
    return await client.create_invoice({"CustomerRef": {"value": customer["Id"]}, "Line": LINES,
                                        "TxnDate": "2026-11-01", "DueDate": "2026-12-01",
                                        "CurrencyRef": {"value": "EUR"}}, request_id="inv-1")


class TestCustomers:
    async def test_create_is_idempotent_by_request_id(self, client: QuickBooksClient, fake: FakeQuickBooks) -> None:
        first = await _customer(client)
        again = await _customer(client)
        assert again == first
        assert list(fake.companies[REALM]["Customer"]) == [first["Id"]]
        assert first["SyncToken"] == "0" and first["PrimaryEmailAddr"] == {"Address": "ap@acme.test"}

    async def test_new_request_id_with_same_name_is_refused_as_duplicate(self, client: QuickBooksClient) -> None:
        await _customer(client)
        with pytest.raises(ValidationFault) as caught:
            await client.create_customer({"DisplayName": "Acme Ltd"}, request_id="another")
        assert caught.value.code == "6240" and caught.value.label == "user-error"

    async def test_query_finds_by_display_name_including_quotes(self, client: QuickBooksClient) -> None:
        created = await _customer(client, "O'Brien & Sons")
        await _customer(client, "Someone Else")
        assert [c["Id"] for c in await client.find_customers("O'Brien & Sons")] == [created["Id"]]
        assert await client.find_customers("Nobody") == []
        assert (await client.read_customer(created["Id"]))["DisplayName"] == "O'Brien & Sons"

    async def test_every_call_names_the_minor_version_and_writes_the_request_id(
            self, client: QuickBooksClient, fake: FakeQuickBooks) -> None:
        await _customer(client)
        await client.find_customers("Acme Ltd")
        (_, _, write, _), (_, _, read, _) = fake.requests
        assert write["minorversion"] == read["minorversion"] == str(MINOR_VERSION)
        assert write["requestid"] == "cust-Acme Ltd" and "requestid" not in read

    async def test_reading_a_missing_customer_raises_not_found(self, client: QuickBooksClient) -> None:
        with pytest.raises(NotFound):
            await client.read_customer("999")

    def test_quote_escapes_quotes_and_backslashes(self) -> None:
        assert quote("a'b\\c") == "'a\\'b\\\\c'"


class TestInvoices:
    async def test_create_keeps_lines_currency_and_due_date_and_totals(self, client: QuickBooksClient) -> None:
        invoice = await _invoice(client)
        read = await client.read_invoice(invoice["Id"])
        assert read == invoice
        assert read["Line"] == LINES and read["CurrencyRef"] == {"value": "EUR"}
        assert (read["TxnDate"], read["DueDate"]) == ("2026-11-01", "2026-12-01")
        assert read["TotalAmt"] == read["Balance"] == 345.5

    async def test_sparse_update_with_current_sync_token_changes_only_what_was_sent(
            self, client: QuickBooksClient) -> None:
        invoice = await _invoice(client)
        updated = await client.update_invoice(invoice["Id"], invoice["SyncToken"], {"DueDate": "2026-12-15"},
                                              request_id="upd-1")
        assert updated["SyncToken"] == "1" and updated["DueDate"] == "2026-12-15"
        assert updated["Line"] == LINES and updated["CurrencyRef"] == {"value": "EUR"}

    async def test_sparse_update_with_stale_sync_token_raises_stale_object(self, client: QuickBooksClient) -> None:
        invoice = await _invoice(client)
        await client.update_invoice(invoice["Id"], "0", {"DueDate": "2026-12-15"}, request_id="upd-1")
        with pytest.raises(StaleObject) as caught:
            await client.update_invoice(invoice["Id"], "0", {"DueDate": "2026-12-31"}, request_id="upd-2")
        assert caught.value.code == "5010" and caught.value.status == 400
        assert (await client.read_invoice(invoice["Id"]))["DueDate"] == "2026-12-15"

    async def test_replayed_update_answers_the_first_result_without_a_stale_fault(
            self, client: QuickBooksClient) -> None:
        invoice = await _invoice(client)
        first = await client.update_invoice(invoice["Id"], "0", {"DueDate": "2026-12-15"}, request_id="upd-1")
        assert await client.update_invoice(invoice["Id"], "0", {"DueDate": "2026-12-15"},
                                           request_id="upd-1") == first

    async def test_invoice_for_unknown_customer_is_a_validation_fault(self, client: QuickBooksClient) -> None:
        with pytest.raises(ValidationFault):
            await client.create_invoice({"CustomerRef": {"value": "404"}, "Line": LINES}, request_id="x")


class TestRetries:
    async def test_rate_limit_is_retried_then_succeeds(self, client: QuickBooksClient, fake: FakeQuickBooks) -> None:
        fake.fail_next = [429, 429]
        customer = await _customer(client)
        assert customer["DisplayName"] == "Acme Ltd" and len(fake.requests) == 3

    async def test_retry_after_overrides_the_exponential_backoff(self, make_client, fake: FakeQuickBooks) -> None:
        client = make_client(backoff=30.0)  # without the header the first wait alone would be 30 s
        fake.retry_after, fake.fail_next = "0.05", [429, 429]
        started = time.monotonic()
        assert await client.find_customers("x") == []
        assert 0.1 <= time.monotonic() - started < 5

    async def test_rate_limit_outlasting_the_attempts_raises_with_the_hint(
            self, make_client, fake: FakeQuickBooks) -> None:
        client = make_client(attempts=2)
        fake.retry_after, fake.fail_next = "0", [429] * 5
        with pytest.raises(RateLimited) as caught:
            await client.find_customers("x")
        assert caught.value.retry_after == 0.0 and caught.value.label == "rate-limit" and caught.value.code == "3001"

    async def test_throttle_every_nth_request_is_absorbed(self, make_client, fake: FakeQuickBooks) -> None:
        fake.throttle_every = 3
        client = make_client()
        for n in range(5):
            await client.create_customer({"DisplayName": f"C{n}"}, request_id=f"c{n}")
        assert len(fake.companies[REALM]["Customer"]) == 5

    async def test_persistent_5xx_raises_unavailable_after_the_attempts(
            self, make_client, fake: FakeQuickBooks) -> None:
        client = make_client(attempts=3)
        fake.fail_next = [503] * 10
        with pytest.raises(Unavailable) as caught:
            await client.read_invoice("1")
        assert caught.value.status == 503 and len(fake.requests) == 3

    async def test_unreachable_service_raises_unavailable(self) -> None:
        client = QuickBooksClient(REALM, Tokens(GOOD), base_url="http://127.0.0.1:9", attempts=2, backoff=0.01)
        with pytest.raises(Unavailable):
            await client.read_invoice("1")
        await client.aclose()

    async def test_validation_faults_are_not_retried(self, client: QuickBooksClient, fake: FakeQuickBooks) -> None:
        with pytest.raises(ValidationFault):
            await client.create_customer({}, request_id="empty")
        assert len(fake.requests) == 1


class TestAuth:
    async def test_refused_token_is_replaced_exactly_once_then_succeeds(
            self, make_client, fake: FakeQuickBooks) -> None:
        tokens = Tokens("expired-token", GOOD)
        client = make_client(tokens)
        assert await client.find_customers("x") == []
        assert tokens.asked == [None, "expired-token"]
        assert [token for *_, token in fake.requests] == ["expired-token", GOOD]

    async def test_token_refused_twice_raises_auth_failed_without_the_token(
            self, make_client, fake: FakeQuickBooks) -> None:
        tokens = Tokens("bad-1", "bad-2", "bad-3")
        client = make_client(tokens)
        with pytest.raises(AuthFailed) as caught:
            await client.read_invoice("1")
        assert tokens.asked == [None, "bad-1"] and len(fake.requests) == 2
        assert "bad-" not in str(caught.value) and "bad-" not in repr(caught.value.args)
        assert caught.value.label == "user-error"

    async def test_forbidden_is_auth_failed_without_a_token_refresh(self, make_client, fake: FakeQuickBooks) -> None:
        tokens = Tokens(GOOD)
        client = make_client(tokens)
        fake.fail_next = [403]
        with pytest.raises(AuthFailed) as caught:
            await client.read_invoice("1")
        assert caught.value.status == 403 and tokens.asked == [None]

    async def test_oauth_tokens_ask_the_hub_refresher_with_the_rejected_token(
            self, make_client, fake: FakeQuickBooks) -> None:
        class Refresher:
            def __init__(self) -> None:
                self.calls: list[tuple[object, str, str | None]] = []

            async def access_token(self, sessions: object, connection_id: str, *, rejected: str | None = None) -> str:
                self.calls.append((sessions, connection_id, rejected))
                return GOOD if rejected else "expired-token"

        refresher = Refresher()
        client = make_client(oauth_tokens(refresher, "sessions", "conn-1"))
        assert await client.find_customers("x") == []
        assert refresher.calls == [("sessions", "conn-1", None), ("sessions", "conn-1", "expired-token")]

    def test_invoice_path_is_under_the_company(self) -> None:
        assert INVOICE.format(realm_id=REALM) == f"/v3/company/{REALM}/invoice"
