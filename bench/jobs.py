"""Durable job queue throughput: how fast one process works off a backlog of jobs.

For each database (the embedded SQLite file, then PostgreSQL on 127.0.0.1:5432 as `postgres` with trust
auth, in a fresh `hub_bench_<random>` database dropped afterwards) it migrates a schema, makes one
organization, queues `--jobs` jobs (500 per transaction, as the outbox relay writes them), then runs the
hub's JobRunner, with its default concurrency, over a handler that waits `--io-ms` milliseconds (a stand-in
for a call to QuickBooks or Slack) until every job has succeeded. It prints jobs queued per second, jobs
finished per second, and the runner's CPU per job.

Run:  /work/.venv/bin/python bench/jobs.py [--jobs 5000] [--io-ms 5] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import secrets
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub import observability  # noqa: E402
from hub.app import MODULES  # noqa: E402
from hub.jobs import enqueue  # noqa: E402
from hub.jobs.models import JobRow  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.runtime import Hub  # noqa: E402
from hub.settings import load_settings  # noqa: E402
from hub.tenancy import service  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"


async def run(backend: str, jobs: int, io_ms: float) -> dict[str, float]:
    dropped = None
    with tempfile.TemporaryDirectory() as tmp:
        url = ""
        if backend == "postgresql":
            dropped = f"hub_bench_{secrets.token_hex(4)}"
            conn = await asyncpg.connect(f"{PG}/postgres")
            await conn.execute(f'CREATE DATABASE "{dropped}"')
            await conn.close()
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{dropped}"
        settings = load_settings({}, data_dir=tmp, database_url=url, log_level="WARNING",
                                 secret_key=base64.urlsafe_b64encode(b"b" * 32).decode(),
                                 demo_org_on_first_start=False)
        state = Hub(settings, MODULES)
        try:
            await upgrade(state.engine)
            async with state.sessions.begin() as session:
                org, _ = await service.create_org(session, "Bench")

            async def noop(ctx: object, job: object) -> None:
                await asyncio.sleep(io_ms / 1000)

            state.jobs.registry.kind("bench.noop", noop)
            started = time.perf_counter()
            for first in range(0, jobs, 500):
                async with state.sessions.begin() as session:
                    for n in range(first, min(first + 500, jobs)):
                        await enqueue(session, org.id, "bench.noop", {"n": n})
            queued = time.perf_counter() - started
            cpu, started = time.process_time(), time.perf_counter()
            runner = asyncio.create_task(state.jobs.run())
            while True:
                await asyncio.sleep(0.05)
                async with state.sessions() as session:
                    left = await session.scalar(select(func.count()).select_from(JobRow)
                                                .where(JobRow.status != "succeeded"))
                if not left:
                    break
            worked, cpu = time.perf_counter() - started, time.process_time() - cpu
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        finally:
            await state.engine.dispose()
            if dropped:
                conn = await asyncpg.connect(f"{PG}/postgres")
                await conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
                await conn.close()
    return {"queued_per_s": jobs / queued, "done_per_s": jobs / worked, "cpu_ms_per_job": cpu * 1000 / jobs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--io-ms", type=float, default=5.0)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    observability.configure_logging("WARNING")
    print(f"{args.jobs} jobs, handler waits {args.io_ms:g} ms, default concurrency (HUB_JOB_CONCURRENCY=16)")
    print(f"{'database':<12}{'queued/s':>10}{'done/s':>10}{'CPU ms/job':>12}")
    for backend in [args.only] if args.only else ["sqlite", "postgresql"]:
        figures = asyncio.run(run(backend, args.jobs, args.io_ms))
        print(f"{backend:<12}{figures['queued_per_s']:>10,.0f}{figures['done_per_s']:>10,.0f}"
              f"{figures['cpu_ms_per_job']:>12.2f}")


if __name__ == "__main__":
    main()
