"""`Idempotency-Key` on every POST that creates or acts: a repeat is answered from the store and changes
nothing; the same key with another body is a 409; stored answers that carry secrets are sealed at rest."""

from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable

import pytest
from litestar import Litestar
from sqlalchemy import select

from hub.events.models import IdempotencyRecord
from hub.runtime import Hub
from tests.conftest import Api
from tests.test_bad_input import assert_problem

Setup = Callable[[Api], Awaitable[tuple[str, dict[str, Any], dict[str, Any], str]]]


async def _endpoints(api: Api) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    return ("/v1/endpoints", {"url": "http://127.0.0.1:9/one", "event_types": ["deal.*"]},
            {"url": "http://127.0.0.1:9/two", "event_types": ["deal.*"]}, "/v1/endpoints")


async def _api_keys(api: Api) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    return "/v1/api_keys", {"name": "ci", "scopes": ["read"]}, {"name": "ci", "scopes": ["write"]}, "/v1/api_keys"


async def _hooks(api: Api) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    body = {"target_url": "http://127.0.0.1:9/zap", "event": "deal.won", "platform": "zapier"}
    return "/v1/hooks", body, {**body, "event": "deal.created"}, "/v1/hooks"


async def _endpoint_test(api: Api) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    made = await api.post("/v1/endpoints", {"url": "http://127.0.0.1:9/t", "event_types": ["deal.*"]})
    assert made.status_code == 201, made.text
    endpoint = made.json()["id"]
    return f"/v1/endpoints/{endpoint}/test", {}, {"other": 1}, f"/v1/messages?endpoint_id={endpoint}"


async def _action(api: Api) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    return ("/v1/actions/contact.create", {"first_name": "Ada", "email": "ada@idem.example"},
            {"first_name": "Grace", "email": "grace@idem.example"}, "/v1/contacts")


async def _record(api: Api) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    return "/v1/companies", {"name": "Acme"}, {"name": "Globex"}, "/v1/companies"


OPERATIONS = [pytest.param(setup, id=name) for name, setup in {
    "endpoint-create": _endpoints, "api-key-create": _api_keys, "hook-subscribe": _hooks,
    "endpoint-test": _endpoint_test, "action-run": _action, "record-create": _record}.items()]


async def _count(api: Api, url: str) -> int:
    answer = await api.get(url)
    assert answer.status_code == 200, answer.text
    return len(answer.json()["data"])


class TestIdempotencyKey:
    @pytest.mark.parametrize("setup", OPERATIONS)
    async def test_a_repeat_is_replayed_and_changes_nothing(self, api: Api, setup: Setup) -> None:
        url, body, _, listing = await setup(api)
        before = await _count(api, listing)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        first = await api.post(url, body, headers=key)
        assert first.status_code in (200, 201, 202), first.text
        again = await api.post(url, body, headers=key)
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
        assert await _count(api, listing) == before + 1

    @pytest.mark.parametrize("setup", OPERATIONS)
    async def test_the_same_key_with_another_body_is_a_409(self, api: Api, setup: Setup) -> None:
        url, body, different, listing = await setup(api)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        assert (await api.post(url, body, headers=key)).status_code in (200, 201, 202)
        before = await _count(api, listing)
        assert_problem(await api.post(url, different, headers=key), 409, "different request")
        assert await _count(api, listing) == before

    async def test_keys_are_kept_per_organization(self, api: Api, other: Api) -> None:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        mine = await api.post("/v1/api_keys", {"name": "a", "scopes": ["read"]}, headers=key)
        theirs = await other.post("/v1/api_keys", {"name": "a", "scopes": ["read"]}, headers=key)
        assert mine.status_code == theirs.status_code == 201 and mine.json()["key"] != theirs.json()["key"]

    async def test_a_stored_answer_that_carries_a_secret_is_sealed_at_rest(self, app: Litestar, api: Api) -> None:
        key = uuid.uuid4().hex
        made = await api.post("/v1/api_keys", {"name": "sealed", "scopes": ["read"]}, headers={"Idempotency-Key": key})
        async with Hub.of(app).sessions() as session:
            row = await session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
        assert row is not None and made.json()["key"] not in str(row.response)
        replayed = await api.post("/v1/api_keys", {"name": "sealed", "scopes": ["read"]},
                                  headers={"Idempotency-Key": key})
        assert replayed.json()["key"] == made.json()["key"]
        assert replayed.headers.get("cache-control") == made.headers.get("cache-control")

    async def test_a_refused_request_is_not_remembered(self, api: Api) -> None:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        assert_problem(await api.post("/v1/api_keys", {"name": "k", "scopes": ["root"]}, headers=key), 400)
        assert (await api.post("/v1/api_keys", {"name": "k", "scopes": ["read"]}, headers=key)).status_code == 201
