"""Getting into the portal: sign-in, the session cookie, form tokens, scopes and portal links."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from litestar import Litestar

from hub.db import utcnow
from tests.conftest import Api
from tests.webhooks.portal.conftest import Portal
from hub.web._signing import LinkClaims, signers
from hub.runtime import Hub


async def _key(api: Api, *scopes: str) -> dict[str, Any]:
    made = await api.post("/v1/api_keys", {"name": f"{'+'.join(scopes)} key", "scopes": list(scopes)})
    assert made.status_code == 201, made.text
    return made.json()


async def _endpoint(api: Api) -> dict[str, Any]:
    made = await api.post("/v1/endpoints", {"url": "http://127.0.0.1:9/hook"})
    assert made.status_code == 201, made.text
    return made.json()


async def _open_link(portal: Portal, url: str) -> httpx.Response:
    await portal.get("/portal/link")
    answer = await portal.post("/portal/link", {"token": urlsplit(url).fragment})
    if answer.status_code == 303:
        await portal.get("/portal/catalog")
    return answer


class TestSignIn:
    async def test_pages_send_a_visitor_without_a_session_to_sign_in(self, open_portal: Any) -> None:
        visitor = await open_portal()
        answer = await visitor.get("/portal/messages?status=failed")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/portal/sign-in?next=/portal/messages%3Fstatus%3Dfailed"

    async def test_a_key_starts_an_http_only_same_site_session_and_returns_to_the_page_asked_for(
            self, open_portal: Any, api: Api) -> None:
        visitor = await open_portal()
        await visitor.get("/portal/sign-in")
        answer = await visitor.post("/portal/sign-in", {"api_key": api.key, "next": "/portal/catalog"})
        assert answer.status_code == 303 and answer.headers["location"] == "/portal/catalog"
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/portal" in cookie
        assert "secure" not in cookie  # plain http here; see the https case below
        assert api.key not in answer.headers["set-cookie"]
        assert (await visitor.get("/portal/catalog")).status_code == 200

    async def test_the_cookie_is_secure_when_served_over_https(self, open_portal: Any, api: Api) -> None:
        visitor = await open_portal("https://hub.test")
        answer = await visitor.sign_in(api.key)
        assert "secure" in answer.headers["set-cookie"].lower()

    async def test_a_bad_key_is_refused_on_the_page_without_echoing_it(self, open_portal: Any) -> None:
        visitor = await open_portal()
        await visitor.get("/portal/sign-in")
        answer = await visitor.post("/portal/sign-in", {"api_key": "hub_deadbeef_guess"})
        assert answer.status_code == 401 and "not valid" in answer.text
        assert "hub_deadbeef_guess" not in answer.text

    async def test_never_redirects_to_another_site_after_sign_in(self, open_portal: Any, api: Api) -> None:
        for target in ("//evil.example/portal/", "https://evil.example/", "/\\evil.example", "/v1/me"):
            visitor = await open_portal()
            await visitor.get("/portal/sign-in")
            answer = await visitor.post("/portal/sign-in", {"api_key": api.key, "next": target})
            assert answer.headers["location"] == "/portal/endpoints", target

    async def test_revoking_the_key_ends_its_sessions(self, portal: Portal, api: Api) -> None:
        key = await _key(api, "write")
        portal.http.cookies.clear()
        await portal.sign_in(key["key"])
        assert (await portal.get("/portal/endpoints")).status_code == 200
        assert (await api.delete(f"/v1/api_keys/{key['id']}")).status_code == 204
        answer = await portal.get("/portal/endpoints")
        assert answer.status_code == 303 and "notice=ended" in answer.headers["location"]
        assert 'hub_portal=""' in answer.headers["set-cookie"] or "max-age=0" in answer.headers["set-cookie"].lower()

    async def test_sign_out_forgets_the_session(self, portal: Portal) -> None:
        answer = await portal.post("/portal/sign-out")
        assert answer.status_code == 303
        assert (await portal.get("/portal/endpoints")).status_code == 303


class TestFormTokens:
    async def test_a_post_without_the_form_token_is_refused_and_changes_nothing(self, portal: Portal,
                                                                              api: Api) -> None:
        endpoint = await _endpoint(api)
        answer = await portal.post(f"/portal/endpoints/{endpoint['id']}/pause", csrf=False)
        assert answer.status_code == 403 and "form has expired" in answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert (await api.get(f"/v1/endpoints/{endpoint['id']}")).json()["state"] == "enabled"

    async def test_a_token_from_another_session_is_refused(self, portal: Portal, open_portal: Any,
                                                           api: Api, other: Api) -> None:
        endpoint = await _endpoint(api)
        stranger = await open_portal()
        await stranger.sign_in(other.key)
        portal.token = stranger.token
        answer = await portal.post(f"/portal/endpoints/{endpoint['id']}/pause")
        assert answer.status_code == 403

    async def test_sign_in_itself_needs_the_token(self, open_portal: Any, api: Api) -> None:
        visitor = await open_portal()
        await visitor.get("/portal/sign-in")
        assert (await visitor.post("/portal/sign-in", {"api_key": api.key}, csrf=False)).status_code == 403

    async def test_the_json_api_needs_no_form_token(self, api: Api) -> None:
        endpoint = await _endpoint(api)
        assert (await api.post(f"/v1/endpoints/{endpoint['id']}/pause")).status_code == 200


class TestScopes:
    async def test_a_read_key_sees_no_buttons_and_its_posts_are_refused(self, open_portal: Any,
                                                                        api: Api) -> None:
        endpoint = await _endpoint(api)
        reader = await open_portal()
        await reader.sign_in((await _key(api, "read"))["key"])
        page = await reader.get(f"/portal/endpoints/{endpoint['id']}")
        assert page.status_code == 200 and "Read-only" in page.text
        assert "Rotate secret" not in page.text and "Send test event" not in page.text
        assert "Add endpoint" not in (await reader.get("/portal/endpoints")).text
        for action in ("pause", "secret", "secret/rotate", "test"):
            answer = await reader.post(f"/portal/endpoints/{endpoint['id']}/{action}")
            assert answer.status_code == 403, action
        assert (await reader.get("/portal/endpoints/new")).status_code == 403
        assert (await api.get(f"/v1/endpoints/{endpoint['id']}")).json()["state"] == "enabled"


class TestPortalLinks:
    async def test_an_admin_key_mints_a_link_that_expires(self, api: Api) -> None:
        answer = await api.post("/v1/portal_links", {"expires_in": 900, "scope": "read"})
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["url"].startswith("http://127.0.0.1:8000/portal/link#") and body["scope"] == "read"
        assert body["expires_at"] > (utcnow() + timedelta(seconds=890)).isoformat()[:19]

    async def test_only_admin_keys_mint_links_and_bad_input_is_refused(self, api: Api, client: httpx.AsyncClient,
                                                                       ) -> None:
        writer = Api(client, api.org_id, (await _key(api, "write"))["key"])
        assert (await writer.post("/v1/portal_links", {})).status_code == 403
        for body in ({"expires_in": 10}, {"expires_in": 9_999_999}, {"scope": "admin"}, {"org_id": "org_x"}):
            answer = await api.post("/v1/portal_links", body)
            assert answer.status_code in (400, 422) and answer.headers["content-type"].startswith(
                "application/problem+json"), body

    async def test_a_link_opens_a_session_for_its_organization_only(self, open_portal: Any, api: Api,
                                                                    other: Api) -> None:
        mine, theirs = await _endpoint(api), await _endpoint(other)
        url = (await api.post("/v1/portal_links", {})).json()["url"]
        visitor = await open_portal()
        answer = await _open_link(visitor, url)
        assert answer.status_code == 303 and answer.headers["location"] == "/portal/endpoints"
        listed = (await visitor.get("/portal/endpoints")).text
        assert mine["id"] in listed and theirs["id"] not in listed
        assert (await visitor.get(f"/portal/endpoints/{theirs['id']}")).status_code == 404

    async def test_a_read_link_cannot_change_anything(self, open_portal: Any, api: Api) -> None:
        endpoint = await _endpoint(api)
        visitor = await open_portal()
        await _open_link(visitor, (await api.post("/v1/portal_links", {"scope": "read"})).json()["url"])
        assert (await visitor.post(f"/portal/endpoints/{endpoint['id']}/pause")).status_code == 403

    async def test_expired_tampered_and_foreign_links_are_refused(self, open_portal: Any, api: Api,
                                                                  app: Litestar) -> None:
        keys = signers(tuple(Hub.of(app).settings.secret_keys))
        key_id = (await api.get("/v1/api_keys")).json()["data"][0]["id"]
        expired = keys.link(LinkClaims(api.org_id, key_id, "write", utcnow() - timedelta(seconds=1)))
        foreign = signers((b"x" * 32,)).link(LinkClaims(api.org_id, key_id, "write", utcnow() + timedelta(hours=1)))
        good = urlsplit((await api.post("/v1/portal_links", {})).json()["url"]).fragment
        for token, status, says in ((expired, 410, "expired"), (good[:-2], 403, "not valid"),
                                    (foreign, 403, "not valid"), ("", 403, "not valid")):
            visitor = await open_portal()
            await visitor.get("/portal/link")
            answer = await visitor.post("/portal/link", {"token": token})
            assert answer.status_code == status and says in answer.text, token
            assert "set-cookie" not in answer.headers

    async def test_revoking_the_minting_key_voids_its_links_and_their_sessions(
            self, open_portal: Any, api: Api, client: httpx.AsyncClient) -> None:
        admin = await _key(api, "admin")
        minter = Api(client, api.org_id, admin["key"])
        url = (await minter.post("/v1/portal_links", {})).json()["url"]
        opened = await open_portal()
        await _open_link(opened, url)
        assert (await opened.get("/portal/endpoints")).status_code == 200
        assert (await api.delete(f"/v1/api_keys/{admin['id']}")).status_code == 204
        assert (await opened.get("/portal/endpoints")).status_code == 303
        late = await open_portal()
        assert (await _open_link(late, url)).status_code == 403

    async def test_the_link_token_travels_in_the_fragment_which_browsers_never_send(self, api: Api) -> None:
        url = (await api.post("/v1/portal_links", {})).json()["url"]
        parts = urlsplit(url)
        assert parts.path == "/portal/link" and not parts.query and parts.fragment
