"""`hub worker` as a separate process: it delivers what the database holds and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub.catalog import ActionContext, build_catalog
from hub.crypto import Cipher
from hub.db import create_engine, session_factory
from hub.events.service import append
from hub.tenancy import service as tenancy
from hub.tenancy.auth import Principal
from hub.app import create_app
from tests.conftest import WEBHOOK_TEST_SETTINGS, make_settings, new_org
from tests.webhooks.receiver import start_receiver
from webhooks.schemas import EndpointIn
from webhooks.service import Webhooks
from hub.net.ssrf import Policy


async def _rabbit_url() -> str:
    """The broker for the RabbitMQ runs; CI must have it, elsewhere those runs are skipped without it."""
    import aio_pika

    url = os.environ.get("HUB_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
    try:
        await (await aio_pika.connect(url, timeout=3)).close()
    except Exception:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true but RabbitMQ is unreachable")
        pytest.skip("RabbitMQ is not reachable")
    return url


def _env(settings: Any) -> dict[str, str]:
    names = ("data_dir", "database_url", "secret_key", "broker_url", "webhook_allowed_hosts", "webhook_retry_schedule",
             "webhook_timeout", "webhook_connect_timeout", "webhook_lease_seconds")
    return {**os.environ, "HUB_LOG_LEVEL": "INFO", "HUB_RELAY_INTERVAL_SECONDS": "0.1",
            **{f"HUB_{n.upper()}": settings.to_environ()[f"HUB_{n.upper()}"] for n in names}}


class TestWorkerProcess:
    @pytest.mark.parametrize("queue", ["embedded", "rabbitmq"])
    async def test_delivers_events_and_stops_cleanly_on_sigterm(self, backend: str, tmp_path: Any,
                                                               queue: str) -> None:
        broker = {"broker_url": await _rabbit_url()} if queue == "rabbitmq" else {}
        settings = await make_settings(backend, tmp_path, **WEBHOOK_TEST_SETTINGS, **broker)
        receiver, runner = await start_receiver()
        engine = create_engine(settings)
        sessions = session_factory(engine)
        async with sessions.begin() as session:
            org, _ = await tenancy.create_org(session, "Workers")
            ctx = ActionContext(session, Principal("k", org.id, "hub_k", frozenset({"admin"})))
            hooks = Webhooks(Cipher.from_settings(settings), Policy.parse("127.0.0.1"), build_catalog(),
                             timedelta(hours=24))
            await hooks.create(ctx, EndpointIn(url=receiver.url("/w")))
            for i in range(3):
                append(session, org.id, "email.opened", {"message_id": f"<{i}@m>", "email": "a@b.example"})
        worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"], env=_env(settings),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            got = await receiver.wait_for("/w", 3, timeout=30)
            assert sorted(json.loads(r.body)["data"]["message_id"] for r in got) == ["<0@m>", "<1@m>", "<2@m>"]
        finally:
            worker.send_signal(signal.SIGTERM)
            _, err = await asyncio.to_thread(worker.communicate, timeout=30)
            await runner.cleanup()
            await engine.dispose()
        assert worker.returncode == 0, err
        assert "webhooks.worker.stopped" in err and "Traceback" not in err
        assert f'"queue": "{queue}"' in err


class TestApiOnlyServe:
    async def test_an_api_that_does_not_deliver_leaves_its_messages_to_a_worker_process(
            self, backend: str, tmp_path: Any) -> None:
        settings = await make_settings(backend, tmp_path, **WEBHOOK_TEST_SETTINGS, serve_delivers=False)
        receiver, runner = await start_receiver()
        app = create_app(settings)
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                                      base_url="http://hub.test") as client:
            api = await new_org(app, client, "ApiOnly")
            assert (await api.post("/v1/endpoints", json={"url": receiver.url("/w")})).status_code == 201
            posted = await api.post("/v1/events", json={"type": "email.opened",
                                                        "data": {"message_id": "<1@m>", "email": "a@b.example"}})
            assert posted.status_code == 201
            messages: list[Any] = []
            for _ in range(100):  # the API process still relays: the message appears
                if messages := (await api.get("/v1/messages")).json()["data"]:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # two poll intervals of an embedded worker, had one been running here
            assert [m["status"] for m in messages] == ["pending"] and receiver.requests == []
            worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"], env=_env(settings),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                [got] = await receiver.wait_for("/w", 1, timeout=30)
            finally:
                worker.send_signal(signal.SIGTERM)
                await asyncio.to_thread(worker.communicate, timeout=30)
                await runner.cleanup()
        assert json.loads(got.body)["data"]["message_id"] == "<1@m>"
