"""What the click-to-call script is served from and calls: `/embed/twilio/…`, from any CRM page.

These routes take the embed token as a bearer header, never a cookie, so they answer every origin
(`Access-Control-Allow-Origin: *`, no credentials): a page can do nothing here that its token does not
already allow from anywhere, and the token only starts and follows calls of the one rep it names.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.twilio.embed._tokens import BadToken, EmbedClaims, embed_signer
from connectors.twilio.models import Call
from connectors.twilio.schemas import CallIn, EmbedCallIn, EmbedCallOut, EmbedTokenIn, EmbedTokenOut
from connectors.twilio.service import start
from hub.catalog import ActionContext
from hub.db import utcnow
from hub.deps import provide_session
from hub.errors import NotFound, Unauthorized, ValidationFailed
from hub.runtime import Hub
from hub.tenancy.auth import Principal
from hub.tenancy.models import ApiKey, User

__all__ = ["SCRIPT_PATH", "embed_router", "mint"]

SCRIPT_PATH = "/embed/twilio/click-to-call.js"
_SCRIPT = (Path(__file__).parent / "click-to-call.js").read_bytes()
_CORS = [(b"access-control-allow-origin", b"*"), (b"vary", b"Origin")]
_PREFLIGHT = [(b"access-control-allow-methods", b"GET, POST"),
              (b"access-control-allow-headers", b"Authorization, Content-Type"),
              (b"access-control-max-age", b"600")]
Db = NamedDependency[AsyncSession]


async def mint(ctx: ActionContext, request: Request[Any, Any, Any], data: EmbedTokenIn) -> EmbedTokenOut:
    """A token for one active user of the caller's organization, and the snippet that uses it."""
    user = await ctx.session.scalar(select(User).where(User.id == data.user_id, User.org_id == ctx.org_id))
    if user is None:
        raise NotFound(f"No user {data.user_id!r} in this organization.")
    if not user.active:
        raise ValidationFailed(f"User {user.id} is not active.",
                               errors=[{"field": "user_id", "message": "inactive"}])
    expires_at = datetime.fromtimestamp(int((utcnow() + timedelta(seconds=data.expires_in)).timestamp()),
                                        timezone.utc)
    settings = Hub.of(request).settings
    token = embed_signer(tuple(settings.secret_keys)).sign(
        EmbedClaims(org_id=ctx.org_id, user_id=user.id, key_id=ctx.principal.key_id, expires_at=expires_at))
    script_url = settings.public_url.rstrip("/") + SCRIPT_PATH
    return EmbedTokenOut(token=token, expires_at=expires_at, script_url=script_url,
                         snippet=f'<script src="{script_url}" data-hub-token="{token}" defer></script>')


async def _claims(request: Request[Any, Any, Any], db: AsyncSession) -> EmbedClaims:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the calling token as `Authorization: Bearer <token>`.")
    try:
        claims = embed_signer(tuple(Hub.of(request).settings.secret_keys)).open(token.strip(), utcnow())
    except BadToken as exc:
        raise Unauthorized(str(exc)) from None
    key = await db.get(ApiKey, claims.key_id)
    if key is None or key.org_id != claims.org_id or key.revoked_at is not None or (
            key.expires_at is not None and key.expires_at <= utcnow()):
        raise Unauthorized("The API key that minted this calling token has been revoked.")
    return claims


def _out(call: Call) -> EmbedCallOut:
    return EmbedCallOut(id=call.id, status=call.status, outcome=call.outcome,  # type: ignore[arg-type]
                        duration_seconds=call.duration_seconds, ended=call.ended_at is not None)


@get("/click-to-call.js", summary="The click-to-call script", sync_to_thread=False)
def script() -> Response[bytes]:
    return Response(_SCRIPT, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


@post("/calls", status_code=202, summary="Start a call for the token's rep")
async def start_call(request: Request, db: Db, data: JSONBody[EmbedCallIn]) -> EmbedCallOut:
    claims = await _claims(request, db)
    principal = Principal(key_id=claims.key_id, org_id=claims.org_id, prefix="embed",
                          scopes=frozenset({"write"}))
    call = await start(ActionContext(session=db, principal=principal),
                       CallIn(user_id=claims.user_id, contact_id=data.contact_id))
    return _out(call)


@get("/calls/{call_id:str}", summary="How a call of the token's rep is going")
async def read_call(request: Request, db: Db, call_id: FromPath[str]) -> EmbedCallOut:
    claims = await _claims(request, db)
    call = await db.scalar(select(Call).where(Call.id == call_id, Call.org_id == claims.org_id,
                                              Call.user_id == claims.user_id))
    if call is None:
        raise NotFound(f"No call {call_id!r} of this rep.")
    return _out(call)


def _cors(app: ASGIApp) -> ASGIApp:
    """Every answer (errors too) open to any origin; preflights answered here."""
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": [*_CORS, *_PREFLIGHT]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *_CORS]
                message = {**message, "headers": headers}  # type: ignore[typeddict-item]
            await send(message)

        await app(scope, receive, send_with_cors)
    return middleware


def embed_router() -> Router:
    """The script and the two calls it makes, authorized by an embed token instead of an API key."""
    return Router(path="/embed/twilio", route_handlers=[script, start_call, read_call], middleware=[_cors],
                  dependencies={"db": Provide(provide_session)}, tags=["Click-to-call"], security=[])
