"""A loopback stand-in for Slack: the Web API, the install page, `response_url`s, and Slack's signed requests.

Web API methods answer as Slack does: HTTP 200 with `{"ok": true, …}` or `{"ok": false, "error": …}`,
and HTTP 429 with `Retry-After` when throttled. Bearer tokens are checked (revoked ones answer
`token_revoked`), `oauth.v2.access` takes the client credentials by HTTP Basic (as slack_sdk sends them)
and a single-use code bound to its `redirect_uri`, and messages are checked against Block Kit's limits
(`invalid_blocks`). What the hub receives from Slack is built here too, signed v0 with the signing secret.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from connectors._loopback import serve

__all__ = ["Call", "FakeSlack", "Workspace"]

Json = dict[str, Any]
RESPONSE_URL_USES = 5  # "up to 5 times within 30 minutes"
RESPONSE_URL_TTL = 30 * 60
CODE_TTL = 600
VERIFICATION_TOKEN = "deprecated-verification-token"  # Slack still sends it; signatures replaced it


@dataclass
class Workspace:
    id: str
    name: str
    channels: set[str]
    users: dict[str, Json] = field(default_factory=dict)  # Slack user id → users.info's `user`


@dataclass
class Call:
    method: str
    team_id: str | None
    status: int
    at: float  # time.monotonic() when answered
    error: str | None = None


class FakeSlack:
    """`await FakeSlack().start()`; `api_url` is the base URL for the hub (`HUB_SLACK_API_URL`)."""

    def __init__(self, *, client_id: str = "1111.2222", client_secret: str = "fake-client-secret",
                 signing_secret: str = "fake-signing-secret", app_id: str = "A0CRMHUB01") -> None:
        self.client_id, self.client_secret, self.signing_secret = client_id, client_secret, signing_secret
        self.app_id = app_id
        self.workspaces: dict[str, Workspace] = {}
        self.tokens: dict[str, Json] = {}  # token → {"team_id", "bot_user_id", "revoked"}
        self.codes: dict[str, Json] = {}
        self.messages: dict[tuple[str, str], Json] = {}  # (channel, ts) → message
        self.responses: list[Json] = []  # every accepted response_url post, with its `url`
        self.calls: list[Call] = []
        self.throttled: dict[str, list[float]] = {}  # method → Retry-After of its next answers
        self.consent: tuple[str, str] | None = None  # (team, user) who approves the install page
        self.deny = False
        self._hooks: dict[str, Json] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        app.router.add_post("/hooks/{kind}/{team}/{id}/{secret}", self._hook)
        self._runner, self.url = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # -- the world on Slack's side
    def add_workspace(self, team_id: str, name: str,
                      channels: tuple[str, ...] = ("C0GENERAL1",)) -> Workspace:
        self.workspaces[team_id] = Workspace(team_id, name, set(channels))
        return self.workspaces[team_id]

    def add_user(self, team_id: str, user_id: str, email: str | None, name: str = "someone") -> None:
        profile = {"real_name": name, "display_name": name.split()[0], **({"email": email} if email else {})}
        self.workspaces[team_id].users[user_id] = {"id": user_id, "team_id": team_id, "name": name.lower(),
                                                   "real_name": name, "deleted": False, "is_bot": False,
                                                   "profile": profile}

    def throttle(self, method: str, *retry_after: float) -> None:
        """The next calls of `method` answer 429 with these Retry-After values, one each."""
        self.throttled.setdefault(method, []).extend(retry_after)

    def uninstall(self, team_id: str) -> tuple[bytes, dict[str, str]]:
        """Someone removes the app: its tokens stop working, and Slack sends `app_uninstalled`."""
        for grant in self.tokens.values():
            if grant["team_id"] == team_id:
                grant["revoked"] = True
        return self.event(team_id, {"type": "app_uninstalled"})

    def posted(self, channel: str) -> list[Json]:
        return [m for (c, _), m in sorted(self.messages.items(), key=lambda kv: kv[0][1]) if c == channel]

    # -- the Web API
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        handler: Callable[..., Any] | None = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return self._answer(method, None, {"ok": False, "error": "unknown_method"})
        if self.throttled.get(method):
            after = self.throttled[method].pop(0)
            return self._answer(method, None, {"ok": False, "error": "ratelimited"}, status=429,
                                headers={"Retry-After": f"{after:g}"})
        if method == "oauth.v2.access":
            return self._answer(method, None, self._oauth_v2_access(request, args))
        token = _bearer(request) or args.get("token")
        grant = self.tokens.get(token or "")
        if grant is None:
            error = "not_authed" if not token else "invalid_auth"
            return self._answer(method, None, {"ok": False, "error": error})
        if grant["revoked"]:
            return self._answer(method, grant["team_id"], {"ok": False, "error": "token_revoked"})
        return self._answer(method, grant["team_id"], handler(grant, args))

    def _answer(self, method: str, team_id: str | None, body: Json, status: int = 200,
                headers: dict[str, str] | None = None) -> web.Response:
        self.calls.append(Call(method, team_id, status, time.monotonic(), body.get("error")))
        return web.json_response(body, status=status, headers=headers)

    def _auth_test(self, grant: Json, args: Json) -> Json:
        team = self.workspaces[grant["team_id"]]
        return {"ok": True, "url": f"https://{_domain(team.name)}.slack.com/", "team": team.name,
                "user": "crm", "team_id": team.id, "user_id": grant["bot_user_id"],
                "bot_id": "B" + team.id[1:], "is_enterprise_install": False}

    def _auth_revoke(self, grant: Json, args: Json) -> Json:
        if str(args.get("test", "")).lower() not in ("1", "true"):
            grant["revoked"] = True
        return {"ok": True, "revoked": grant["revoked"]}

    def _users_info(self, grant: Json, args: Json) -> Json:
        user = self.workspaces[grant["team_id"]].users.get(str(args.get("user", "")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _chat_postMessage(self, grant: Json, args: Json) -> Json:
        channel = str(args.get("channel", ""))
        if channel not in self.workspaces[grant["team_id"]].channels:
            return {"ok": False, "error": "channel_not_found"}
        if problem := _message_problem(args):
            return {"ok": False, "error": problem}
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        message = {"type": "message", "subtype": "bot_message", "text": args.get("text", ""),
                   "blocks": args.get("blocks") or [], "ts": ts, "bot_id": "B" + grant["team_id"][1:],
                   "user": grant["bot_user_id"], "team": grant["team_id"], "channel": channel}
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": {k: v for k, v in message.items()
                                                                     if k != "channel"}}

    def _chat_update(self, grant: Json, args: Json) -> Json:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        message = self.messages.get(key)
        if message is None or message["team"] != grant["team_id"]:
            return {"ok": False, "error": "message_not_found"}
        if message["user"] != grant["bot_user_id"]:
            return {"ok": False, "error": "cant_update_message"}
        if problem := _message_problem(args):
            return {"ok": False, "error": problem}
        message.update(text=args.get("text", message["text"]), blocks=args.get("blocks", message["blocks"]),
                       edited={"user": grant["bot_user_id"], "ts": f"{int(time.time())}.000000"})
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"],
                "message": dict(message)}

    def _oauth_v2_access(self, request: web.Request, args: Json) -> Json:
        client_id, client_secret = _basic(request) or (args.get("client_id"), args.get("client_secret"))
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        grant = self.codes.pop(str(args.get("code", "")), None)
        if grant is None or grant["expires"] < time.monotonic():
            return {"ok": False, "error": "invalid_code"}
        if grant["redirect_uri"] and args.get("redirect_uri") != grant["redirect_uri"]:
            return {"ok": False, "error": "bad_redirect_uri"}
        team = self.workspaces[grant["team_id"]]
        bot_user_id = "U0BOT" + team.id[1:]
        token = f"xoxb-{team.id}-{secrets.token_hex(12)}"
        self.tokens[token] = {"team_id": team.id, "bot_user_id": bot_user_id, "revoked": False}
        return {"ok": True, "access_token": token, "token_type": "bot", "scope": grant["scope"],
                "bot_user_id": bot_user_id, "app_id": self.app_id, "team": {"id": team.id, "name": team.name},
                "enterprise": None, "is_enterprise_install": False,
                "authed_user": {"id": grant["user_id"]}}

    # -- the install page, approved by `consent` (or refused with `deny`)
    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("client_id") != self.client_id or not query.get("redirect_uri"):
            return web.Response(status=400, text="invalid_client_id or missing redirect_uri")
        back = {"state": query.get("state", "")}
        if self.deny or self.consent is None:
            back["error"] = "access_denied"
        else:
            code = secrets.token_hex(16)
            team_id, user_id = self.consent
            self.codes[code] = {"team_id": team_id, "user_id": user_id, "scope": query.get("scope"),
                                "redirect_uri": query["redirect_uri"], "expires": time.monotonic() + CODE_TTL}
            back["code"] = code
        raise web.HTTPFound(f"{query['redirect_uri']}?{urlencode(back)}")

    # -- response_url
    def _response_url(self, kind: str, team_id: str, original: Json | None = None) -> str:
        hook_id, secret = str(next(self._ids)), secrets.token_hex(8)
        self._hooks[secret] = {"uses": 0, "expires": time.monotonic() + RESPONSE_URL_TTL,
                               "original": original}
        return f"{self.url}/hooks/{kind}/{team_id}/{hook_id}/{secret}"

    async def _hook(self, request: web.Request) -> web.Response:
        hook = self._hooks.get(request.match_info["secret"])
        if hook is None or hook["expires"] < time.monotonic() or hook["uses"] >= RESPONSE_URL_USES:
            return web.Response(status=404, text="used_url" if hook else "invalid_url")
        try:
            body = json.loads(await request.read())
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict) or _message_problem(body):
            return web.Response(status=400, text="invalid_blocks")
        hook["uses"] += 1
        original = hook["original"]
        if body.get("replace_original") and original is not None:
            original.update(text=body.get("text", ""), blocks=body.get("blocks") or [])
        self.responses.append({**body, "url": str(request.url)})
        return web.Response(text="ok")

    # -- what Slack sends the hub, signed
    def sign(self, body: bytes, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        verifier = SignatureVerifier(secret or self.signing_secret)
        signature = verifier.generate_signature(timestamp=ts, body=body)
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}

    def command(self, team_id: str, user_id: str, text: str, *, command: str = "/crm",
                channel_id: str = "C0GENERAL1") -> tuple[bytes, dict[str, str]]:
        """A slash command as Slack posts it (form-encoded, with a fresh response_url)."""
        team = self.workspaces[team_id]
        form = {"token": VERIFICATION_TOKEN, "team_id": team_id, "team_domain": _domain(team.name),
                "channel_id": channel_id,
                "channel_name": "general", "user_id": user_id, "user_name": "someone", "command": command,
                "text": text, "api_app_id": self.app_id, "is_enterprise_install": "false",
                "response_url": self._response_url("commands", team_id),
                "trigger_id": f"{next(self._ids)}.{secrets.token_hex(6)}"}
        return self._form(form)

    def click(self, team_id: str, user_id: str, action_id: str, *, message: Json | None = None,
              ephemeral: Json | None = None, channel_id: str = "C0GENERAL1", value: str | None = None
              ) -> tuple[bytes, dict[str, str]]:
        """Someone clicks the button `action_id` (with `value`, if several) on a channel message or on an
        ephemeral one (a response_url body); fails if the message has no such button."""
        shown = message if message is not None else ephemeral
        assert shown is not None, "click a button on a message"
        block, button = _find_button(shown.get("blocks") or [], action_id, value)
        channel = message["channel"] if message is not None else channel_id
        ts = message["ts"] if message is not None else f"{int(time.time())}.{next(self._ids):06d}"
        payload = {"type": "block_actions", "api_app_id": self.app_id, "token": VERIFICATION_TOKEN,
                   "user": {"id": user_id, "username": "someone", "name": "someone", "team_id": team_id},
                   "team": {"id": team_id, "domain": _domain(self.workspaces[team_id].name)},
                   "enterprise": None, "is_enterprise_install": False,
                   "channel": {"id": channel, "name": "general"},
                   "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                                 "is_ephemeral": message is None},
                   "trigger_id": f"{next(self._ids)}.{secrets.token_hex(6)}", "state": {"values": {}},
                   "response_url": self._response_url("actions", team_id, message),
                   "actions": [{**{k: button[k] for k in ("type", "action_id", "value", "text")},
                                "block_id": block["block_id"], "action_ts": f"{time.time():.6f}"}]}
        if message is not None:
            payload["message"] = {k: v for k, v in message.items() if k != "channel"}
        return self._form({"payload": json.dumps(payload)})

    def event(self, team_id: str, event: Json) -> tuple[bytes, dict[str, str]]:
        """An Events API callback (JSON)."""
        now = int(time.time())
        body = json.dumps({"token": VERIFICATION_TOKEN, "team_id": team_id, "api_app_id": self.app_id,
                           "event": {**event, "event_ts": f"{now}.000100"}, "type": "event_callback",
                           "event_id": f"Ev{next(self._ids):08d}", "event_time": now,
                           "is_ext_shared_channel": False}).encode()
        return body, {"Content-Type": "application/json", **self.sign(body)}

    def _form(self, form: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        body = urlencode(form).encode()
        return body, {"Content-Type": "application/x-www-form-urlencoded", **self.sign(body)}


async def _arguments(request: web.Request) -> Json:
    """Arguments as slack_sdk sends them: query string, form body or JSON body."""
    args: Json = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            args.update(body if isinstance(body, dict) else {})
        else:
            args.update(dict(await request.post()))
    return args


def _domain(name: str) -> str:
    return name.lower().replace(" ", "-")


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else None


def _basic(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _message_problem(args: Json) -> str | None:
    """Slack's own checks on a message: some text or blocks, and blocks within Block Kit's limits."""
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not args.get("text") and not blocks:
        return "no_text"
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(block_ids) != len(set(block_ids)) or not all(isinstance(b, dict) and _block_ok(b) for b in blocks):
        return "invalid_blocks"
    return None


def _block_ok(block: Json) -> bool:
    kind = block.get("type")
    if kind == "header":
        return block["text"]["type"] == "plain_text" and 0 < len(block["text"]["text"]) <= 150
    if kind == "section":
        fields = block.get("fields") or []
        text = (block.get("text") or {}).get("text", "")
        return (bool(text) or bool(fields)) and len(text) <= 3000 and len(fields) <= 10 and all(
            0 < len(f["text"]) <= 2000 for f in fields)
    if kind == "actions":
        elements = block.get("elements") or []
        ids = [e.get("action_id") for e in elements]
        return 0 < len(elements) <= 25 and len(ids) == len(set(ids)) and all(
            e["type"] == "button" and 0 < len(e["text"]["text"]) <= 75 and len(e.get("value", "")) <= 2000
            for e in elements)
    if kind == "context":
        return 0 < len(block.get("elements") or []) <= 10
    return kind in ("divider", "image", "input", "rich_text")


def _find_button(blocks: list[Json], action_id: str, value: str | None) -> tuple[Json, Json]:
    for block in blocks:
        for element in block.get("elements") or [] if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id and (value is None or element.get("value") == value):
                return block, element
    which = f" with value {value!r}" if value else ""
    raise AssertionError(f"the message has no button {action_id!r}{which}")
