"""The address guard on both sides of an endpoint: its name resolved when it is saved, and a connection the
guard refuses logged as its own error class, not as a network failure."""

from __future__ import annotations

import ipaddress
import random
import socket
from typing import ClassVar

import msgspec
import pytest
from sqlalchemy import select

from hub.crypto import Cipher
from hub.errors import ValidationFailed
from tests.webhooks.conftest import Hub
from webhooks.models import Endpoint
from webhooks.schemas import EndpointIn
from webhooks.settings import WebhookSettings
from webhooks.worker import Worker


def _internal_name() -> str:
    """This machine's own name, when it resolves to internal addresses only (it does on hosts and in
    containers alike)."""
    name = socket.gethostname().lower()
    infos = socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
    if not all(not ipaddress.ip_address(i[4][0]).is_global for i in infos):
        pytest.skip(f"{name} resolves to a public address here")
    return name


class TestSavedUrls:
    overrides: ClassVar[dict[str, str]] = {"webhook_allowed_hosts": ""}

    async def test_a_name_that_resolves_inward_is_refused_when_saved(self, hub: Hub) -> None:
        name = _internal_name()
        async with hub.sessions.begin() as session:
            with pytest.raises(ValidationFailed, match=f"{name} resolves to"):
                await hub.webhooks().create(hub.ctx(session), EndpointIn(url=f"https://{name}/hook",
                                                                         event_types=["contact.created"]))
        assert await hub.messages() == [] and not await _endpoints(hub)


async def _endpoints(hub: Hub) -> list[Endpoint]:
    return await hub._all(select(Endpoint))


class TestConnections:
    async def test_a_connection_the_guard_refuses_is_logged_as_blocked_by_policy(self, hub: Hub) -> None:
        await hub.endpoint("/guarded")  # saved while its address was allowlisted; the allowlist shrank since
        [sent] = await hub.publish()
        config = msgspec.structs.replace(hub.settings.of(WebhookSettings), allowed_hosts="")
        strict = msgspec.structs.replace(hub.settings, sections={**hub.settings.sections, config.prefix: config})
        async with Worker(hub.sessions, Cipher.from_settings(strict), strict, clock=hub.clock,
                          rng=random.Random(0)) as worker:
            await worker.run_once()
        [attempt] = await hub.attempts(sent.id)
        assert (attempt.error_class, attempt.status_code) == ("blocked_by_policy", None)
        assert hub.sent("/guarded") == []
