"""Outgoing signatures verify with the reference Standard Webhooks library and with Svix's."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from svix.webhooks import Webhook as SvixWebhook

from webhooks.signing import new_secret, secret_key, sign, signature_header, webhook_headers

# Known-answer vector from the Svix docs (research doc, section 4).
KAT_SECRET = "whsec_plJ3nmyCDGBKInavdOK15jsl"
KAT_ID = "msg_loFOjxBNrRLzqYUf"
KAT_TS = 1731705121
KAT_BODY = b'{"event_type":"ping","data":{"success":true}}'
KAT_SIGNATURE = "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0="

BODY = b'{"type":"contact.created","data":{"id":"con_1","name":"Zo\xc3\xab"}}'
MSG_ID = "msg_0123456789abcdef"


def _headers(secrets: list[str], body: bytes = BODY) -> dict[str, str]:
    # The reference lib allows +-5 minutes, so the timestamp has to be now.
    return webhook_headers([secret_key(s) for s in secrets], MSG_ID, int(time.time()), body)


def _svix_names(headers: dict[str, str]) -> dict[str, str]:
    return {k.replace("webhook-", "svix-"): v for k, v in headers.items()}


class TestSigning:
    def test_matches_the_known_answer_vector(self) -> None:
        assert sign(secret_key(KAT_SECRET), KAT_ID, KAT_TS, KAT_BODY) == KAT_SIGNATURE

    def test_matches_the_reference_librarys_own_signer(self) -> None:
        stamp = datetime.fromtimestamp(KAT_TS, tz=UTC)
        assert Webhook(KAT_SECRET).sign(KAT_ID, stamp, KAT_BODY.decode()) == KAT_SIGNATURE

    def test_headers_carry_id_timestamp_signature_and_content_type(self) -> None:
        headers = webhook_headers([secret_key(KAT_SECRET)], KAT_ID, KAT_TS, KAT_BODY)
        assert headers == {"webhook-id": KAT_ID, "webhook-timestamp": str(KAT_TS),
                           "webhook-signature": KAT_SIGNATURE, "content-type": "application/json"}

    def test_a_fresh_signature_verifies_with_standardwebhooks(self) -> None:
        secret = new_secret()
        assert Webhook(secret).verify(BODY, _headers([secret])) == {
            "type": "contact.created", "data": {"id": "con_1", "name": "Zoë"}}

    def test_a_fresh_signature_verifies_with_svix_under_either_header_naming(self) -> None:
        secret = new_secret()
        headers = _headers([secret])
        SvixWebhook(secret).verify(BODY, headers)
        SvixWebhook(secret).verify(BODY, _svix_names(headers))

    def test_the_reference_lib_reads_only_webhook_names(self) -> None:
        secret = new_secret()
        with pytest.raises(WebhookVerificationError, match="Missing required headers"):
            Webhook(secret).verify(BODY, _svix_names(_headers([secret])))

    @pytest.mark.parametrize("verifier", [Webhook, SvixWebhook])
    def test_during_rotation_either_secret_alone_verifies(self, verifier: type) -> None:
        new, old = new_secret(), new_secret()
        headers = _headers([new, old])
        signature = headers["webhook-signature"]
        assert signature.count(" ") == 1 and "  " not in signature
        assert signature.split(" ")[0] == sign(secret_key(new), MSG_ID, int(headers["webhook-timestamp"]), BODY)
        verifier(new).verify(BODY, headers)
        verifier(old).verify(BODY, headers)

    @pytest.mark.parametrize("verifier", [Webhook, SvixWebhook])
    def test_a_tampered_body_is_refused(self, verifier: type) -> None:
        secret = new_secret()
        headers = _headers([secret])
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            verifier(secret).verify(BODY.replace(b"con_1", b"con_2"), headers)

    @pytest.mark.parametrize("verifier", [Webhook, SvixWebhook])
    def test_a_wrong_secret_is_refused(self, verifier: type) -> None:
        headers = _headers([new_secret(), new_secret()])
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            verifier(new_secret()).verify(BODY, headers)

    def test_a_new_secret_round_trips_to_32_bytes_and_is_accepted(self) -> None:
        secret = new_secret()
        assert secret.startswith("whsec_") and secret != new_secret()
        assert len(secret_key(secret)) == 32
        Webhook(secret).verify(BODY, _headers([secret]))

    def test_an_unpadded_secret_decodes(self) -> None:
        assert secret_key(KAT_SECRET + "==") == secret_key(KAT_SECRET)
        assert secret_key(new_secret().rstrip("=")) and len(secret_key(new_secret().rstrip("="))) == 32

    @pytest.mark.parametrize("bad", ["", "whsec_", "plJ3nmyCDGBKInavdOK15jsl", "whsec_not base64!",
                                     "whsec_abcde", "whpk_plJ3nmyCDGBKInavdOK15jsl", b"whsec_AAAA"])
    def test_anything_else_is_a_value_error(self, bad: str) -> None:
        with pytest.raises(ValueError):
            secret_key(bad)

    def test_the_header_joins_keys_current_first(self) -> None:
        keys = [secret_key(new_secret()) for _ in range(3)]
        entries = signature_header(keys, MSG_ID, KAT_TS, BODY).split(" ")
        assert entries == [sign(k, MSG_ID, KAT_TS, BODY) for k in keys]
