"""A loopback stand-in for Twilio's Calls API that also plays the calls, honest in what it checks and signs.

Calls create (form-encoded, HTTP Basic `AccountSid:AuthToken`, 201 with Twilio's call JSON) and fetch;
wrong credentials get Twilio's 401 error JSON, a bad number its 400. Each created call is then played the
way Twilio plays it: status callbacks for the events asked for, TwiML fetched from `Url` when the called
party answers, a `<Dial>` acted out with its action request, every request to the app signed with
`X-Twilio-Signature` (HMAC-SHA1 over the full URL and the sorted POST parameters, base64) by the twilio
package's own `RequestValidator.compute_signature`. Tests choose how each party answers (`Play`).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Literal

import httpx
from aiohttp import web
from twilio.request_validator import RequestValidator

from connectors._loopback import serve
from connectors.twilio.manifest import API_VERSION

__all__ = ["Delivery", "FakeTwilio", "Play"]

Answer = Literal["answered", "busy", "no-answer", "failed"]
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_DIAL_STATUS = {"answered": "completed", "busy": "busy", "no-answer": "no-answer", "failed": "failed"}


@dataclass
class Play:
    """How a call goes: the party called first (`answer`), the party a `<Dial>` rings (`dialed`), and how long
    the bridged parties talk."""

    answer: Answer = "answered"
    dialed: Answer = "answered"
    talk_seconds: int = 42
    hangs_up: bool = False  # the caller hangs up while the `<Dial>` still rings: no dial result comes


@dataclass
class Delivery:
    """One request the fake made to the app, and the app's answer."""

    url: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int = 0
    body: str = ""


@dataclass
class _Call:
    json: dict[str, Any]
    token: str
    url: str
    status_callback: str | None
    events: list[str]
    play: Play
    done: asyncio.Event = field(default_factory=asyncio.Event)
    twiml: list[str] = field(default_factory=list)


def _now() -> str:
    return format_datetime(datetime.now(UTC), usegmt=False).replace("-0000", "+0000")


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"}, status=status)


