"""Bodies nested past the limit are refused before decoding, with no traceback logged; an address that keeps
sending requests without a valid credential is slowed down."""

from __future__ import annotations

from typing import Any, AsyncIterator

import httpx
import pytest
from litestar import Litestar
from structlog.testing import capture_logs

from connectors.quickbooks import inbound as intuit
from hub.app import create_app
from hub.shield import nested_deeper_than
from tests.conftest import Api, make_settings, serving
from tests.test_bad_input import assert_problem

DEEP = b"[" * 10_000 + b"]" * 10_000
VERIFIER = "verifier-for-nesting"
JSON = {"Content-Type": "application/json"}


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


class TestNesting:
    def test_counts_brackets_outside_strings_only(self) -> None:
        assert nested_deeper_than(nested(65), 64) and not nested_deeper_than(nested(64), 64)
        assert not nested_deeper_than(b'{"a": "' + b"[" * 500 + b'"}', 64)
        assert not nested_deeper_than(b'{"a": "\\"' + b"[" * 500 + b'"}', 64)

    @pytest.mark.parametrize("url", ["/v1/companies", "/v1/events", "/v1/actions/contact.create", "/v1/endpoints"])
    async def test_a_deep_body_is_a_400_problem_with_no_traceback_logged(self, api: Api, url: str) -> None:
        with capture_logs() as logs:
            answer = await api.client.post(url, content=DEEP, headers=api._headers(JSON))
        assert_problem(answer, 400, "nests")
        assert not [e for e in logs if e.get("log_level") == "error" or "exc_info" in e], logs

    async def test_the_body_is_refused_before_authentication(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.post("/v1/companies", content=DEEP, headers=JSON), 400, "nests")

    async def test_a_body_at_the_limit_reaches_the_route(self, api: Api) -> None:
        answer = await api.client.post("/v1/companies", content=b'{"name": "Deep", "custom_fields": ' + nested(60)
                                       + b"}", headers=api._headers(JSON))
        assert answer.status_code in (400, 422) and "nests" not in answer.text

    async def test_json_inside_a_form_field_is_checked_too(self, client: httpx.AsyncClient) -> None:
        answer = await client.post("/slack/events", content=b"payload=" + b"%5B" * 100,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert_problem(answer, 400, "nests")


@pytest.fixture(scope="module")
async def guarded(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    """A hub with a QuickBooks verifier and a small allowance of refused requests per address."""
    settings = await make_settings(backend, tmp_path_factory.mktemp("shield"), quickbooks_webhook_verifier=VERIFIER,
                                   anonymous_rate_limit_per_minute=60, anonymous_rate_limit_burst=5)
    async with serving(create_app(settings)) as client:
        yield client


class TestSignedWebhooks:
    async def test_a_signed_deep_notification_is_a_400_not_a_500(self, guarded: httpx.AsyncClient) -> None:
        answer = await guarded.post("/v1/inbound/quickbooks", content=DEEP, headers={
            **JSON, intuit.SIGNATURE_HEADER: intuit.sign(DEEP, VERIFIER)}, extensions={})
        assert_problem(answer, 400, "nests")


class TestAnonymousLimit:
    async def test_an_address_refused_past_its_allowance_gets_429_with_retry_after(
            self, guarded: httpx.AsyncClient) -> None:
        transport: Any = guarded._transport
        other = httpx.AsyncClient(transport=httpx.ASGITransport(transport.app, client=("203.0.113.9", 4000)),
                                  base_url="http://hub.test")
        answers = [(await other.get("/v1/companies")).status_code for _ in range(12)]
        assert answers[0] == 401 and 429 in answers
        limited = await other.get("/v1/companies", headers={"Authorization": "Bearer hub_nope_x"})
        assert_problem(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1
        assert (await guarded.get("/v1/companies")).status_code == 401  # another address is not held back
        await other.aclose()

    async def test_a_signed_malformed_notification_names_no_internals(self, guarded: httpx.AsyncClient) -> None:
        body = b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [{"name": 5}]}}]}'
        answer = await guarded.post("/v1/inbound/quickbooks", content=body, headers={
            **JSON, intuit.SIGNATURE_HEADER: intuit.sign(body, VERIFIER)})
        problem = assert_problem(answer, 400, "malformed")
        assert not any(word in problem["detail"] for word in ("KeyError", "TypeError", "AttributeError", "'id'"))
