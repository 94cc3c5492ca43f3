"""Answers that carry a secret (a new API key, an endpoint's signing secret, a hook's secret, a portal link)
tell every cache not to keep them, also when replayed for an `Idempotency-Key`."""

from __future__ import annotations

import pytest

from tests.conftest import Api

ENDPOINT = {"url": "http://127.0.0.1:9/h", "event_types": ["deal.*"]}


async def _endpoint(api: Api) -> str:
    made = await api.post("/v1/endpoints", ENDPOINT)
    assert made.status_code == 201, made.text
    return made.json()["id"]


class TestNoStore:
    @pytest.mark.parametrize("url, body", [
        ("/v1/api_keys", {"name": "ci", "scopes": ["read"]}),
        ("/v1/endpoints", ENDPOINT),
        ("/v1/hooks", {"target_url": "http://127.0.0.1:9/zap", "event": "deal.won", "platform": "zapier"}),
        ("/v1/portal_links", {}),
    ])
    async def test_a_created_secret_is_not_cached(self, api: Api, url: str, body: dict) -> None:
        answer = await api.post(url, body)
        assert answer.status_code == 201, answer.text
        assert "no-store" in answer.headers.get("cache-control", ""), (url, answer.headers)
        replayed = await api.post(url, body, headers={"Idempotency-Key": f"nostore-{url}"})
        again = await api.post(url, body, headers={"Idempotency-Key": f"nostore-{url}"})
        assert again.headers["idempotent-replayed"] == "true"
        assert "no-store" in replayed.headers["cache-control"] and "no-store" in again.headers["cache-control"]

    async def test_an_endpoint_secret_read_or_rotated_is_not_cached(self, api: Api) -> None:
        endpoint = await _endpoint(api)
        for answer in (await api.get(f"/v1/endpoints/{endpoint}/secret"),
                       await api.post(f"/v1/endpoints/{endpoint}/secret/rotate")):
            assert answer.status_code == 200 and "no-store" in answer.headers["cache-control"], answer.headers

    async def test_an_answer_without_a_secret_says_nothing_of_caching(self, api: Api) -> None:
        assert "cache-control" not in (await api.get(f"/v1/endpoints/{await _endpoint(api)}")).headers
