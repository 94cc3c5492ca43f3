"""Intuit's webhook notifications: signature checks and both payload formats."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.quickbooks import inbound
from connectors.quickbooks.inbound import BadPayload, BadSignature, Change, parse, receive, sign, verify
from connectors.quickbooks.manifest import MANIFEST

FIXTURES = Path(inbound.__file__).parent / "fixtures"
VERIFIER = "verifier-123"
AT = datetime(2026, 11, 2, 15, 56, 8, tzinfo=UTC)
EXPECTED = [Change("9130350000000001", "Payment", "145", "Create", AT),
            Change("9130350000000001", "Invoice", "130", "Update", AT)]


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class TestSignature:
    def test_signature_is_base64_hmac_sha256_of_the_raw_body(self) -> None:
        body = b'{"eventNotifications": []}'
        expected = base64.b64encode(hmac.new(VERIFIER.encode(), body, hashlib.sha256).digest()).decode()
        assert sign(body, VERIFIER) == expected
        verify(body, expected, VERIFIER)

    def test_forged_signature_is_refused(self) -> None:
        body = _fixture("payment_created.legacy.json")
        with pytest.raises(BadSignature):
            receive(body, sign(body, "someone-elses-token"), VERIFIER)

    def test_body_altered_after_signing_is_refused(self) -> None:
        body = _fixture("payment_created.legacy.json")
        signature = sign(body, VERIFIER)
        with pytest.raises(BadSignature):
            receive(body.replace(b'"145"', b'"146"'), signature, VERIFIER)

    @pytest.mark.parametrize("signature", [None, "", "not base64 at all"])
    def test_missing_or_garbled_signature_is_refused(self, signature: str | None) -> None:
        with pytest.raises(BadSignature):
            receive(_fixture("payment_created.legacy.json"), signature, VERIFIER)

    def test_no_verifier_token_configured_refuses_everything(self) -> None:
        body = b"[]"
        with pytest.raises(BadSignature):
            verify(body, sign(body, ""), "")


class TestFormats:
    @pytest.mark.parametrize("name", MANIFEST.triggers[0].samples)
    def test_each_fixture_parses_to_the_same_changes(self, name: str) -> None:
        body = _fixture(name)
        assert receive(body, sign(body, VERIFIER), VERIFIER) == EXPECTED

    def test_every_fixture_file_is_declared_by_a_trigger(self) -> None:
        declared = {name for trigger in MANIFEST.triggers for name in trigger.samples}
        assert declared == {path.name for path in FIXTURES.glob("*.json")}

    def test_several_companies_in_one_legacy_notification(self) -> None:
        body = json.dumps({"eventNotifications": [
            {"realmId": "1", "dataChangeEvent": {"entities": [
                {"name": "Customer", "id": "5", "operation": "Merge", "lastUpdated": "2026-11-02T15:56:08Z"}]}},
            {"realmId": "2", "dataChangeEvent": {"entities": [
                {"name": "Invoice", "id": "7", "operation": "Void", "lastUpdated": "2026-11-02T15:56:08Z"}]}}]})
        assert [(c.realm_id, c.entity_name, c.operation) for c in parse(body.encode())] == [
            ("1", "Customer", "Merge"), ("2", "Invoice", "Void")]

    def test_cloud_event_entity_names_take_intuits_case(self) -> None:
        event = {"specversion": "1.0", "id": "e1", "source": "intuit.fixture", "type": "qbo.journalentry.deleted.v1",
                 "time": "2026-11-02T15:56:08Z", "intuitentityid": "9", "intuitaccountid": "1", "data": {}}
        (change,) = parse(json.dumps([event]).encode())
        assert (change.entity_name, change.operation) == ("JournalEntry", "Delete")

    @pytest.mark.parametrize("body", [
        b"not json", b"{}", b'"text"', b'{"eventNotifications": [{"realmId": "1"}]}',
        b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [{"name": "Invoice"}]}}]}',
        b'[{"specversion": "1.0", "type": "qbo.invoice.updated.v1"}]',
        (b'[{"specversion": "0.3", "type": "qbo.invoice.updated.v1", "time": "2026-11-02T15:56:08Z",'
        b' "intuitentityid": "1", "intuitaccountid": "1"}]'),
        (b'[{"specversion": "1.0", "type": "com.example.thing", "time": "2026-11-02T15:56:08Z",'
        b' "intuitentityid": "1", "intuitaccountid": "1"}]'),
        (b'[{"specversion": "1.0", "type": "qbo.invoice.updated.v1", "time": "yesterday",'
        b' "intuitentityid": "1", "intuitaccountid": "1"}]'),
        b'[42]',
    ])
    def test_unparseable_payloads_are_refused(self, body: bytes) -> None:
        with pytest.raises(BadPayload):
            receive(body, sign(body, VERIFIER), VERIFIER)
