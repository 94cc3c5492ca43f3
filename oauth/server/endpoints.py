"""`/oauth/authorize` (the consent page), `/oauth/token` and `/oauth/revoke`: the hub as an OAuth 2 provider.

Errors of the token and revocation endpoints are RFC 6749 §5.2 JSON (`{"error", "error_description"}`),
as OAuth clients expect; an API request with a bad access token gets the API's 401 problem instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from hub.apidocs import Form
from hub.db import utcnow
from hub.deps import provide_session
from hub.tenancy.auth import Principal, hash_secret, live_key
from oauth.server import service
from oauth.server._consent import SCOPE_TEXT, check_form_token, form_token, render
from oauth.server.models import AuthorizationCode
from oauth.server.server import OAUTH_PARAMS, Exchange, Grantor, HubRequest, build_server

__all__ = ["oauth_server_router"]

Db = NamedDependency[AsyncSession]


def _hub_request(request: Request[Any, Any, Any], params: list[tuple[str, str]]) -> HubRequest:
    """authlib checks the transport of this URI: the hub's public URL must be https (or loopback)."""
    if any("\x00" in name or "\x00" in value for name, value in params):  # no text column stores NUL
        raise InvalidRequestError("A parameter holds a NUL character.")
    uri = request.app.state.hub.settings.public_url.rstrip("/") + request.url.path
    return HubRequest(request.method, uri, request.headers, params)


def _answer(status: int, body: Any, headers: list[tuple[str, str]]) -> Response[Any]:
    return Response(body if body != "" else b"", status_code=status, headers=dict(headers))


def _refused(error: OAuth2Error) -> Response[Any]:
    """Back to the client when its redirect URI is known good (RFC 6749 §4.1.2.1), else a page here."""
    if error.redirect_uri:
        return _answer(*error())
    detail = f"{error.error}: {error.description}" if error.description else str(error.error)
    return render("error.html", 400, title="This authorization request is not valid", detail=detail)


def _consent(grant: Any, token: str, cookie: Any = None, status: int = 200, error: str = "") -> Response[Any]:
    data = grant.request.payload.data
    return render("consent.html", status, redirect_uri=grant.redirect_uri, cookie=cookie, error=error,
                  client_name=grant.client.name, scopes=grant.request.scope.split(), scope_text=SCOPE_TEXT,
                  params=[(name, data[name]) for name in OAUTH_PARAMS if data.get(name)], csrf_token=token,
                  redirect_host=urlsplit(grant.redirect_uri).netloc)


_CLIENT = {"client_id": "The app's client id (also the only credential of a public client).",
           "client_secret": "The app's secret, when it does not authenticate with HTTP Basic."}
AUTHORIZE_FORM = Form({
    "csrf_token": "The consent page's token; a form without a current one is refused.",
    "decision": "`approve`, or anything else to deny.",
    "api_key": "An API key of the organization, holding every scope asked for (on approval).",
    "response_type": "`code`.", "client_id": "The app's client id.", "redirect_uri": "Where the answer goes.",
    "scope": "The scopes asked for, space separated.", "state": "The app's value, answered back unchanged.",
    "code_challenge": "PKCE: the challenge derived from the app's verifier.",
    "code_challenge_method": "PKCE: `S256`."}, required=("csrf_token", "decision", "client_id"))
TOKEN_FORM = Form({
    "grant_type": "`authorization_code` or `refresh_token`.", "code": "The code the consent answered.",
    "redirect_uri": "The same `redirect_uri` the code was asked for with.",
    "code_verifier": "PKCE: the verifier whose challenge the authorization carried.",
    "refresh_token": "The refresh token to spend (with `grant_type=refresh_token`).", **_CLIENT},
    required=("grant_type",))
REVOKE_FORM = Form({"token": "An access or refresh token of the grant to end.",
                    "token_type_hint": "`access_token` or `refresh_token`, if known.", **_CLIENT},
                   required=("token",))


@get("/authorize", summary="The consent page", security=[],
     description="Where a Zapier or Make app sends a person (`response_type=code`, `client_id`, "
                 "`redirect_uri`, `scope`, `state`, and for public clients `code_challenge` with "
                 "`code_challenge_method=S256`). The person approves with an API key of their organization.")
async def authorize_page(request: Request, db: Db) -> Response[Any]:
    params = list(request.query_params.multi_items())
    client_id = request.query_params.get("client_id", "")
    exchange = Exchange(utcnow(), clients=await service.load_clients(db, {client_id}))
    try:
        hub_request = _hub_request(request, params)
        grant = build_server(exchange).get_consent_grant(hub_request)
    except OAuth2Error as error:
        return _refused(error)
    cookie, token = form_token(request)
    return _consent(grant, token, cookie)


@post("/authorize", summary="Approve or deny on the consent page", security=[], status_code=302, form=AUTHORIZE_FORM,
      description="The consent form's target; carries its CSRF token. Approval redirects to the client with "
                  "`code` and `state`, denial with `error=access_denied`.")
