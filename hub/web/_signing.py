"""Signed tokens of the portal: session cookies, portal links and form (CSRF) tokens.

Each kind has its own salt, so a token of one kind is never accepted as another; keys are the hub's
secret keys (`HUB_SECRET_KEY`), current first, so a key rotation keeps tokens signed before it valid.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Literal

from itsdangerous import BadSignature, Signer, URLSafeSerializer, URLSafeTimedSerializer

__all__ = ["BadLink", "ExpiredLink", "LinkClaims", "Signers", "signers"]

SESSION_SECONDS = 8 * 3600
_OPTIONS = {"digest_method": hashlib.sha256, "key_derivation": "hmac"}


class BadLink(Exception):
    """A portal link that was altered, or signed by another hub."""


class ExpiredLink(BadLink):
    """A genuine portal link opened after its expiry."""

    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"This portal link expired at {expires_at:%Y-%m-%d %H:%M} UTC.")
        self.expires_at = expires_at


@dataclass(frozen=True)
class LinkClaims:
    """What a portal link grants: one organization, at most one scope, until a time; `key_id` minted it."""

    org_id: str
    key_id: str
    scope: Literal["read", "write"]
    expires_at: datetime


class Signers:
    """The three signers over one list of keys; itsdangerous wants the newest key last."""

    def __init__(self, keys: tuple[bytes, ...]) -> None:
        oldest_first = list(reversed(keys))
        self._session = URLSafeTimedSerializer(oldest_first, salt="hub.portal.session", signer_kwargs=_OPTIONS)
        self._link = URLSafeSerializer(oldest_first, salt="hub.portal.link", signer_kwargs=_OPTIONS)
        self._csrf = Signer(oldest_first, salt="hub.portal.csrf", sep=".", **_OPTIONS)  # type: ignore[arg-type]

    def session(self, data: dict[str, Any]) -> str:
        return self._session.dumps(data)

    def open_session(self, token: str) -> dict[str, Any] | None:
        """The session's data, or None when the cookie is forged, foreign or older than the session lifetime."""
        try:
            data = self._session.loads(token, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    def link(self, claims: LinkClaims) -> str:
        return self._link.dumps({"o": claims.org_id, "k": claims.key_id, "s": claims.scope,
                                 "e": int(claims.expires_at.timestamp())})

    def open_link(self, token: str, now: datetime) -> LinkClaims:
        """The link's claims; BadLink when it was tampered with, ExpiredLink when it is past its time."""
        try:
            data = self._link.loads(token)
            claims = LinkClaims(org_id=str(data["o"]), key_id=str(data["k"]), scope=data["s"],
                                expires_at=datetime.fromtimestamp(int(data["e"]), timezone.utc))
        except (BadSignature, KeyError, TypeError, ValueError):
            raise BadLink("This portal link is not valid.") from None
        if claims.scope not in ("read", "write"):
            raise BadLink("This portal link is not valid.")
        if claims.expires_at <= now:
            raise ExpiredLink(claims.expires_at)
        return claims

    def form_token(self, nonce: str) -> str:
        """The token every form of a session carries: a signature of the session's nonce."""
        return self._csrf.get_signature(nonce).decode()

    def check_form_token(self, nonce: str, token: str) -> bool:
        return bool(token) and self._csrf.verify_signature(nonce.encode(), token.encode())


@lru_cache(maxsize=8)
def signers(keys: tuple[bytes, ...]) -> Signers:
    """Signers for a key list, built once per process."""
    return Signers(keys)
