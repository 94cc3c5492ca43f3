"""A small chaos run (bench/chaos.py): flaky receivers, a worker SIGKILLed, RabbitMQ restarted, the database's
connections dropped; nothing lost.

It needs PostgreSQL, RabbitMQ and `rabbitmqctl` on this machine; without them it is skipped, except under
CI=true, where it fails. It restarts the broker, so it must not run beside other tests that use it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, POSTGRES_UP

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "chaos.py"
BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"  # the script's broker: rabbitmqctl restarts this one


async def _require_services() -> None:
    """PostgreSQL, RabbitMQ and rabbitmqctl are at hand: skip without them, fail under CI."""
    import aio_pika

    missing = [] if POSTGRES_UP else ["PostgreSQL"]
    try:
        await (await aio_pika.connect(BROKER_URL, timeout=3)).close()
    except Exception:
        missing.append("RabbitMQ")
    if not shutil.which("rabbitmqctl"):
        missing.append("rabbitmqctl")
    if missing and IN_CI:
        pytest.fail(f"CI=true but {', '.join(missing)} unreachable")
    if missing:
        pytest.skip(f"{', '.join(missing)} not reachable")


def _run_chaos(*args: str) -> tuple[dict[str, Any], str]:
    """Run the script with --json; answers its JSON report and its whole output."""
    done = subprocess.run([sys.executable, str(SCRIPT), "--json", *args], capture_output=True, text=True,
                          timeout=240, cwd=SCRIPT.parents[1], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    output = done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert last.startswith("{"), f"no JSON report (exit {done.returncode}):\n{output[-6000:]}"
    return json.loads(last), output


@pytest.mark.postgres
class TestChaosRun:
    async def test_every_subscriber_gets_every_event_through_a_worker_kill_broker_restart_stall_and_db_drop(
            self) -> None:
        await _require_services()
        report, output = await asyncio.to_thread(
            _run_chaos, "--events", "300", "--receivers", "6", "--workers", "2", "--rate", "40",
            "--deadline", "90", "--stall-seconds", "4", "--no-pg-restart")  # the server is this suite's too
        summary = output[-8000:]  # the hub's stderr findings and the report
        assert report["events"] == 300, summary
        assert report["expected_pairs"] > 300 and report["delivered"] == report["expected_pairs"], summary
        assert report["lost"] == 0, report["lost_examples"]
        assert report["unexpected"] == 0 and report["bad_signatures"] == 0, summary
        assert report["finish"]["done"] and report["ok"], summary
        assert report["worker_kill"]["killed"] and report["worker_kill"]["returncode"] == -9, summary
        assert report["worker_kill"].get("replacement_pid"), summary
        assert report["broker_restart"]["restarted"], summary
        assert report["db_drop"]["terminated"] >= 3, summary  # the API process's and both workers' at least
        assert report["action_errors"] == [], summary
        assert report["stall"]["seconds"] > report["stall"]["attempt_timeout_s"], summary
        assert set(report["requests_by_mode"]) >= {"ok", "500", "timeout", "reset", "slow", "stall"}, summary
        print(output[output.find("chaos run report"):])