class FakeTwilio:
    """`accounts` maps account SIDs to auth tokens. `plays` scripts the next calls in turn (default: both
    answer); `fail_next` queues (status, code, message) answers for Calls create; `deliver` is the HTTP client
    the calls reach the app with (an ASGI transport in tests, the network otherwise)."""

    def __init__(self, accounts: dict[str, str], *, deliver: httpx.AsyncClient | None = None,
                 retry_after: str | None = None) -> None:
        self.accounts, self.retry_after = dict(accounts), retry_after
        self.deliver = deliver or httpx.AsyncClient(timeout=15, trust_env=False)
        self.plays: list[Play] = []
        self.fail_next: list[tuple[int, int, str]] = []
        self.calls: dict[str, _Call] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []  # method, path, form
        self.deliveries: list[Delivery] = []
        self.drop_status_callbacks = False  # as if the app were unreachable when the callbacks were sent
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeTwilio:
        app = web.Application()
        base = f"/{API_VERSION}/Accounts/{{account}}/Calls"
        app.router.add_post(base + ".json", self._create)
        app.router.add_get(base + "/{sid}.json", self._fetch)
        self._runner, self.url = await serve(app)
        return self

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner:
            await self._runner.cleanup()
        await self.deliver.aclose()

    async def played(self, call_sid: str, timeout: float = 15.0) -> _Call:
        """Wait until the call has been played to its end; answers it."""
        call = self.calls[call_sid]
        async with asyncio.timeout(timeout):
            await call.done.wait()
        return call

    # -- the REST API
    def _authorized(self, request: web.Request) -> str | None:
        """The account's token when Basic auth names this account with its token."""
        account = request.match_info["account"]
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        token = self.accounts.get(account)
        good = scheme == "Basic" and user == account and token is not None
        return token if good and secrets.compare_digest(password, token) else None

    async def _create(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.requests.append((request.method, request.path, {k: form.getall(k) for k in form}))
        token = self._authorized(request)
        if token is None:
            return _error(401, 20003, "Authenticate")
        if self.fail_next:
            status, code, message = self.fail_next.pop(0)
            response = _error(status, code, message)
            if status == 429 and self.retry_after is not None:
                response.headers["Retry-After"] = self.retry_after
            return response
        problem = self._problem(form)
        if problem:
            return problem
        sid, stamp, account = _sid("CA"), _now(), request.match_info["account"]
        path = f"/{API_VERSION}/Accounts/{account}/Calls/{sid}"
        json = {"sid": sid, "account_sid": account, "to": form["To"], "to_formatted": form["To"],
                "from": form["From"], "from_formatted": form["From"], "status": "queued",
                "direction": "outbound-api", "api_version": API_VERSION, "date_created": stamp,
                "date_updated": stamp, "start_time": None, "end_time": None, "duration": None, "price": None,
                "price_unit": "USD", "parent_call_sid": None, "phone_number_sid": None, "answered_by": None,
                "caller_name": None, "forwarded_from": None, "group_sid": None, "annotation": None,
                "trunk_sid": None, "queue_time": "0", "uri": f"{path}.json",
                "subresource_uris": {"recordings": f"{path}/Recordings.json"}}
        call = _Call(json=json, token=token, url=str(form["Url"]), status_callback=form.get("StatusCallback"),
                     events=form.getall("StatusCallbackEvent", []) or ["completed"],
                     play=self.plays.pop(0) if self.plays else Play())
        self.calls[sid] = call
        self._spawn(self._play(call))
        return web.json_response(json, status=201)

    def _problem(self, form: Any) -> web.Response | None:
        if not _E164.match(str(form.get("To", ""))):
            return _error(400, 21211, f"Invalid 'To' Phone Number: {form.get('To', '')}")
        if not _E164.match(str(form.get("From", ""))):
            return _error(400, 21212, f"Invalid 'From' Phone Number: {form.get('From', '')}")
        if not form.get("Url") and not form.get("Twiml") and not form.get("ApplicationSid"):
            return _error(400, 21205, "Url parameter is required.")
        return None

    async def _fetch(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path, {}))
        if self._authorized(request) is None:
            return _error(401, 20003, "Authenticate")
        call = self.calls.get(request.match_info["sid"])
        if call is None or call.json["account_sid"] != request.match_info["account"]:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return web.json_response(call.json)

    # -- playing a call
    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _params(self, call: _Call, status: str, **extra: Any) -> dict[str, str]:
        j = call.json
        params = {"AccountSid": j["account_sid"], "ApiVersion": API_VERSION, "CallSid": j["sid"],
                  "CallStatus": status, "Called": j["to"], "Caller": j["from"], "Direction": j["direction"],
                  "From": j["from"], "To": j["to"]}
        return {**params, **{k: str(v) for k, v in extra.items() if v is not None}}

    async def _status(self, call: _Call, event: str, status: str, sequence: itertools.count,
                      **extra: Any) -> None:
        call.json.update(status=status, date_updated=_now())
        if call.status_callback and event in call.events and not self.drop_status_callbacks:
            await self.post(call.status_callback, self._params(
                call, status, CallbackSource="call-progress-events", SequenceNumber=next(sequence),
                Timestamp=_now(), **extra), call.token)

    async def _play(self, call: _Call) -> None:
        try:
            sequence, play = itertools.count(), call.play
            await self._status(call, "initiated", "initiated", sequence)
            await self._status(call, "ringing", "ringing", sequence)
            if play.answer != "answered":
                call.json.update(duration="0", end_time=_now())
                await self._status(call, "completed", play.answer, sequence, CallDuration=0, Duration=0)
                return
            call.json["start_time"] = _now()
            await self._status(call, "answered", "in-progress", sequence)
            talked = await self._run_twiml(call, call.url, self._params(call, "in-progress"), play)
            seconds = talked + 3
            call.json.update(duration=str(seconds), end_time=_now())
            await self._status(call, "completed", "completed", sequence, CallDuration=seconds,
                               Duration=(seconds + 59) // 60)
        finally:
            call.done.set()

    async def _run_twiml(self, call: _Call, url: str, params: dict[str, str], play: Play) -> int:
        """Fetch TwiML and act it out; answers the seconds the bridged parties talked."""
        delivery = await self.post(url, params, call.token)
        call.twiml.append(delivery.body)
        dial = ET.fromstring(delivery.body).find("Dial") if delivery.status == 200 else None
        if dial is None or play.hangs_up:
            return 0
        talked = play.talk_seconds if play.dialed == "answered" else 0
        result = {"DialCallStatus": _DIAL_STATUS[play.dialed], "DialCallSid": _sid("CA"),
                  "DialCallDuration": talked}
        if dial.get("record", "do-not-record") != "do-not-record" and talked:
            recording, account = _sid("RE"), call.json["account_sid"]
            result.update(RecordingSid=recording, RecordingDuration=talked, RecordingUrl=(
                f"https://api.twilio.com/{API_VERSION}/Accounts/{account}/Recordings/{recording}"))
        if action := dial.get("action"):
            after = await self.post(action, {**params, **{k: str(v) for k, v in result.items()}}, call.token)
            call.twiml.append(after.body)
        return talked

    async def post(self, url: str, params: dict[str, str], token: str, *,
                   signature: str | None = None) -> Delivery:
        """POST form parameters to the app as Twilio does, signed with `token` (or `signature` as given)."""
        signed = RequestValidator(token).compute_signature(url, params) if signature is None else signature
        headers = {"X-Twilio-Signature": signed, "User-Agent": "TwilioProxy/1.1",
                   "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
        delivery = Delivery(url=url, params=dict(params), headers=headers)
        self.deliveries.append(delivery)
        try:
            answer = await self.deliver.post(url, data=params, headers=headers)
        except httpx.TransportError as exc:  # the app is unreachable: Twilio logs it and goes on
            delivery.body = type(exc).__name__
            return delivery
        delivery.status, delivery.body = answer.status_code, answer.text
        return delivery

    # -- calls that come in
    async def incoming(self, account: str, *, to: str, from_: str, voice_url: str, play: Play | None = None,
                       status_callback: str | None = None) -> _Call:
        """Someone calls the account's number `to` from `from_`: the number's voice URL is asked for TwiML."""
        sid, stamp = _sid("CA"), _now()
        json = {"sid": sid, "account_sid": account, "to": to, "from": from_, "status": "ringing",
                "direction": "inbound", "api_version": API_VERSION, "date_created": stamp,
                "date_updated": stamp, "start_time": stamp, "end_time": None, "duration": None}
        call = _Call(json=json, token=self.accounts[account], url=voice_url, status_callback=status_callback,
                     events=["completed"], play=play or Play())
        self.calls[sid] = call
        try:
            talked = await self._run_twiml(call, voice_url, self._params(call, "ringing"), call.play)
            seconds = talked + 5
            call.json.update(duration=str(seconds), end_time=_now())
            await self._status(call, "completed", "completed", itertools.count(), CallDuration=seconds)
        finally:
            call.done.set()
        return call
