"""The consent page: rendering, and its CSRF guard (a signed nonce in a cookie, a form token bound to it).

The page is reached by a redirect from another site, so the guard cannot rely on a session: the first
visit sets a cookie holding a signed random nonce, and the form carries a signature of that nonce, which a
page on another site can neither read nor make (the synchronizer token pattern, as the portal uses).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType

from hub.web import asset_url

__all__ = ["COOKIE", "SCOPE_TEXT", "check_form_token", "form_token", "render"]

COOKIE = "hub_oauth"
COOKIE_SECONDS = 3600
SCOPE_TEXT = {"read": "read records, events and the delivery log",
              "write": "create and change records, and subscribe to events",
              "admin": "manage API keys, endpoints and the organization's settings"}
_OPTIONS = {"digest_method": hashlib.sha256, "key_derivation": "hmac"}
_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class _Signers:
    def __init__(self, keys: tuple[bytes, ...]) -> None:
        oldest_first = list(reversed(keys))  # itsdangerous signs with the last key and accepts them all
        self.cookie = URLSafeTimedSerializer(oldest_first, salt="hub.oauth.consent", signer_kwargs=_OPTIONS)
        self.csrf = Signer(oldest_first, salt="hub.oauth.csrf", sep=".", **_OPTIONS)  # type: ignore[arg-type]


@lru_cache(maxsize=8)
def _signers_for(keys: tuple[bytes, ...]) -> _Signers:
    return _Signers(keys)


def _signers(request: Request[Any, Any, Any]) -> _Signers:
    return _signers_for(tuple(request.app.state.hub.settings.secret_keys))


def _nonce(request: Request[Any, Any, Any]) -> str | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        nonce = _signers(request).cookie.loads(value, max_age=COOKIE_SECONDS)
    except BadSignature:
        return None
    return nonce if isinstance(nonce, str) else None


def form_token(request: Request[Any, Any, Any]) -> tuple[Cookie | None, str]:
    """The visitor's form token, and a cookie to set when the visitor has no valid one yet."""
    signers, nonce, cookie = _signers(request), _nonce(request), None
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        secure = request.url.scheme == "https" or request.app.state.hub.settings.public_url.startswith("https://")
        cookie = Cookie(key=COOKIE, value=signers.cookie.dumps(nonce), path="/oauth", max_age=COOKIE_SECONDS,
                        httponly=True, samesite="lax", secure=secure)
    return cookie, signers.csrf.get_signature(nonce).decode()


def check_form_token(request: Request[Any, Any, Any], token: object) -> bool:
    nonce = _nonce(request)
    return (nonce is not None and isinstance(token, str) and bool(token)
            and _signers(request).csrf.verify_signature(nonce.encode(), token.encode()))


def render(name: str, status: int = 200, *, redirect_uri: str | None = None, cookie: Cookie | None = None,
           **context: Any) -> Response[str]:
    """A page with headers that keep it out of frames and caches; its form may post here and lead on to
    the client's redirect URI (browsers check `form-action` on that redirect too)."""
    html = _ENV.get_template(name).render(stylesheet=asset_url("portal.css"), **context)
    target = urlsplit(redirect_uri) if redirect_uri else None
    plain = target is not None and re.fullmatch(r"[\w.:\[\]-]+", target.netloc)
    form_action = f"'self' {target.scheme}://{target.netloc}" if target and plain else "'self'"
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                          f"form-action {form_action}; frame-ancestors 'none'; "
                                          "base-uri 'none'",
               "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
    return Response(html, status_code=status, media_type=MediaType.HTML, headers=headers,
                    cookies=[cookie] if cookie else None)
