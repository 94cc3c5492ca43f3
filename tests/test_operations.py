"""Operations: health, readiness, metrics, OpenAPI, request ids and logs that never carry a secret."""

from __future__ import annotations

import io
import json
import logging
import os

import httpx
import pytest
from litestar import Litestar

from hub import observability
from hub.app import create_app
from hub.settings import Settings
from tests.conftest import IN_CI, Api
from hub.runtime import Hub

RABBIT = os.environ.get("HUB_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")


async def _rabbit_up() -> bool:
    import aio_pika

    try:
        await (await aio_pika.connect(RABBIT, timeout=3)).close()
        return True
    except Exception:
        return False


class TestProbes:
    async def test_health_and_readiness_answer(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/health")).json() == {"status": "ok"}
        ready = await client.get("/ready")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}

    async def test_readiness_fails_while_the_broker_is_unreachable(self, settings: Settings) -> None:
        import msgspec

        app = create_app(msgspec.structs.replace(settings, broker_url="amqp://guest:guest@127.0.0.1:1/"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://hub.test") as client:
            ready = await client.get("/ready")
        await Hub.of(app).engine.dispose()
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"].startswith("unreachable")

    async def test_readiness_checks_a_real_broker(self, settings: Settings) -> None:
        import msgspec

        if not await _rabbit_up():
            if IN_CI:
                pytest.fail("CI=true but RabbitMQ is unreachable")
            pytest.skip("RabbitMQ is not reachable")
        app = create_app(msgspec.structs.replace(settings, broker_url=RABBIT))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://hub.test") as client:
            ready = await client.get("/ready")
        await Hub.of(app).engine.dispose()
        assert ready.status_code == 200 and ready.json()["checks"]["broker"] == "ok"


class TestMetricsAndSchema:
    async def test_counts_requests_by_route_template(self, api: Api, client: httpx.AsyncClient) -> None:
        await api.get("/v1/contacts/con_nothing")
        text = (await client.get("/metrics")).text
        assert 'hub_requests_total{' in text
        assert 'path="/v1/contacts/{record_id}"' in text and "con_nothing" not in text

    async def test_openapi_documents_every_endpoint(self, app: Litestar, client: httpx.AsyncClient) -> None:
        schema = (await client.get("/schema/openapi.json")).json()
        documented = {path for path in schema["paths"]}
        served = {route.path.replace(":str", "") for route in app.routes if not route.path.startswith("/schema")}
        assert served <= documented
        assert "DealCreate" in schema["components"]["schemas"]


class TestLogs:
    @pytest.mark.parametrize("secret", ["hub_0123abcd_s3cr3t-part", "hubat_Zm9vYmFy-access", "hubrt_cmVmcmVzaA",
                                        "hubcs_Y2xpZW50", "xoxb-1234-5678-abcdEFGH", "whsec_c2lnbmluZw==",
                                        "Bearer some.jwt.value"])
    def test_a_token_shaped_string_is_redacted_wherever_it_is_logged(self, secret: str) -> None:
        logged = observability.redact(None, "info", {"event": "x", "note": f"the provider said {secret} twice"})
        assert "[redacted]" in logged["note"] and secret.split("_", 1)[-1].split("-", 1)[-1] not in logged["note"]

    def test_a_count_under_a_secret_looking_key_is_kept(self) -> None:
        logged = observability.redact(None, "info", {"event": "x", "oauth_authorizations": 3,
                                                     "tokens_refreshed": 0, "token": "abc"})
        assert (logged["oauth_authorizations"], logged["tokens_refreshed"], logged["token"]) == (3, 0, "[redacted]")

    def test_the_twilio_librarys_line_per_call_is_quieted(self) -> None:
        stream = io.StringIO()
        observability.configure_logging("INFO", "json", stream=stream)
        try:
            logging.getLogger("twilio.http_client").info("-- BEGIN Twilio API Request --")
            logging.getLogger("twilio.http_client").warning("twilio.retrying")
        finally:
            observability.configure_logging("WARNING", "json")
        assert "BEGIN Twilio" not in stream.getvalue() and "twilio.retrying" in stream.getvalue()

    async def test_log_lines_carry_request_and_org_ids_and_never_the_key(self, api: Api) -> None:
        stream = io.StringIO()
        observability.configure_logging("INFO", "json", stream=stream)
        try:
            answer = await api.get("/v1/contacts", headers={"X-Request-ID": "req-123"})
            await api.get("/v1/me", headers={"Authorization": f"Bearer {api.key}x"})
            observability.structlog.get_logger("test").info("test.secret.logged", api_key=api.key,
                                                              note=f"Bearer {api.key}")
            try:
                raise ConnectionError("broker went away")
            except ConnectionError:
                logging.getLogger("aiormq.connection").warning("library line with %s", api.key, exc_info=True)
        finally:
            observability.configure_logging("WARNING", "json")
        assert answer.headers["x-request-id"] == "req-123"
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        done = next(line for line in lines if line.get("request_id") == "req-123")
        assert done["event"] == "http.request.done" and done["org_id"] == api.org_id and done["status"] == 200
        secret = api.key.split("_", 2)[2]
        assert secret not in stream.getvalue()
        library = next(line for line in lines if line.get("logger") == "aiormq.connection")
        assert library["level"] == "warning" and "ConnectionError: broker went away" in library["exception"]
        logged = next(line for line in lines if line["event"] == "test.secret.logged")
        assert logged["api_key"] == "[redacted]" and "[redacted]" in logged["note"]
