"""A deal's average over its latest activities, and when a new one makes it drop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core_features.sentiment.trend import Point, current, drop, rolling

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _points(*scores: float) -> list[Point]:
    return [Point(f"act_{i}", T0 + timedelta(hours=i), s) for i, s in enumerate(scores)]


class TestTrend:
    def test_the_current_average_is_of_the_latest_window_in_time_order(self) -> None:
        points = _points(-1.0, 0.5, 0.2, 0.8)
        assert current(list(reversed(points)), 3) == 0.5
        assert current([], 3) is None

    def test_each_point_carries_the_average_up_to_it(self) -> None:
        assert [avg for _, avg in rolling(_points(0.6, 0.0, -0.6, -0.9), 2)] == [0.6, 0.3, -0.3, -0.75]

    def test_a_fall_past_the_threshold_is_a_drop_and_a_smaller_one_is_not(self) -> None:
        before = _points(0.8, 0.7, 0.9)
        after = [*before, Point("act_new", T0 + timedelta(days=1), -0.7)]
        assert drop(before, after, 3, 0.3) == (0.8, 0.3)
        assert drop(before, after, 3, 0.6) is None

    def test_a_first_activity_has_nothing_to_fall_from(self) -> None:
        assert drop([], _points(-0.9), 3, 0.3) is None

    def test_an_old_activity_outside_the_window_moves_nothing(self) -> None:
        before = _points(0.8, 0.7, 0.9)
        after = [Point("act_old", T0 - timedelta(days=30), -1.0), *before]
        assert drop(before, after, 3, 0.3) is None
