"""Encryption at rest: AES-256-GCM text tokens that name their key, so keys can rotate."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from hub.settings import Settings

__all__ = ["Cipher", "DecryptionError", "key_id"]

VERSION = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """A token could not be decrypted; the message never holds the token, key or plaintext."""


def key_id(key: bytes) -> str:
    """First 8 hex chars of SHA-256 of the key: names it in tokens without revealing it."""
    return hashlib.sha256(key).hexdigest()[:8]


class Cipher:
    """Encrypts under the first key; decrypts under any key given, found by the token's key id."""

    __slots__ = ("_aeads", "_current")

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("Cipher needs at least one key")
        if any(not isinstance(k, bytes) or len(k) != 32 for k in keys):
            raise ValueError("each Cipher key must be 32 bytes")
        self._current = key_id(keys[0])
        self._aeads: dict[str, AESGCM] = {}
        for key in keys:
            self._aeads.setdefault(key_id(key), AESGCM(key))

    @classmethod
    def from_settings(cls, settings: Settings) -> Cipher:
        """The cipher over `HUB_SECRET_KEY`, current key first."""
        return cls(settings.secret_keys)

    def encrypt(self, plaintext: bytes | str, *, context: str = "") -> str:
        """`v1.<kid>.<urlsafe-b64(nonce ‖ ciphertext)>`; `context` must match again to decrypt."""
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aeads[self._current].encrypt(nonce, data, context.encode())
        return f"{VERSION}.{self._current}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, *, context: str = "") -> bytes:
        """The plaintext; DecryptionError if the token is malformed, altered, foreign or out of context."""
        kid, blob = _parse(token)
        aead = self._aeads.get(kid)
        if aead is None:
            raise DecryptionError("token was encrypted under a key this cipher does not hold")
        try:
            return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise DecryptionError("token was altered or belongs to another context") from None

    def needs_rotation(self, token: str) -> bool:
        """True unless the token is under the current key (garbage counts as needing it)."""
        return not (isinstance(token, str) and token.startswith(f"{VERSION}.{self._current}."))

    def rotate(self, token: str, *, context: str = "") -> str:
        """The same plaintext under the current key; a current token comes back as is, once it decrypts."""
        plaintext = self.decrypt(token, context=context)
        return self.encrypt(plaintext, context=context) if self.needs_rotation(token) else token


def _parse(token: str) -> tuple[str, bytes]:
    # `from None` everywhere: a chained decoder error could quote part of the token.
    if not isinstance(token, str):
        raise DecryptionError("token must be text")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise DecryptionError("not a v1 encrypted token")
    try:
        blob = base64.b64decode(parts[2], altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("token payload is not base64") from None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("token payload is too short")
    return parts[1], blob
