"""`POST /v1/inbound/quickbooks`: where Intuit posts its webhook notifications."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.accounting.sync import queue_pull
from connectors.quickbooks import inbound as intuit
from connectors.quickbooks.settings import QuickBooksSettings
from hub.errors import problem_response
from hub.runtime import Hub

__all__ = ["INBOUND_PATH", "quickbooks_webhook"]

INBOUND_PATH = "/v1/inbound/quickbooks"


@post(INBOUND_PATH, tags=["Accounting sync"], security=[], status_code=200,
      summary="Intuit's webhook notifications", description="Verified by `intuit-signature`; both the older "
      "and the CloudEvents formats. Changed invoices and payments are read back by a job.")
async def quickbooks_webhook(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
    body = await request.body()
    verifier = Hub.of(request).config(QuickBooksSettings).webhook_verifier
    try:
        changes = intuit.receive(body, request.headers.get(intuit.SIGNATURE_HEADER), verifier)
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
