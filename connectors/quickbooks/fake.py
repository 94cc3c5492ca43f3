"""A loopback stand-in for the QuickBooks Online Accounting API and its webhooks, honest in what it checks.

It keeps companies (realms) in memory, checks bearer tokens through a pluggable validator, answers
`requestid` replays with the first answer, enforces SyncToken on updates (Fault 5010), throttles on
demand (429 with a Fault body), and signs webhook notifications the way Intuit does.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from connectors._loopback import serve
from connectors.quickbooks.inbound import SIGNATURE_HEADER, sign

__all__ = ["FakeQuickBooks"]

Json = dict[str, Any]
_QUERY = re.compile(r"^\s*select \* from (\w+) where DisplayName = '((?:[^'\\]|\\.)*)'\s*$", re.IGNORECASE)
_CE_VERBS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Merge": "merged", "Void": "voided",
             "Emailed": "emailed"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _fault(status: int, fault_type: str, code: str, message: str, detail: str = "") -> web.Response:
    body = {"Fault": {"Error": [{"Message": message, "Detail": detail or message, "code": code}],
                      "type": fault_type}, "time": _now()}
    return web.json_response(body, status=status)


class FakeQuickBooks:
    """`tokens` (or `validator`) decides which bearer tokens are good; `fail_next` queues statuses to answer
    first (429, 500, 503…); `throttle_every=n` answers every n-th request 429."""

    def __init__(self, *, tokens: set[str] | None = None, validator: Callable[[str], bool] | None = None,
                 verifier_token: str = "fake-verifier-token", throttle_every: int | None = None,
                 retry_after: str | None = None) -> None:
        self.tokens = set(tokens or {"fake-access-token"})
        self.validator = validator or (lambda token: token in self.tokens)
        self.verifier_token, self.throttle_every, self.retry_after = verifier_token, throttle_every, retry_after
        self.fail_next: list[int] = []
        self.requests: list[tuple[str, str, dict[str, str], str | None]] = []  # method, path, query, token
        self.companies: dict[str, dict[str, dict[str, Json]]] = {}
        self._replies: dict[tuple[str, str], tuple[int, Json]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle
    async def start(self) -> FakeQuickBooks:
        app = web.Application(middlewares=[self._gate])
        base = "/v3/company/{realm}"
        app.router.add_get(base + "/query", self._query)
        app.router.add_post(base + "/customer", self._write("Customer"))
        app.router.add_get(base + "/customer/{id}", self._read("Customer"))
        app.router.add_post(base + "/invoice", self._write("Invoice"))
        app.router.add_get(base + "/invoice/{id}", self._read("Invoice"))
        app.router.add_get(base + "/payment/{id}", self._read("Payment"))
        self._runner, self.url = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # -- what every request passes first: scripted failures, the bearer token, the throttle
    @web.middleware
    async def _gate(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        self.requests.append((request.method, request.path, dict(request.query), token))
        if self.fail_next:
            return self._scripted(self.fail_next.pop(0))
        if token is None or not self.validator(token):
            return _fault(401, "AUTHENTICATION", "3200",
                          "message=AuthenticationFailed; errorCode=003200; statusCode=401")
        if self.throttle_every and len(self.requests) % self.throttle_every == 0:
            return self._throttled()
        return await handler(request)

    def _scripted(self, status: int) -> web.Response:
        if status == 429:
            return self._throttled()
        if status == 403:
            return _fault(403, "AuthorizationFault", "3100",
                          "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403")
        return _fault(status, "SystemFault", "10000", "An application error has occurred")

    def _throttled(self) -> web.Response:
        response = _fault(429, "ThrottleExceeded", "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                          "The request limit was reached.")
        if self.retry_after is not None:
            response.headers["Retry-After"] = self.retry_after
        return response

    # -- the Accounting API
    def _store(self, realm: str, entity: str) -> dict[str, Json]:
        return self.companies.setdefault(realm, {}).setdefault(entity, {})

    def _read(self, entity: str) -> Callable:
        async def read(request: web.Request) -> web.Response:
            found = self._store(request.match_info["realm"], entity).get(request.match_info["id"])
            if found is None:
                return _fault(400, "ValidationFault", "610", "Object Not Found",
                              "Object Not Found : Something you're trying to use has been made inactive or "
                              "doesn't exist.")
            return web.json_response({entity: found, "time": _now()})
        return read

    async def _query(self, request: web.Request) -> web.Response:
        match = _QUERY.match(request.query.get("query", ""))
        if not match or match.group(1).lower() != "customer":
            return _fault(400, "ValidationFault", "4000", "Error parsing query",
                          "QueryParserError: the fake understands only DisplayName equality on Customer")
        name = re.sub(r"\\(.)", r"\1", match.group(2))
        rows = [c for c in self._store(request.match_info["realm"], "Customer").values() if c["DisplayName"] == name]
        result: Json = {"startPosition": 1, "maxResults": len(rows)} if rows else {}
        if rows:
            result["Customer"] = rows
        return web.json_response({"QueryResponse": result, "time": _now()})

    def _write(self, entity: str) -> Callable:
        async def write(request: web.Request) -> web.Response:
            realm, request_id = request.match_info["realm"], request.query.get("requestid")
            key = (realm, request_id or "")  # one requestid space per company, whatever the entity
            if request_id and key in self._replies:
                status, body = self._replies[key]
                return web.json_response(body, status=status)
            try:
                data = await request.json()
            except json.JSONDecodeError:
                return _fault(400, "ValidationFault", "2500", "Invalid Request", "Request body is not JSON")
            response = self._update(realm, entity, data) if data.get("Id") else self._create(realm, entity, data)
            if request_id and response.status < 500:
                self._replies[key] = (response.status, json.loads(response.body))  # type: ignore[arg-type]
            return response
        return write

    def _create(self, realm: str, entity: str, data: Json) -> web.Response:
        problem = self._customer_problem(realm, data) if entity == "Customer" else self._invoice_problem(realm, data)
        if problem:
            return problem
        stamp = _now()
        record = {**data, "Id": str(next(self._ids)), "SyncToken": "0", "domain": "QBO", "sparse": False,
                  "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}}
        if entity == "Invoice":
            self._total(record, paid=0.0)
            record.setdefault("TxnDate", stamp[:10])
            record.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})
        else:
            record.setdefault("Active", True)
            record.setdefault("Balance", 0)
        self._store(realm, entity)[record["Id"]] = record
        return web.json_response({entity: record, "time": stamp})

    def _update(self, realm: str, entity: str, data: Json) -> web.Response:
        current = self._store(realm, entity).get(str(data["Id"]))
        if current is None:
            return _fault(400, "ValidationFault", "610", "Object Not Found", "Object Not Found")
        if str(data.get("SyncToken")) != current["SyncToken"]:
            return _fault(400, "ValidationFault", "5010", "Stale Object Error",
                          f"Stale Object Error : You and someone else edited the same {entity} at the same time. "
                          f"Please try again.")
        paid = float(current.get("TotalAmt", 0)) - float(current.get("Balance", 0))
        changes = {k: v for k, v in data.items() if k not in ("Id", "SyncToken", "sparse", "MetaData")}
        merged = {**current, **changes} if data.get("sparse") else {
            **changes, "Id": current["Id"], "MetaData": current["MetaData"], "domain": "QBO"}
        merged["SyncToken"] = str(int(current["SyncToken"]) + 1)
        merged["MetaData"] = {**current["MetaData"], "LastUpdatedTime": _now()}
        merged["sparse"] = False
        if entity == "Invoice":
            problem = self._invoice_problem(realm, merged)
            if problem:
                return problem
            self._total(merged, paid=paid)
        self._store(realm, entity)[current["Id"]] = merged
        return web.json_response({entity: merged, "time": _now()})

    def _customer_problem(self, realm: str, data: Json) -> web.Response | None:
        name = data.get("DisplayName")
        if not name:
            return _fault(400, "ValidationFault", "2020", "Required param missing, need to supply the required value",
                          "Required parameter DisplayName is missing in the request")
        for other in self._store(realm, "Customer").values():
            if other["DisplayName"] == name:
                return _fault(400, "ValidationFault", "6240", "Duplicate Name Exists Error",
                              f"The name supplied already exists. : Id={other['Id']}")
        return None

    def _invoice_problem(self, realm: str, data: Json) -> web.Response | None:
        ref = (data.get("CustomerRef") or {}).get("value")
        if str(ref) not in self._store(realm, "Customer"):
            return _fault(400, "ValidationFault", "2500", "Invalid Reference Id",
                          "Invalid Reference Id : Something you're trying to use has been made inactive or "
                          "doesn't exist.")
        lines = data.get("Line") or []
        if not lines or any("Amount" not in line or "DetailType" not in line for line in lines):
            return _fault(400, "ValidationFault", "2020", "Required param missing, need to supply the required value",
                          "Required parameter Line.Amount and Line.DetailType are missing in the request")
        return None

    @staticmethod
    def _total(invoice: Json, *, paid: float) -> None:
        total = round(sum(float(line["Amount"]) for line in invoice["Line"]
                          if line["DetailType"] != "SubTotalLineDetail"), 2)
        invoice["TotalAmt"], invoice["Balance"] = total, round(max(total - paid, 0.0), 2)

    # -- what a test does to the company from the QuickBooks side
    def record_payment(self, realm: str, invoice_id: str, amount: float | None = None) -> Json:
        """A customer pays an invoice (in full by default): a Payment appears and the invoice's Balance drops."""
        invoice = self._store(realm, "Invoice")[invoice_id]
        amount = float(invoice["Balance"]) if amount is None else amount
        stamp = _now()
        payment = {"Id": str(next(self._ids)), "SyncToken": "0", "domain": "QBO", "sparse": False,
                   "CustomerRef": dict(invoice["CustomerRef"]), "TotalAmt": amount, "UnappliedAmt": 0,
                   "TxnDate": stamp[:10], "CurrencyRef": dict(invoice["CurrencyRef"]),
                   "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
                   "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}}
        self._store(realm, "Payment")[payment["Id"]] = payment
        invoice["Balance"] = round(max(float(invoice["Balance"]) - amount, 0.0), 2)
        invoice["SyncToken"] = str(int(invoice["SyncToken"]) + 1)
        invoice["MetaData"] = {**invoice["MetaData"], "LastUpdatedTime": stamp}
        return payment

    def payment_notification(self, realm: str, payment: Json, *, fmt: str = "legacy") -> tuple[bytes, dict[str, str]]:
        """The signed webhook Intuit sends for a payment: the Payment created and each invoice it paid updated."""
        stamp = payment["MetaData"]["CreateTime"]
        changes = [("Payment", payment["Id"], "Create")] + [
            ("Invoice", link["TxnId"], "Update") for line in payment["Line"] for link in line.get("LinkedTxn", [])
            if link.get("TxnType") == "Invoice"]
        return self.notification(realm, changes, last_updated=stamp, fmt=fmt)

    def notification(self, realm: str, changes: list[tuple[str, str, str]], *, last_updated: str,
                     fmt: str = "legacy") -> tuple[bytes, dict[str, str]]:
        """A webhook body in either format for (entity, id, operation) changes, with its headers."""
        if fmt == "legacy":
            document: Any = {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": [
                {"name": name, "id": entity_id, "operation": op, "lastUpdated": last_updated}
                for name, entity_id, op in changes]}}]}
        elif fmt == "cloudevents":
            document = [{"specversion": "1.0", "id": str(uuid.uuid4()), "source": "intuit.fake",
                         "type": f"qbo.{name.lower()}.{_CE_VERBS[op]}.v1", "datacontenttype": "application/json",
                         "time": last_updated, "intuitentityid": entity_id, "intuitaccountid": realm, "data": {}}
                        for name, entity_id, op in changes]
        else:
            raise ValueError(f"unknown notification format {fmt!r}")
        body = json.dumps(document).encode()
        return body, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, self.verifier_token)}
