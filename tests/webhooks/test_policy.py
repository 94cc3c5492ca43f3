"""The retry schedule, outcomes and Retry-After, under a fixed clock."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from hub.retry import DEFAULT_SCHEDULE, RetryPolicy
from webhooks.policy import classify, retry_after_seconds

NOW = datetime(2026, 1, 15, 10, 30, tzinfo=timezone.utc)


class TestOutcome:
    @pytest.mark.parametrize("status, outcome", [
        (200, "succeeded"), (204, "succeeded"), (299, "succeeded"), (None, "retry"), (408, "retry"),
        (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"), (504, "retry"), (301, "retry"),
        (400, "failed"), (401, "failed"), (404, "failed"), (422, "failed"), (410, "gone"),
    ])
    def test_classifies_each_answer(self, status: int | None, outcome: str) -> None:
        assert classify(status) == outcome


class TestSchedule:
    def test_the_default_schedule_reaches_about_three_days(self) -> None:
        assert DEFAULT_SCHEDULE[:4] == (0, 5, 300, 1800)
        assert 70 * 3600 < sum(DEFAULT_SCHEDULE) < 80 * 3600
        assert RetryPolicy().max_attempts == 10

    def test_each_delay_follows_the_schedule_within_the_jitter(self) -> None:
        policy, rng = RetryPolicy(), random.Random(1)
        for made, base in enumerate(DEFAULT_SCHEDULE[1:], start=1):
            delay = (policy.next_attempt(made, NOW, rng=rng) - NOW).total_seconds()
            assert base * 0.8 <= delay <= base * 1.2
        assert policy.next_attempt(policy.max_attempts, NOW) is None

    def test_retry_after_pushes_the_next_attempt_later_but_not_past_a_day(self) -> None:
        policy = RetryPolicy(schedule=(0, 5, 300), jitter=0)
        assert policy.next_attempt(1, NOW, retry_after=120) == NOW + timedelta(seconds=120)
        assert policy.next_attempt(1, NOW, retry_after=1) == NOW + timedelta(seconds=5)
        assert policy.next_attempt(1, NOW, retry_after=10**9) == NOW + timedelta(days=1)

    def test_reads_retry_after_as_seconds_or_a_date(self) -> None:
        assert retry_after_seconds("120", NOW) == 120
        assert retry_after_seconds("Thu, 15 Jan 2026 10:32:00 GMT", NOW) == 120
        assert retry_after_seconds("soon", NOW) is None and retry_after_seconds(None, NOW) is None

    def test_a_schedule_setting_is_parsed_or_refused(self) -> None:
        assert RetryPolicy.parse("0, 1,2.5").schedule == (0, 1, 2.5)
        for bad in ("", "a,b", "1,-2"):
            with pytest.raises(ValueError):
                RetryPolicy.parse(bad)
