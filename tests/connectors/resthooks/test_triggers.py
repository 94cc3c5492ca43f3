"""Trigger lists as Zapier's performList and polling triggers read them: the shape of a live delivery."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from tests.conftest import Api
from tests.connectors.resthooks.conftest import hook_path, subscribe, verified
from tests.webhooks.receiver import Receiver
from hub.runtime import Hub

ENVELOPE = {"id", "type", "timestamp", "data"}


async def _list(api: Api, key: str, kind: str, **params: Any) -> list[dict[str, Any]]:
    answer = await api.get(f"/v1/triggers/{key}/{kind}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


class TestSamples:
    async def test_samples_are_the_bodies_exactly_as_delivered(self, api: Api, target: Receiver) -> None:
        path = hook_path()
        hook = await subscribe(api, target, path, "deal.created")
        await api.create("deals", {"name": "Acme", "amount": "1200.50"})
        [request] = await target.wait_for(path, 1)
        answer = await api.get("/v1/triggers/deal.created/samples", params={"limit": 1})
        assert answer.content == b"[" + request.body + b"]"  # byte for byte what was signed and sent
        [polled] = await _list(api, "deal.created", "poll")
        assert polled == verified(hook["secret"], request)

    async def test_samples_are_newest_first_with_unique_ids(self, api: Api) -> None:
        made = [await api.create("contacts", {"first_name": f"C{n}"}) for n in range(3)]
        items = await _list(api, "contact.created", "samples")
        assert [i["data"]["id"] for i in items] == [c["id"] for c in reversed(made)]
        assert len({i["id"] for i in items}) == 3 and all(set(i) == ENVELOPE for i in items)
        assert [i["data"]["id"] for i in await _list(api, "contact.created", "samples", limit=2)] == [
            made[2]["id"], made[1]["id"]]

    async def test_without_events_the_catalog_sample_comes_in_the_same_envelope(self, app: Litestar,
                                                                               api: Api) -> None:
        [item] = await _list(api, "deal.won", "samples")
        assert set(item) == ENVELOPE and item["id"] and item["type"] == "deal.won"
        assert item["data"] == Hub.of(app).catalog.triggers["deal.won"].sample

    async def test_another_organizations_events_are_not_samples(self, api: Api, other: Api) -> None:
        await other.create("contacts", {"first_name": "Theirs"})
        mine = await api.create("contacts", {"first_name": "Mine"})
        assert [i["data"]["id"] for i in await _list(api, "contact.created", "samples")] == [mine["id"]]
        assert [i["data"]["first_name"] for i in await _list(api, "contact.created", "poll")] == ["Mine"]


class TestPoll:
    async def test_nothing_happened_means_nothing_to_trigger_on(self, api: Api) -> None:
        assert await _list(api, "deal.won", "poll") == []

    async def test_an_updated_trigger_gets_a_new_id_for_every_change(self, api: Api) -> None:
        contact = await api.create("contacts", {"first_name": "Ada"})
        for title in ("CTO", "CEO"):
            changed = await api.patch(f"/v1/contacts/{contact['id']}", {"title": title})
            assert changed.status_code == 200, changed.text
        first = await _list(api, "contact.updated", "poll")
        assert [i["data"]["title"] for i in first] == ["CEO", "CTO"]
        assert [i["id"] for i in first] == [f"{contact['id']}-{i['data']['updated_at']}" for i in first]
        assert len({i["id"] for i in first}) == 2 and all(set(i) == ENVELOPE for i in first)
        await api.patch(f"/v1/contacts/{contact['id']}", {"title": "Chair"})
        second = await _list(api, "contact.updated", "poll")
        new = [i for i in second if i["id"] not in {j["id"] for j in first}]
        assert [i["data"]["title"] for i in new] == ["Chair"] and second[1:] == first

    async def test_a_created_trigger_is_keyed_by_its_event(self, api: Api) -> None:
        contact = await api.create("contacts", {"first_name": "Ada"})
        [item] = await _list(api, "contact.created", "poll")
        events = (await api.get("/v1/events", params={"type": "contact.created"})).json()["data"]
        assert item["id"] == events[0]["id"] and item["data"]["id"] == contact["id"]

    async def test_unknown_trigger_and_bad_limit_are_refused(self, api: Api) -> None:
        assert (await api.get("/v1/triggers/deal.exploded/poll")).status_code == 404
        assert (await api.get("/v1/triggers/deal.won/poll", params={"limit": 0})).status_code == 400
        assert (await api.get("/v1/triggers/deal.won/samples", params={"limit": 101})).status_code == 400
