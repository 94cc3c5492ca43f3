"""The pages: one organization's data only, forms that refuse bad input whole, the log and its filters."""

from __future__ import annotations

import base64
import html
import re
import secrets
import tomllib
from datetime import datetime, timedelta
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from hub.db import new_id, utcnow
from tests.conftest import Api
from tests.webhooks.portal.conftest import Portal
from hub import web as web_package
from hub.web import create_portal_link, pages_router, template_config
from webhooks import portal as portal_package
from webhooks.models import Attempt, Message
from webhooks.portal._svg import PALETTE
from hub.runtime import Hub

FORM = {"url": "http://127.0.0.1:9/hook", "description": "Orders", "max_concurrency": "10", "rate_limit": "",
        "headers": "", "state": "enabled"}


async def _endpoint(api: Api, **fields: Any) -> dict[str, Any]:
    made = await api.post("/v1/endpoints", {"url": "http://127.0.0.1:9/hook", **fields})
    assert made.status_code == 201, made.text
    return made.json()


def _id(when: datetime) -> str:
    """A message id made at `when`, as `hub.db.new_id` makes them: UUIDv7, time first."""
    raw = int(when.timestamp() * 1000).to_bytes(6, "big") + bytes([0x70]) + secrets.token_bytes(9)
    return "msg_" + base64.b32hexencode(raw).decode().rstrip("=").lower()


async def _messages(sessions: Any, org_id: str, endpoint_id: str, count: int, ending: datetime | None = None,
                    **fields: Any) -> list[str]:
    """Messages written straight to the log, oldest first, a second apart, the last one at `ending` (now)."""
    ending, rows = ending or utcnow(), []
    for n in range(count):
        created = ending - timedelta(seconds=count - 1 - n)
        rows.append({"id": _id(created), "org_id": org_id, "endpoint_id": endpoint_id,
                     "event_type": "contact.created", "payload": '{"type": "contact.created", "data": {}}',
                     "status": "succeeded", "attempt_count": 1, "created_at": created, **fields})
    ids = [r["id"] for r in rows]
    async with sessions.begin() as session:
        await session.execute(insert(Message), rows)
    return ids


def _rows(html: str) -> list[str]:
    return re.findall(r'href="/portal/messages/(msg_[0-9a-v]+)"', html)


