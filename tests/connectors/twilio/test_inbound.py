"""Calls to the organization's Twilio number: the caller looked up, the right rep rung, the call logged."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from connectors.twilio.fake import FakeTwilio, Play
from tests.conftest import Api
from tests.connectors.twilio.conftest import (ACCOUNT, CALLER_ID, OTHER_ACCOUNT, OTHER_TOKEN, PUBLIC_URL,
                                              REP_PHONE, TOKEN, Hub, rep_and_contact)
from tests.test_bad_input import assert_problem

CONTACT_PHONE = "+14155552671"
STRANGER = "+14155559876"


async def urls(api: Api) -> tuple[str, str]:
    read = (await api.get("/v1/telephony")).json()
    return read["voice_url"], read["status_callback_url"]


async def inbound_calls(api: Api) -> list[dict[str, Any]]:
    return (await api.get("/v1/calls", params={"direction": "inbound"})).json()["data"]


def dialed(twiml: str) -> ET.Element | None:
    return ET.fromstring(twiml).find("Dial")


class TestInbound:
    async def test_a_known_caller_rings_the_contacts_owner_and_is_logged(self, hub: Hub, fake: FakeTwilio,
                                                                         acme: Api) -> None:
        rep, contact = await rep_and_contact(acme)
        voice, status = await urls(acme)
        played = await fake.incoming(ACCOUNT, to=CALLER_ID, from_="(415) 555-2671", voice_url=voice,
                                     status_callback=status, play=Play(talk_seconds=65))
        dial = dialed(played.twiml[0])
        assert dial is not None and (dial.text or "").strip() == REP_PHONE and dial.get("record") is None
        [call] = await inbound_calls(acme)
        assert dial.get("action") == f"{PUBLIC_URL}/twilio/calls/{call['id']}/dial-ended"
        assert (call["contact_id"], call["user_id"], call["call_sid"]) == (contact["id"], rep["id"],
                                                                           played.json["sid"])
        assert call["outcome"] == "connected" and call["duration_seconds"] == 65
        assert call["contact_number"] == CONTACT_PHONE
        [activity] = (await acme.get("/v1/activities", params={"contact_id": contact["id"]})).json()["data"]
        logged = (activity["direction"], activity["outcome"], activity["duration_seconds"])
        assert logged == ("inbound", "connected", 65)
        [event] = (await acme.get("/v1/events", params={"type": "call.completed"})).json()["data"]
        assert event["data"]["direction"] == "inbound" and event["data"]["activity_id"] == activity["id"]

    async def test_a_missed_call_is_logged_with_that_outcome(self, hub: Hub, fake: FakeTwilio,
                                                             acme: Api) -> None:
        _, contact = await rep_and_contact(acme)
        voice, status = await urls(acme)
        await fake.incoming(ACCOUNT, to=CALLER_ID, from_=CONTACT_PHONE, voice_url=voice,
                            status_callback=status, play=Play(dialed="no-answer"))
        [call] = await inbound_calls(acme)
        assert call["outcome"] == "no_answer" and call["dial_status"] == "no-answer"
        assert call["status"] == "completed"  # the number's status callback came after, and changed only that
        [activity] = (await acme.get("/v1/activities", params={"contact_id": contact["id"]})).json()["data"]
        assert activity["outcome"] == "no_answer"

    async def test_a_caller_who_hangs_up_before_an_answer_has_no_talk_time(self, hub: Hub, fake: FakeTwilio,
                                                                            acme: Api) -> None:
        _, contact = await rep_and_contact(acme)
        voice, status = await urls(acme)
        await fake.incoming(ACCOUNT, to=CALLER_ID, from_=CONTACT_PHONE, voice_url=voice,
                            status_callback=status, play=Play(hangs_up=True))
        [call] = await inbound_calls(acme)
        assert (call["outcome"], call["duration_seconds"]) == ("canceled", 0)
        [activity] = (await acme.get("/v1/activities", params={"contact_id": contact["id"]})).json()["data"]
        assert (activity["outcome"], activity["duration_seconds"]) == ("canceled", 0)

    async def test_an_unknown_caller_rings_the_fallback_rep(self, hub: Hub, fake: FakeTwilio) -> None:
        api = await hub.org("Fallback")
        rep, _ = await rep_and_contact(api, rep_phone="+14155550122")
        changed = await api.client.put("/v1/telephony", headers=api._headers(None), json={
            "account_sid": ACCOUNT, "caller_id": CALLER_ID, "fallback_user_id": rep["id"]})
        assert changed.status_code == 200, changed.text
        voice, _ = await urls(api)
        played = await fake.incoming(ACCOUNT, to=CALLER_ID, from_=STRANGER, voice_url=voice)
        dial = dialed(played.twiml[0])
        assert dial is not None and (dial.text or "").strip() == "+14155550122"
        [call] = await inbound_calls(api)
        assert call["contact_id"] is None and call["user_id"] == rep["id"] and call["outcome"] == "connected"
        assert call["activity_id"] is None
        [event] = (await api.get("/v1/events", params={"type": "call.completed"})).json()["data"]
        assert event["data"]["contact_id"] is None and event["data"]["contact_number"] == STRANGER

    async def test_with_nobody_to_ring_the_caller_hears_why(self, hub: Hub, fake: FakeTwilio,
                                                            acme: Api) -> None:
        voice, _ = await urls(acme)
        played = await fake.incoming(ACCOUNT, to=CALLER_ID, from_=STRANGER, voice_url=voice)
        document = ET.fromstring(played.twiml[0])
        assert document.find("Dial") is None and document.find("Say") is not None
        assert document.find("Hangup") is not None
        [call] = await inbound_calls(acme)
        assert call["outcome"] == "no_answer" and call["user_id"] is None

    async def test_the_same_webhook_sent_twice_makes_one_call(self, hub: Hub, fake: FakeTwilio,
                                                              acme: Api) -> None:
        await rep_and_contact(acme)
        voice, _ = await urls(acme)
        params = {"AccountSid": ACCOUNT, "CallSid": "CA" + "1" * 32, "CallStatus": "ringing",
                  "From": CONTACT_PHONE, "To": CALLER_ID, "Direction": "inbound", "ApiVersion": "2010-04-01"}
        first, second = await fake.post(voice, params, TOKEN), await fake.post(voice, params, TOKEN)
        assert first.status == second.status == 200 and first.body == second.body
        assert len(await inbound_calls(acme)) == 1

    async def test_refuses_forged_or_foreign_calls_and_records_nothing(self, hub: Hub, fake: FakeTwilio,
                                                                       acme: Api) -> None:
        await rep_and_contact(acme)
        voice, status = await urls(acme)
        params = {"AccountSid": ACCOUNT, "CallSid": "CA" + "2" * 32, "CallStatus": "ringing",
                  "From": CONTACT_PHONE, "To": CALLER_ID}
        forged = await fake.post(voice, params, OTHER_TOKEN)
        foreign = await fake.post(voice, params | {"AccountSid": OTHER_ACCOUNT}, TOKEN)
        unsigned = await hub.http.post(voice, data=params)
        for answer in (forged.status, foreign.status, unsigned.status_code):
            assert answer == 403
        assert_problem(unsigned, 403, "not sent by Twilio")
        nowhere = await fake.post(f"{PUBLIC_URL}/twilio/orgs/org_nothing/voice", params, TOKEN)
        assert nowhere.status == 404
        stray = await fake.post(status, params | {"CallStatus": "completed"}, TOKEN)
        assert stray.status == 404
        assert await inbound_calls(acme) == []
