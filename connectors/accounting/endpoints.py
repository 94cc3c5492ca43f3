"""The sync log, choosing a Xero organisation, and the webhook routes QuickBooks and Xero post to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.accounting.models import SyncEntry
from connectors.accounting.sync import queue_pull
from connectors.quickbooks import inbound as intuit
from connectors.xero import inbound as xero_inbound
from connectors.quickbooks.client import oauth_tokens
from connectors.xero.client import XeroClient
from connectors.xero.manifest import SIGNATURE_HEADER as XERO_SIGNATURE
from hub.deps import Ctx
from hub.errors import Conflict, ValidationFailed, problem_response
from hub.pagination import newest_first

__all__ = ["SyncLogController", "choose_account", "quickbooks_webhook", "xero_webhook"]

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
QUICKBOOKS_PATH, XERO_PATH = "/v1/inbound/quickbooks", "/v1/inbound/xero"


class SyncEntryOut(msgspec.Struct, kw_only=True):
    id: str
    provider: str
    direction: Literal["push", "pull"]
    entity: str
    crm_type: str | None
    crm_id: str | None
    external_id: str | None
    outcome: Literal["succeeded", "retrying", "failed"]
    detail: str | None
    job_id: str | None
    at: datetime


class SyncLogPage(msgspec.Struct, kw_only=True):
    data: list[SyncEntryOut]
    next_cursor: str | None


class AccountIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    account_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class AccountOut(msgspec.Struct, kw_only=True):
    connection_id: str
    account_id: str
    account_name: str | None


class SyncLogController(Controller):
    path = "/v1/sync_log"
    tags = ["Accounting sync"]

    @get("/", summary="The accounting sync log, newest first",
         description="Every push (customer, invoice) and pull (invoice, payment) with its outcome and error.")
    async def sync_log(self, ctx: Ctx, limit: Limit = 50, cursor: FromQuery[str | None] = None,
                       provider: FromQuery[Literal["quickbooks", "xero"] | None] = None,
                       crm_id: FromQuery[str | None] = None) -> SyncLogPage:
        query = select(SyncEntry).where(SyncEntry.org_id == ctx.org_id)
        if provider:
            query = query.where(SyncEntry.provider == provider)
        if crm_id:
            query = query.where(SyncEntry.crm_id == crm_id)
        rows, next_cursor = await newest_first(ctx.session, query, SyncEntry.id, "sync_log", cursor, limit)
        return SyncLogPage(data=[msgspec.convert(r, SyncEntryOut, from_attributes=True) for r in rows],
                           next_cursor=next_cursor)


@put("/v1/connections/{connection_id:str}/account", tags=["Connections"], opt={"scope": "admin"},
     summary="Choose the organisation a Xero connection syncs with",
     description="Xero grants can reach several organisations; the choice must be one `GET /connections` at "
                 "Xero lists for this grant. A grant that reaches only one is chosen by itself.")
async def choose_account(ctx: Ctx, request: Request[Any, Any, Any], connection_id: FromPath[str],
                         data: JSONBody[AccountIn]) -> AccountOut:
    state = request.app.state
    connection = await state.oauth.get(ctx, connection_id)
    if connection.provider != "xero":
        raise Conflict(f"Connection {connection_id} is {connection.provider}; its account comes with the grant.")
    # Hand the request's connection back before asking Xero: a token refresh needs one, and SQLite has one.
    await ctx.session.commit()
    async with XeroClient(oauth_tokens(state.oauth, state.sessions, connection.id),
                          base_url=state.settings.xero_api_url) as client:
        tenants = {t["tenantId"]: t.get("tenantName") for t in await client.connections()}
    if data.account_id not in tenants:
        raise ValidationFailed(f"This Xero grant does not reach organisation {data.account_id}; it reaches "
                               f"{len(tenants)}.")
    connection = await state.oauth.get(ctx, connection_id)
    connection.external_account_id = data.account_id
    return AccountOut(connection_id=connection.id, account_id=data.account_id, account_name=tenants[data.account_id])


@post(QUICKBOOKS_PATH, tags=["Accounting sync"], security=[], status_code=200,
      summary="Intuit's webhook notifications", description="Verified by `intuit-signature`; both the older "
      "and the CloudEvents formats. Changed invoices and payments are read back by a job.")
async def quickbooks_webhook(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
    body = await request.body()
    try:
        changes = intuit.receive(body, request.headers.get(intuit.SIGNATURE_HEADER),
                                 request.app.state.settings.quickbooks_webhook_verifier)
    except intuit.BadSignature as exc:
        return problem_response(request, status=401, slug="bad-signature", title="Bad signature", detail=str(exc))
    except intuit.BadPayload as exc:
        return problem_response(request, status=400, slug="bad-payload", title="Bad payload", detail=str(exc))
    queued = 0
    for change in changes:
        if change.entity_name in ("Invoice", "Payment") and change.operation != "Delete":
            queued += await queue_pull(db, "quickbooks", change.realm_id, change.entity_name, change.entity_id,
                                       change.last_updated.isoformat())
    return Response({"received": len(changes), "queued": queued})


@post(XERO_PATH, tags=["Accounting sync"], security=[], status_code=200,
      summary="Xero's webhooks, and its intent-to-receive probe",
      description="Verified by `x-xero-signature`. Xero expects 200 for a correctly signed delivery and 401 "
                  "for any other, both with an empty body; that is how it checks the endpoint before use.")
async def xero_webhook(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
    body = await request.body()
    verdict = xero_inbound.receive(body, request.headers.get(XERO_SIGNATURE),
                                   request.app.state.settings.xero_webhook_key)
    for change in verdict.changes:
        if change.category == "invoice":
            await queue_pull(db, "xero", change.tenant_id, "INVOICE", change.resource_id,
                             change.occurred_at.isoformat())
    return Response(b"", status_code=verdict.status, media_type="text/plain")
