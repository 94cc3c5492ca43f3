"""AES-GCM tokens at rest: round trip, context binding, refusal without leaks, and key rotation."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from hub.crypto import Cipher, DecryptionError
from hub.settings import Settings

OLD = bytes(range(32))
NEW = bytes(range(100, 132))
OTHER = b"o" * 32
SECRET = "whsec_super-secret-plaintext"
CONTEXT = "webhook-secret:ep_1"


def _b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def _flip(token: str, index: int) -> str:
    head, body = token.rsplit(".", 1)
    blob = bytearray(base64.urlsafe_b64decode(body))
    blob[index] ^= 1
    return f"{head}.{base64.urlsafe_b64encode(bytes(blob)).decode()}"


def _refused(cipher: Cipher, token: object, context: str = CONTEXT) -> DecryptionError:
    with pytest.raises(DecryptionError) as caught:
        cipher.decrypt(token, context=context)  # type: ignore[arg-type]
    text = str(caught.value) + repr(caught.value)
    leaks = [SECRET, str(token), *(f(k) for k in (OLD, NEW, OTHER) for f in (_b64, bytes.hex, repr))]
    assert not [leak for leak in leaks if len(leak) > 4 and leak in text]  # "v1" alone is the format's name
    # A traceback shows a chained error too, and a decoder's message could quote the token.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__
    return caught.value


class TestCipher:
    def test_round_trip_of_text_and_bytes(self) -> None:
        cipher = Cipher([NEW])
        assert cipher.decrypt(cipher.encrypt(SECRET, context=CONTEXT), context=CONTEXT) == SECRET.encode()
        assert cipher.decrypt(cipher.encrypt(b"\x00\xff")) == b"\x00\xff"
        assert cipher.decrypt(cipher.encrypt("")) == b""

    def test_the_token_names_its_key_and_hides_the_plaintext(self) -> None:
        token = Cipher([NEW]).encrypt(SECRET)
        assert re.fullmatch(r"v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+=*", token)
        assert token.split(".")[1] == hashlib.sha256(NEW).hexdigest()[:8]
        assert SECRET not in token and "super" not in token

    def test_each_encryption_uses_a_fresh_nonce(self) -> None:
        cipher = Cipher([NEW])
        tokens = [cipher.encrypt(SECRET) for _ in range(50)]
        nonces = {base64.urlsafe_b64decode(t.split(".")[2])[:12] for t in tokens}
        assert len(set(tokens)) == len(nonces) == 50

    @pytest.mark.parametrize("index", [0, 11, 12, -1])
    def test_a_tampered_nonce_ciphertext_or_tag_is_refused(self, index: int) -> None:
        cipher = Cipher([NEW])
        _refused(cipher, _flip(cipher.encrypt(SECRET, context=CONTEXT), index))

    def test_a_token_in_another_context_is_refused(self) -> None:
        cipher = Cipher([NEW])
        token = cipher.encrypt(SECRET, context=CONTEXT)
        assert "context" in str(_refused(cipher, token, context="webhook-secret:ep_2"))
        _refused(cipher, token, context="")

    def test_an_unknown_key_id_is_refused(self) -> None:
        token = Cipher([OTHER]).encrypt(SECRET, context=CONTEXT)
        assert "key" in str(_refused(Cipher([NEW, OLD]), token))
        _refused(Cipher([NEW]), token.replace(token.split(".")[1], "00000000"))

    @pytest.mark.parametrize("garbage", ["", "garbage", "v1", "v1.abcd1234", "v2.abcd1234.AAAA", "v1.a.b.c",
                                         "v1.abcd1234.!!!!", "v1.abcd1234.AAAA", "v1.abcd1234.é", None, b"v1.x.y"])
    def test_garbage_is_refused(self, garbage: object) -> None:
        _refused(Cipher([NEW]), garbage)

    def test_a_token_under_the_old_key_decrypts_during_rotation_and_is_rotated(self) -> None:
        old_token = Cipher([OLD]).encrypt(SECRET, context=CONTEXT)
        both = Cipher([NEW, OLD])
        assert both.decrypt(old_token, context=CONTEXT) == SECRET.encode()
        assert both.needs_rotation(old_token)
        rotated = both.rotate(old_token, context=CONTEXT)
        assert not both.needs_rotation(rotated)
        assert Cipher([NEW]).decrypt(rotated, context=CONTEXT) == SECRET.encode()

    def test_a_token_under_the_old_key_is_refused_once_the_old_key_is_gone(self) -> None:
        _refused(Cipher([NEW]), Cipher([OLD]).encrypt(SECRET, context=CONTEXT))

    def test_rotating_a_current_token_keeps_it_but_still_checks_it(self) -> None:
        cipher = Cipher([NEW, OLD])
        token = cipher.encrypt(SECRET, context=CONTEXT)
        assert not cipher.needs_rotation(token) and cipher.rotate(token, context=CONTEXT) == token
        with pytest.raises(DecryptionError):
            cipher.rotate(token, context="elsewhere")

    def test_from_settings_uses_the_keys_current_first(self) -> None:
        cipher = Cipher.from_settings(Settings(secret_key=f"{_b64(NEW)},{_b64(OLD)}"))
        old_token = Cipher([OLD]).encrypt(SECRET)
        assert cipher.decrypt(old_token) == SECRET.encode() and cipher.needs_rotation(old_token)
        assert Cipher([NEW]).decrypt(cipher.encrypt(SECRET)) == SECRET.encode()

    @pytest.mark.parametrize("keys", [[], [b"short"], [NEW, b"x" * 16], ["k" * 32]])
    def test_keys_must_be_32_bytes(self, keys: list[bytes]) -> None:
        with pytest.raises(ValueError):
            Cipher(keys)
