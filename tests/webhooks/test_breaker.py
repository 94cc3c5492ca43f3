"""Circuit breakers under a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from webhooks.breaker import Breakers

T0 = datetime(2026, 1, 15, 10, 30, tzinfo=timezone.utc)


class TestBreakers:
    def test_opens_after_the_threshold_and_closes_after_a_success(self) -> None:
        breakers = Breakers(threshold=3, cooldown=timedelta(seconds=30))
        for _ in range(2):
            breakers.observe("ep", False, T0)
        assert not breakers.is_open("ep", T0) and not breakers.probing("ep")
        breakers.observe("ep", False, T0)
        assert breakers.is_open("ep", T0 + timedelta(seconds=29)) and breakers.open_endpoints(T0) == ["ep"]
        later = T0 + timedelta(seconds=31)
        assert not breakers.is_open("ep", later) and breakers.probing("ep")
        breakers.observe("ep", True, later)
        assert not breakers.probing("ep") and breakers.open_endpoints(later) == []

    def test_a_failed_probe_reopens_with_a_doubled_cooldown_up_to_the_cap(self) -> None:
        breakers = Breakers(threshold=1, cooldown=timedelta(seconds=30), max_cooldown=timedelta(seconds=100))
        now = T0
        waits = []
        for _ in range(4):
            breakers.observe("ep", False, now)
            opened = now
            while breakers.is_open("ep", now):
                now += timedelta(seconds=1)
            waits.append((now - opened).total_seconds())
        assert waits == [30, 60, 100, 100]

    def test_one_endpoint_opening_leaves_the_others_alone(self) -> None:
        breakers = Breakers(threshold=1)
        breakers.observe("dead", False, T0)
        breakers.observe("alive", True, T0)
        assert breakers.open_endpoints(T0) == ["dead"] and not breakers.probing("alive")

    def test_failures_of_attempts_already_in_flight_when_it_opened_do_not_lengthen_it(self) -> None:
        breakers = Breakers(threshold=5, cooldown=timedelta(seconds=1))
        for _ in range(5 + 8):  # the five that open it, then eight that were under way
            breakers.observe("ep", False, T0)
        assert breakers.is_open("ep", T0) and not breakers.is_open("ep", T0 + timedelta(seconds=1))
