"""Intuit's webhook notifications: check `intuit-signature`, then read either payload format into changes.

Intuit signs the raw body: base64(HMAC-SHA256(verifier token, body)). Two body formats exist:
the older `{"eventNotifications": [...]}` object and the CloudEvents array (`qbo.<entity>.<verb>.v1`).
Both become the same list of `Change`; notifications carry ids only, so the caller reads the entity.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "SIGNATURE_HEADER",
    "BadPayload",
    "BadSignature",
    "Change",
    "InboundError",
    "parse",
    "receive",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "intuit-signature"

# CloudEvents name entities and verbs in lower case; the older format (and the API) in Intuit's own case.
_ENTITIES = {name.lower(): name for name in (
    "Account", "Bill", "BillPayment", "Budget", "Class", "CreditMemo", "Currency", "Customer", "Department",
    "Deposit", "Employee", "Estimate", "Invoice", "Item", "JournalCode", "JournalEntry", "Payment",
    "PaymentMethod", "Preferences", "Purchase", "PurchaseOrder", "RefundReceipt", "SalesReceipt", "TaxAgency",
    "Term", "TimeActivity", "Transfer", "Vendor", "VendorCredit")}
_OPERATIONS = {"created": "Create", "updated": "Update", "deleted": "Delete", "merged": "Merge",
               "voided": "Void", "emailed": "Emailed"}


class InboundError(Exception):
    """A notification the hub refuses; the endpoint answers 4xx and processes nothing."""

    status = 400


class BadSignature(InboundError):
    """`intuit-signature` is missing or does not match the body."""

    status = 401


class BadPayload(InboundError):
    """The body is not a notification in either known format."""


@dataclass(frozen=True)
class Change:
    """One entity changed in one company."""

    realm_id: str
    entity_name: str  # Intuit's case: "Invoice"
    entity_id: str
    operation: str  # Create, Update, Delete, Merge, Void, Emailed (or a newer one, as named)
    last_updated: datetime


def sign(body: bytes, verifier_token: str) -> str:
    """The `intuit-signature` value for `body`."""
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def verify(body: bytes, signature: str | None, verifier_token: str) -> None:
    """Raise BadSignature unless `signature` is Intuit's for exactly these bytes."""
    if not verifier_token:
        raise BadSignature("No webhook verifier token is configured")
    if not signature or not hmac.compare_digest(sign(body, verifier_token).encode(), signature.strip().encode()):
        raise BadSignature("intuit-signature does not match the body")


def receive(body: bytes, signature: str | None, verifier_token: str) -> list[Change]:
    """Verify, then parse: the one call an endpoint makes."""
    verify(body, signature, verifier_token)
    return parse(body)


def parse(body: bytes) -> list[Change]:
    """The changes a notification names, in either format; raises BadPayload on anything else."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("The body is not JSON") from None
    try:
        if isinstance(document, dict) and "eventNotifications" in document:
            return _legacy(document["eventNotifications"])
        if isinstance(document, list):
            return [_cloud_event(event) for event in document]
    except (KeyError, TypeError, ValueError, AttributeError):
        # The exception's own text names our code's internals, not the sender's mistake.
        raise BadPayload("Malformed notification: a required field is missing or has the wrong type "
                         "(realmId, entities' name, id, operation and lastUpdated; or a CloudEvent's type, "
                         "intuitentityid, intuitaccountid and time)") from None
    raise BadPayload("Neither an eventNotifications object nor a CloudEvents array")


def _legacy(notifications: list[dict[str, Any]]) -> list[Change]:
    return [Change(realm_id=_text(n["realmId"]), entity_name=_entity(e["name"]), entity_id=_text(e["id"]),
                   operation=_operation(e["operation"]), last_updated=_instant(e["lastUpdated"]))
            for n in notifications for e in n["dataChangeEvent"]["entities"]]


def _cloud_event(event: dict[str, Any]) -> Change:
    if event.get("specversion") != "1.0":
        raise ValueError(f"unsupported specversion {event.get('specversion')!r}")
    vendor, entity, verb, _version = event["type"].split(".")  # qbo.invoice.updated.v1
    if vendor != "qbo" or not entity or not verb:
        raise ValueError(f"not a QuickBooks event type: {event['type']!r}")
    return Change(realm_id=_text(event["intuitaccountid"]), entity_name=_entity(entity),
                  entity_id=_text(event["intuitentityid"]), operation=_OPERATIONS.get(verb, verb.capitalize()),
                  last_updated=_instant(event["time"]))


def _text(value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
        raise ValueError(f"expected an id, got {type(value).__name__}")
    return str(value)


def _entity(name: str) -> str:
    return _ENTITIES.get(name.lower(), name[:1].upper() + name[1:])


def _operation(name: str) -> str:
    # An operation Intuit adds later is passed on as named, not refused: the ids are still good.
    if not isinstance(name, str) or not name:
        raise ValueError("empty operation")
    return name


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # Intuit's samples are UTC
