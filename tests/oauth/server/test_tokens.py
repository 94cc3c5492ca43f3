"""Tokens of the hub's OAuth provider: rotation, revocation, expiry, forgery, replay and tenant isolation."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
from litestar import Litestar
from sqlalchemy import select, update

from hub.db import utcnow
from oauth.server.models import OAuthClient, OAuthToken
from tests.conftest import Api
from tests.oauth.server.conftest import (REDIRECT, Clients, authorize_params, bearer, connect, consent,
                                         redeem, redirected, refresh, verifier)
from hub.runtime import Hub


async def _me(api: Api, token: str) -> httpx.Response:
    return await api.client.get("/v1/me", headers=bearer(token))


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _refused(answer: httpx.Response) -> None:
    assert answer.status_code == 401 and answer.headers["content-type"].startswith("application/problem+json")


class TestRefresh:
    async def test_a_refresh_rotates_and_the_old_refresh_token_stops_working(
            self, api: Api, browser: httpx.AsyncClient, clients: Clients) -> None:
        first = await connect(browser, api.key, clients.public)
        renewed = await refresh(browser, first["refresh_token"], clients.public)
        assert renewed.status_code == 200, renewed.text
        second = renewed.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        assert (await _me(api, second["access_token"])).status_code == 200
        again = await refresh(browser, first["refresh_token"], clients.public)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        # A spent refresh token coming back means a copy exists: the whole grant ends (RFC 9700 §4.14).
        _refused(await _me(api, second["access_token"]))
        assert (await refresh(browser, second["refresh_token"], clients.public)).status_code == 400

    async def test_a_refresh_token_works_only_for_its_client(self, api: Api, browser: httpx.AsyncClient,
                                                             clients: Clients) -> None:
        token = await connect(browser, api.key, clients.public)
        stolen = await browser.post("/oauth/token", auth=(clients.confidential, clients.secret), data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"


class TestHousekeeping:
    async def test_spent_codes_and_rotated_tokens_are_purged_and_live_grants_kept(
            self, app: Litestar, api: Api, browser: httpx.AsyncClient, clients: Clients) -> None:
        from oauth.server.models import AuthorizationCode
        from oauth.server.service import purge

        first = await connect(browser, api.key, clients.public)
        second = (await refresh(browser, first["refresh_token"], clients.public)).json()
        async with Hub.of(app).sessions.begin() as session:
            assert await purge(session, now=utcnow()) == 0  # a day's grace first
            assert await purge(session, now=utcnow() + timedelta(days=2)) >= 2
        async with Hub.of(app).sessions() as session:
            query = select(OAuthToken).where(OAuthToken.org_id == api.org_id)
            rows = list((await session.execute(query)).scalars())
            codes = list((await session.execute(select(AuthorizationCode).where(
                AuthorizationCode.org_id == api.org_id))).scalars())
        assert [r.refresh_hash for r in rows] == [_sha256(second["refresh_token"])]
        assert codes == []
        assert (await refresh(browser, second["refresh_token"], clients.public)).status_code == 200


class TestCodes:
    async def test_a_wrong_code_verifier_is_refused(self, api: Api, browser: httpx.AsyncClient,
                                                    clients: Clients) -> None:
        code_verifier = verifier()
        code = redirected(await consent(browser, api.key, authorize_params(
            clients.public, code_verifier=code_verifier)))["code"]
        wrong = await redeem(browser, code, clients.public, code_verifier=verifier())
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        missing = await redeem(browser, code, clients.public)
        assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
        assert (await redeem(browser, code, clients.public, code_verifier=code_verifier)).status_code == 200

    async def test_a_code_used_twice_is_refused_and_ends_what_it_granted(
            self, api: Api, browser: httpx.AsyncClient, clients: Clients) -> None:
        code_verifier = verifier()
        code = redirected(await consent(browser, api.key, authorize_params(
            clients.public, code_verifier=code_verifier)))["code"]
        first = await redeem(browser, code, clients.public, code_verifier=code_verifier)
        assert first.status_code == 200
        second = await redeem(browser, code, clients.public, code_verifier=code_verifier)
        assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
        _refused(await _me(api, first.json()["access_token"]))

    async def test_two_redemptions_at_once_cannot_both_win(self, api: Api, browser: httpx.AsyncClient,
                                                           clients: Clients) -> None:
        code_verifier = verifier()
        code = redirected(await consent(browser, api.key, authorize_params(
            clients.public, code_verifier=code_verifier)))["code"]
        answers = await asyncio.gather(*(redeem(browser, code, clients.public, code_verifier=code_verifier)
                                         for _ in range(2)))
        assert sorted(a.status_code for a in answers) == [200, 400]
        [won] = [a.json() for a in answers if a.status_code == 200]
        _refused(await _me(api, won["access_token"]))  # the replay ended the grant, the winner's token too

    async def test_a_code_is_bound_to_its_redirect_uri_and_client(self, api: Api, browser: httpx.AsyncClient,
                                                                  clients: Clients) -> None:
        code_verifier = verifier()
        code = redirected(await consent(browser, api.key, authorize_params(
            clients.public, code_verifier=code_verifier)))["code"]
        elsewhere = await browser.post("/oauth/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT + "x",
            "client_id": clients.public, "code_verifier": code_verifier})
        assert elsewhere.json()["error"] == "invalid_grant"
        other_client = await redeem(browser, code, clients.confidential, secret=clients.secret,
                                    code_verifier=code_verifier)
        assert other_client.json()["error"] == "invalid_grant"

    async def test_a_repeated_parameter_is_refused(self, browser: httpx.AsyncClient,
                                                   clients: Clients) -> None:
        body = f"grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id={clients.public}"
        answer = await browser.post("/oauth/token", content=body,
                                    headers={"content-type": "application/x-www-form-urlencoded"})
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


class TestBadInput:
    async def test_nul_characters_get_an_oauth_error_not_a_crash(self, api: Api, browser: httpx.AsyncClient,
                                                                clients: Clients) -> None:
        page = await browser.get("/oauth/authorize", params={**authorize_params(clients.public,
                                                                                code_verifier=verifier()),
                                                             "state": "a\x00b"})
        assert page.status_code in (302, 400)
        unknown = await browser.get("/oauth/authorize", params=authorize_params("cli_\x00"))
        assert unknown.status_code == 400
        for data in ({"grant_type": "refresh_token", "refresh_token": "x\x00", "client_id": clients.public},
                     {"grant_type": "authorization_code", "code": "c", "client_id": "cli_\x00"}):
            answer = await browser.post("/oauth/token", data=data)
            assert answer.status_code in (400, 401) and answer.json()["error"]
        revoked = await browser.post("/oauth/revoke", data={"token": "\x00", "client_id": clients.public})
        assert revoked.status_code == 400
        approved = await consent(browser, "hub_\x00_x", authorize_params(clients.public, code_verifier=verifier()))
        assert approved.status_code == 401


class TestRefusedTokens:
    async def test_a_revoked_token_is_refused(self, api: Api, browser: httpx.AsyncClient,
                                              clients: Clients) -> None:
        token = await connect(browser, api.key, clients.public)
        revoked = await browser.post("/oauth/revoke", data={"token": token["access_token"],
                                                            "token_type_hint": "access_token",
                                                            "client_id": clients.public})
        assert revoked.status_code == 200
        _refused(await _me(api, token["access_token"]))
        assert (await refresh(browser, token["refresh_token"], clients.public)).status_code == 400
        unknown = await browser.post("/oauth/revoke", data={"token": "hubat_nothing",
                                                            "client_id": clients.public})
        assert unknown.status_code == 200  # RFC 7009 §2.2: nothing to say about a token we do not know

    async def test_a_client_cannot_revoke_another_clients_token(self, api: Api, browser: httpx.AsyncClient,
                                                                clients: Clients) -> None:
        token = await connect(browser, api.key, clients.public)
        answer = await browser.post("/oauth/revoke", auth=(clients.confidential, clients.secret),
                                    data={"token": token["refresh_token"]})
        assert answer.status_code == 400
        assert (await _me(api, token["access_token"])).status_code == 200

    async def test_an_expired_token_is_refused(self, app: Litestar, api: Api, browser: httpx.AsyncClient,
                                               clients: Clients) -> None:
        token = await connect(browser, api.key, clients.public)
        digest = hashlib.sha256(token["access_token"].encode()).hexdigest()
        async with Hub.of(app).sessions.begin() as session:
            await session.execute(update(OAuthToken).where(OAuthToken.access_hash == digest)
                                  .values(access_expires_at=utcnow() - timedelta(seconds=1)))
        _refused(await _me(api, token["access_token"]))
        assert (await refresh(browser, token["refresh_token"], clients.public)).status_code == 200

    async def test_a_forged_token_is_refused(self, api: Api, browser: httpx.AsyncClient,
                                             clients: Clients) -> None:
        token = await connect(browser, api.key, clients.public)
        for forged in ("hubat_" + "A" * 43, token["access_token"][:-1] + "x", token["refresh_token"]):
            _refused(await _me(api, forged))

    async def test_revoking_the_approving_key_ends_the_grant(self, api: Api, browser: httpx.AsyncClient,
                                                             clients: Clients) -> None:
        made = (await api.post("/v1/api_keys", {"name": "approver", "scopes": ["read", "write"]})).json()
        token = await connect(browser, made["key"], clients.public)
        assert (await api.delete(f"/v1/api_keys/{made['id']}")).status_code == 204
        _refused(await _me(api, token["access_token"]))
        refused = await refresh(browser, token["refresh_token"], clients.public)
        assert refused.json()["error"] == "invalid_grant"


class TestIsolation:
    async def test_a_token_of_one_organization_never_reads_another(self, api: Api, other: Api,
                                                                   browser: httpx.AsyncClient,
                                                                   clients: Clients) -> None:
        theirs = await other.create("contacts", {"first_name": "Theirs", "email": "same@both.example"})
        mine = await api.create("contacts", {"first_name": "Mine", "email": "same@both.example"})
        token = (await connect(browser, api.key, clients.public))["access_token"]
        read = await api.client.get(f"/v1/contacts/{theirs['id']}", headers=bearer(token))
        assert read.status_code == 404
        listed = (await api.client.get("/v1/contacts", headers=bearer(token))).json()["data"]
        assert [c["id"] for c in listed] == [mine["id"]]
        found = await api.client.post("/v1/actions/contact.find", json={"email": "same@both.example"},
                                      headers=bearer(token))
        assert [c["id"] for c in found.json()["data"]] == [mine["id"]]
        changed = await api.client.patch(f"/v1/contacts/{theirs['id']}", json={"first_name": "Mine now"},
                                         headers=bearer(token))
        assert changed.status_code == 404


class TestClients:
    async def test_secrets_codes_and_tokens_are_kept_only_as_hashes(self, app: Litestar, api: Api,
                                                                    browser: httpx.AsyncClient,
                                                                    clients: Clients) -> None:
        token = await connect(browser, api.key, clients.public)
        async with Hub.of(app).sessions() as session:
            client = await session.get(OAuthClient, clients.confidential)
            row = await session.scalar(select(OAuthToken).where(OAuthToken.org_id == api.org_id))
        assert client is not None and row is not None
        assert client.secret_hash == hashlib.sha256(clients.secret.encode()).hexdigest()
        assert row.access_hash == hashlib.sha256(token["access_token"].encode()).hexdigest()

    def test_the_cli_registers_a_client_and_shows_its_secret_once(self, tmp_path: Path) -> None:
        env = {"HUB_DATA_DIR": str(tmp_path), "HUB_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"}
        made = subprocess.run([sys.executable, "-m", "hub.cli", "oauth-client", "create", "--name", "Zapier",
                               "--redirect-uri", REDIRECT, "--json"], env=env, capture_output=True, text=True,
                              timeout=120)
        assert made.returncode == 0, made.stderr
        out = json.loads(made.stdout)
        assert out["client_id"].startswith("cli_") and out["client_secret"].startswith("hubcs_")
        public = subprocess.run([sys.executable, "-m", "hub.cli", "oauth-client", "create", "--name", "Make",
                                 "--redirect-uri", "http://evil.example/cb", "--public"], env=env,
                                capture_output=True, text=True, timeout=120)
        assert public.returncode != 0 and "refused" in public.stderr
        with sqlite3.connect(tmp_path / "hub.db") as db:
            [(stored,)] = db.execute("SELECT secret_hash FROM oauth_server_clients").fetchall()
        assert stored == hashlib.sha256(out["client_secret"].encode()).hexdigest()
        revoked = subprocess.run([sys.executable, "-m", "hub.cli", "oauth-client", "revoke",
                                  out["client_id"]], env=env, capture_output=True, text=True, timeout=120)
        assert revoked.returncode == 0 and out["client_id"] in revoked.stdout

    async def test_a_revoked_client_can_no_longer_use_its_tokens(self, app: Litestar, api: Api,
                                                                 browser: httpx.AsyncClient,
                                                                 clients: Clients) -> None:
        from oauth.server.service import revoke_client

        token = await connect(browser, api.key, clients.public)
        async with Hub.of(app).sessions.begin() as session:
            await revoke_client(session, clients.public)
        _refused(await _me(api, token["access_token"]))
        page = await browser.get("/oauth/authorize", params=authorize_params(clients.public,
                                                                            code_verifier=verifier()))
        assert page.status_code == 400