async def authorize(request: Request, db: Db) -> Response[Any]:
    form = await request.form()
    if not check_form_token(request, form.get("csrf_token")):
        return render("error.html", 403, title="This form has expired",
                      detail="It did not come from this page, or is too old. Start connecting again from "
                             "the app.")
    params = [(k, str(v)) for k, v in form.multi_items() if k in OAUTH_PARAMS]
    now = utcnow()
    exchange = Exchange(now, clients=await service.load_clients(db, {str(form.get("client_id", ""))}))
    server = build_server(exchange)
    try:
        hub_request = _hub_request(request, params)
        grant = server.get_consent_grant(hub_request)
    except OAuth2Error as error:
        return _refused(error)
    if form.get("decision") != "approve":
        return _answer(*server.create_authorization_response(hub_request, grant_user=None, grant=grant))
    _, token = form_token(request)
    key = await live_key(db, str(form.get("api_key", "")).strip(), now)
    if key is None:  # the typed key is not echoed back: it is a secret
        return _consent(grant, token, status=401,
                        error="That API key is not valid, or has been revoked or has expired.")
    holder = Principal(key.id, key.org_id, key.prefix, frozenset(key.scopes))
    if missing := [s for s in grant.request.scope.split() if not holder.allows(s)]:
        return _consent(grant, token, status=403,
                        error=f"That key does not hold {', '.join(missing)}; approve with a key that holds "
                              "every scope asked for.")
    grantor = Grantor(key.org_id, key.id)
    answer = server.create_authorization_response(hub_request, grant_user=grantor, grant=grant)
    await service.apply(db, exchange)
    return _answer(*answer)


async def _params(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    form = await request.form()
    params = [(k, str(v)) for k, v in form.multi_items()]
    if len({k for k, _ in params}) != len(params):  # RFC 6749 §3.2: no parameter twice
        raise InvalidRequestError("A parameter is repeated.")
    return params


def _client_ids(request: Request[Any, Any, Any], data: dict[str, str]) -> set[str]:
    basic_id, _ = extract_basic_authorization(request.headers)
    return {basic_id or "", data.get("client_id", "")}


@post("/token", summary="Exchange a code, or refresh", security=[], status_code=200, form=TOKEN_FORM,
      description="`grant_type=authorization_code` (with `code`, `redirect_uri`, and `code_verifier` when "
                  "the authorization carried a challenge) or `grant_type=refresh_token`; the client "
                  "authenticates with HTTP Basic or `client_id`/`client_secret` in the form, a public client "
                  "with `client_id` alone. A refresh answers a new refresh token and spends the old one.")
async def token(request: Request, db: Db) -> Response[Any]:
    now = utcnow()
    try:
        params = await _params(request)
        data = dict(params)
        exchange = Exchange(now, clients=await service.load_clients(db, _client_ids(request, data)))
        if data.get("grant_type") == "authorization_code" and data.get("code"):
            exchange.code = await db.get(AuthorizationCode, hash_secret(data["code"]))
            source = exchange.code
        elif data.get("grant_type") == "refresh_token" and data.get("refresh_token"):
            exchange.token = source = await service.find_token(db, data["refresh_token"])
        else:
            source = None
        if source is not None:
            exchange.grantor = await service.grantor(db, source.key_id, source.org_id, now)
        answer = build_server(exchange).create_token_response(_hub_request(request, params))
    except OAuth2Error as error:
        return _answer(*error())
    if not await service.apply(db, exchange):
        answer = InvalidGrantError("The code or refresh token has been used already.")()
    return _answer(*answer)


@post("/revoke", summary="Revoke a token (RFC 7009)", security=[], status_code=200, form=REVOKE_FORM,
      description="`token` (an access or refresh token) and optionally `token_type_hint`; the client "
                  "authenticates as at `/oauth/token`. Ends the whole grant: every token issued under it. "
                  "Answers 200 for a token that is unknown or already revoked, as RFC 7009 asks.")
async def revoke(request: Request, db: Db) -> Response[Any]:
    try:
        params = await _params(request)
        data = dict(params)
        exchange = Exchange(utcnow(), clients=await service.load_clients(db, _client_ids(request, data)))
        if data.get("token"):
            exchange.token = await service.find_token(db, data["token"])
        answer = build_server(exchange).create_endpoint_response("revocation", _hub_request(request, params))
    except OAuth2Error as error:
        return _answer(*error())
    await service.apply(db, exchange)
    return _answer(*answer)


def oauth_server_router() -> Router:
    """Everything under `/oauth`; no API key: clients and people authenticate as OAuth says."""
    return Router(path="/oauth", route_handlers=[authorize_page, authorize, token, revoke],
                  dependencies={"db": Provide(provide_session)}, tags=["OAuth provider"])
