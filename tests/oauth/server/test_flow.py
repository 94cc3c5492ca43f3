"""The authorization code flow with PKCE through the consent page, as a Zapier or Make app drives it."""

from __future__ import annotations

import httpx

from tests.conftest import Api
from tests.oauth.server.conftest import (REDIRECT, Clients, authorize_params, bearer, connect, consent,
                                         hidden_inputs, redeem, redirected, verifier)


class TestCodeFlow:
    async def test_a_public_client_connects_with_pkce_and_acts_for_the_organization(
            self, api: Api, browser: httpx.AsyncClient, clients: Clients) -> None:
        code_verifier = verifier()
        params = authorize_params(clients.public, code_verifier=code_verifier)
        page = await browser.get("/oauth/authorize", params=params)
        assert page.status_code == 200 and "Connect Zapier" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "https://zapier.example" in page.headers["content-security-policy"]
        back = redirected(await browser.post("/oauth/authorize", data={
            **hidden_inputs(page.text), "api_key": api.key, "decision": "approve"}))
        assert back["state"] == "zap-state-1" and back["code"]
        answer = await redeem(browser, back["code"], clients.public, code_verifier=code_verifier)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        token = answer.json()
        assert (token["token_type"], token["expires_in"], token["scope"]) == ("Bearer", 3600, "read write")
        assert token["access_token"].startswith("hubat_") and token["refresh_token"].startswith("hubrt_")
        me = await api.client.get("/v1/me", headers=bearer(token["access_token"]))
        assert me.status_code == 200 and me.json()["org_id"] == api.org_id
        assert me.json()["label"].startswith("Acme") and me.json()["scopes"] == ["read", "write"]
        made = await api.client.post("/v1/actions/contact.create", json={"first_name": "Via Zapier"},
                                     headers=bearer(token["access_token"]))
        assert made.status_code == 200, made.text
        assert (await api.get(f"/v1/contacts/{made.json()['data']['id']}")).status_code == 200

    async def test_a_confidential_client_authenticates_with_its_secret(
            self, api: Api, browser: httpx.AsyncClient, clients: Clients) -> None:
        code = redirected(await consent(browser, api.key, authorize_params(clients.confidential)))["code"]
        assert (await redeem(browser, code, clients.confidential)).status_code in (400, 401)
        answer = await browser.post("/oauth/token", auth=(clients.confidential, clients.secret), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
        assert answer.status_code == 200, answer.text
        code = redirected(await consent(browser, api.key, authorize_params(clients.confidential)))["code"]
        wrong = await redeem(browser, code, clients.confidential, secret=clients.secret + "x")
        assert wrong.status_code in (400, 401) and wrong.json()["error"] == "invalid_client"
        right = await redeem(browser, code, clients.confidential, secret=clients.secret)
        assert right.status_code == 200, right.text

    async def test_denying_sends_the_person_back_with_access_denied(
            self, api: Api, browser: httpx.AsyncClient, clients: Clients) -> None:
        params = authorize_params(clients.public, code_verifier=verifier())
        back = redirected(await consent(browser, api.key, params, decision="deny"))
        assert (back["error"], back["state"]) == ("access_denied", "zap-state-1") and "code" not in back


class TestConsentPage:
    async def test_a_public_client_without_pkce_is_sent_back_with_an_error(self, browser: httpx.AsyncClient,
                                                                           clients: Clients) -> None:
        back = redirected(await browser.get("/oauth/authorize", params=authorize_params(clients.public)))
        assert back["error"] == "invalid_request" and back["state"] == "zap-state-1"
        plain = authorize_params(clients.public, code_challenge="a" * 43, code_challenge_method="plain")
        assert redirected(await browser.get("/oauth/authorize", params=plain))["error"] == "invalid_request"

    async def test_an_unknown_client_or_redirect_uri_gets_a_page_not_a_redirect(
            self, browser: httpx.AsyncClient, clients: Clients) -> None:
        unknown = await browser.get("/oauth/authorize", params=authorize_params("cli_nobody"))
        assert unknown.status_code == 400 and "text/html" in unknown.headers["content-type"]
        elsewhere = authorize_params(clients.confidential, redirect_uri="https://evil.example/cb")
        page = await browser.get("/oauth/authorize", params=elsewhere)
        assert page.status_code == 400 and "location" not in page.headers

    async def test_without_a_scope_the_app_gets_read_and_write(self, api: Api, browser: httpx.AsyncClient,
                                                               clients: Clients) -> None:
        assert (await connect(browser, api.key, clients.public, scope=""))["scope"] == "read write"

    async def test_a_scope_the_client_may_not_have_is_refused(self, browser: httpx.AsyncClient,
                                                             clients: Clients) -> None:
        back = redirected(await browser.get("/oauth/authorize", params=authorize_params(
            clients.public, code_verifier=verifier(), scope="read admin")))
        assert back["error"] == "invalid_scope"

    async def test_an_approval_without_the_pages_form_token_is_refused(
            self, api: Api, browser: httpx.AsyncClient, clients: Clients) -> None:
        params = authorize_params(clients.public, code_verifier=verifier())
        page = await browser.get("/oauth/authorize", params=params)
        form = {**hidden_inputs(page.text), "api_key": api.key, "decision": "approve"}
        async with httpx.AsyncClient(transport=browser._transport, base_url="http://hub.test") as attacker:
            forged = await attacker.post("/oauth/authorize", data=form)  # another site's page: no cookie
        assert forged.status_code == 403 and "location" not in forged.headers
        tampered = await browser.post("/oauth/authorize",
                                      data={**form, "csrf_token": form["csrf_token"] + "x"})
        assert tampered.status_code == 403

    async def test_a_bad_key_shows_the_form_again_without_echoing_it(self, browser: httpx.AsyncClient,
                                                                     clients: Clients) -> None:
        answer = await consent(browser, "hub_deadbeef_notakey", authorize_params(clients.public,
                                                                                 code_verifier=verifier()))
        assert answer.status_code == 401 and "not valid" in answer.text and "notakey" not in answer.text
        assert hidden_inputs(answer.text)["csrf_token"]

    async def test_a_key_without_the_asked_scopes_cannot_approve(self, api: Api, browser: httpx.AsyncClient,
                                                                 clients: Clients) -> None:
        made = await api.post("/v1/api_keys", {"name": "reader", "scopes": ["read"]})
        answer = await consent(browser, made.json()["key"], authorize_params(clients.public,
                                                                             code_verifier=verifier()))
        assert answer.status_code == 403 and "write" in answer.text
        token = await connect(browser, made.json()["key"], clients.public, scope="read")
        assert token["scope"] == "read"
        refused = await api.client.post("/v1/contacts", json={"first_name": "No"},
                                        headers=bearer(token["access_token"]))
        assert refused.status_code == 403
