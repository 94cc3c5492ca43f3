"""The OpenAPI document walked operation by operation: each documents its problem answers, every parameter and
body has a description and an example, `Idempotency-Key` is documented where it is honoured, and public
routes do not claim to need a key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.di import Provide

from hub.apidocs import ERRORS, complete
from hub.app import MODULES

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get("/schema/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, item[method]) for path, item in document["paths"].items() for method in METHODS
            if method in item]


def _public_paths() -> set[str]:
    """The paths of every module's public routes: an app made of those routes alone lists them."""
    unused = {name: Provide(lambda: None, sync_to_thread=False) for name in ("hub", "catalog")}  # never called
    app = Litestar(route_handlers=[r for m in MODULES for r in m.public], openapi_config=None, dependencies=unused)
    return {route.path_format for route in app.routes}


class TestEveryOperation:
    def test_documents_its_problem_answers(self, document: dict[str, Any]) -> None:
        operations = _operations(document)
        assert len(operations) > 80
        missing = [(m, p, s) for p, m, op in operations for s in ERRORS if str(s) not in op["responses"]]
        assert missing == []
        problem = document["paths"]["/v1/contacts"]["post"]["responses"]["422"]["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert set(problem["example"]) == {"type", "title", "status", "detail", "instance"}
        assert set(document["components"]["schemas"]["Problem"]["required"]) == {
            "type", "title", "status", "detail", "instance"}

    def test_describes_and_exemplifies_every_parameter_and_body(self, document: dict[str, Any]) -> None:
        bare = []
        for path, method, op in _operations(document):
            for param in op.get("parameters", []):
                if not param.get("description") or not ("example" in param or "examples" in param):
                    bare.append((method, path, param["name"]))
            if body := op.get("requestBody"):
                if not body.get("description") or not all("example" in m or "examples" in m
                                                           for m in body["content"].values()):
                    bare.append((method, path, "body"))
        assert bare == []

    def test_idempotency_key_is_documented_where_it_is_honoured(self, document: dict[str, Any]) -> None:
        create = document["paths"]["/v1/contacts"]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
        listing = document["paths"]["/v1/contacts"]["get"]
        assert not any(p["name"] == "Idempotency-Key" for p in listing.get("parameters", []))

    def test_public_routes_do_not_claim_a_key_and_the_api_does(self, document: dict[str, Any]) -> None:
        public = _public_paths() & set(document["paths"])
        assert "/oauth/token" in public and len(public) >= 5
        claims = [(m, p) for p, m, op in _operations(document) if p in public and op.get("security") != []]
        assert claims == []
        assert "security" not in document["paths"]["/v1/contacts"]["get"]  # the document's default: a key
        assert document["security"] == [{"apiKey": []}]


class TestTheWalk:
    def test_keeps_what_an_operation_declares_itself(self) -> None:
        own = {"description": "Mine", "content": {}}
        document = {"paths": {"/x": {"get": {"responses": {"404": own}, "parameters": [
            {"name": "q", "in": "query", "description": "Given", "example": "y", "schema": {"type": "string"}}]}}}}
        done = complete(document, {})
        assert done["paths"]["/x"]["get"]["responses"]["404"] is own
        assert done["paths"]["/x"]["get"]["parameters"][0]["description"] == "Given"


class TestFormBodies:
    @pytest.mark.parametrize(("path", "fields"), [
        ("/oauth/token", {"grant_type", "code", "code_verifier", "refresh_token", "client_id", "client_secret"}),
        ("/oauth/revoke", {"token", "token_type_hint"}),
        ("/oauth/authorize", {"csrf_token", "decision", "api_key", "code_challenge"}),
        ("/twilio/orgs/{org_id}/status", {"CallSid", "CallStatus", "CallDuration"}),
        ("/twilio/calls/{call_id}/dial-ended", {"DialCallStatus", "DialCallDuration", "RecordingUrl"}),
    ])
    def test_a_form_read_by_its_route_is_described_field_by_field(self, document: dict[str, Any], path: str,
                                                                  fields: set[str]) -> None:
        body = document["paths"][path]["post"]["requestBody"]
        form = body["content"]["application/x-www-form-urlencoded"]
        properties = form["schema"]["properties"]
        assert fields <= set(properties)
        assert all(p["description"] for p in properties.values())
        assert set(form["schema"]["required"]) <= set(properties) and set(form["example"]) == set(properties)
