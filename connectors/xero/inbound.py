"""Xero webhooks in: check `x-xero-signature`, answer the intent-to-receive probe, list the changes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["Change", "Verdict", "receive", "sign", "verify"]


@dataclass(frozen=True)
class Change:
    """One thing that changed in one organisation, e.g. ("invoice", "update", id)."""

    category: str  # invoice, contact, ... (Xero's eventCategory, lower case)
    kind: str  # create or update (Xero's eventType, lower case)
    resource_id: str
    resource_url: str
    tenant_id: str
    tenant_type: str
    occurred_at: datetime

    @property
    def event(self) -> str:
        """The hub's name for it: `xero.invoice.updated`, `xero.contact.created`."""
        return f"xero.{self.category}.{self.kind}d"


@dataclass(frozen=True)
class Verdict:
    """What the hub answers Xero (`status`, empty body) and what it learned (`changes`)."""

    status: int
    changes: tuple[Change, ...] = field(default=())
    first_sequence: int | None = None
    last_sequence: int | None = None


def sign(body: bytes, key: str) -> str:
    """The `x-xero-signature` for `body`: base64 of HMAC-SHA256 keyed with the webhook key."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def verify(body: bytes, signature: str | None, key: str) -> bool:
    """Whether `signature` signs exactly these raw bytes; constant-time."""
    if not signature or not key:
        return False
    return hmac.compare_digest(sign(body, key).encode(), signature.strip().encode())


def receive(body: bytes, signature: str | None, key: str) -> Verdict:
    """Answer one delivery: 401 when unsigned or forged (also the intent-to-receive probe), else 200.

    An intent-to-receive probe is a signed delivery with no events: it gets 200 and no changes.
    A correctly signed body that is not Xero's JSON gets 400: it came from Xero, yet cannot be used.
    """
    if not verify(body, signature, key):
        return Verdict(status=401)
    try:
        payload = json.loads(body)
        changes = tuple(_change(event) for event in payload.get("events") or [])
    except (ValueError, TypeError, KeyError, AttributeError):
        return Verdict(status=400)
    return Verdict(status=200, changes=changes, first_sequence=payload.get("firstEventSequence"),
                   last_sequence=payload.get("lastEventSequence"))


def _change(event: dict[str, Any]) -> Change:
    return Change(category=event["eventCategory"].lower(), kind=event["eventType"].lower(),
                  resource_id=event["resourceId"], resource_url=event["resourceUrl"],
                  tenant_id=event["tenantId"], tenant_type=event.get("tenantType", "ORGANISATION"),
                  occurred_at=_utc(event["eventDateUtc"]))


def _utc(value: str) -> datetime:
    """Xero sends `2026-03-14T09:26:53.123` (UTC, no offset)."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
