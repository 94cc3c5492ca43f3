"""Every resource that can be patched has optimistic concurrency: found by walking the OpenAPI document,
each PATCH route answers an `ETag`, refuses a stale `If-Match` with 412 and changes nothing, and takes the
current one."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

import httpx
import pytest

from tests.conftest import Api
from tests.test_bad_input import assert_problem

Made = tuple[str, dict[str, Any], str]  # the resource's URL, a change to send, the ETag it was created with


def _made(answer: httpx.Response, url: str, change: dict[str, Any]) -> Made:
    assert answer.status_code == 201 and answer.headers.get("etag"), (url, answer.headers, answer.text)
    return url, change, answer.headers["etag"]


async def _record(api: Api, plural: str, body: dict[str, Any], change: dict[str, Any]) -> Made:
    answer = await api.post(f"/v1/{plural}", body)
    return _made(answer, f"/v1/{plural}/{answer.json().get('id')}", change)


async def _deal(api: Api) -> str:
    return (await api.create("deals", {"name": "Big"}))["id"]


async def _activity(api: Api) -> Made:
    return await _record(api, "activities", {"type": "call", "deal_id": await _deal(api)}, {"subject": "Intro"})


async def _line_item(api: Api) -> Made:
    return await _record(api, "line_items", {"deal_id": await _deal(api), "name": "Seat", "quantity": "1",
                                             "unit_price": "10"}, {"name": "Seats"})


async def _deal_competitor(api: Api) -> Made:
    deal, competitor = await _deal(api), (await api.create("competitors", {"name": "Initech"}))["id"]
    linked = await api.post(f"/v1/deals/{deal}/competitors", {"competitor_id": competitor})
    return _made(linked, f"/v1/deals/{deal}/competitors/{competitor}", {"notes": "cheaper"})


async def _endpoint(api: Api) -> Made:
    made = await api.post("/v1/endpoints", {"url": "http://127.0.0.1:9/h", "event_types": ["deal.*"]})
    return _made(made, f"/v1/endpoints/{made.json().get('id')}", {"description": "changed"})


async def _slack_rule(api: Api) -> Made:
    made = await api.post("/v1/slack/rules", {"name": "Deals", "event_type": "deal.created", "channel": "C0DEALS001"})
    return _made(made, f"/v1/slack/rules/{made.json().get('id')}", {"name": "All deals"})


async def _territory_model(api: Api) -> Made:
    return await _record(api, "territory_models", {"name": "FY27"}, {"description": "Next year"})


async def _territory(api: Api) -> Made:
    model = (await api.create("territory_models", {"name": "FY27"}))["id"]
    made = await api.post(f"/v1/territory_models/{model}/territories", {"name": "West"})
    return _made(made, f"/v1/territories/{made.json().get('id')}", {"name": "West coast"})


MAKERS: dict[str, Callable[[Api], Awaitable[Made]]] = {
    "/v1/users/{record_id}": lambda a: _record(a, "users", {"name": "Robin", "email": "robin@cc.example"},
                                               {"name": "Rob"}),
    "/v1/companies/{record_id}": lambda a: _record(a, "companies", {"name": "Acme"}, {"name": "Acme Inc"}),
    "/v1/contacts/{record_id}": lambda a: _record(a, "contacts", {"first_name": "Ada"}, {"first_name": "Ida"}),
    "/v1/leads/{record_id}": lambda a: _record(a, "leads", {"first_name": "Grace"}, {"first_name": "G"}),
    "/v1/pipelines/{record_id}": lambda a: _record(a, "pipelines", {"name": "P", "stages": [
        {"key": "a", "label": "A"}]}, {"name": "Q"}),
    "/v1/deals/{record_id}": lambda a: _record(a, "deals", {"name": "D"}, {"name": "E"}),
    "/v1/activities/{record_id}": _activity,
    "/v1/products/{record_id}": lambda a: _record(a, "products", {"name": "Seat", "unit_price": "1"},
                                                  {"name": "Seats"}),
    "/v1/line_items/{record_id}": _line_item,
    "/v1/custom_fields/{record_id}": lambda a: _record(a, "custom_fields", {
        "record_type": "deal", "key": "score", "label": "Score", "type": "number"}, {"label": "Rating"}),
    "/v1/endpoints/{endpoint_id}": _endpoint,
    "/v1/slack/rules/{rule_id}": _slack_rule,
    "/v1/competitors/{competitor_id}": lambda a: _record(a, "competitors", {"name": "Globex"}, {"strengths": "big"}),
    "/v1/deals/{deal_id}/competitors/{competitor_id}": _deal_competitor,
    "/v1/territory_models/{model_id}": _territory_model,
    "/v1/territories/{territory_id}": _territory,
}


async def _patch_routes(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    spec = (await client.get("/schema/openapi.json")).json()
    return {path: ops["patch"] for path, ops in spec["paths"].items() if "patch" in ops}


class TestOptimisticConcurrency:
    async def test_every_patch_route_is_walked(self, client: httpx.AsyncClient) -> None:
        assert set(await _patch_routes(client)) == set(MAKERS)

    async def test_every_patch_route_declares_if_match(self, client: httpx.AsyncClient) -> None:
        for path, operation in (await _patch_routes(client)).items():
            headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
            assert "if-match" in headers, path

    @pytest.mark.parametrize("route", sorted(MAKERS))
    async def test_a_stale_if_match_is_refused_and_the_current_one_taken(self, api: Api, route: str) -> None:
        url, change, created = await MAKERS[route](api)
        assert_problem(await api.patch(url, change, headers={"If-Match": '"999"'}), 412)
        changed = await api.patch(url, change, headers={"If-Match": created})
        assert changed.status_code == 200, (route, changed.text)
        assert changed.headers.get("etag") not in (None, created), (route, changed.headers)
        assert_problem(await api.patch(url, change, headers={"If-Match": created}), 412)
        read = await api.get(url)
        if read.status_code != 405:  # a deal's competitor is read in the deal's list
            assert read.headers["etag"] == changed.headers["etag"], route
