"""`POST /v1/inbound/xero`, where Xero posts its webhooks, and choosing the organisation a connection syncs with."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.accounting.sync import queue_pull
from connectors.xero import inbound
from connectors.xero.client import XeroClient, from_refresher
from connectors.xero.manifest import SIGNATURE_HEADER
from connectors.xero.settings import XeroSettings
from hub.deps import Ctx
from hub.errors import Conflict, ValidationFailed
from hub.runtime import Hub
from oauth import OAuth

__all__ = ["INBOUND_PATH", "choose_account", "xero_webhook"]

INBOUND_PATH = "/v1/inbound/xero"


class AccountIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    account_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class AccountOut(msgspec.Struct, kw_only=True):
    connection_id: str
    account_id: str
    account_name: str | None


@put("/v1/connections/{connection_id:str}/account", tags=["Connections"], opt={"scope": "admin"},
     summary="Choose the organisation a Xero connection syncs with",
     description="Xero grants can reach several organisations; the choice must be one `GET /connections` at "
                 "Xero lists for this grant. A grant that reaches only one is chosen by itself.")
async def choose_account(ctx: Ctx, request: Request[Any, Any, Any], connection_id: FromPath[str],
                         data: JSONBody[AccountIn]) -> AccountOut:
    hub = Hub.of(request)
    oauth = hub.service(OAuth)
    connection = await oauth.get(ctx, connection_id)
    if connection.provider != "xero":
        raise Conflict(f"Connection {connection_id} is {connection.provider}; its account comes with the grant.")
    # Hand the request's connection back before asking Xero: a token refresh needs one, and SQLite has one.
    await ctx.session.commit()
    async with XeroClient(from_refresher(oauth.refresher, hub.sessions, connection.id),
                          base_url=hub.config(XeroSettings).api_url) as client:
        tenants = {t["tenantId"]: t.get("tenantName") for t in await client.connections()}
    if data.account_id not in tenants:
        raise ValidationFailed(f"This Xero grant does not reach organisation {data.account_id}; it reaches "
                               f"{len(tenants)}.")
    connection = await oauth.get(ctx, connection_id)
    connection.external_account_id = data.account_id
    return AccountOut(connection_id=connection.id, account_id=data.account_id, account_name=tenants[data.account_id])


@post(INBOUND_PATH, tags=["Accounting sync"], security=[], status_code=200,
      summary="Xero's webhooks, and its intent-to-receive probe",
      description="Verified by `x-xero-signature`. Xero expects 200 for a correctly signed delivery and 401 "
                  "for any other, both with an empty body; that is how it checks the endpoint before use.")
async def xero_webhook(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
    body = await request.body()
    verdict = inbound.receive(body, request.headers.get(SIGNATURE_HEADER),
                              Hub.of(request).config(XeroSettings).webhook_key)
    for change in verdict.changes:
        if change.category == "invoice":
            await queue_pull(db, "xero", change.tenant_id, "INVOICE", change.resource_id,
                             change.occurred_at.isoformat())
    return Response(b"", status_code=verdict.status, media_type="text/plain")
