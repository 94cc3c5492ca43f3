"""Endpoints and their secrets, and the operator's hand on messages: resend, recover, test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import ActionContext, Catalog
from hub.crypto import Cipher
from hub.db import new_id, utcnow
from hub.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from hub.net.ssrf import Policy, check_url_resolving
from hub.uow import touch
from webhooks import signing
from webhooks.fanout import envelope
from webhooks.models import Endpoint, EndpointSecret, Message
from webhooks.schemas import EndpointIn, EndpointOut, EndpointPatch

__all__ = ["Webhooks", "purge_payloads"]

RESERVED_HEADERS = {"host", "content-type", "content-length", "user-agent", "webhook-id", "webhook-timestamp",
                    "webhook-signature", "transfer-encoding", "connection"}


@dataclass
class Webhooks:
    """What the endpoint API needs beyond the request: encryption, the SSRF policy, the catalog."""

    cipher: Cipher
    ssrf: Policy
    catalog: Catalog
    secret_grace: timedelta

    def out(self, endpoint: Endpoint) -> EndpointOut:
        names = sorted(self._headers(endpoint)) if endpoint.headers_enc else []
        return EndpointOut(**{f: getattr(endpoint, f) for f in EndpointOut.__struct_fields__ if f != "header_names"},
                           header_names=names)

    async def get(self, ctx: ActionContext, endpoint_id: str) -> Endpoint:
        endpoint = await ctx.session.scalar(select(Endpoint).where(Endpoint.id == endpoint_id,
                                                                   Endpoint.org_id == ctx.org_id))
        if endpoint is None:
            raise NotFound(f"No endpoint {endpoint_id!r} in this organization.")
        return endpoint

    async def create(self, ctx: ActionContext, data: EndpointIn) -> tuple[Endpoint, str]:
        await self._check(data.url, data.event_types, data.headers)
        endpoint = Endpoint(id=new_id("ep"), org_id=ctx.org_id, url=data.url, description=data.description,
                            event_types=data.event_types, rate_limit=data.rate_limit,
                            max_concurrency=data.max_concurrency, ordered=data.ordered, state=data.state)
        endpoint.headers_enc = self._seal_headers(endpoint.id, data.headers)
        ctx.session.add(endpoint)
        await ctx.session.flush()
        return endpoint, await self._new_secret(ctx.session, endpoint.id)

    async def update(self, ctx: ActionContext, endpoint_id: str, data: EndpointPatch, if_match: int | None) -> Endpoint:
        endpoint = await self.get(ctx, endpoint_id)
        self.not_managed(endpoint)
        if if_match is not None and if_match != endpoint.version:
            raise PreconditionFailed(f"If-Match names version {if_match}; the endpoint is at {endpoint.version}.")
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET}
        await self._check(changes.get("url", endpoint.url), changes.get("event_types", endpoint.event_types),
                    changes.get("headers", {}))
        if "headers" in changes:
            endpoint.headers_enc = self._seal_headers(endpoint.id, changes.pop("headers"))
        for name, value in changes.items():
            setattr(endpoint, name, value)
        endpoint.updated_at = utcnow()
        await ctx.session.flush()
        return endpoint

    @staticmethod
    def not_managed(endpoint: Endpoint) -> None:
        """Refuse to change or remove by hand an endpoint that another part of the hub owns."""
        if endpoint.managed_by:
            owner = endpoint.managed_by.removeprefix("hook:")
            raise Conflict(f"Endpoint {endpoint.id} belongs to REST hook {owner}; unsubscribe with "
                           f"DELETE /v1/hooks/{owner} instead." if endpoint.managed_by.startswith("hook:")
                           else f"Endpoint {endpoint.id} is managed by {endpoint.managed_by}.")

    async def set_state(self, ctx: ActionContext, endpoint_id: str, state: str) -> Endpoint:
        """Pause, or enable again; enabling a disabled endpoint forgets its failure streak."""
        endpoint = await self.get(ctx, endpoint_id)
        endpoint.state, endpoint.updated_at = state, utcnow()
        touch(ctx.session, "webhooks")
        if state == "enabled":
            endpoint.disabled_reason, endpoint.failing_since, endpoint.warned_at = None, None, None
        await ctx.session.flush()
        return endpoint

    async def secret(self, ctx: ActionContext, endpoint_id: str) -> tuple[str, datetime | None]:
        await self.get(ctx, endpoint_id)
        now = utcnow()
        rows = list((await ctx.session.execute(select(EndpointSecret).where(
            EndpointSecret.endpoint_id == endpoint_id,
            (EndpointSecret.expires_at.is_(None)) | (EndpointSecret.expires_at > now)))).scalars())
        current = next(r for r in rows if r.expires_at is None)
        previous = max((r.expires_at for r in rows if r.expires_at is not None), default=None)
        return self._open_secret(current), previous

    async def rotate(self, ctx: ActionContext, endpoint_id: str) -> tuple[str, datetime]:
        """A new current secret; the old one keeps signing, beside it, for the grace period."""
        endpoint = await self.get(ctx, endpoint_id)
        endpoint.updated_at = utcnow()  # a new version: workers read the endpoint's keys again
        expires = utcnow() + self.secret_grace
        await ctx.session.execute(update(EndpointSecret).where(
            EndpointSecret.endpoint_id == endpoint_id, EndpointSecret.expires_at.is_(None)).values(expires_at=expires))
        return await self._new_secret(ctx.session, endpoint_id), expires

    async def send_test(self, ctx: ActionContext, endpoint_id: str) -> Message:
        touch(ctx.session, "webhooks")
        endpoint = await self.get(ctx, endpoint_id)
        now, message_id = utcnow(), new_id("msg")
        body = envelope("webhook.test", now, {"message": "A test delivery from the CRM hub."}, id=message_id)
        message = Message(id=message_id, org_id=ctx.org_id, endpoint_id=endpoint.id, event_type="webhook.test",
                          payload=body.decode(), status="pending", attempt_count=0, next_attempt_at=now,
                          created_at=now)
        ctx.session.add(message)
        await ctx.session.flush()
        return message

    async def resend(self, ctx: ActionContext, message_id: str) -> Message:
        touch(ctx.session, "webhooks")
        message = await ctx.session.scalar(select(Message).where(Message.id == message_id,
                                                                 Message.org_id == ctx.org_id))
        if message is None:
            raise NotFound(f"No message {message_id!r} in this organization.")
        if message.payload is None:
            raise Conflict("The payload of this message has been purged after its retention period.")
        message.status, message.next_attempt_at, message.finished_at = "pending", utcnow(), None
        await ctx.session.flush()
        return message

    async def recover(self, ctx: ActionContext, endpoint_id: str, since: datetime) -> int:
        touch(ctx.session, "webhooks")
        await self.get(ctx, endpoint_id)
        result = await ctx.session.execute(update(Message).where(
            Message.org_id == ctx.org_id, Message.endpoint_id == endpoint_id, Message.status == "failed",
            Message.created_at >= since, Message.payload.is_not(None),
        ).values(status="pending", next_attempt_at=utcnow(), finished_at=None))
        return result.rowcount or 0

    async def _check(self, url: str, patterns: list[str], headers: dict[str, str]) -> None:
        await check_url_resolving(url, self.ssrf)
        nouns = {key.split(".")[0] for key in self.catalog.events}
        unknown = [p for p in patterns if p != "*" and p not in self.catalog.events
                   and not (p.endswith(".*") and p[:-2] in nouns)]
        if unknown:
            raise ValidationFailed(f"Unknown event types: {', '.join(unknown)}; see GET /v1/catalog.",
                                   errors=[{"field": "event_types", "message": f"unknown: {p}"} for p in unknown])
        if reserved := sorted(h for h in headers if h.lower() in RESERVED_HEADERS):
            raise ValidationFailed(f"These headers are set by the hub and cannot be overridden: {', '.join(reserved)}.")

    async def _new_secret(self, session: AsyncSession, endpoint_id: str) -> str:
        secret = signing.new_secret()
        session.add(EndpointSecret(id=new_id("whs"), endpoint_id=endpoint_id, expires_at=None,
                                   secret_enc=self.cipher.encrypt(secret, context=f"webhook-secret:{endpoint_id}")))
        await session.flush()
        return secret

    def _open_secret(self, row: EndpointSecret) -> str:
        return self.cipher.decrypt(row.secret_enc, context=f"webhook-secret:{row.endpoint_id}").decode()

    def _seal_headers(self, endpoint_id: str, headers: dict[str, str]) -> str | None:
        if not headers:
            return None
        return self.cipher.encrypt(json.dumps(headers), context=f"webhook-headers:{endpoint_id}")

    def _headers(self, endpoint: Endpoint) -> dict[str, Any]:
        return json.loads(self.cipher.decrypt(endpoint.headers_enc, context=f"webhook-headers:{endpoint.id}"))


async def purge_payloads(session: AsyncSession, retention: timedelta) -> int:
    """Drop the payloads of finished messages past the retention window; attempts and metadata stay."""
    result = await session.execute(update(Message).where(
        Message.created_at < utcnow() - retention, Message.status != "pending", Message.payload.is_not(None),
    ).values(payload=None))
    return result.rowcount or 0
