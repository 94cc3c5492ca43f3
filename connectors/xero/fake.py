"""A loopback stand-in for Xero's API: tenants, contacts, invoices, limits, idempotency, signed webhooks.

Honest where the connector relies on it: bearer token and `xero-tenant-id` checked on every accounting
call, bodies wrapped as Xero wraps them, 400 ValidationException with `Elements`, 429 with `Retry-After`
and `X-Rate-Limit-Problem`, `Idempotency-Key` replay, `/Date(ms+0000)/` dates, `x-xero-signature`.
Tax is not modelled (TotalTax is 0).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import secrets
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Self

from aiohttp import web

from connectors._loopback import serve
from connectors.xero.inbound import sign
from connectors.xero.manifest import CONNECTIONS, CONTACTS, INVOICES, SIGNATURE_HEADER, TENANT_HEADER

__all__ = ["FakeXero", "SignedPost"]

Handler = Callable[[web.Request, str], Awaitable[web.Response]]
_WHERE = re.compile(r'^\s*(Name|EmailAddress)\s*==\s*"((?:[^"\\]|\\.)*)"\s*$')
_EDITABLE = ("Reference", "DueDate", "Date", "LineItems", "Status", "CurrencyCode", "Contact", "LineAmountTypes")


@dataclass(frozen=True)
class SignedPost:
    """A webhook delivery as Xero would POST it: raw body and headers."""

    body: bytes
    headers: dict[str, str]


class _Invalid(Exception):
    def __init__(self, element: dict[str, Any], *messages: str) -> None:
        self.element, self.messages = element, messages


def _ms(moment: datetime) -> str:
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


class FakeXero:
    """Serve on 127.0.0.1:0 with `start()`; limits, clock and token check are the test's to set."""

    def __init__(self, *, tokens: set[str] | None = None, validator: Callable[[str], bool] | None = None,
                 tenants: list[str] | None = None, webhook_key: str = "fake-webhook-key",
                 per_minute: int = 60, concurrent: int = 5, clock: Callable[[], float] = time.monotonic) -> None:
        self.tokens = tokens if tokens is not None else {"valid-token"}
        self.validator = validator or (lambda token: token in self.tokens)
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        self.tenants = [{"id": str(uuid.uuid4()), "authEventId": str(uuid.uuid4()), "tenantId": t,
                         "tenantType": "ORGANISATION", "tenantName": f"Organisation {i + 1}",
                         "createdDateUtc": now, "updatedDateUtc": now}
                        for i, t in enumerate(tenants or [str(uuid.uuid4())])]
        self.webhook_key, self.per_minute, self.concurrent, self.clock = webhook_key, per_minute, concurrent, clock
        self.contacts: dict[str, dict[str, dict[str, Any]]] = {t["tenantId"]: {} for t in self.tenants}
        self.invoices: dict[str, dict[str, dict[str, Any]]] = {t["tenantId"]: {} for t in self.tenants}
        self.replays: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.fail_next: list[int] = []  # statuses (5xx) answered before any real handling
        self.gate: asyncio.Event | None = None  # when set and closed, accounting calls wait in flight
        self.in_flight: dict[str, int] = {}
        self.max_in_flight = 0
        self.seen_tokens: list[str] = []
        self.answers: list[int] = []
        self._sent: dict[str, deque[float]] = {}
        self._sequence = 0
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    @property
    def tenant(self) -> str:
        """The first organisation's tenantId."""
        return self.tenants[0]["tenantId"]

    # -- serving ----------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get(CONNECTIONS, self._connections)
        app.router.add_get(CONTACTS, self._accounting(self._list_contacts))
        app.router.add_route("PUT", CONTACTS, self._accounting(self._create_contacts))
        app.router.add_post(CONTACTS, self._accounting(self._create_contacts))
        app.router.add_post(CONTACTS + "/{id}", self._accounting(self._edit_contact))
        app.router.add_route("PUT", INVOICES, self._accounting(self._put_invoices))
        app.router.add_post(INVOICES, self._accounting(self._post_invoices))
        app.router.add_post(INVOICES + "/{id}", self._accounting(self._post_invoices))
        app.router.add_get(INVOICES + "/{id}", self._accounting(self._get_invoice))
        self._runner, self.base_url = await serve(app)
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- the checks every accounting call passes ----------------------------------------------------

    def _bearer_ok(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        self.seen_tokens.append(token)
        return scheme == "Bearer" and self.validator(token)

    async def _connections(self, request: web.Request) -> web.Response:
        if not self._bearer_ok(request):
            return _problem(401, "Unauthorized", "TokenExpired")
        return web.json_response(self.tenants)

    def _accounting(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def guarded(request: web.Request) -> web.Response:
            response = await self._guard(request, handler)
            self.answers.append(response.status)
            return response
        return guarded

    async def _guard(self, request: web.Request, handler: Handler) -> web.Response:
        if not self._bearer_ok(request):
            return _problem(401, "Unauthorized", "TokenExpired")
        tenant = request.headers.get(TENANT_HEADER, "")
        if tenant not in self.contacts:
            return _problem(403, "Forbidden", "AuthenticationUnsuccessful")
        if (limited := self._limited(tenant)) is not None:
            return limited
        if self.fail_next:
            return web.json_response({"Message": "An error occurred in Xero."}, status=self.fail_next.pop(0))
        key = request.headers.get("Idempotency-Key")
        if key is not None and (tenant, key) in self.replays:
            status, body = self.replays[(tenant, key)]
            return web.json_response(body, status=status)
        self.in_flight[tenant] = self.in_flight.get(tenant, 0) + 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight[tenant])
        try:
            if self.gate is not None:
                await self.gate.wait()
            response = await self._answer(request, handler, tenant)
        finally:
            self.in_flight[tenant] -= 1
        if key is not None and request.method in ("PUT", "POST") and response.status < 500:
            self.replays[(tenant, key)] = (response.status, json.loads(response.text or "{}"))
        return response

    async def _answer(self, request: web.Request, handler: Handler, tenant: str) -> web.Response:
        try:
            return await handler(request, tenant)
        except _Invalid as invalid:
            errors = [{"Message": m} for m in invalid.messages]
            return web.json_response({"ErrorNumber": 10, "Type": "ValidationException",
                                      "Message": "A validation exception occurred",
                                      "Elements": [{**invalid.element, "ValidationErrors": errors}]}, status=400)

    def _limited(self, tenant: str) -> web.Response | None:
        """Xero's per-tenant limits: `concurrent` in flight, `per_minute` in any rolling minute."""
        if self.in_flight.get(tenant, 0) >= self.concurrent:
            return _too_many("concurrent", 1)
        sent, now = self._sent.setdefault(tenant, deque()), self.clock()
        while sent and sent[0] <= now - 60:
            sent.popleft()
        if len(sent) >= self.per_minute:
            return _too_many("minute", math.ceil(sent[0] + 60 - now))
        sent.append(now)
        return None

    # -- contacts ---------------------------------------------------------------------------------

    async def _list_contacts(self, request: web.Request, tenant: str) -> web.Response:
        contacts = list(self.contacts[tenant].values())
        if where := request.query.get("where"):
            match = _WHERE.match(where)
            if match is None:
                raise _Invalid({}, f"The where clause is not understood by this stand-in: {where}")
            field, value = match.group(1), re.sub(r"\\(.)", r"\1", match.group(2))
            contacts = [c for c in contacts if c.get(field) == value]
        return web.json_response(_envelope("Contacts", contacts))

    async def _create_contacts(self, request: web.Request, tenant: str) -> web.Response:
        created = [self._new_contact(tenant, c) for c in (await request.json()).get("Contacts") or []]
        return web.json_response(_envelope("Contacts", created))

    async def _edit_contact(self, request: web.Request, tenant: str) -> web.Response:
        contact = self.contacts[tenant].get(request.match_info["id"])
        if contact is None:
            return _problem(404, "Not Found", "The resource you're looking for cannot be found")
        given = ((await request.json()).get("Contacts") or [{}])[0]
        name = (given.get("Name") or contact["Name"]).strip()
        if any(c["Name"] == name and c is not contact and c["ContactStatus"] == "ACTIVE"
               for c in self.contacts[tenant].values()):
            raise _Invalid(given, f"The contact name {name} is already assigned to another contact. "
                                  "The contact name must be unique across all active contacts.")
        contact.update({k: v for k, v in given.items() if k != "ContactID"}, Name=name,
                       UpdatedDateUTC=_ms(datetime.now(UTC)))
        return web.json_response(_envelope("Contacts", [contact]))

    def _new_contact(self, tenant: str, given: dict[str, Any]) -> dict[str, Any]:
        name = (given.get("Name") or "").strip()
        if not name:
            raise _Invalid(given, "The contact name must be specified.")
        if any(c["Name"] == name and c["ContactStatus"] == "ACTIVE" for c in self.contacts[tenant].values()):
            raise _Invalid(given, f"The contact name {name} is already assigned to another contact. "
                                  "The contact name must be unique across all active contacts.")
        contact = {**given, "Name": name, "ContactID": str(uuid.uuid4()), "ContactStatus": "ACTIVE",
                   "UpdatedDateUTC": _ms(datetime.now(UTC))}
        self.contacts[tenant][contact["ContactID"]] = contact
        return contact

    # -- invoices ---------------------------------------------------------------------------------

    async def _put_invoices(self, request: web.Request, tenant: str) -> web.Response:
        given = (await request.json()).get("Invoices") or []
        return web.json_response(_envelope("Invoices", [self._new_invoice(tenant, i) for i in given]))

    async def _post_invoices(self, request: web.Request, tenant: str) -> web.Response:
        given, path_id = (await request.json()).get("Invoices") or [], request.match_info.get("id")
        out = []
        for invoice in given:
            invoice_id = path_id or invoice.get("InvoiceID")
            out.append(self._edit_invoice(tenant, invoice_id, invoice) if invoice_id
                       else self._new_invoice(tenant, invoice))
        return web.json_response(_envelope("Invoices", out))

    async def _get_invoice(self, request: web.Request, tenant: str) -> web.Response:
        invoice = self.invoices[tenant].get(request.match_info["id"])
        if invoice is None:
            return _problem(404, "Not Found", "The resource you're looking for cannot be found")
        return web.json_response(_envelope("Invoices", [invoice]))

    def _new_invoice(self, tenant: str, given: dict[str, Any]) -> dict[str, Any]:
        problems = []
        if given.get("Type") not in ("ACCREC", "ACCPAY"):
            problems.append("Invoice Type must be specified as ACCREC or ACCPAY.")
        contact = self.contacts[tenant].get((given.get("Contact") or {}).get("ContactID", ""))
        if contact is None:
            problems.append("A Contact must be specified for this type of transaction.")
        if not given.get("LineItems"):
            problems.append("At least one line item must be specified.")
        if given.get("Status", "DRAFT") == "AUTHORISED" and not given.get("DueDate"):
            problems.append("Due Date is required for approved invoices.")
        if problems:
            raise _Invalid(given, *problems)
        assert contact is not None
        number = f"INV-{len(self.invoices[tenant]) + 1:04d}"
        invoice = {"InvoiceID": str(uuid.uuid4()), "InvoiceNumber": number, "Type": given["Type"],
                   "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
                   "Status": given.get("Status", "DRAFT"), "CurrencyCode": given.get("CurrencyCode", "USD"),
                   "LineAmountTypes": given.get("LineAmountTypes", "Exclusive"),
                   "Reference": given.get("Reference", ""), "AmountPaid": 0.0}
        self._apply(invoice, {"Date": given.get("Date", date.today().isoformat()), "DueDate": given.get("DueDate"),
                              "LineItems": given["LineItems"]})
        self.invoices[tenant][invoice["InvoiceID"]] = invoice
        return invoice

    def _edit_invoice(self, tenant: str, invoice_id: str, given: dict[str, Any]) -> dict[str, Any]:
        invoice = self.invoices[tenant].get(invoice_id)
        if invoice is None:
            raise _Invalid(given, f"Invoice {invoice_id} could not be found.")
        if invoice["Status"] in ("PAID", "VOIDED", "DELETED"):
            raise _Invalid(given, "Invoice not of valid status for modification")
        self._apply(invoice, {k: v for k, v in given.items() if k in _EDITABLE})
        return invoice

    def _apply(self, invoice: dict[str, Any], changes: dict[str, Any]) -> None:
        for key in ("Date", "DueDate"):
            if changes.get(key):
                day = date.fromisoformat(str(changes.pop(key))[:10])
                moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
                invoice[key], invoice[f"{key}String"] = _ms(moment), f"{day.isoformat()}T00:00:00"
        if "LineItems" in changes:
            invoice["LineItems"] = [self._line(item) for item in changes.pop("LineItems")]
        invoice.update({k: v for k, v in changes.items() if v is not None and k not in ("Date", "DueDate")})
        total = sum((Decimal(str(line["LineAmount"])) for line in invoice["LineItems"]), Decimal(0))
        paid = Decimal(str(invoice["AmountPaid"]))
        invoice.update(SubTotal=_money(total), TotalTax=0.0, Total=_money(total), AmountDue=_money(total - paid),
                       UpdatedDateUTC=_ms(datetime.now(UTC)))

    @staticmethod
    def _line(item: dict[str, Any]) -> dict[str, Any]:
        quantity, unit = Decimal(str(item.get("Quantity", 1))), Decimal(str(item.get("UnitAmount", 0)))
        discount = Decimal(str(item.get("DiscountRate", 0)))
        return {**item, "LineItemID": item.get("LineItemID") or str(uuid.uuid4()), "Quantity": float(quantity),
                "UnitAmount": float(unit), "LineAmount": _money(quantity * unit * (100 - discount) / 100),
                "TaxAmount": 0.0}

    # -- what happens in Xero's own screens, and the webhooks it sends ---------------------------------

    def pay(self, invoice_id: str, *, tenant: str | None = None) -> SignedPost:
        """Record full payment (Status PAID, AmountDue 0) and return the signed webhook Xero would send."""
        tenant = tenant or self.tenant
        invoice = self.invoices[tenant][invoice_id]
        invoice.update(Status="PAID", AmountPaid=invoice["Total"], AmountDue=0.0,
                       FullyPaidOnDate=_ms(datetime.now(UTC)), UpdatedDateUTC=_ms(datetime.now(UTC)))
        return self.webhook([self._event(tenant, "INVOICE", "UPDATE", invoice_id)])

    def webhook(self, events: list[dict[str, Any]], *, key: str | None = None) -> SignedPost:
        """A delivery of `events`, signed with the webhook key (or `key`, to forge one)."""
        first = self._sequence + 1
        self._sequence += max(len(events), 1)
        body = json.dumps({"events": events, "firstEventSequence": first, "lastEventSequence": self._sequence,
                           "entropy": secrets.token_urlsafe(15)}).encode()
        return SignedPost(body, {"Content-Type": "application/json",
                                 SIGNATURE_HEADER: sign(body, key or self.webhook_key)})

    def intent_to_receive(self, *, correct: bool) -> SignedPost:
        """The intent-to-receive probe: no events, signed correctly or deliberately wrongly."""
        return self.webhook([], key=None if correct else secrets.token_urlsafe(24))

    def _event(self, tenant: str, category: str, kind: str, resource_id: str) -> dict[str, Any]:
        path = {"INVOICE": INVOICES, "CONTACT": CONTACTS}[category]
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        return {"resourceUrl": f"https://api.xero.com{path}/{resource_id}", "resourceId": resource_id,
                "eventDateUtc": when, "eventType": kind, "eventCategory": category,
                "tenantId": tenant, "tenantType": "ORGANISATION"}


def _envelope(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": "crm-hub",
            "DateTimeUTC": _ms(datetime.now(UTC)), kind: items}


def _problem(status: int, title: str, detail: str) -> web.Response:
    return web.json_response({"Type": None, "Title": title, "Status": status, "Detail": detail}, status=status)


def _too_many(problem: str, retry_after: int) -> web.Response:
    return web.json_response({"Title": "Too Many Requests"}, status=429,
                             headers={"Retry-After": str(max(retry_after, 1)), "X-Rate-Limit-Problem": problem})
