"""A stop is a cancellation, and none is lost. On Python 3.11, `asyncio.wait_for` answers the awaited result
and drops a cancellation that lands as that result arrives: a loop cancelled the moment it is woken runs on,
and whatever awaits its end waits forever. The project bounds a wait with `asyncio.timeout`, which keeps the
cancellation; the loops' own tests (the relay, the sweeper) cancel them as they are woken."""

from __future__ import annotations

import ast
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hub", "webhooks", "oauth", "connectors", "core_features", "bench")


def _wait_for_calls(source: str) -> list[int]:
    """Lines that use asyncio.wait_for, by attribute or by a name imported from asyncio."""
    tree = ast.parse(source)
    imported = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module == "asyncio" for alias in node.names if alias.name == "wait_for"}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "wait_for" and getattr(node.value, "id", "") == "asyncio":
            lines.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id in imported:
            lines.append(node.lineno)
    return lines


def test_no_wait_is_bounded_with_wait_for() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}" for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
             for line in _wait_for_calls(path.read_text())]
    assert found == [], "bound these waits with asyncio.timeout: " + ", ".join(found)


def test_the_rule_finds_both_spellings() -> None:
    assert _wait_for_calls("import asyncio\nasync def f(x):\n    await asyncio.wait_for(x, 1)\n") == [3]
    assert _wait_for_calls("from asyncio import wait_for as w\nasync def f(x):\n    await w(x, 1)\n") == [3]
    assert _wait_for_calls("import asyncio\nasync def f(x):\n    async with asyncio.timeout(1):\n"
                           "        await x\n") == []


async def test_wait_for_is_what_loses_the_cancellation() -> None:
    """Why the rule: the same wake-and-cancel race, once through wait_for and once through asyncio.timeout."""

    async def idle(event: asyncio.Event, bounded_by_wait_for: bool, turns: list[int]) -> None:
        while True:
            turns[0] += 1
            event.clear()
            try:
                if bounded_by_wait_for:
                    await asyncio.wait_for(event.wait(), 60)
                else:
                    async with asyncio.timeout(60):
                        await event.wait()
            except TimeoutError:
                pass

    outcomes = {}
    for bounded_by_wait_for in (True, False):
        event, turns = asyncio.Event(), [0]
        task = asyncio.create_task(idle(event, bounded_by_wait_for, turns))
        while not getattr(event, "_waiters", None):
            await asyncio.sleep(0.01)
        event.set()
        task.cancel()
        while not task.done() and turns[0] < 2:  # stopped, or on its next turn with the stop lost
            await asyncio.sleep(0.01)
        outcomes[bounded_by_wait_for] = task.cancelled()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert outcomes == {True: sys.version_info >= (3, 12), False: True}  # 3.12 rebuilt wait_for on timeout
