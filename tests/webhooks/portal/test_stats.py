"""Endpoint health, chart series and their SVG, and the log's index use, on both databases."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, text

from hub.db import new_id, utcnow
from tests.conftest import Api
from webhooks.models import Attempt, Message
from webhooks.portal._queries import LogFilter, _log_query, id_at
from webhooks.portal._stats import Series, health, nearest_ranks, series
from webhooks.portal._svg import deliveries_chart, latency_chart, nice_ceiling

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=timezone.utc)
SVG = "{http://www.w3.org/2000/svg}"


async def _endpoint(api: Api) -> str:
    made = await api.post("/v1/endpoints", {"url": "http://127.0.0.1:9/hook"})
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def _attempts(sessions: Any, api: Api, endpoint_id: str, rows: list[tuple[timedelta, int, str, int | None]],
                    ) -> None:
    """(age before NOW, duration ms, outcome, status code) per attempt, all of one message."""
    message = new_id("msg")
    async with sessions.begin() as session:
        await session.execute(insert(Message), [{"id": message, "org_id": api.org_id, "endpoint_id": endpoint_id,
                                                 "event_type": "contact.created", "status": "succeeded",
                                                 "attempt_count": len(rows), "created_at": NOW}])
        await session.execute(insert(Attempt), [
            {"id": new_id("att"), "org_id": api.org_id, "message_id": message, "endpoint_id": endpoint_id,
             "number": n, "started_at": NOW - age, "duration_ms": ms, "status_code": code,
             "error_class": None if code else "timeout", "outcome": outcome}
            for n, (age, ms, outcome, code) in enumerate(rows, 1)])


class TestHealth:
    async def test_counts_the_last_24_hours_and_names_the_latest_failure(self, api: Api, sessions: Any) -> None:
        busy, quiet = await _endpoint(api), await _endpoint(api)
        await _attempts(sessions, api, busy, [
            (timedelta(hours=30), 10, "failed", 500),          # outside the window
            (timedelta(hours=5), 10, "retry", None),
            (timedelta(hours=2), 10, "retry", 503),
            (timedelta(hours=1), 10, "succeeded", 200),
            (timedelta(minutes=1), 10, "succeeded", 200)])
        async with sessions() as session:
            found = await health(session, api.org_id, [busy, quiet], NOW)
        assert (found[busy].attempts, found[busy].succeeded, found[busy].success_rate) == (4, 2, 0.5)
        assert found[busy].last_error == "HTTP 503" and found[busy].last_error_at == NOW - timedelta(hours=2)
        assert found[quiet].attempts == 0 and found[quiet].success_rate is None and found[quiet].last_error is None

    async def test_sees_only_its_own_organization(self, api: Api, other: Api, sessions: Any) -> None:
        theirs = await _endpoint(other)
        await _attempts(sessions, other, theirs, [(timedelta(minutes=5), 10, "failed", 500)])
        async with sessions() as session:
            assert (await health(session, api.org_id, [theirs], NOW))[theirs].attempts == 0
            assert (await series(session, api.org_id, NOW, "24h")).total == 0


class TestSeries:
    async def test_buckets_by_outcome_and_ranks_latency_percentiles(self, api: Api, sessions: Any) -> None:
        endpoint, elsewhere = await _endpoint(api), await _endpoint(api)
        # The bucket 12:00-12:30 (the last one of the 24 h window) holds 100 attempts of 1..100 ms.
        await _attempts(sessions, api, endpoint, [(timedelta(minutes=29, seconds=50) - timedelta(seconds=i % 60),
                                                   i, "succeeded" if i % 10 else "retry", 200) for i in range(1, 101)])
        await _attempts(sessions, api, endpoint, [(timedelta(hours=3, minutes=10), 700, "failed", 400)])
        await _attempts(sessions, api, elsewhere, [(timedelta(hours=3, minutes=10), 5, "succeeded", 200)])
        async with sessions() as session:
            one = await series(session, api.org_id, NOW, "24h", endpoint)
            both = await series(session, api.org_id, NOW, "24h")
        assert one.start == datetime(2026, 3, 9, 13, 0, tzinfo=timezone.utc) and len(one.counts) == 24
        assert one.counts[-1] == {"succeeded": 90, "retry": 10, "failed": 0}
        assert [one.latency[p][-1] for p in (50, 95, 99)] == [50, 95, 99]
        assert one.counts[-4] == {"succeeded": 0, "retry": 0, "failed": 1} and one.latency[99][-4] == 700
        assert one.latency[50][0] is None and one.total == 101
        assert both.counts[-4] == {"succeeded": 1, "retry": 0, "failed": 1} and both.latency[50][-4] == 5
        assert both.latency[99][-4] == 700

    async def test_latency_above_a_second_keeps_three_significant_digits(self, api: Api, sessions: Any) -> None:
        endpoint = await _endpoint(api)
        await _attempts(sessions, api, endpoint, [(timedelta(minutes=1), ms, "retry", None)
                                                  for ms in (999, 1234, 15_678, 123_456)])
        async with sessions() as session:
            found = await series(session, api.org_id, NOW, "1h", endpoint)
        assert [found.latency[p][-2] for p in (50, 95, 99)] == [1230, 123_000, 123_000]  # 12:25-12:30
        assert nearest_ranks({999: 1, 1230: 1, 15_600: 1, 123_000: 1}) == [1230, 123_000, 123_000]
        assert nearest_ranks({}) == [None, None, None] and nearest_ranks({7: 1}) == [7, 7, 7]

    @pytest.mark.parametrize(("window", "buckets", "start"), [
        ("1h", 12, datetime(2026, 3, 10, 11, 35, tzinfo=timezone.utc)),
        ("7d", 28, datetime(2026, 3, 3, 18, 0, tzinfo=timezone.utc))])
    async def test_other_windows_end_with_the_bucket_holding_now(self, api: Api, sessions: Any, window: str,
                                                                 buckets: int, start: datetime) -> None:
        async with sessions() as session:
            found = await series(session, api.org_id, NOW, window)
        assert len(found.counts) == buckets and found.start == start
        assert found.bucket_start(buckets) > NOW >= found.bucket_start(buckets - 1)


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("viewBox")
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    return root


class TestCharts:
    def _series(self) -> Series:
        counts = [{"succeeded": 0, "retry": 0, "failed": 0} for _ in range(24)]
        counts[3], counts[20] = {"succeeded": 7, "retry": 2, "failed": 1}, {"succeeded": 3, "retry": 0, "failed": 0}
        latency = {p: [None] * 24 for p in (50, 95, 99)}
        for p, values in ((50, (12, 30)), (95, (80, 90)), (99, (240, 95))):
            latency[p][3], latency[p][20] = values
        return Series(NOW - timedelta(hours=23), timedelta(hours=1), counts, latency)

    def test_deliveries_are_stacked_bars_in_valid_svg(self) -> None:
        root = _parse(deliveries_chart(self._series(), "c1", "all endpoints <&>"))
        bars = root.findall(f".//{SVG}rect")
        assert len(bars) == 4  # three outcomes in one bucket, one in another
        assert "all endpoints <&>" in root.find(f"{SVG}title").text  # type: ignore[union-attr]
        tips = [t.text for t in root.iter(f"{SVG}title")]
        assert any("7 succeeded, 2 failed, retried, 1 failed for good" in (t or "") for t in tips)

    def test_latency_lines_break_where_there_were_no_attempts(self) -> None:
        root = _parse(latency_chart(self._series(), "c2", "this endpoint"))
        assert root.findall(f".//{SVG}polyline") == []  # two points far apart: no line drawn across the gap
        assert len(root.findall(f".//{SVG}circle")) == 6
        assert "240 ms" in root.find(f"{SVG}desc").text  # type: ignore[union-attr]

    def test_an_empty_period_says_so(self) -> None:
        empty = Series(NOW, timedelta(hours=1), [{"succeeded": 0, "retry": 0, "failed": 0}] * 24,
                       {p: [None] * 24 for p in (50, 95, 99)})
        for chart in (deliveries_chart(empty, "a", "x"), latency_chart(empty, "b", "x")):
            assert "No attempts in this period" in ET.tostring(_parse(chart), encoding="unicode")

    def test_axis_tops_are_round_numbers(self) -> None:
        assert [nice_ceiling(v) for v in (0, 1, 3, 7, 10, 11, 240, 999)] == [1, 1, 5, 10, 10, 20, 500, 1000]


class TestLogQueries:
    def test_time_bounds_order_like_the_ids_made_at_that_time(self) -> None:
        before = utcnow()
        made = new_id("msg")
        assert id_at("msg", before - timedelta(milliseconds=1)) < made < id_at("msg", utcnow() + timedelta(seconds=1))
        assert len(id_at("msg", before)) == len(made)

    async def test_every_filter_walks_an_index_in_order_without_sorting(self, sessions: Any, backend: str) -> None:
        """No OFFSET, no COUNT, no sort: a page costs the same at the millionth message as at the first."""
        filters = [LogFilter(), LogFilter(event_type="deal.won"), LogFilter(endpoint_id="ep_x"),
                   LogFilter(since=NOW - timedelta(hours=1), until=NOW), LogFilter(status="failed")]
        explain = "EXPLAIN QUERY PLAN" if backend == "sqlite" else "EXPLAIN"
        async with sessions() as session:
            if backend == "postgresql":
                # With few rows (or, in a shared test database, statistics that say so) the planner rightly
                # prefers reading the table, or sorting one row; ask which index it would walk, in order.
                await session.execute(text("SET LOCAL enable_seqscan = off"))
                await session.execute(text("SET LOCAL enable_sort = off"))
            for f in filters:
                query = _log_query("org_x", f).where(Message.id < "msg_z").order_by(Message.id.desc()).limit(51)
                compiled = query.compile(session.bind, compile_kwargs={"literal_binds": True})
                plan = " ".join(str(row[-1]) for row in await session.execute(text(f"{explain} {compiled}")))
                assert re.search(r"USING INDEX|Index Scan", plan, re.I), (f, plan)
                assert "TEMP B-TREE" not in plan and " Sort " not in f" {plan} ", (f, plan)
