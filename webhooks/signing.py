"""Standard Webhooks (`v1`, HMAC-SHA256) signatures and headers for outgoing deliveries."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

__all__ = ["new_secret", "secret_key", "sign", "signature_header", "webhook_headers"]

PREFIX = "whsec_"
_SHA256 = hashlib.sha256


def new_secret() -> str:
    """A fresh secret as shown to users: `whsec_` + base64 of 32 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_` secret; ValueError for anything that is not one."""
    if not isinstance(secret, str) or not secret.startswith(PREFIX):
        raise ValueError("a webhook secret starts with 'whsec_'")
    text = secret[len(PREFIX):]
    try:
        # Receivers' libraries pad before decoding, so an unpadded secret must work here too.
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is 'whsec_' + base64") from None
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def _content(msg_id: str, timestamp: int) -> bytes:
    return f"{msg_id}.{timestamp}.".encode()


def _sign(key: bytes, head: bytes, body: bytes) -> str:
    mac = hmac.new(key, head, _SHA256)
    mac.update(body)  # feeding the body separately avoids copying a large payload
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` entry over `{msg_id}.{timestamp}.{body}`."""
    return _sign(key, _content(msg_id, timestamp), body)


def signature_header(keys: Sequence[bytes], msg_id: str, timestamp: int, body: bytes) -> str:
    """One entry per key, current first, joined by one space: the reference lib breaks on two."""
    head = _content(msg_id, timestamp)
    return " ".join([_sign(key, head, body) for key in keys])


def webhook_headers(keys: Sequence[bytes], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers a Standard Webhooks receiver needs to verify `body`."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(keys, msg_id, timestamp, body),
        "content-type": "application/json",
    }