class TestSurface:
    def test_the_packages_export_what_the_app_and_the_consent_page_use(self) -> None:
        assert portal_package.__all__ == ["NAV", "PAGES", "TEMPLATES"]
        assert web_package.asset_url("portal.css").startswith("/portal/assets/portal.css?v=")
        assert callable(pages_router) and callable(template_config) and create_portal_link is not None

    @pytest.mark.parametrize("package", [portal_package, web_package])
    def test_templates_and_assets_ship_in_the_wheel(self, package: Any) -> None:
        """Package data is chosen by suffix in pyproject.toml; a file outside it would be missing when installed."""
        root = Path(package.__file__).parent
        config = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
        patterns = config["tool"]["setuptools"]["package-data"]["*"]
        shipped = [p for p in root.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
        assert shipped and all(any(fnmatch(p.name, pattern) for pattern in patterns) for p in shipped), shipped


class TestTenancy:
    async def test_another_organizations_ids_are_not_found_on_every_page_and_action(
            self, portal: Portal, other: Api, sessions: Any) -> None:
        theirs = await _endpoint(other)
        [message] = await _messages(sessions, other.org_id, theirs["id"], 1)
        for url in (f"/portal/endpoints/{theirs['id']}", f"/portal/endpoints/{theirs['id']}/edit",
                    f"/portal/messages/{message}"):
            answer = await portal.get(url)
            assert answer.status_code == 404 and "Not found" in answer.text, url
        for action in ("pause", "resume", "test", "secret", "secret/rotate"):
            assert (await portal.post(f"/portal/endpoints/{theirs['id']}/{action}")).status_code == 404, action
        assert (await portal.post(f"/portal/endpoints/{theirs['id']}", FORM)).status_code == 404
        assert (await portal.post(f"/portal/messages/{message}/resend")).status_code == 404
        log = await portal.get("/portal/messages", params={"id": message})
        assert _rows(log.text) == [] and "No messages match" in log.text
        assert (await other.get(f"/v1/endpoints/{theirs['id']}")).json()["state"] == "enabled"


class TestEndpointForms:
    async def test_a_refused_form_keeps_what_was_typed_and_saves_nothing(self, portal: Portal, api: Api) -> None:
        typed = {**FORM, "url": "ftp://files.example/in", "description": "Keep me", "rate_limit": "fast",
                 "headers": "X-Team: sales", "event_types": ["deal.won", "contact.*"], "ordered": "on"}
        answer = await portal.post("/portal/endpoints", typed)
        assert answer.status_code == 422
        html = answer.text
        assert "The endpoint was not saved" in html and 'id="rate_limit-error"' in html
        assert 'value="ftp://files.example/in"' in html and 'value="Keep me"' in html and 'value="fast"' in html
        assert ">X-Team: sales</textarea>" in html
        assert re.search(r'value="deal\.won" checked', html) and re.search(r'value="contact\.\*" checked', html)
        assert re.search(r'name="ordered" checked', html)
        assert (await api.get("/v1/endpoints")).json()["data"] == []

    @pytest.mark.parametrize(("field", "value", "says"), [
        ("url", "http://10.0.0.8/hook", "internal"),
        ("url", "", "http or https"),
        ("max_concurrency", "500", "1 to 100"),
        ("headers", "Webhook-Id: mine", "cannot be overridden"),
        ("headers", "no colon here", "one header per line"),
        ("event_types", ["nothing.happened"], "unknown: nothing.happened"),
    ])
    async def test_each_rule_of_the_api_shows_next_to_its_field(self, portal: Portal, api: Api, field: str,
                                                                value: Any, says: str) -> None:
        answer = await portal.post("/portal/endpoints", {**FORM, field: value})
        assert answer.status_code == 422
        error = re.search(rf'id="{field}-error">(.*?)</p>', answer.text, re.S)
        assert error and says.lower() in error.group(1).lower(), answer.text[-3000:]
        assert (await api.get("/v1/endpoints")).json()["data"] == []

    async def test_creates_an_endpoint_and_lands_on_its_page(self, portal: Portal, api: Api) -> None:
        answer = await portal.post("/portal/endpoints", {**FORM, "event_types": ["deal.won"], "headers": "X-A: 1",
                                                         "rate_limit": "5"})
        assert answer.status_code == 303
        [endpoint] = (await api.get("/v1/endpoints")).json()["data"]
        assert answer.headers["location"] == f"/portal/endpoints/{endpoint['id']}?notice=created"
        assert endpoint["event_types"] == ["deal.won"] and endpoint["header_names"] == ["X-A"]
        assert endpoint["rate_limit"] == 5 and endpoint["description"] == "Orders"
        page = await portal.get(answer.headers["location"])
        assert "Endpoint created" in page.text and "X-A" in page.text

    async def test_a_refused_edit_changes_nothing_and_a_stale_one_says_so(self, portal: Portal, api: Api) -> None:
        endpoint = await _endpoint(api, description="Before")
        url = f"/portal/endpoints/{endpoint['id']}"
        refused = await portal.post(url, {**FORM, "description": "After", "url": "http://169.254.169.254/x",
                                          "version": "1"})
        assert refused.status_code == 422 and 'value="After"' in refused.text
        assert (await api.get(url.replace("/portal", "/v1"))).json()["description"] == "Before"
        assert (await api.patch(f"/v1/endpoints/{endpoint['id']}", {"description": "Theirs"})).status_code == 200
        stale = await portal.post(url, {**FORM, "description": "Mine", "version": "1"})
        assert stale.status_code == 409 and "Someone changed this endpoint" in stale.text
        assert 'value="Mine"' in stale.text and 'name="version" value="2"' in stale.text
        saved = await portal.post(url, {**FORM, "description": "Mine", "version": "2"})
        assert saved.status_code == 303
        assert (await api.get(f"/v1/endpoints/{endpoint['id']}")).json()["description"] == "Mine"

    async def test_edit_keeps_custom_headers_unless_replaced_or_removed(self, portal: Portal, api: Api) -> None:
        endpoint = await _endpoint(api, headers={"X-Keep": "secret-value"})
        url = f"/portal/endpoints/{endpoint['id']}"
        form = await portal.get(f"{url}/edit")
        assert "secret-value" not in form.text and "X-Keep" in form.text
        await portal.post(url, {**FORM, "version": "1"})
        assert (await api.get(f"/v1/endpoints/{endpoint['id']}")).json()["header_names"] == ["X-Keep"]
        await portal.post(url, {**FORM, "version": "2", "clear_headers": "on"})
        assert (await api.get(f"/v1/endpoints/{endpoint['id']}")).json()["header_names"] == []


class TestEndpointActions:
    async def test_pause_resume_test_reveal_rotate_and_recover(self, portal: Portal, api: Api,
                                                               sessions: Any) -> None:
        endpoint = await _endpoint(api, state="paused")
        url = f"/portal/endpoints/{endpoint['id']}"
        assert (await portal.post(f"{url}/resume")).headers["location"].endswith("notice=resumed")
        assert (await api.get(f"/v1/endpoints/{endpoint['id']}")).json()["state"] == "enabled"
        await portal.post(f"{url}/pause")
        assert (await api.get(f"/v1/endpoints/{endpoint['id']}")).json()["state"] == "paused"
        await portal.post(f"{url}/test")
        [tested] = (await api.get("/v1/messages", params={"endpoint_id": endpoint["id"]})).json()["data"]
        assert tested["event_type"] == "webhook.test"
        revealed = await portal.post(f"{url}/secret")
        assert revealed.status_code == 200 and endpoint["secret"] in revealed.text
        assert revealed.headers["cache-control"] == "no-store"
        await portal.post(f"{url}/secret/rotate")
        rotated = await portal.post(f"{url}/secret")
        assert endpoint["secret"] not in rotated.text and "previous secret also signs" in rotated.text
        await _messages(sessions, api.org_id, endpoint["id"], 3, status="failed")
        since = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        answer = await portal.post(f"{url}/recover", {"since": since})
        assert answer.headers["location"].endswith("notice=recovered&count=3")
        assert "3 failed messages will be sent again" in (await portal.get(answer.headers["location"])).text

    async def test_recover_refuses_a_time_it_cannot_read(self, portal: Portal, api: Api) -> None:
        endpoint = await _endpoint(api)
        answer = await portal.post(f"/portal/endpoints/{endpoint['id']}/recover", {"since": "yesterday-ish"})
        assert answer.status_code == 422 and 'id="since-error"' in answer.text
        assert 'value="yesterday-ish"' in answer.text


class TestMessageLog:
    async def test_pages_newest_first_with_cursors_both_ways(self, portal: Portal, api: Api,
                                                             sessions: Any) -> None:
        endpoint = await _endpoint(api)
        ids = await _messages(sessions, api.org_id, endpoint["id"], 120)
        first = await portal.get("/portal/messages")
        assert _rows(first.text) == ids[::-1][:50]
        older = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
        second = await portal.get(older)
        assert _rows(second.text) == ids[::-1][50:100]
        newer = re.search(r'href="([^"]+)" rel="prev"', second.text).group(1).replace("&amp;", "&")
        assert _rows((await portal.get(newer)).text) == ids[::-1][:50]
        assert 'rel="prev"' not in (await portal.get(newer)).text

    async def test_filters_by_type_endpoint_status_time_and_id(self, portal: Portal, api: Api,
                                                               sessions: Any) -> None:
        one, two = await _endpoint(api), await _endpoint(api)
        old = await _messages(sessions, api.org_id, one["id"], 2, ending=utcnow() - timedelta(days=2))
        deals = await _messages(sessions, api.org_id, two["id"], 2, event_type="deal.won", status="failed")
        contacts = await _messages(sessions, api.org_id, one["id"], 2)

        async def shown(**params: str) -> list[str]:
            answer = await portal.get("/portal/messages", params=params)
            assert answer.status_code == 200, answer.text
            return sorted(_rows(answer.text))

        assert await shown(event_type="deal.*") == sorted(deals)
        assert await shown(endpoint_id=two["id"]) == sorted(deals)
        assert await shown(status="failed") == sorted(deals)
        assert await shown(event_type="contact.created") == sorted(old + contacts)
        day_ago = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        assert await shown(since=day_ago, event_type="contact.created") == sorted(contacts)
        assert await shown(until=day_ago) == sorted(old)
        assert await shown(id=deals[0]) == [deals[0]]

    async def test_refuses_filters_it_cannot_use_and_keeps_them(self, portal: Portal) -> None:
        answer = await portal.get("/portal/messages", params={"status": "lost", "since": "soon",
                                                              "event_type": "Deal Won"})
        assert answer.status_code == 400
        for field in ("status", "since", "event_type"):
            assert f'id="{field}-error"' in answer.text, field
        assert 'value="soon"' in answer.text and 'value="Deal Won"' in answer.text

    async def test_a_cursor_from_elsewhere_gets_an_error_page(self, portal: Portal) -> None:
        answer = await portal.get("/portal/messages", params={"before": "not-a-cursor"})
        assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
        assert "cursor is not valid" in answer.text

    async def test_a_message_shows_its_payload_and_every_attempt(self, portal: Portal, api: Api,
                                                                  sessions: Any) -> None:
        endpoint = await _endpoint(api, headers={"X-Team": "sales"})
        [message] = await _messages(sessions, api.org_id, endpoint["id"], 1)
        now = utcnow()
        async with sessions.begin() as session:
            await session.execute(insert(Attempt), [
                {"id": new_id("att"), "org_id": api.org_id, "message_id": message, "endpoint_id": endpoint["id"],
                 "number": n, "started_at": now - timedelta(seconds=5 - n), "duration_ms": 40 * n,
                 "status_code": code, "response_headers": {"x-answer": f"a{n}"} if code else None,
                 "response_body": "<b>busy</b>" if code else None, "error_class": None if code else "timeout",
                 "outcome": outcome}
                for n, code, outcome in ((1, None, "retry"), (2, 503, "retry"), (3, 200, "succeeded"))])
        page = (await portal.get(f"/portal/messages/{message}")).text
        assert '"type": "contact.created"' in html.unescape(page) and "&lt;b&gt;busy&lt;/b&gt;" in page
        assert page.index("Attempt 3:") < page.index("Attempt 2:") < page.index("Attempt 1:")
        assert "HTTP 503" in page and "no answer (timeout)" in page and "120 ms" in page and "a2" in page
        assert f"<td>{message}</td>" in page  # the webhook-id it was sent with
        assert "X-Team" in page and "sales" not in page  # a custom header's value stays sealed

    async def test_resend_queues_the_message_again(self, portal: Portal, api: Api, sessions: Any) -> None:
        endpoint = await _endpoint(api, state="paused")
        [message] = await _messages(sessions, api.org_id, endpoint["id"], 1, status="failed")
        answer = await portal.post(f"/portal/messages/{message}/resend")
        assert answer.headers["location"] == f"/portal/messages/{message}?notice=resent"
        assert (await api.get(f"/v1/messages/{message}")).json()["status"] == "pending"


class TestPages:
    async def test_every_page_answers_with_security_headers(self, portal: Portal, api: Api) -> None:
        endpoint = await _endpoint(api)
        for url in ("/portal/endpoints", f"/portal/endpoints/{endpoint['id']}", "/portal/endpoints/new",
                    f"/portal/endpoints/{endpoint['id']}/edit", "/portal/messages", "/portal/catalog",
                    "/portal/sign-in"):
            answer = await portal.get(url)
            assert answer.status_code == 200, url
            assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], url
            assert answer.headers["x-frame-options"] == "DENY" and answer.headers["cache-control"] == "no-store"
            assert ' style="' not in answer.text and "<script>" not in answer.text, url

    async def test_the_catalog_shows_each_event_with_its_schema_and_sample(self, portal: Portal,
                                                                           app: Any) -> None:
        page = (await portal.get("/portal/catalog")).text
        for key, event in Hub.of(app).catalog.events.items():
            assert f'id="{key}"' in page and event.description in html.unescape(page), key
        assert '"$defs"' in html.unescape(page)

    @pytest.mark.parametrize(("text", "background"), [
        ("text", "#ffffff"), ("text", "surface"), ("muted", "#ffffff"), ("muted", "surface"), ("link", "#ffffff"),
        ("link", "surface"), ("#ffffff", "link"), ("ok_text", "ok_tint"), ("warn_text", "warn_tint"),
        ("bad_text", "bad_tint"), ("bad_text", "#ffffff"), ("text", "idle_tint"), ("succeeded", "#ffffff"),
        ("retry", "#ffffff"), ("failed", "#ffffff"), ("p50", "#ffffff"), ("p95", "#ffffff"), ("p99", "#ffffff")])
    def test_colours_in_use_have_a_contrast_of_at_least_4_5(self, text: str, background: str) -> None:
        def luminance(colour: str) -> float:
            channels = [int(PALETTE.get(colour, colour)[i:i + 2], 16) / 255 for i in (1, 3, 5)]
            r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
            return 0.2126 * r + 0.7152 * g + 0.0722 * b

        lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5

    async def test_assets_are_served_with_long_caching(self, portal: Portal) -> None:
        page = (await portal.get("/portal/endpoints")).text
        css = re.search(r'href="(/portal/assets/portal\.css\?v=[0-9a-f]+)"', page).group(1)
        answer = await portal.get(css)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
        assert "immutable" in answer.headers["cache-control"] and "{{" not in answer.text
        assert (await portal.get("/portal/assets/nope.css")).status_code == 404
