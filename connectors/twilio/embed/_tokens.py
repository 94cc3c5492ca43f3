"""Embed tokens: what the click-to-call script carries for one signed-in rep.

The CRM's backend mints one with its API key (`POST /v1/telephony/embed_tokens`) for the rep who is signed
in there, and hands it to the page. It names the organization, the user and the key that minted it, and
expires; it is signed with the hub's secret keys (current first, so a key rotation keeps it valid) under a
salt of its own, so no other token of the hub is accepted as one. Revoking the minting key voids it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer

__all__ = ["BadToken", "EmbedClaims", "EmbedSigner", "embed_signer"]

_OPTIONS = {"digest_method": hashlib.sha256, "key_derivation": "hmac"}


class BadToken(Exception):
    """The token was altered, signed by another hub, or has expired."""


@dataclass(frozen=True)
class EmbedClaims:
    org_id: str
    user_id: str
    key_id: str
    expires_at: datetime


class EmbedSigner:
    def __init__(self, keys: tuple[bytes, ...]) -> None:
        oldest_first = list(reversed(keys))  # itsdangerous signs with the last key
        self._serializer = URLSafeSerializer(oldest_first, salt="hub.twilio.embed", signer_kwargs=_OPTIONS)

    def sign(self, claims: EmbedClaims) -> str:
        return self._serializer.dumps({"o": claims.org_id, "u": claims.user_id, "k": claims.key_id,
                                       "e": int(claims.expires_at.timestamp())})

    def open(self, token: str, now: datetime) -> EmbedClaims:
        try:
            data = self._serializer.loads(token)
            claims = EmbedClaims(org_id=str(data["o"]), user_id=str(data["u"]), key_id=str(data["k"]),
                                 expires_at=datetime.fromtimestamp(int(data["e"]), timezone.utc))
        except (BadSignature, KeyError, TypeError, ValueError):
            raise BadToken("The calling token is not valid.") from None
        if claims.expires_at <= now:
            raise BadToken("The calling token has expired.")
        return claims


@lru_cache(maxsize=8)
def embed_signer(keys: tuple[bytes, ...]) -> EmbedSigner:
    return EmbedSigner(keys)
