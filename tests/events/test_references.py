"""A posted event names only the caller's own records: another organization's id (or one that does not
exist) in `subject_id` or in a known id field of `data` is refused as records refuse it, and nothing is
written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.test_bad_input import assert_problem


def opened(**extra: Any) -> dict[str, Any]:
    return {"type": "email.opened", "data": {"message_id": "<m1@mail.example>", "email": "ada@acme.example"},
            **extra}


async def _event_ids(api: Api) -> list[str]:
    return [e["id"] for e in (await api.get("/v1/events", params={"type": "email.*"})).json()["data"]]


class TestReferences:
    @pytest.mark.parametrize("where", ["subject_id", "data.contact_id"])
    async def test_another_organizations_contact_is_refused(self, api: Api, other: Api, where: str) -> None:
        theirs = (await other.create("contacts", {"first_name": "Eve"}))["id"]
        event = opened(subject_id=theirs) if where == "subject_id" else opened()
        if where != "subject_id":
            event["data"]["contact_id"] = theirs
        before = await _event_ids(api)
        assert_problem(await api.post("/v1/events", event), 404, where)
        assert await _event_ids(api) == before

    async def test_an_absent_id_is_answered_as_another_organizations(self, api: Api, other: Api) -> None:
        theirs = (await other.create("contacts", {"first_name": "Eve"}))["id"]
        absent = "con_" + "0" * 26
        answers = [await api.post("/v1/events", opened(subject_id=i)) for i in (theirs, absent)]
        assert [a.status_code for a in answers] == [404, 404]
        assert [a.json()["title"] for a in answers][0] == answers[1].json()["title"]

    async def test_the_callers_own_records_are_accepted(self, api: Api) -> None:
        mine = (await api.create("contacts", {"first_name": "Ada"}))["id"]
        event = opened(subject_id=mine)
        event["data"]["contact_id"] = mine
        answer = await api.post("/v1/events", event)
        assert answer.status_code == 201, answer.text
        assert answer.json()["subject_id"] == mine

    async def test_ids_that_are_not_record_ids_are_left_alone(self, api: Api) -> None:
        event = opened(subject_type="mailbox", subject_id="mbx-42")
        assert (await api.post("/v1/events", event)).status_code == 201

    async def test_one_foreign_id_in_a_batch_refuses_the_whole_batch(self, api: Api, other: Api) -> None:
        theirs = (await other.create("deals", {"name": "Theirs"}))["id"]
        before = await _event_ids(api)
        answer = await api.post("/v1/events/batch", {"events": [opened(), opened(subject_type="deal",
                                                                                  subject_id=theirs)]})
        assert_problem(answer, 404, "events[1]")
        assert await _event_ids(api) == before
