"""OAuth clients registered as an operator would, a browser with its own cookies, and the steps a Zapier or
Make app takes: send the person to the consent page, take the code from the redirect, redeem it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from litestar import Litestar

from oauth.server.service import create_client
from hub.runtime import Hub

REDIRECT = "https://zapier.example/dashboard/auth/oauth/return/App101CLIAPI/"


@dataclass
class Clients:
    public: str
    confidential: str
    secret: str


@pytest.fixture
async def clients(app: Litestar) -> Clients:
    async with Hub.of(app).sessions.begin() as session:
        public, _ = await create_client(session, "Zapier", [REDIRECT], public=True)
        confidential, secret = await create_client(session, "Make", [REDIRECT])
    assert secret is not None
    return Clients(public.id, confidential.id, secret)


@pytest.fixture
async def browser(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A person's browser: its own cookies; redirects are followed by hand."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://hub.test") as client:
        yield client


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"] or ""] = a.get("value") or ""


def hidden_inputs(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.hidden


def verifier() -> str:
    return secrets.token_urlsafe(48)


def authorize_params(client_id: str, *, code_verifier: str | None = None, scope: str = "read write",
                     state: str = "zap-state-1", **extra: str) -> dict[str, str]:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": scope,
              "state": state, **extra}
    if code_verifier:
        params |= {"code_challenge": create_s256_code_challenge(code_verifier),
                   "code_challenge_method": "S256"}
    return params


async def consent(browser: httpx.AsyncClient, api_key: str, params: dict[str, str],
                  decision: str = "approve") -> httpx.Response:
    """Open the consent page, sign in with the key and decide; answers the form's answer."""
    page = await browser.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    return await browser.post("/oauth/authorize", data={**hidden_inputs(page.text), "api_key": api_key,
                                                        "decision": decision})


def redirected(answer: httpx.Response) -> dict[str, str]:
    """The query the client's redirect URI received."""
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


async def redeem(client: httpx.AsyncClient, code: str, client_id: str, *, code_verifier: str | None = None,
                 secret: str | None = None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": client_id}
    if code_verifier:
        data["code_verifier"] = code_verifier
    if secret:
        data["client_secret"] = secret
    return await client.post("/oauth/token", data=data)


async def refresh(client: httpx.AsyncClient, refresh_token: str, client_id: str,
                  **extra: Any) -> httpx.Response:
    return await client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                   "refresh_token": refresh_token, "client_id": client_id,
                                                   **extra})


async def connect(browser: httpx.AsyncClient, api_key: str, client_id: str,
                  scope: str = "read write") -> dict:
    """The whole public-client flow; answers the token response."""
    code_verifier = verifier()
    code = redirected(await consent(browser, api_key, authorize_params(client_id, code_verifier=code_verifier,
                                                                        scope=scope)))["code"]
    answer = await redeem(browser, code, client_id, code_verifier=code_verifier)
    assert answer.status_code == 200, answer.text
    return answer.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
