"""The offline composer: every goal, tone and length, with a full context and an empty one, states nothing the
fact check would replace, greets the person it can name, and keeps to its length."""

from __future__ import annotations

import itertools
import typing

import pytest

from core_features.writing.composer import compose
from core_features.writing.context import Context, Fact
from core_features.writing.guard import Check, Support
from core_features.writing.prompting import WORDS, Request
from core_features.writing.schemas import ComposeIn

GOALS = typing.get_args(typing.get_type_hints(ComposeIn)["goal"])
FULL = Context("deal", "dea_1", "Ann", [
    Fact("contact.first_name", "Ann", "contact:c"), Fact("company.name", "Acme", "company:o"),
    Fact("company.industry", "Logistics", "company:o"), Fact("deal.name", "Acme rollout", "deal:d"),
    Fact("deal.amount", "48000 USD", "deal:d"), Fact("activity", "outbound call on March 3, 2026 (Tuesday)", "a")])
EMPTY = Context("lead", "lea_1")


@pytest.mark.parametrize(("goal", "tone", "length", "context"), list(itertools.product(
    GOALS, ("formal", "friendly", "concise"), ("short", "medium", "long"), (FULL, EMPTY))))
def test_the_composer_never_states_an_unsupported_fact(goal: str, tone: str, length: str, context: Context) -> None:
    text, notes = compose(context, Request(goal, tone, length), sender="Sam Reed", signature=None)
    check = Check(Support.of(*(f.value for f in context.facts), "Sam Reed"))
    assert check.text(text) == text and check.findings == [] and notes == []
    assert text.startswith("Subject: ") and ("Ann" in text) == (context is FULL)
    assert len(text.split()) <= WORDS[length] and text.rstrip().endswith("Sam Reed")


def test_free_text_instructions_are_noted_as_not_followed() -> None:
    _, notes = compose(FULL, Request("follow_up", "friendly", "short", "Mention the webinar"), sender=None,
                       signature=None)
    assert notes and "instructions" in notes[0]
