"""A hub whose QuickBooks and Xero live on loopback: an OAuth server for each, and each API's fake."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from connectors.quickbooks.fake import FakeQuickBooks
from connectors.xero.fake import FakeXero
from hub.app import create_app
from hub.tenancy import service
from oauth import Client
from connectors.quickbooks.manifest import OAUTH as QUICKBOOKS
from connectors.xero.manifest import OAUTH as XERO
from tests.conftest import JOB_TEST_SETTINGS, Api, make_settings, serving
from tests.oauth.fake_provider import FakeAuthServer
from hub.runtime import Hub
from oauth import OAuth

REALM = "9130350000000001"
VERIFIER, XERO_KEY = "intuit-verifier-token", "xero-webhook-key"


@dataclass
class World:
    app: Litestar
    client: httpx.AsyncClient
    intuit: FakeAuthServer
    xero_identity: FakeAuthServer
    qbo: FakeQuickBooks
    xero: FakeXero

    async def org(self, name: str = "Acme") -> Api:
        async with Hub.of(self.app).sessions.begin() as session:
            org, token = await service.create_org(session, f"{name} {uuid.uuid4().hex[:6]}")
        return Api(self.client, org.id, token)


@pytest.fixture(scope="module")
async def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    intuit = await FakeAuthServer(redirect_uri="", account=REALM).start()
    xero_identity = await FakeAuthServer(redirect_uri="", account=None).start()
    qbo = await FakeQuickBooks(validator=intuit.valid, verifier_token=VERIFIER).start()
    xero = FakeXero(validator=xero_identity.valid, webhook_key=XERO_KEY)
    await xero.start()
    settings = await make_settings(backend, tmp_path_factory.mktemp("accounting"), **JOB_TEST_SETTINGS,
                                   quickbooks_api_url=qbo.url, xero_api_url=xero.base_url,
                                   quickbooks_webhook_verifier=VERIFIER, xero_webhook_key=XERO_KEY,
                                   rate_limit_per_minute=100_000, rate_limit_burst=10_000)
    app = create_app(settings)
    intuit.redirect_uri = xero_identity.redirect_uri = Hub.of(app).service(OAuth).redirect_uri
    use_identity_servers(Hub.of(app), intuit, xero_identity)
    async with serving(app) as client:
        yield World(app, client, intuit, xero_identity, qbo, xero)
    for fake in (qbo, xero, intuit, xero_identity):
        await fake.stop()


def use_identity_servers(hub: Hub, intuit: FakeAuthServer, xero_identity: FakeAuthServer) -> None:
    """Point a hub process's QuickBooks and Xero providers at the loopback authorization servers."""
    for server, provider in ((intuit, QUICKBOOKS), (xero_identity, XERO)):
        hub.service(OAuth).registry.register(provider.at(server.url), Client(server.client_id, server.client_secret))


async def connect(api: Api, provider: str) -> dict[str, Any]:
    """Connect the organization the way its admin would: authorize, consent at the provider, come back."""
    started = await api.post(f"/v1/connections/{provider}/authorize")
    assert started.status_code == 201, started.text
    async with httpx.AsyncClient() as browser:
        consent = await browser.get(started.json()["authorization_url"])
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    answer = await api.client.get(back.path, params={k: v[0] for k, v in parse_qs(back.query).items()})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def won_deal(api: Api, *, company: str = "Initech", lines: bool = True, currency: str = "USD") -> dict:
    """A company, a deal with two products on it, and the deal won."""
    pipeline = await api.create("pipelines", {"name": "Sales", "stages": [{"key": "proposal", "label": "Proposal"}]})
    company_row = await api.create("companies", {"name": f"{company} {uuid.uuid4().hex[:4]}", "city": "Austin",
                                                 "country": "US"})
    deal = await api.create("deals", {"name": "Initech: 40 seats", "pipeline_id": pipeline["id"], "amount": "9100",
                                      "currency": currency, "company_id": company_row["id"]})
    if lines:
        await api.create("line_items", {"deal_id": deal["id"], "name": "Pro seat", "quantity": "40",
                                        "unit_price": "200", "discount_percent": "10"})
        await api.create("line_items", {"deal_id": deal["id"], "name": "Onboarding", "quantity": "1",
                                        "unit_price": "1900"})
    answer = await api.patch(f"/v1/deals/{deal['id']}", {"status": "won"})
    assert answer.status_code == 200, answer.text
    return answer.json()
