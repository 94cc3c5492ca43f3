"""A large backlog of pending webhook messages on PostgreSQL, drained: claim time and every process's memory
over the drain, to show both stay flat as the backlog shrinks.

The run, on this machine and loopback addresses only:

  1. A fresh PostgreSQL database `hub_backlog_<random>` (127.0.0.1:5432, user `postgres`), an organization
     from `hub org create Backlog --json`, the loopback receiver of bench/webhook_delivery.py (answers 200),
     `hub serve` with HUB_SERVE_DELIVERS=false, and `--endpoints` endpoints on the receiver.
  2. `--messages` pending messages (default 1,000,000) written straight into `webhook_messages` with one
     `INSERT … SELECT generate_series` per 100,000, spread over the endpoints, then ANALYZE.
  3. `--workers` `hub worker` processes start. Every `--every` seconds until the backlog is drained (or
     `--deadline` passes): the pending count, the resident memory (VmRSS from /proc) of `hub serve` and of
     each worker, and the claim time: this process claims up to 50 messages through the hub's own
     `Worker.claim` (the query and lease every worker runs) and gives them straight back, timed.

It prints one line per sample (the curve), and a summary comparing the first and last fifth of the drain.

Run:  /work/.venv/bin/python bench/backlog.py [--messages 1000000] [--workers 2] [--endpoints 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from webhook_delivery import PG, ROOT, Processes, base_env, free_port, hub_cli

CHUNK = 100_000
PAYLOAD = '{"type":"email.opened","timestamp":"2026-12-05T13:00:00Z","data":{"message_id":"m%s"}}'


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process, from /proc (None once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def pg(sql: str, *params: Any, database: str = "postgres") -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(**PG, database=database)
    try:
        return await conn.fetch(sql, *params)
    finally:
        await conn.close()


async def fill(database: str, org_id: str, endpoints: list[str], n: int) -> float:
    """Write `n` pending messages, due now, round-robin over the endpoints; answers the seconds it took."""
    started = time.perf_counter()
    for first in range(1, n + 1, CHUNK):
        last = min(first + CHUNK - 1, n)
        await pg("INSERT INTO webhook_messages (id, org_id, endpoint_id, event_type, payload, status, attempt_count,"
                 " next_attempt_at, created_at) SELECT 'msg_bk' || lpad(g::text, 12, '0'), $1,"
                 " ($2::text[])[1 + g % array_length($2::text[], 1)], 'email.opened', format($3, g), 'pending', 0,"
                 " now(), now() FROM generate_series($4::int, $5::int) AS g",
                 org_id, endpoints, PAYLOAD, first, last, database=database)
        print(f"  written {last:,} of {n:,}", flush=True)
    await pg("ANALYZE webhook_messages", database=database)
    return round(time.perf_counter() - started, 1)


class Probe:
    """Claims through the hub's own Worker, as every worker process does, and gives the messages back."""

    def __init__(self, env: dict[str, str]) -> None:
        from hub.crypto import Cipher
        from hub.db import create_engine, session_factory
        from hub.settings import load_settings
        from webhooks.worker import Worker

        self.settings = load_settings({k: v for k, v in env.items() if k.startswith("HUB_")})
        self.engine = create_engine(self.settings)
        self.worker = Worker(session_factory(self.engine), Cipher.from_settings(self.settings), self.settings)

    async def claim_ms(self) -> tuple[float, int]:
        from webhooks.dispatch import give_back

        started = time.perf_counter()
        jobs = await self.worker.claim(50)
        took = (time.perf_counter() - started) * 1000
        await give_back(self.worker, jobs)
        return round(took, 1), len(jobs)

    async def close(self) -> None:
        await self.engine.dispose()


async def setup(args: argparse.Namespace, procs: Processes, tmp: Path, database: str) -> tuple[dict, str, Any]:
    """Receiver, organization, `hub serve`, endpoints; answers the environment, the org id and the serve process."""
    import aiohttp

    env = {**base_env(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}", tmp),
           "HUB_SERVE_DELIVERS": "false"}
    receiver = procs.start("receiver", [sys.executable, str(ROOT / "bench" / "webhook_delivery.py"), "--receiver"],
                           stderr_path=tmp / "receiver.stderr", stdout=subprocess.PIPE)
    async with asyncio.timeout(60):
        line = await asyncio.to_thread(receiver.stdout.readline)
    receiver_url = f"http://127.0.0.1:{int(line.split()[1])}"
    made = await asyncio.to_thread(subprocess.run, hub_cli("org", "create", "Backlog", "--json"), env=env,
                                   cwd=ROOT, capture_output=True, text=True, timeout=300)
    if made.returncode:
        raise RuntimeError(f"hub org create failed:\n{made.stderr[-3000:]}")
    created = json.loads(made.stdout.strip().splitlines()[-1])
    port = free_port()
    serve = procs.start("serve", hub_cli("serve", "--host", "127.0.0.1", "--port", str(port)), env,
                        tmp / "serve.stderr")
    base, endpoints = f"http://127.0.0.1:{port}", []
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {created['api_key']}"}) as session:
        for _ in range(1200):
            try:
                async with session.get(f"{base}/health") as resp:
                    if resp.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        for i in range(args.endpoints):
            async with session.post(f"{base}/v1/endpoints", json={"url": f"{receiver_url}/hook/{i}",
                                                                  "event_types": ["email.opened"]}) as resp:
                endpoints.append((await resp.json())["id"])
    return env, created["org_id"], (serve, endpoints)


