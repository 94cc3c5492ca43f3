"""Bad input gets a 4xx problem-details answer, never a 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from hub.jobs.testing import settle
from tests.conftest import Api
from hub.runtime import Hub

WATCHED = ("users", "companies", "contacts", "leads", "pipelines", "deals", "activities", "products", "line_items",
           "custom_fields")
NAIVE = "2020-01-01T00:00:00"  # no UTC offset
OPENED = {"type": "email.opened", "data": {"message_id": "<m1@mail.example>", "email": "ada@acme.example"}}


def assert_problem(response: httpx.Response, status: int, mention: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert type(body["status"]) is int and body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"].strip()
    assert body["type"] and body["title"]
    if mention is not None:
        assert mention.lower() in body["detail"].lower(), body
    return body


async def snapshot(api: Api) -> dict[str, Any]:
    """Every record (with its version) and every event id of the organization, once the hub's background work
    (scores, assignments, other modules' events about earlier writes) has settled."""
    if api.app is not None:
        await settle(api.app)
    state: dict[str, Any] = {}
    for plural in (*WATCHED, "events"):
        response = await api.get(f"/v1/{plural}", params={"limit": 200})
        assert response.status_code == 200, response.text
        state[plural] = response.json()["data"] if plural != "events" else [e["id"] for e in response.json()["data"]]
    return state


async def send(api: Api, method: str, url: str, payload: Any = None, headers: dict[str, str] | None = None
               ) -> httpx.Response:
    """JSON for dicts and lists (no body for None), bytes sent as they are with a JSON content type."""
    if isinstance(payload, bytes):
        headers = {"Content-Type": "application/json", **(headers or {})}
        return await api.client.request(method, url, content=payload, headers=api._headers(headers))
    return await api.client.request(method, url, json=payload, headers=api._headers(headers))


async def refused(api: Api, method: str, url: str, payload: Any, status: int, mention: str | None = None,
                  headers: dict[str, str] | None = None, world: dict[str, str] | None = None) -> None:
    """The request gets `status` as problem details, and the organization is exactly as before."""
    if world:
        url, payload = url.format(**world), _fill(payload, world)
    before = await snapshot(api)
    assert_problem(await send(api, method, url, payload, headers), status, mention)
    assert await snapshot(api) == before


def _fill(payload: Any, world: dict[str, str]) -> Any:
    """Put the world's ids into "{name}" placeholders of a JSON body."""
    if isinstance(payload, dict):
        return {k: _fill(v, world) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_fill(v, world) for v in payload]
    return payload.format(**world) if isinstance(payload, str) and payload.startswith("{") else payload


def cases(table: dict[str, tuple]) -> list[Any]:
    return [pytest.param(*args, id=name) for name, args in table.items()]


@pytest.fixture
async def world(api: Api) -> dict[str, str]:
    """A few records to aim bad writes at."""
    company = await api.create("companies", {"name": "Acme"})
    contact = await api.create("contacts", {"first_name": "Ada", "email": "ada@acme.example", "phone": "+14155552671",
                                            "company_id": company["id"]})
    deal = await api.create("deals", {"name": "Big", "amount": "1250.5", "contact_id": contact["id"]})
    lead = await api.create("leads", {"first_name": "Grace", "company_name": "Navy Labs"})
    activity = await api.create("activities", {"type": "call", "contact_id": contact["id"]})
    product = await api.create("products", {"name": "Seat", "unit_price": "192"})
    return {"company": company["id"], "contact": contact["id"], "deal": deal["id"], "lead": lead["id"],
            "activity": activity["id"], "product": product["id"]}


TYPE_CASES = cases({
    "company-name-number": ("POST", "/v1/companies", {"name": 5}, "name"),
    "patch-company-name-number": ("PATCH", "/v1/companies/{company}", {"name": 5}, "name"),
    "deal-amount-abc": ("POST", "/v1/deals", {"name": "D", "amount": "abc"}, "amount"),
    "patch-deal-amount-abc": ("PATCH", "/v1/deals/{deal}", {"amount": "abc"}, "amount"),
    "deal-status-not-allowed": ("POST", "/v1/deals", {"name": "D", "status": "pending"}, "status"),
    "deal-name-empty": ("POST", "/v1/deals", {"name": ""}, "name"),
    "contact-name-list": ("POST", "/v1/contacts", {"first_name": ["Ada"]}, "first_name"),
    "contact-email-malformed": ("POST", "/v1/contacts", {"email": "not-an-email"}, "email"),
    "phone-too-short": ("POST", "/v1/contacts", {"first_name": "Ada", "phone": "12"}, "phone"),
    "activity-type": ("POST", "/v1/activities", {"type": "tweet", "contact_id": "{contact}"}, "type"),
    "company-body-is-a-list": ("POST", "/v1/companies", ["Acme"], None),
    "convert-flag-text": ("POST", "/v1/leads/{lead}/convert", {"create_deal": "maybe"}, "create_deal"),
    "api-key-unknown-scope": ("POST", "/v1/api_keys", {"name": "k", "scopes": ["root"]}, "scopes"),
})

UNKNOWN_FIELD_CASES = cases({
    "create-contact": ("POST", "/v1/contacts", {"first_name": "Ada", "nickname": "A"}, 400),
    "patch-contact": ("PATCH", "/v1/contacts/{contact}", {"nickname": "A"}, 400),
    "pipeline-stage": ("POST", "/v1/pipelines",
                       {"name": "P", "stages": [{"key": "a", "label": "A", "nickname": 1}]}, 400),
    "event": ("POST", "/v1/events", {**OPENED, "nickname": "A"}, 400),
    "api-key": ("POST", "/v1/api_keys", {"name": "k", "scopes": ["read"], "nickname": "A"}, 400),
    "lead-conversion": ("POST", "/v1/leads/{lead}/convert", {"nickname": "A"}, 400),
    "action": ("POST", "/v1/actions/contact.create", {"first_name": "Ada", "nickname": "A"}, 422),
})

RAW_CASES = cases({
    "truncated-create": ("POST", "/v1/companies", b'{"name": "Ac'),
    "truncated-patch": ("PATCH", "/v1/companies/{company}", b'{"name": "Ac'),
    "truncated-event": ("POST", "/v1/events", b'{"type": "email.opened", "data": {'),
    "truncated-action": ("POST", "/v1/actions/contact.create", b'{"first_name": '),
    "truncated-conversion": ("POST", "/v1/leads/{lead}/convert", b'{"create_deal": tru'),
    "empty-create": ("POST", "/v1/companies", b""),
    "empty-patch": ("PATCH", "/v1/deals/{deal}", b""),
    "empty-event": ("POST", "/v1/events", b""),
    "empty-api-key": ("POST", "/v1/api_keys", b""),
    "form-encoded-as-json": ("POST", "/v1/companies", b"name=Acme"),
})

RULE_CASES = cases({
    "phone-too-few-digits": ("POST", "/v1/contacts", {"first_name": "Ada", "phone": "555"}, "phone"),
    "phone-invalid": ("POST", "/v1/contacts", {"first_name": "Ada", "phone": "+1 555 000"}, "phone"),
    "patch-phone-invalid": ("PATCH", "/v1/contacts/{contact}", {"phone": "call me maybe"}, "phone"),
    "contact-without-name-or-email": ("POST", "/v1/contacts", {"title": "CTO"}, "first name"),
    "deal-stage-not-in-pipeline": ("POST", "/v1/deals", {"name": "D", "stage": "nowhere"}, "nowhere"),
    "patch-deal-stage": ("PATCH", "/v1/deals/{deal}", {"stage": "nowhere"}, "nowhere"),
    "deal-pipeline-cleared": ("PATCH", "/v1/deals/{deal}", {"pipeline_id": None}, "pipeline"),
    "action-deal-stage": ("POST", "/v1/actions/deal.update", {"id": "{deal}", "stage": "nowhere"}, "nowhere"),
    "lead-converted-by-patch": ("PATCH", "/v1/leads/{lead}", {"status": "converted"}, "convert"),
    "lead-born-converted": ("POST", "/v1/leads", {"first_name": "G", "status": "converted"}, "convert"),
    "deal-amount-negative": ("POST", "/v1/deals", {"name": "D", "amount": "-5"}, "amount"),
    "patch-deal-amount-negative": ("PATCH", "/v1/deals/{deal}", {"amount": "-0.01"}, "amount"),
    "price-negative": ("POST", "/v1/products", {"name": "P", "unit_price": "-1"}, "unit_price"),
    "line-item-quantity-zero": ("POST", "/v1/line_items",
                                {"deal_id": "{deal}", "product_id": "{product}", "quantity": "0"}, "quantity"),
    "line-item-without-price": ("POST", "/v1/line_items", {"deal_id": "{deal}", "name": "Seat"}, "unit_price"),
    "activity-no-link": ("POST", "/v1/activities", {"type": "note", "subject": "Lost"}, "linked"),
    "activity-unlinked": ("PATCH", "/v1/activities/{activity}", {"contact_id": None}, "linked"),
    "pipeline-duplicate-stages": ("POST", "/v1/pipelines", {"name": "P", "stages": [{"key": "a", "label": "A"},
                                                                                  {"key": "a", "label": "B"}]},
                                  "unique"),
    "select-without-options": ("POST", "/v1/custom_fields",
                               {"record_type": "deal", "key": "tier", "label": "Tier", "type": "select"}, "options"),
    "conversion-into-a-missing-stage": ("POST", "/v1/leads/{lead}/convert",
                                        {"create_deal": True, "deal_stage": "nowhere"}, "nowhere"),
    "conversion-with-negative-amount": ("POST", "/v1/leads/{lead}/convert",
                                        {"create_deal": True, "deal_amount": "-1"}, "amount"),
})

QUERY_CASES = cases({
    "cursor-garbage": ("/v1/companies", {"cursor": "garbage!!"}, "cursor"),
    "cursor-wrong-shape": ("/v1/companies", {"cursor": "WyJjb21wYW5pZXMiXQ"}, "cursor"),
    "events-cursor-garbage": ("/v1/events", {"cursor": "%%%"}, "cursor"),
    "limit-0": ("/v1/companies", {"limit": 0}, "limit"),
    "limit-1000": ("/v1/companies", {"limit": 1000}, "limit"),
    "limit-text": ("/v1/companies", {"limit": "ten"}, "limit"),
    "events-limit-0": ("/v1/events", {"limit": 0}, "limit"),
    "api-keys-limit-1000": ("/v1/api_keys", {"limit": 1000}, "limit"),
    "unknown-query-parameter": ("/v1/companies", {"colour": "red"}, "colour"),
    "events-unknown-query-parameter": ("/v1/events", {"subjectid": "con_1"}, "subjectid"),
    "api-keys-unknown-query-parameter": ("/v1/api_keys", {"colour": "red"}, "colour"),
    "unknown-field": ("/v1/companies", {"fields": "name,colour"}, "colour"),
    "unknown-field-on-read": ("/v1/companies/{company}", {"fields": "colour"}, "colour"),
    "updated-since-not-a-time": ("/v1/companies", {"updated_since": "yesterday"}, "updated_since"),
    "filter-value-not-allowed": ("/v1/deals", {"status": "pending"}, "status"),
})

NON_FINITE_CASES = cases({
    "deal-amount-nan": ("POST", "/v1/deals", {"name": "D", "amount": "NaN"}, "amount"),
    "deal-amount-snan": ("POST", "/v1/deals", {"name": "D", "amount": "sNaN"}, "amount"),
    "deal-amount-infinity": ("POST", "/v1/deals", {"name": "D", "amount": "Infinity"}, "amount"),
    "patch-deal-amount-nan": ("PATCH", "/v1/deals/{deal}", {"amount": "NaN"}, "amount"),
    "price-infinity": ("POST", "/v1/products", {"name": "P", "unit_price": "Infinity"}, "unit_price"),
    "revenue-nan": ("POST", "/v1/companies", {"name": "A", "annual_revenue": "NaN"}, "annual_revenue"),
    "conversion-amount-nan": ("POST", "/v1/leads/{lead}/convert",
                              {"create_deal": True, "deal_amount": "NaN"}, "amount"),
})

EDGE_CASES = cases({
    "amount-with-trailing-zeros": ("POST", "/v1/deals", {"name": "D", "amount": "1000"}),
    "amount-with-5-decimals": ("POST", "/v1/deals", {"name": "D", "amount": "0.00001"}),
    "amount-1e20": ("POST", "/v1/deals", {"name": "D", "amount": "1e20"}),
    "patch-amount-1e20": ("PATCH", "/v1/deals/{deal}", {"amount": "1e20"}),
    "employee-count-2-31": ("POST", "/v1/companies", {"name": "A", "employee_count": 2**31}),
    "employee-count-2-64": ("POST", "/v1/companies", {"name": "A", "employee_count": 2**64}),
    "duration-2-40": ("POST", "/v1/activities", {"type": "call", "contact_id": "{contact}", "duration_seconds": 2**40}),
    "nul-in-name": ("POST", "/v1/companies", {"name": "A\u0000B"}),
    "nul-in-event": ("POST", "/v1/events",
                     {"type": "email.opened", "data": {"message_id": "<m\u0000>", "email": "a@b.example"}}),
    "activity-time-without-offset": ("POST", "/v1/activities",
                                     {"type": "call", "contact_id": "{contact}", "occurred_at": NAIVE}),
    "patch-time-without-offset": ("PATCH", "/v1/activities/{activity}", {"occurred_at": NAIVE}),
    "event-time-without-offset": ("POST", "/v1/events", {**OPENED, "occurred_at": NAIVE}),
    "key-expiry-without-offset": ("POST", "/v1/api_keys",
                                  {"name": "k", "scopes": ["read"], "expires_at": "2999-01-01T00:00:00"}),
})


EVENT_CASES = cases({
    "unknown-type": ({"type": "email.teleported", "data": {}}, 422, "email.teleported"),
    "not-postable": ({"type": "deal.won", "data": {}}, 422, "deal.won"),
    "record-event": ({"type": "contact.created", "data": {}}, 422, "contact.created"),
    "malformed-type": ({"type": "Deal Won", "data": {}}, 400, "type"),
    "data-missing": ({"type": "email.opened"}, 400, "data"),
    "data-without-message-id": ({"type": "email.opened", "data": {"email": "ada@acme.example"}}, 422, "message_id"),
    "data-with-bad-email": ({"type": "email.opened", "data": {"message_id": "<m>", "email": "nope"}}, 422, "email"),
    "data-with-bad-time": ({"type": "meeting.booked", "data": {"email": "a@b.example", "title": "Demo",
                                                               "starts_at": "soon", "ends_at": "later"}}, 422,
                           "starts_at"),
    "occurred-at-not-a-time": ({**OPENED, "occurred_at": "yesterday"}, 400, "occurred_at"),
})


async def refused_or_kept_exactly(api: Api, method: str, url: str, payload: Any, world: dict[str, str]) -> None:
    """Edge values may be refused (4xx, nothing changed) or accepted, but then read back as answered."""
    url, payload = url.format(**world), _fill(payload, world)
    before = await snapshot(api)
    answer = await send(api, method, url, payload)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert_problem(answer, answer.status_code)
        assert await snapshot(api) == before
        return
    body = answer.json()
    read = (await api.get(url if method == "PATCH" else f"{url}/{body['id']}")).json()
    assert read == {k: body.get(k) for k in read}


class TestBadInput:
    @pytest.mark.parametrize(("method", "path", "payload", "mention"), TYPE_CASES)
    async def test_refuses_wrongly_typed_values_and_changes_nothing(
            self, api: Api, world: dict[str, str], method: str, path: str, payload: Any, mention: str | None) -> None:
        await refused(api, method, path, payload, 400, mention, world=world)

    @pytest.mark.parametrize(("method", "path", "payload", "status"), UNKNOWN_FIELD_CASES)
    async def test_refuses_unknown_fields_and_creates_nothing(
            self, api: Api, world: dict[str, str], method: str, path: str, payload: Any, status: int) -> None:
        await refused(api, method, path, payload, status, "nickname", world=world)

    @pytest.mark.parametrize(("method", "path", "payload"), RAW_CASES)
    async def test_refuses_malformed_or_empty_json_and_changes_nothing(
            self, api: Api, world: dict[str, str], method: str, path: str, payload: bytes) -> None:
        await refused(api, method, path, payload, 400, world=world)

    @pytest.mark.parametrize("path", ["/v1/companies", "/v1/events", "/v1/actions/contact.create"])
    async def test_refuses_a_body_over_the_size_limit_with_413_and_creates_nothing(
            self, app: Litestar, api: Api, world: dict[str, str], path: str) -> None:
        too_big = b'{"name": "' + b"x" * Hub.of(app).settings.max_request_bytes + b'"}'
        await refused(api, "POST", path, too_big, 413)

    @pytest.mark.parametrize(("method", "path", "payload", "mention"), RULE_CASES)
    async def test_refuses_writes_that_break_a_rule_with_422_and_changes_nothing(
            self, api: Api, world: dict[str, str], method: str, path: str, payload: Any, mention: str) -> None:
        await refused(api, method, path, payload, 422, mention, world=world)

    @pytest.mark.parametrize(("method", "path", "payload", "mention"), NON_FINITE_CASES)
    async def test_refuses_amounts_that_are_not_finite_numbers_and_changes_nothing(
            self, api: Api, world: dict[str, str], method: str, path: str, payload: Any, mention: str) -> None:
        await refused(api, method, path, payload, 422, mention, world=world)

    @pytest.mark.parametrize(("method", "path", "payload"), EDGE_CASES)
    async def test_edge_values_are_refused_or_stored_exactly_never_a_500(
            self, api: Api, world: dict[str, str], method: str, path: str, payload: Any) -> None:
        await refused_or_kept_exactly(api, method, path, payload, world)

    @pytest.mark.parametrize(("path", "param"), [("/v1/companies", "updated_since"), ("/v1/deals", "updated_since"),
                                                 ("/v1/events", "since"), ("/v1/events", "until")])
    async def test_a_query_time_without_offset_is_never_a_500(self, api: Api, path: str, param: str) -> None:
        answer = await api.get(path, params={param: NAIVE})
        assert answer.status_code in (200, 400), answer.text
        if answer.status_code == 400:
            assert_problem(answer, 400, param)

    @pytest.mark.parametrize("path", ["/v1/contacts/con_a%00b", "/v1/endpoints/ep_a%00b", "/v1/jobs/job_%00",
                                      "/v1/connections/a%00b"])
    async def test_a_nul_in_a_path_id_is_refused_never_a_500(self, api: Api, path: str) -> None:
        assert_problem(await api.get(path), 400, "NUL")

    @pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
    async def test_refuses_a_custom_number_that_is_not_finite(self, api: Api, world: dict[str, str],
                                                              value: str) -> None:
        await api.create("custom_fields", {"record_type": "deal", "key": "score", "label": "Score", "type": "number"})
        await refused(api, "POST", "/v1/deals", {"name": "D", "custom_fields": {"score": value}}, 422, "score")
        await refused(api, "PATCH", f"/v1/deals/{world['deal']}", {"custom_fields": {"score": value}}, 422, "score")

    @pytest.mark.parametrize(("path", "params", "mention"), QUERY_CASES)
    async def test_refuses_bad_list_queries_with_400(self, api: Api, world: dict[str, str], path: str,
                                                     params: dict[str, Any], mention: str) -> None:
        assert_problem(await api.get(path.format(**world), params=params), 400, mention)

    async def test_refuses_a_cursor_from_another_list(self, api: Api, world: dict[str, str]) -> None:
        await api.create("companies", {"name": "Second"})
        cursor = (await api.get("/v1/companies", params={"limit": 1})).json()["next_cursor"]
        assert cursor
        assert_problem(await api.get("/v1/deals", params={"cursor": cursor}), 400, "cursor")
        assert_problem(await api.get("/v1/events", params={"cursor": cursor}), 400, "cursor")
        assert_problem(await api.get("/v1/api_keys", params={"cursor": cursor}), 400, "cursor")
        assert (await api.get("/v1/companies", params={"cursor": cursor})).status_code == 200

    @pytest.mark.parametrize("method", ["PATCH", "DELETE"])
    @pytest.mark.parametrize(("if_match", "status"), [('"7"', 412), ('W/"7"', 412), ('"abc"', 400), ("v1", 400),
                                                      ('"-1"', 400)])
    async def test_refuses_a_stale_or_malformed_if_match_and_changes_nothing(
            self, api: Api, world: dict[str, str], method: str, if_match: str, status: int) -> None:
        payload = {"name": "Changed"} if method == "PATCH" else None
        await refused(api, method, f"/v1/deals/{world['deal']}", payload, status, headers={"If-Match": if_match})

    async def test_refuses_custom_field_values_that_break_their_definition(self, api: Api,
                                                                          world: dict[str, str]) -> None:
        await api.create("custom_fields", {"record_type": "deal", "key": "region", "label": "Region",
                                           "type": "select", "options": ["EMEA", "AMER"]})
        await api.create("custom_fields", {"record_type": "deal", "key": "seats", "label": "Seats",
                                           "type": "integer"})
        deal = f"/v1/deals/{world['deal']}"
        for custom in ({"region": "MARS"}, {"planet": "Mars"}, {"seats": "many"}, {"region": ["EMEA"]}):
            mention = next(iter(custom))
            await refused(api, "POST", "/v1/deals", {"name": "D", "custom_fields": custom}, 422, mention)
            await refused(api, "PATCH", deal, {"custom_fields": custom}, 422, mention)
            await refused(api, "POST", "/v1/actions/deal.create", {"name": "D", "custom_fields": custom}, 422, mention)
        await refused(api, "POST", "/v1/contacts", {"first_name": "A", "custom_fields": {"region": "EMEA"}}, 422,
                      "region")
        await refused(api, "POST", "/v1/deals", {"name": "D", "custom_fields": ["EMEA"]}, 400, "custom_fields")
        assert (await api.patch(deal, {"custom_fields": {"region": "EMEA"}})).status_code == 200

    async def test_refuses_a_record_missing_a_required_custom_field(self, api: Api, world: dict[str, str]) -> None:
        await api.create("custom_fields", {"record_type": "deal", "key": "region", "label": "Region",
                                           "type": "select", "options": ["EMEA", "AMER"], "required": True})
        await refused(api, "POST", "/v1/deals", {"name": "D"}, 422, "region")
        await refused(api, "POST", "/v1/deals", {"name": "D", "custom_fields": {"region": None}}, 422, "region")
        await refused(api, "POST", f"/v1/leads/{world['lead']}/convert", {"create_deal": True}, 422, "region")
        created = await api.create("deals", {"name": "D", "custom_fields": {"region": "AMER"}})
        assert created["custom_fields"] == {"region": "AMER"}

    async def test_refuses_changing_what_a_custom_field_is(self, api: Api, world: dict[str, str]) -> None:
        field = await api.create("custom_fields", {"record_type": "deal", "key": "region", "label": "Region",
                                                   "type": "text"})
        for change in ({"type": "integer"}, {"key": "area"}, {"record_type": "contact"}):
            await refused(api, "PATCH", f"/v1/custom_fields/{field['id']}", change, 422, next(iter(change)))
        await refused(api, "POST", "/v1/custom_fields", {**{k: field[k] for k in ("record_type", "key", "label",
                                                                                  "type")}}, 409)

    async def test_refuses_an_idempotency_key_reused_with_another_body(self, api: Api) -> None:
        headers = {"Idempotency-Key": "once"}
        first = await api.post("/v1/events", OPENED, headers=headers)
        assert first.status_code == 201, first.text
        other = {**OPENED, "data": {**OPENED["data"], "message_id": "<m2@mail.example>"}}
        await refused(api, "POST", "/v1/events", other, 409, "idempotency-key", headers=headers)
        await refused(api, "POST", "/v1/contacts", {"first_name": "A"}, 409, "idempotency-key", headers=headers)
        assert (await snapshot(api))["events"] == [first.json()["id"]]
        await refused(api, "POST", "/v1/events", OPENED, 400, "idempotency-key", headers={"Idempotency-Key": "k" * 256})

    @pytest.mark.parametrize(("event", "status", "mention"), EVENT_CASES)
    async def test_refuses_events_that_are_unknown_not_postable_or_off_schema(
            self, api: Api, event: dict[str, Any], status: int, mention: str) -> None:
        await refused(api, "POST", "/v1/events", event, status, mention)

    @pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer nonsense",
                                               "Bearer hub_deadbeef", "Bearer hub_deadbeef_notthesecret", "revoked",
                                               "tampered"])
    async def test_refuses_missing_invalid_and_revoked_keys_with_401(self, api: Api, world: dict[str, str],
                                                                     authorization: str | None) -> None:
        if authorization in ("revoked", "tampered"):
            made = (await api.post("/v1/api_keys", {"name": "tmp", "scopes": ["admin"]})).json()
            assert (await api.get("/v1/me", headers={"Authorization": f"Bearer {made['key']}"})).status_code == 200
            if authorization == "revoked":
                assert (await api.delete(f"/v1/api_keys/{made['id']}")).status_code == 204
                authorization = f"Bearer {made['key']}"
            else:
                authorization = f"Bearer {made['key'][:-2]}xx"
        headers = {} if authorization is None else {"Authorization": authorization}
        before = await snapshot(api)
        deal = f"/v1/deals/{world['deal']}"
        for method, url, payload in (("GET", "/v1/me", None), ("GET", "/v1/companies", None),
                                     ("POST", "/v1/companies", {"name": "X"}), ("PATCH", deal, {"name": "X"}),
                                     ("DELETE", deal, None), ("POST", "/v1/events", OPENED),
                                     ("POST", "/v1/api_keys", {"name": "x", "scopes": ["admin"]})):
            answer = await api.client.request(method, url, json=payload, headers=headers)
            assert_problem(answer, 401)
            assert answer.headers["www-authenticate"].startswith("Bearer")
        assert await snapshot(api) == before

    @pytest.mark.parametrize("scope", ["read", "write"])
    async def test_refuses_writes_beyond_the_keys_scope_with_403(self, api: Api, world: dict[str, str],
                                                                 scope: str) -> None:
        made = await api.post("/v1/api_keys", {"name": scope, "scopes": [scope]})
        assert made.status_code == 201, made.text
        limited = Api(api.client, api.org_id, made.json()["key"])
        assert (await limited.get("/v1/companies")).status_code == 200
        cases = [("POST", "/v1/users", {"name": "U", "email": "u@x.example"}),
                 ("POST", "/v1/pipelines", {"name": "P", "stages": [{"key": "a", "label": "A"}]}),
                 ("POST", "/v1/custom_fields", {"record_type": "deal", "key": "x", "label": "X", "type": "text"}),
                 ("POST", "/v1/api_keys", {"name": "escalate", "scopes": ["admin"]}),
                 ("DELETE", f"/v1/api_keys/{made.json()['id']}", None)]
        if scope == "read":
            deal = f"/v1/deals/{world['deal']}"
            cases += [("POST", "/v1/companies", {"name": "Nope"}), ("PATCH", deal, {"name": "X"}),
                      ("DELETE", deal, None), ("POST", "/v1/events", OPENED),
                      ("POST", "/v1/actions/contact.create", {"first_name": "X"}),
                      ("POST", f"/v1/leads/{world['lead']}/convert", {})]
        before = await snapshot(api)
        for method, url, payload in cases:
            assert_problem(await send(limited, method, url, payload), 403)
        assert await snapshot(api) == before
        keys = (await api.get("/v1/api_keys")).json()["data"]
        assert len(keys) == 2 and all(k["revoked_at"] is None for k in keys)
