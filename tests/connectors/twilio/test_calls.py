"""Click-to-call end to end: the API, the job that asks Twilio, and Twilio playing the call back."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import text, update

from connectors.twilio.fake import FakeTwilio, Play
from connectors.twilio.jobs import reconcile
from connectors.twilio.models import Call
from connectors.twilio.service import RECONCILE
from hub import observability
from hub.db import utcnow
from hub.jobs import Job, JobContext
from hub.records.models import Contact
from tests.conftest import Api, new_org
from tests.connectors.twilio.conftest import (ACCOUNT, CALLER_ID, OTHER_TOKEN, PUBLIC_URL, REP_PHONE, TOKEN,
                                              Hub, rep_and_contact)
from tests.test_bad_input import assert_problem
from hub.runtime import Hub as Runtime

CONTACT_PHONE = "+14155552671"


async def place(hub: Hub, api: Api, rep: dict[str, Any], contact: dict[str, Any]) -> dict[str, Any]:
    """Click to call, let the job ask Twilio, wait for Twilio to play the call out; answers the call."""
    started = await api.post("/v1/calls", {"user_id": rep["id"], "contact_id": contact["id"]})
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "pending"
    await hub.settle()
    sid = (await api.get(f"/v1/calls/{started.json()['id']}")).json()["call_sid"]
    assert sid and sid.startswith("CA")
    await hub.fake.played(sid)
    await hub.settle()
    return (await api.get(f"/v1/calls/{started.json()['id']}")).json()


async def activities(api: Api, contact_id: str) -> list[dict[str, Any]]:
    return (await api.get("/v1/activities", params={"contact_id": contact_id})).json()["data"]


async def completed_events(api: Api) -> list[dict[str, Any]]:
    return (await api.get("/v1/events", params={"type": "call.completed"})).json()["data"]


def dial_of(fake: FakeTwilio, sid: str) -> ET.Element:
    dial = ET.fromstring(fake.calls[sid].twiml[0]).find("Dial")
    assert dial is not None
    return dial


class TestTelephonySettings:
    async def test_keeps_the_token_encrypted_and_never_answers_it(self, hub: Hub, acme: Api) -> None:
        read = (await acme.get("/v1/telephony")).json()
        assert read["account_sid"] == ACCOUNT and read["caller_id"] == CALLER_ID and read["auth_token_set"]
        assert read["voice_url"] == f"{PUBLIC_URL}/twilio/orgs/{acme.org_id}/voice"
        assert TOKEN not in str(read)
        async with Runtime.of(hub.app).sessions() as session:
            sealed = await session.scalar(
                text("SELECT auth_token_enc FROM telephony_settings WHERE org_id = :o"), {"o": acme.org_id})
        assert sealed.startswith("v1.") and TOKEN not in sealed
        kept = await acme.client.put("/v1/telephony", headers=acme._headers(None), json={
            "account_sid": ACCOUNT, "caller_id": "(415) 555-0100", "record_calls": True})
        assert kept.status_code == 200 and kept.json()["record_calls"] and kept.json()["auth_token_set"]

    @pytest.mark.parametrize(("body", "status", "mention"), [
        ({"account_sid": "AC123", "auth_token": TOKEN, "caller_id": CALLER_ID}, 400, "account_sid"),
        ({"account_sid": ACCOUNT, "auth_token": TOKEN, "caller_id": "+1 555 000"}, 422, "phone number"),
        ({"account_sid": ACCOUNT, "caller_id": CALLER_ID}, 422, "auth_token"),
        ({"account_sid": ACCOUNT, "auth_token": TOKEN, "caller_id": CALLER_ID, "fallback_user_id": "usr_x"},
         404, "usr_x"),
        ({"account_sid": ACCOUNT, "auth_token": TOKEN, "caller_id": CALLER_ID, "colour": "red"},
         400, "colour"),
    ])
    async def test_refuses_bad_settings_and_stores_nothing(self, hub: Hub, body: dict[str, Any], status: int,
                                                           mention: str) -> None:
        api = await new_org(hub.app, hub.http, "Fresh")
        answer = await api.client.put("/v1/telephony", headers=api._headers(None), json=body)
        assert_problem(answer, status, mention)
        assert_problem(await api.get("/v1/telephony"), 409, "PUT /v1/telephony")

    async def test_a_write_key_cannot_change_them(self, acme: Api) -> None:
        made = (await acme.post("/v1/api_keys", {"name": "w", "scopes": ["write"]})).json()
        writer = Api(acme.client, acme.org_id, made["key"])
        answer = await writer.client.put("/v1/telephony", headers=writer._headers(None), json={
            "account_sid": ACCOUNT, "auth_token": OTHER_TOKEN, "caller_id": CALLER_ID})
        assert_problem(answer, 403)


class TestClickToCall:
    async def test_rings_the_rep_dials_the_contact_and_logs_the_call(self, hub: Hub,
                                                                     fake: FakeTwilio) -> None:
        api = await hub.org("Recorder", record=True)
        rep, contact = await rep_and_contact(api)
        call = await place(hub, api, rep, contact)

        status_url = f"{PUBLIC_URL}/twilio/calls/{call['id']}/status"
        _, path, form = next(r for r in fake.requests if r[2].get("StatusCallback") == [status_url])
        assert path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
        assert form["To"] == [REP_PHONE] and form["From"] == [CALLER_ID]
        assert form["Url"] == [f"{PUBLIC_URL}/twilio/calls/{call['id']}/connect"]
        assert set(form["StatusCallbackEvent"]) == {"initiated", "ringing", "answered", "completed"}
        dial = dial_of(fake, call["call_sid"])
        assert dial.get("callerId") == CALLER_ID and (dial.text or "").strip() == CONTACT_PHONE
        assert dial.get("record") == "record-from-answer-dual"
        assert dial.get("action") == f"{PUBLIC_URL}/twilio/calls/{call['id']}/dial-ended"

        assert (call["status"], call["outcome"], call["duration_seconds"]) == ("completed", "connected", 42)
        recordings = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE"
        assert call["recording_url"].startswith(recordings)
        [activity] = await activities(api, contact["id"])
        assert activity["id"] == call["activity_id"] and activity["type"] == "call"
        logged = (activity["direction"], activity["outcome"], activity["duration_seconds"])
        assert logged == ("outbound", "connected", 42)
        assert activity["owner_id"] == rep["id"] and call["recording_url"] in activity["body"]
        [event] = await completed_events(api)
        assert event["subject_id"] == call["id"]
        assert event["data"] | {"call_id": call["id"], "outcome": "connected", "direction": "outbound",
                                "duration_seconds": 42, "recording_url": call["recording_url"],
                                "activity_id": activity["id"], "contact_id": contact["id"]} == event["data"]

    async def test_without_recording_the_dial_records_nothing(self, hub: Hub, fake: FakeTwilio,
                                                              acme: Api) -> None:
        rep, contact = await rep_and_contact(acme)
        call = await place(hub, acme, rep, contact)
        assert dial_of(fake, call["call_sid"]).get("record") is None
        assert call["recording_url"] is None and call["outcome"] == "connected"

    @pytest.mark.parametrize(("play", "outcome"), [
        (Play(answer="busy"), "busy"),
        (Play(answer="no-answer"), "no_answer"),
        (Play(dialed="busy"), "busy"),
        (Play(dialed="no-answer"), "no_answer"),
    ], ids=["rep-busy", "rep-no-answer", "contact-busy", "contact-no-answer"])
    async def test_a_call_not_answered_is_logged_with_that_outcome(
            self, hub: Hub, fake: FakeTwilio, acme: Api, play: Play, outcome: str) -> None:
        fake.plays.append(play)
        rep, contact = await rep_and_contact(acme)
        call = await place(hub, acme, rep, contact)
        assert call["outcome"] == outcome and call["duration_seconds"] == 0
        [activity] = await activities(acme, contact["id"])
        assert activity["outcome"] == outcome and activity["duration_seconds"] == 0
        assert [e["data"]["outcome"] for e in await completed_events(acme)] == [outcome]

    async def test_callbacks_sent_again_log_the_call_once(self, hub: Hub, fake: FakeTwilio,
                                                          acme: Api) -> None:
        rep, contact = await rep_and_contact(acme)
        call = await place(hub, acme, rep, contact)
        reports = [d for d in fake.deliveries if call["id"] in d.url and not d.url.endswith("/connect")]
        assert {urlsplit(d.url).path.rsplit("/", 1)[1] for d in reports} == {"status", "dial-ended"}
        for delivery in reports:
            again = await fake.post(delivery.url, delivery.params, TOKEN)
            assert again.status in (200, 204), again.body
        assert len(await activities(acme, contact["id"])) == 1
        assert len(await completed_events(acme)) == 1
        assert (await acme.get(f"/v1/calls/{call['id']}")).json() == call

    async def test_refuses_forged_callbacks_and_changes_nothing(self, hub: Hub, fake: FakeTwilio,
                                                                acme: Api) -> None:
        fake.drop_status_callbacks = True
        fake.plays.append(Play(answer="busy"))
        rep, contact = await rep_and_contact(acme)
        call = await place(hub, acme, rep, contact)
        assert call["ended_at"] is None
        url = f"{PUBLIC_URL}/twilio/calls/{call['id']}/status"
        params = {"AccountSid": ACCOUNT, "CallSid": call["call_sid"], "CallStatus": "completed",
                  "CallDuration": "60"}
        replayed = fake.deliveries[-1].headers["X-Twilio-Signature"]  # genuine, for another request
        for forged in (await fake.post(url, params, OTHER_TOKEN),
                       await fake.post(url, params, TOKEN, signature=""),
                       await fake.post(url, params, TOKEN, signature=replayed),
                       await fake.post(url, params | {"CallStatus": "busy"}, TOKEN,
                                       signature=_signed(url, params))):
            assert forged.status == 403, forged.body
            assert "not sent by Twilio" in forged.body
        signed_elsewhere = "https://evil.example" + urlsplit(url).path
        elsewhere = await fake.post(url, params, TOKEN, signature=_signed(signed_elsewhere, params))
        assert elsewhere.status == 403
        assert (await acme.get(f"/v1/calls/{call['id']}")).json() == call
        assert await activities(acme, contact["id"]) == [] and await completed_events(acme) == []
        genuine = await fake.post(url, params | {"CallStatus": "busy", "CallDuration": "0"}, TOKEN)
        assert genuine.status == 204
        assert (await acme.get(f"/v1/calls/{call['id']}")).json()["outcome"] == "busy"

    async def test_a_contact_without_a_valid_number_gets_422_and_no_call(self, hub: Hub, acme: Api) -> None:
        rep, contact = await rep_and_contact(acme, contact_phone=None)
        answer = await acme.post("/v1/calls", {"user_id": rep["id"], "contact_id": contact["id"]})
        assert_problem(answer, 422, "no valid phone number")
        async with Runtime.of(hub.app).sessions.begin() as session:  # a number stored before numbers were checked
            await session.execute(update(Contact).where(Contact.id == contact["id"]).values(phone="555"))
        assert_problem(await acme.post("/v1/calls", {"user_id": rep["id"], "contact_id": contact["id"]}), 422,
                       "no valid phone number")
        rep_without, other_contact = await rep_and_contact(acme, rep_phone=None)
        assert_problem(await acme.post("/v1/calls", {"user_id": rep_without["id"],
                                                     "contact_id": other_contact["id"]}), 422, "user")
        assert (await acme.get("/v1/calls")).json()["data"] == []
        assert await hub.settle() == []

    async def test_another_organizations_user_or_contact_is_not_found(self, hub: Hub, acme: Api) -> None:
        other = await hub.org("Globex")
        rep, contact = await rep_and_contact(acme)
        their_rep, their_contact = await rep_and_contact(other)
        for body in ({"user_id": their_rep["id"], "contact_id": contact["id"]},
                     {"user_id": rep["id"], "contact_id": their_contact["id"]}):
            assert_problem(await acme.post("/v1/calls", body), 404)
        call = await place(hub, acme, rep, contact)
        assert_problem(await other.get(f"/v1/calls/{call['id']}"), 404)
        assert (await other.get("/v1/calls")).json()["data"] == []

    async def test_needs_telephony_set_up_first(self, hub: Hub) -> None:
        api = await new_org(hub.app, hub.http, "Silent")
        rep, contact = await rep_and_contact(api)
        assert_problem(await api.post("/v1/calls", {"user_id": rep["id"], "contact_id": contact["id"]}), 409,
                       "PUT /v1/telephony")

    @pytest.mark.usefixtures("fake")
    async def test_wrong_credentials_fail_the_call_with_twilios_reason(self, hub: Hub) -> None:
        api = await hub.org("Typo", token="x" * 32)
        rep, contact = await rep_and_contact(api)
        started = (await api.post("/v1/calls", {"user_id": rep["id"], "contact_id": contact["id"]})).json()
        [job] = await hub.settle()
        call = (await api.get(f"/v1/calls/{started['id']}")).json()
        assert job.kind == "twilio.call.place" and call["call_sid"] is None
        assert call["status"] == "failed" and call["outcome"] == "failed" and "20003" in call["error"]
        assert "x" * 32 not in call["error"]
        assert [e["data"]["outcome"] for e in await completed_events(api)] == ["failed"]

    async def test_a_rate_limited_create_is_tried_again(self, hub: Hub, fake: FakeTwilio, acme: Api) -> None:
        fake.retry_after = "0"
        fake.fail_next.append((429, 20429, "Too Many Requests"))
        rep, contact = await rep_and_contact(acme)
        call = await place(hub, acme, rep, contact)
        assert call["outcome"] == "connected"
        creates = [r for r in fake.requests if r[0] == "POST" and r[2].get("To") == [REP_PHONE]
                   and r[2]["StatusCallback"] == [f"{PUBLIC_URL}/twilio/calls/{call['id']}/status"]]
        assert len(creates) == 2

    async def test_runs_as_the_call_start_action(self, hub: Hub, fake: FakeTwilio, acme: Api) -> None:
        rep, contact = await rep_and_contact(acme)
        answer = await acme.post("/v1/actions/call.start", {"user_id": rep["id"],
                                                            "contact_id": contact["id"]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["status"] == "pending"
        await hub.settle()
        assert len((await acme.get("/v1/calls")).json()["data"]) == 1


class TestPlacingOnce:
    @pytest.mark.parametrize("how", ["tried-before", "too-late"])
    async def test_a_call_that_may_already_ring_or_would_ring_late_is_not_placed(
            self, hub: Hub, fake: FakeTwilio, acme: Api, how: str) -> None:
        rep, contact = await rep_and_contact(acme)
        started = (await acme.post("/v1/calls", {"user_id": rep["id"], "contact_id": contact["id"]})).json()
        change = ({"attempted_at": utcnow()} if how == "tried-before"
                  else {"created_at": utcnow() - timedelta(minutes=3)})
        async with Runtime.of(hub.app).sessions.begin() as session:
            await session.execute(update(Call).where(Call.id == started["id"]).values(**change))
        creates = len(fake.requests)
        await hub.settle()
        call = (await acme.get(f"/v1/calls/{started['id']}")).json()
        assert len(fake.requests) == creates and call["call_sid"] is None
        assert call["outcome"] == "failed" and "not placed" in call["error"]

    async def test_never_logs_the_auth_token(self, hub: Hub, fake: FakeTwilio, acme: Api) -> None:
        stream = io.StringIO()
        observability.configure_logging("DEBUG", "json", stream=stream)
        try:
            rep, contact = await rep_and_contact(acme)
            call = await place(hub, acme, rep, contact)
        finally:
            observability.configure_logging("WARNING", "json")
        logged = stream.getvalue()
        assert call["id"] in logged and TOKEN not in logged
        assert base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode() not in logged


class TestReconcile:
    async def test_reads_back_a_call_whose_callbacks_never_came(self, hub: Hub, fake: FakeTwilio,
                                                                acme: Api) -> None:
        fake.drop_status_callbacks = True
        fake.plays.append(Play(answer="no-answer"))
        rep, contact = await rep_and_contact(acme)
        call = await place(hub, acme, rep, contact)
        assert call["ended_at"] is None and call["status"] == "queued"
        job = Job(id="job_test", org_id=acme.org_id, kind=RECONCILE, payload={"call_id": call["id"]},
                  attempt=1, created_at=utcnow())
        assert await reconcile(JobContext(Runtime.of(hub.app)), job) == {"status": "no-answer"}
        assert ("GET", f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{call['call_sid']}.json", {}) in fake.requests
        read = (await acme.get(f"/v1/calls/{call['id']}")).json()
        assert read["outcome"] == "no_answer" and read["status"] == "no-answer"
        assert [a["outcome"] for a in await activities(acme, contact["id"])] == ["no_answer"]
        async with Runtime.of(hub.app).sessions() as session:
            assert (await session.get(Call, call["id"])).ended_at is not None


def _signed(url: str, params: dict[str, str]) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(TOKEN).compute_signature(url, params)