async def drain(args: argparse.Namespace, procs: Processes, env: dict[str, str], database: str,
                serve: Any, tmp: Path) -> list[dict[str, Any]]:
    """Start the workers and sample until nothing is pending; answers the samples."""
    workers = [procs.start(f"worker-{i}", hub_cli("worker"), env, tmp / f"worker-{i}.stderr")
               for i in range(args.workers)]
    probe, samples, started = Probe(env), [], time.time()
    try:
        while time.time() - started < args.deadline:
            pending = (await pg("SELECT count(*) FROM webhook_messages WHERE status = 'pending'",
                                database=database))[0][0]
            claim, got = await probe.claim_ms()
            sample = {"t_s": round(time.time() - started, 1), "pending": pending, "claim_ms": claim,
                      "claimed": got, "rss_mb": {"serve": rss_mb(serve.pid),
                                                 **{f"worker-{i}": rss_mb(w.pid) for i, w in enumerate(workers)},
                                                 "this": rss_mb(os.getpid())}}
            samples.append(sample)
            print(f"  {sample['t_s']:>7} s  pending {pending:>9,}  claim {claim:>7} ms ({got})  rss MB "
                  + " ".join(f"{k}={v}" for k, v in sample["rss_mb"].items()), flush=True)
            if pending == 0:
                break
            await asyncio.sleep(args.every)
    finally:
        await probe.close()
    return samples


def summary(samples: list[dict[str, Any]], n: int, fill_s: float) -> None:
    """Claim time and memory in the first and the last fifth of the drain."""
    fifth = max(len(samples) // 5, 1)
    head, tail = samples[:fifth], samples[-fifth:]
    # Claim time where a claim found work, past the first (cold) one: an empty claim near the end is cheaper.
    working = [s for s in samples[1:] if s["claimed"]] or samples
    claim_head, claim_tail = working[:max(len(working) // 5, 1)], working[-max(len(working) // 5, 1):]
    drained = samples[-1]["pending"] == 0
    print(f"\nbacklog of {n:,} messages (written in {fill_s} s), "
          f"{'drained' if drained else 'NOT drained'} in {samples[-1]['t_s']} s, {len(samples)} samples")
    print(f"  claim ms (median of claims that found work)   first fifth "
          f"{statistics.median(s['claim_ms'] for s in claim_head)} (backlog {claim_head[0]['pending']:,})  "
          f"last fifth {statistics.median(s['claim_ms'] for s in claim_tail)} (backlog {claim_tail[-1]['pending']:,})")
    for name in samples[0]["rss_mb"]:
        first = [s["rss_mb"][name] for s in head if s["rss_mb"][name] is not None]
        last = [s["rss_mb"][name] for s in tail if s["rss_mb"][name] is not None]
        print(f"  rss MB {name:<10}  first fifth max {max(first, default=None)}  last fifth max "
              f"{max(last, default=None)}  peak {max((s['rss_mb'][name] or 0) for s in samples)}")


async def main(args: argparse.Namespace) -> int:
    procs, database = Processes(), f"hub_backlog_{secrets.token_hex(4)}"
    await pg(f'CREATE DATABASE "{database}"')
    try:
        with tempfile.TemporaryDirectory(prefix="hub-backlog-") as tmp:
            env, org_id, (serve, endpoints) = await setup(args, procs, Path(tmp), database)
            print(f"writing {args.messages:,} pending messages for {len(endpoints)} endpoints", flush=True)
            fill_s = await fill(database, org_id, endpoints, args.messages)
            samples = await drain(args, procs, env, database, serve, Path(tmp))
            summary(samples, args.messages, fill_s)
            return 0 if samples and samples[-1]["pending"] == 0 else 1
    finally:
        procs.stop_all()
        await pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--workers", type=int, default=2, help="hub worker processes")
    p.add_argument("--endpoints", type=int, default=20)
    p.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    p.add_argument("--deadline", type=float, default=3600.0, help="seconds of draining before giving up")
    return p.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
