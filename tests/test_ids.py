"""Record ids: base32hex of a UUIDv7, so that id order is time order."""

from __future__ import annotations

import base64
from unittest import mock

import uuid_utils
from hypothesis import given
from hypothesis import strategies as st

from hub.db import new_id


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_an_id_is_the_base32hex_of_its_uuid(value: int) -> None:
    uuid = uuid_utils.UUID(int=value)
    with mock.patch("hub.db.uuid_utils.uuid7", return_value=uuid):
        made = new_id("evt")
    assert made == "evt_" + base64.b32hexencode(uuid.bytes).decode().rstrip("=").lower()


def test_ids_made_one_after_another_sort_in_the_order_they_were_made() -> None:
    made = [new_id("evt") for _ in range(2000)]
    assert sorted(made) == made and len(set(made)) == len(made)
