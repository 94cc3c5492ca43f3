"""What a worker needs to deliver to an endpoint, read once per endpoint version and kept briefly."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.crypto import Cipher
from webhooks import signing
from webhooks.models import Endpoint, EndpointSecret

__all__ = ["Target", "Targets"]


@dataclass(frozen=True)
class Target:
    """An endpoint as the worker sends to it: where, with which headers, signed with which keys, how fast."""

    endpoint_id: str
    version: int
    url: str
    headers: dict[str, str]
    keys: list[bytes]
    max_concurrency: int
    rate_limit: int | None
    valid_until: float  # monotonic: a rotated secret expires, and other processes may change the endpoint


class Targets:
    """A cache keyed by endpoint id; an entry is read again when the endpoint's version moves (every edit and
    every secret rotation bumps it), when one of its signing keys expires, or after `ttl` seconds."""

    def __init__(self, cipher: Cipher, ttl: float = 30.0) -> None:
        self.cipher, self.ttl = cipher, ttl
        self._targets: dict[str, Target] = {}

    def __getitem__(self, endpoint_id: str) -> Target:
        return self._targets[endpoint_id]

    def get(self, endpoint_id: str) -> Target | None:
        return self._targets.get(endpoint_id)

    def stale(self, versions: dict[str, int]) -> set[str]:
        """The endpoints among `versions` (id → version seen in the database) that must be read again."""
        now = time.monotonic()
        return {ep for ep, version in versions.items()
                if (t := self._targets.get(ep)) is None or t.version != version or t.valid_until <= now}

    async def load(self, session: AsyncSession, endpoint_ids: set[str], now: datetime) -> None:
        """Read the endpoints and their live signing keys, current key first."""
        endpoints = (await session.execute(
            select(Endpoint.id, Endpoint.version, Endpoint.url, Endpoint.headers_enc, Endpoint.max_concurrency,
                   Endpoint.rate_limit).where(Endpoint.id.in_(endpoint_ids)))).all()
        secrets = (await session.execute(
            select(EndpointSecret.endpoint_id, EndpointSecret.secret_enc, EndpointSecret.expires_at)
            .where(EndpointSecret.endpoint_id.in_(endpoint_ids))
            .where((EndpointSecret.expires_at.is_(None)) | (EndpointSecret.expires_at > now))
            .order_by(EndpointSecret.endpoint_id, EndpointSecret.expires_at.is_not(None),
                      EndpointSecret.created_at.desc()))).all()
        keys: dict[str, list[bytes]] = {}
        until = time.monotonic() + self.ttl
        expiry = {ep: until for ep in endpoint_ids}
        for row in secrets:
            secret = self.cipher.decrypt(row.secret_enc, context=f"webhook-secret:{row.endpoint_id}").decode()
            keys.setdefault(row.endpoint_id, []).append(signing.secret_key(secret))
            if row.expires_at is not None:
                left = (row.expires_at - now).total_seconds()
                expiry[row.endpoint_id] = min(expiry[row.endpoint_id], time.monotonic() + left)
        for row in endpoints:
            self._targets[row.id] = Target(row.id, row.version, row.url, self._headers(row.id, row.headers_enc),
                                           keys.get(row.id, []), row.max_concurrency, row.rate_limit,
                                           expiry[row.id])

    def _headers(self, endpoint_id: str, headers_enc: str | None) -> dict[str, str]:
        if not headers_enc:
            return {}
        return json.loads(self.cipher.decrypt(headers_enc, context=f"webhook-headers:{endpoint_id}"))
