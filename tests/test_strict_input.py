"""Input exactly as strict as the OpenAPI document: a body in another format than JSON is a 415, a number
where a date-time (or a string) is asked is refused, and nothing changes either way."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.test_bad_input import assert_problem, refused

PLAIN = {"Content-Type": "text/plain"}


async def _json_operations(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    spec = (await client.get("/schema/openapi.json")).json()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method, op in ops.items()
            if "application/json" in ((op.get("requestBody") or {}).get("content") or {})]


class TestContentType:
    async def test_every_operation_that_reads_json_refuses_text_plain_with_415(self, api: Api) -> None:
        operations = await _json_operations(api.client)
        assert len(operations) > 30
        for method, path in operations:
            url = path.replace("{", "").replace("}", "")  # path parameters need no real id: refused first
            answer = await api.client.request(method, url, content=b'{"name": "Acme"}', headers=api._headers(PLAIN))
            assert_problem(answer, 415, "json")

    async def test_a_json_record_under_text_plain_is_not_created(self, api: Api) -> None:
        before = (await api.get("/v1/companies")).json()["data"]
        answer = await api.client.post("/v1/companies", content=b'{"name": "Acme"}', headers=api._headers(PLAIN))
        assert_problem(answer, 415)
        assert (await api.get("/v1/companies")).json()["data"] == before

    @pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                              "application/merge-patch+json"])
    async def test_json_and_its_suffixed_types_are_read(self, api: Api, content_type: str) -> None:
        answer = await api.client.post("/v1/companies", content=b'{"name": "Typed"}',
                                       headers=api._headers({"Content-Type": content_type}))
        assert answer.status_code == 201, answer.text

    async def test_an_action_with_a_json_body_under_text_plain_is_refused(self, api: Api) -> None:
        answer = await api.client.post("/v1/actions/contact.create", content=b'{"first_name": "Ada"}',
                                       headers=api._headers(PLAIN))
        assert_problem(answer, 415)


WRONG_TYPES: dict[str, tuple[str, str, Any, str]] = {
    "api-key-expires-at-number": ("POST", "/v1/api_keys", {"name": "k", "scopes": ["read"], "expires_at": 12345},
                                  "expires_at"),
    "recover-since-number": ("POST", "/v1/endpoints/{endpoint}/recover", {"since": 0}, "since"),
    "activity-occurred-at-number": ("POST", "/v1/activities", {"type": "call", "contact_id": "{contact}",
                                                               "occurred_at": 1700000000}, "occurred_at"),
    "company-name-number": ("POST", "/v1/companies", {"name": 5}, "name"),
    "patch-deal-close-date-number": ("PATCH", "/v1/deals/{deal}", {"name": 7}, "name"),
}


@pytest.fixture
async def targets(api: Api) -> dict[str, str]:
    contact = await api.create("contacts", {"first_name": "Ada"})
    deal = await api.create("deals", {"name": "D"})
    endpoint = await api.post("/v1/endpoints", {"url": "http://127.0.0.1:9/h", "event_types": ["deal.*"]})
    return {"contact": contact["id"], "deal": deal["id"], "endpoint": endpoint.json()["id"]}


class TestTypes:
    @pytest.mark.parametrize("method, url, payload, mention", [pytest.param(*v, id=k) for k, v in WRONG_TYPES.items()])
    async def test_a_number_where_a_date_time_or_string_is_asked_is_refused(
            self, api: Api, targets: dict[str, str], method: str, url: str, payload: Any, mention: str) -> None:
        await refused(api, method, url, payload, 400, mention, world=targets)

    async def test_no_key_is_made_already_expired_from_a_number(self, api: Api) -> None:
        before = (await api.get("/v1/api_keys")).json()["data"]
        answer = await api.post("/v1/api_keys", {"name": "k", "scopes": ["read"], "expires_at": 12345})
        body = assert_problem(answer, 400, "expires_at")
        assert body["errors"][0]["field"] == "expires_at" and "datetime" in body["errors"][0]["message"]
        assert (await api.get("/v1/api_keys")).json()["data"] == before
