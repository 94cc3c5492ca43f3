"""Webhook delivery engine, end to end: throughput from a backlog, and latency at a steady event rate.

For each configuration (the embedded SQLite file; PostgreSQL on 127.0.0.1:5432 as `postgres` with trust
auth, in a fresh `hub_bench_<random>` database dropped afterwards) it starts a loopback receiver in its
own process (aiohttp, uvloop when available; answers 200 "ok" and records each request's arrival
time, `webhook-id` header and the body's `data.message_id`), makes an organization with
`hub org create Bench --json`, starts the hub's processes (`python -m hub.cli serve` on a free loopback
port) and registers one endpoint for `email.opened` pointing at the receiver. Then:

  1. throughput  The hub is stopped, N events (`--events`, default 20,000) are written straight into the
                 outbox (`events`, relayed_at NULL) with the hub's own models, and the hub is started again.
                 Timed from that start (and from /health answering) until every message of the endpoint
                 is 'succeeded' in `webhook_messages` (polled every 0.5 s); also the receiver's own
                 arrival rate over the middle 80 % of arrivals, missing message ids and duplicates.
  2. latency     With the hub running, POST /v1/events (email.opened, unique message_id) on a fixed
                 schedule of `--rate` per second (default 500) for `--seconds` (default 10), each request
                 its own task. Latency of an event = receiver arrival time - the time the 201 answer
                 reached the client. Reports p50/p90/p99/max, how many were delivered, and the rate the
                 client actually achieved (accepted answers per second), which on a small machine can
                 fall short of the target.

It prints a table per configuration and a summary, and any traceback, error-level or warning-level line
the hub wrote to stderr. With `--profile DIR` it also runs `py-spy record -p PID -d S -f raw` on the hub
process during measurement 1 (from /health answering) and prints where its CPU went.

Run:  /work/.venv/bin/python bench/webhook_delivery.py [--only sqlite|postgresql] [--events 20000]
          [--rate 500] [--seconds 10] [--endpoint-concurrency N] [--profile DIR]
Every process runs on this machine and only on loopback addresses, so the figures are end to end on it.

A new configuration (say RabbitMQ) is one more entry in CONFIGS: its database, extra environment
variables (which may depend on the run: see `Config.env`) and the processes to start (`Proc`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG = dict(host="127.0.0.1", port=5432, user="postgres")
EVENT_TYPE = "email.opened"
POLL = 0.5


# --------------------------------------------------------------------------------------------------
# Configurations


@dataclass(frozen=True)
class Proc:
    """One process of the hub to start: `hub <args>`; `{port}` is replaced by the hub's API port. The API
    process (`api=True`) is the one that is health-checked, called and, by default, profiled."""

    name: str
    args: tuple[str, ...]
    api: bool = False


SERVE = Proc("hub", ("serve", "--host", "127.0.0.1", "--port", "{port}"), api=True)


@dataclass(frozen=True)
class Config:
    name: str
    database: str  # "sqlite" or "postgresql"
    env: Callable[[Path], dict[str, str]] = lambda tmp: {}  # extra HUB_* variables; gets the run's temp dir
    processes: tuple[Proc, ...] = (SERVE,)


BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"
CONFIGS: list[Config] = [
    Config("sqlite", database="sqlite"),
    Config("postgresql", database="postgresql"),
    # The API process relays and publishes; two `hub worker` processes consume and deliver.
    Config("rabbitmq", database="postgresql",
           env=lambda tmp: {"HUB_BROKER_URL": BROKER_URL, "HUB_SERVE_DELIVERS": "false",
                            "HUB_BROKER_QUEUE_PREFIX": f"bench.{tmp.name}"},
           processes=(SERVE, Proc("worker-1", ("worker",)), Proc("worker-2", ("worker",)))),
]


def base_env(database_url: str, data_dir: Path) -> dict[str, str]:
    return {**os.environ, "HUB_DATA_DIR": str(data_dir), "HUB_DATABASE_URL": database_url,
            "HUB_SECRET_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "HUB_LOG_LEVEL": "WARNING", "HUB_RATE_LIMIT_PER_MINUTE": "100000000",
            "HUB_RATE_LIMIT_BURST": "100000000", "HUB_DEMO_ORG_ON_FIRST_START": "false",
            "HUB_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "HUB_RELAY_INTERVAL_SECONDS": "0.05"}


# --------------------------------------------------------------------------------------------------
# The receiver (this file run with --receiver)


def run_receiver() -> None:
    """Answer every POST 200 "ok"; record (arrival time, webhook-id, data.message_id); GET /stats?since=k
    answers the records from the k-th on. Prints `PORT <n>` once it listens on 127.0.0.1."""
    from aiohttp import web

    records: list[tuple[float, str | None, str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        arrived = time.time()
        body = await request.read()
        try:
            message_id = json.loads(body)["data"]["message_id"]
        except (ValueError, KeyError, TypeError):
            message_id = None
        records.append((arrived, request.headers.get("webhook-id"), message_id))
        return web.Response(body=b"ok", content_type="text/plain")

    async def stats(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.Response(body=json.dumps({"count": len(records), "records": records[since:]}).encode(),
                            content_type="application/json")

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"count": len(records)})

    async def main() -> None:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_post("/hook", hook)
        app.router.add_post("/hook/{endpoint}", hook)
        app.router.add_get("/stats", stats)
        app.router.add_get("/count", count)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock, backlog=1024).start()
        print(f"PORT {sock.getsockname()[1]}", flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()

    _run(main())


def _run(main: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


# --------------------------------------------------------------------------------------------------
# Processes


def _die_with_parent() -> None:  # runs in the child before exec: SIGTERM it if the benchmark dies
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Processes:
    """Every process this benchmark starts, so each is stopped (bounded in time) whatever happens."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None,
              stderr_path: Path | None = None, stdout: Any = subprocess.DEVNULL) -> subprocess.Popen:
        err = open(stderr_path, "ab") if stderr_path else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=stdout, stderr=err,
                                    preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        finally:
            if stderr_path:
                err.close()
        self.running.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 15.0) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                print(f"  (pid {proc.pid} ignored SIGTERM for {timeout:g} s: killed)")
                proc.kill()
                proc.wait(5)
        self.running = [(n, p) for n, p in self.running if p is not proc]

    def stop_all(self) -> None:
        for _, proc in reversed(list(self.running)):
            self.stop(proc)


async def wait_exit(proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return proc.poll() is not None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere or once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def services_cpu(receiver_pid: int) -> dict[str, float]:
    """CPU seconds so far of what else shares the machine: the receiver, every PostgreSQL process, RabbitMQ."""
    totals = {"receiver": cpu_seconds(receiver_pid) or 0.0, "postgresql": 0.0, "rabbitmq": 0.0}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            comm = (proc / "comm").read_text().strip()
        except OSError:
            continue
        group = "postgresql" if comm == "postgres" else "rabbitmq" if comm == "beam.smp" else None
        if group:
            totals[group] += cpu_seconds(int(proc.name)) or 0.0
    return totals


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "hub.cli", *args]


# --------------------------------------------------------------------------------------------------
# One run of one configuration


@dataclass
class Run:
    config: Config
    args: argparse.Namespace
    tmp: Path
    procs: Processes
    env: dict[str, str] = field(default_factory=dict)
    database: str = ""
    hub_port: int = 0
    receiver_port: int = 0
    receiver_pid: int = 0
    api_key: str = ""
    org_id: str = ""
    endpoint_ids: list[str] = field(default_factory=list)
    hub: list[tuple[Proc, subprocess.Popen]] = field(default_factory=list)
    stderr_path: Path = Path()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    def api_process(self) -> subprocess.Popen:
        return next(p for spec, p in self.hub if spec.api)

    async def start_hub(self, session: Any) -> tuple[float, float]:
        """Start every process of the configuration; answers (started, /health answered) in time.time()."""
        started = time.time()
        for spec in self.config.processes:
            argv = hub_cli(*(a.replace("{port}", str(self.hub_port)) for a in spec.args))
            self.hub.append((spec, self.procs.start(spec.name, argv, self.env, self.stderr_path)))
        for _ in range(600):  # up to 60 s
            for spec, proc in self.hub:
                if proc.poll() is not None:
                    tail = self.stderr_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{spec.name} exited with {proc.returncode}:\n{tail}")
            try:
                async with session.get(f"{self.base}/health") as resp:
                    if resp.status == 200:
                        return started, time.time()
            except Exception:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("the hub did not answer /health within 60 s")

    def exited(self) -> str:
        """Which hub processes have exited on their own, with their exit codes ('' when all run)."""
        return ", ".join(f"{spec.name} (pid {p.pid}) exited with {p.returncode}"
                         for spec, p in self.hub if p.poll() is not None)

    def stop_hub(self) -> None:
        for _, proc in reversed(self.hub):
            self.procs.stop(proc)
        self.hub = []


async def bench_config(config: Config, args: argparse.Namespace, tmp: Path, out: dict[str, Any]) -> None:
    """Measure one configuration into `out` (which keeps what was measured if a later step fails)."""
    import aiohttp
    import asyncpg
    from sqlalchemy.ext.asyncio import create_async_engine

    run = Run(config, args, tmp, Processes(), stderr_path=tmp / f"{config.name}-hub.stderr")
    data_dir = tmp / config.name
    if config.database == "postgresql":
        run.database = f"hub_bench_{secrets.token_hex(4)}"
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{run.database}"
        conn = await asyncpg.connect(**PG, database="postgres")
        await conn.execute(f'CREATE DATABASE "{run.database}"')
        await conn.close()
    else:
        url = ""
    run.env = {**base_env(url, data_dir), **config.env(tmp)}
    engine = None
    try:
        receiver_err = tmp / f"{config.name}-receiver.stderr"
        receiver = run.procs.start("receiver", [sys.executable, str(Path(__file__).resolve()), "--receiver"],
                                   stderr_path=receiver_err, stdout=subprocess.PIPE)
        async with asyncio.timeout(30):
            line = await asyncio.to_thread(receiver.stdout.readline)
        if not line.startswith(b"PORT "):
            raise RuntimeError(f"receiver did not start: {receiver_err.read_text()[-2000:]}")
        run.receiver_port, run.receiver_pid = int(line.split()[1]), receiver.pid
        receiver_url = f"http://127.0.0.1:{run.receiver_port}"

        made = await asyncio.to_thread(subprocess.run, hub_cli("org", "create", "Bench", "--json"), env=run.env,
                                       cwd=ROOT, capture_output=True, text=True, timeout=120)
        if made.returncode:
            raise RuntimeError(f"hub org create failed:\n{made.stderr}")
        created = json.loads(made.stdout.strip().splitlines()[-1])
        run.api_key, run.org_id = created["api_key"], created["org_id"]
        run.hub_port = free_port()

        from hub.settings import load_settings

        db_url = load_settings({k: v for k, v in run.env.items() if k.startswith("HUB_")}).database_url
        engine = create_async_engine(db_url)

        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=args.connections)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector,
                                         headers={"Authorization": f"Bearer {run.api_key}"}) as session:
            await run.start_hub(session)
            for i in range(args.endpoints):
                endpoint: dict[str, Any] = {"url": f"{receiver_url}/hook/{i}", "event_types": [EVENT_TYPE]}
                if args.endpoint_concurrency:
                    endpoint["max_concurrency"] = args.endpoint_concurrency
                async with session.post(f"{run.base}/v1/endpoints", json=endpoint) as resp:
                    body = await resp.json()
                    if resp.status != 201:
                        raise RuntimeError(f"POST /v1/endpoints: HTTP {resp.status} {body}")
                    run.endpoint_ids.append(body["id"])
                    out["endpoint_max_concurrency"] = body["max_concurrency"]
            run.stop_hub()

            out["m1"] = await measure_throughput(run, engine, session, receiver_url)
            print_m1(config.name, out["m1"])
            if exited := run.exited():
                raise RuntimeError(f"{exited} during measurement 1")
            out["m2"] = await measure_latency(run, engine, session, receiver_url, out["m1"]["succeeded"])
            print_m2(config.name, out["m2"])
            if exited := run.exited():
                raise RuntimeError(f"{exited} during measurement 2")
            out["final"] = await status_counts(engine, run.org_id)
            print(f"  {config.name}: messages by status at the end: {out['final']}", flush=True)
    finally:
        run.procs.stop_all()
        if engine is not None:
            await engine.dispose()
        if run.stderr_path.exists():
            report_stderr(config.name, run.stderr_path.read_text(errors="replace"))
        if run.env.get("HUB_BROKER_URL"):
            await delete_queues(run.env["HUB_BROKER_URL"], run.env["HUB_BROKER_QUEUE_PREFIX"])
        if run.database:
            conn = await asyncpg.connect(**PG, database="postgres")
            await conn.execute(f'DROP DATABASE IF EXISTS "{run.database}" WITH (FORCE)')
            await conn.close()


# --------------------------------------------------------------------------------------------------
# Database helpers


async def delete_queues(url: str, prefix: str) -> None:
    from webhooks.rabbitmq import RabbitQueue

    try:
        async with RabbitQueue(url, prefix=prefix) as queue:
            await queue.delete_queues()
    except Exception as exc:
        print(f"  could not delete the queues {prefix}.*: {type(exc).__name__}: {exc}")


async def count_succeeded(engine: Any, org_id: str) -> int:
    from sqlalchemy import func, select

    from webhooks.models import Message

    async with engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(Message).where(
            Message.org_id == org_id, Message.status == "succeeded"))


async def status_counts(engine: Any, org_id: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from webhooks.models import Message

    async with engine.connect() as conn:
        rows = (await conn.execute(select(Message.status, func.count()).where(Message.org_id == org_id)
                                   .group_by(Message.status))).all()
    return {status: n for status, n in rows}


async def attempt_durations(engine: Any, org_id: str) -> tuple[float, float]:
    """p50 and p99 of the attempts' recorded durations: how long the receiver took, as the workers saw it."""
    from sqlalchemy import select

    from webhooks.models import Attempt

    async with engine.connect() as conn:
        values = sorted((await conn.execute(select(Attempt.duration_ms).where(Attempt.org_id == org_id))).scalars())
    return pct(values, 0.5), pct(values, 0.99)


async def insert_events(engine: Any, org_id: str, n: int, batch: int = 1000) -> float:
    from sqlalchemy import insert

    from hub.db import new_id, utcnow
    from hub.events.models import Event

    began = time.perf_counter()
    for start in range(0, n, batch):
        now = utcnow()
        rows = [{"id": new_id("evt"), "org_id": org_id, "type": EVENT_TYPE, "occurred_at": now,
                 "data": {"message_id": f"<{i}@bench>", "email": "a@b.example"}, "subject_type": None,
                 "subject_id": None, "source": "api", "relayed_at": None}
                for i in range(start, min(n, start + batch))]
        async with engine.begin() as conn:
            await conn.execute(insert(Event), rows)
    return time.perf_counter() - began


async def receiver_records(session: Any, receiver_url: str, since: int = 0) -> list[tuple[float, str, str]]:
    async with session.get(f"{receiver_url}/stats", params={"since": str(since)}) as resp:
        return [tuple(r) for r in (await resp.json())["records"]]


# --------------------------------------------------------------------------------------------------
# Measurement 1: throughput from a backlog


async def measure_throughput(run: Run, engine: Any, session: Any, receiver_url: str) -> dict[str, Any]:
    n, args = run.args.events, run.args
    total = n * len(run.endpoint_ids)  # every event goes to every endpoint
    insert_s = await insert_events(engine, run.org_id, n)
    print(f"  {run.config.name}: {n} events written to the outbox in {insert_s:.1f} s; starting the hub",
          flush=True)
    started, ready = await run.start_hub(session)
    services_before = services_cpu(run.receiver_pid)
    profiler = start_profiler(run) if args.profile else None
    done_at, last, last_change, timeline = None, 0, time.time(), []
    while True:
        succeeded = await count_succeeded(engine, run.org_id)
        now = time.time()
        timeline.append((now - started, succeeded))
        if succeeded != last:
            last, last_change = succeeded, now
        if succeeded >= total:
            done_at = now
            break
        if exited := run.exited():
            print(f"  {run.config.name}: {exited} after {now - started:.1f} s, {succeeded}/{total} succeeded")
            break
        if now - last_change > args.stall or now - started > args.timeout:
            print(f"  {run.config.name}: gave up after {now - started:.0f} s with {succeeded}/{total} succeeded "
                  f"({'no progress for %g s' % args.stall if now - last_change > args.stall else 'timeout'})")
            break
        await asyncio.sleep(POLL)
    cpu_used = [(spec.name, cpu_seconds(p.pid)) for spec, p in run.hub]  # includes start-up (imports, migrate)
    services = {k: v - services_before[k] for k, v in services_cpu(run.receiver_pid).items()}
    profile = await finish_profiler(run, profiler) if profiler else None
    end = done_at or time.time()
    records = await receiver_records(session, receiver_url)
    arrivals = sorted(r[0] for r in records)
    per_message = collections.Counter(m for m, _ in {(r[2], r[1]) for r in records})  # endpoints reached
    per_webhook_id = collections.Counter(r[1] for r in records)
    endpoints = len(run.endpoint_ids)
    m1 = {"events": n, "succeeded": last, "complete": done_at is not None, "startup_s": ready - started,
          "total_s": end - started, "after_ready_s": end - ready,
          "rate_from_start": last / (end - started), "rate_from_ready": last / max(end - ready, 1e-9),
          "received": len(records), "deliveries": total,
          "missing": sum(max(0, endpoints - per_message[f"<{i}@bench>"]) for i in range(n)),
          "duplicate_message_ids": sum(c - endpoints for c in per_message.values() if c > endpoints),
          "duplicate_webhook_ids": sum(c - 1 for c in per_webhook_id.values() if c > 1),
          "first_arrival_s": arrivals[0] - started if arrivals else None,
          "last_arrival_s": arrivals[-1] - started if arrivals else None,
          "receiver_mid80_rate": middle_rate(arrivals), "receiver_count": len(records),
          "progress": sample_timeline(timeline), "profile": profile,
          "attempt_ms": await attempt_durations(engine, run.org_id), "services_cpu": services,
          "cpu": [(name, used, used / max(end - started, 1e-9), 1000 * used / max(last, 1))
                  for name, used in cpu_used if used is not None]}
    return m1


def middle_rate(arrivals: list[float]) -> float | None:
    """Arrivals per second between the 10th and the 90th percentile of arrival times."""
    if len(arrivals) < 10:
        return None
    lo, hi = int(0.1 * len(arrivals)), int(0.9 * len(arrivals)) - 1
    span = arrivals[hi] - arrivals[lo]
    return (hi - lo) / span if span > 0 else None


def sample_timeline(timeline: list[tuple[float, int]], points: int = 8) -> list[tuple[float, int]]:
    if len(timeline) <= points:
        return timeline
    step = (len(timeline) - 1) / (points - 1)
    return [timeline[round(i * step)] for i in range(points)]


def print_m1(name: str, m: dict[str, Any]) -> None:
    mid = f"{m['receiver_mid80_rate']:.1f}/s" if m["receiver_mid80_rate"] else "n/a"
    print(f"\n  {name} - measurement 1, throughput from a backlog of {m['events']} events")
    rows = [
        ("all succeeded", "yes" if m["complete"] else f"NO: {m['succeeded']}/{m['deliveries']}"),
        ("hub start -> /health", f"{m['startup_s']:.2f} s"),
        ("hub start -> all succeeded", f"{m['total_s']:.2f} s  (DB polled every {POLL:g} s)"),
        ("deliveries/s from hub start", f"{m['rate_from_start']:.1f}"),
        ("deliveries/s from /health", f"{m['rate_from_ready']:.1f}"),
        ("receiver: first/last arrival", f"{_s(m['first_arrival_s'])} / {_s(m['last_arrival_s'])} after start"),
        ("receiver: rate, middle 80 %", mid),
        ("receiver: requests", str(m["received"])),
        ("deliveries (events x endpoints)", str(m["deliveries"])),
        ("missing deliveries", str(m["missing"])),
        ("duplicates (message_id / webhook-id)", f"{m['duplicate_message_ids']} / {m['duplicate_webhook_ids']}"),
        *((f"CPU of {name} (from its start)", f"{used:.1f} s = {100 * share:.0f} % of one core, "
                                                f"{per:.2f} ms per delivery") for name, used, share, per in m["cpu"]),
        ("CPU of the rest, per delivery", ", ".join(f"{k} {1000 * v / max(m['succeeded'], 1):.2f} ms"
                                                      for k, v in m["services_cpu"].items() if v)),
        ("attempt duration as recorded p50/p99", "{:.0f} / {:.0f} ms".format(*m["attempt_ms"])),
        ("succeeded over time (s: count)", ", ".join(f"{t:.1f}: {c}" for t, c in m["progress"])),
    ]
    for label, value in rows:
        print(f"    {label:<38} {value}")
    if m["profile"]:
        print(m["profile"]["text"])
    sys.stdout.flush()


def _s(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f} s"


# --------------------------------------------------------------------------------------------------
# Measurement 2: latency at a steady rate


async def measure_latency(run: Run, engine: Any, session: Any, receiver_url: str,
                          already_succeeded: int) -> dict[str, Any]:
    args = run.args
    rate, seconds = args.rate, args.seconds
    n = int(rate * seconds)
    backlog = await count_succeeded(engine, run.org_id)
    endpoints = len(run.endpoint_ids)
    since = len(await receiver_records(session, receiver_url))
    per = max(1, args.batch)  # events per request: 1 posts to /v1/events, more to /v1/events/batch
    url = f"{run.base}/v1/events" if per == 1 else f"{run.base}/v1/events/batch"
    tag = secrets.token_hex(3)
    items = [{"type": EVENT_TYPE, "data": {"message_id": f"<lat-{tag}-{i}@bench>", "email": "a@b.example"}}
             for i in range(n)]
    groups = [list(range(i, min(n, i + per))) for i in range(0, n, per)]
    bodies = [json.dumps(items[g[0]] if per == 1 else {"events": [items[i] for i in g]}).encode()
              for g in groups]
    headers = {"content-type": "application/json"}
    sent: list[float | None] = [None] * n
    accepted: list[float | None] = [None] * n
    errors: collections.Counter[str] = collections.Counter()
    inflight = peak = 0

    async def post(k: int) -> None:
        nonlocal inflight, peak
        inflight += 1
        peak = max(peak, inflight)
        for i in groups[k]:
            sent[i] = time.time()
        try:
            async with session.post(url, data=bodies[k], headers=headers) as resp:
                await resp.read()
                if resp.status == 201:
                    for i in groups[k]:
                        accepted[i] = time.time()
                else:
                    errors[f"HTTP {resp.status}"] += len(groups[k])
        except Exception as exc:
            errors[type(exc).__name__] += len(groups[k])
        finally:
            inflight -= 1

    print(f"  {run.config.name}: posting {n} events at {rate:g}/s for {seconds:g} s, {per} per request", flush=True)
    loop = asyncio.get_running_loop()
    cpu_before = [(spec.name, p.pid, cpu_seconds(p.pid)) for spec, p in run.hub]
    client_before, wall_before = time.process_time(), time.time()
    tasks, lateness = [], []
    t0 = loop.time() + 0.1
    for k, group in enumerate(groups):
        due = t0 + group[0] / rate
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        lateness.append(loop.time() - due)
        tasks.append(asyncio.create_task(post(k)))
    launched_s = loop.time() - t0
    await asyncio.wait(tasks, timeout=90)
    for task in tasks:
        task.cancel()
    wall = time.time() - wall_before
    cpu_while_posting = [(name, (after - before) / wall) for name, pid, before in cpu_before
                         if before is not None and (after := cpu_seconds(pid)) is not None]
    cpu_while_posting.append(("benchmark client", (time.process_time() - client_before) / wall))
    ok = [i for i in range(n) if accepted[i] is not None]
    first_sent = min(s for s in sent if s is not None)
    last_accepted = max((accepted[i] for i in ok), default=first_sent)

    # wait for the deliveries of the accepted events (no progress for --stall s ends the wait)
    target, last, last_change, began = already_succeeded + endpoints * len(ok), -1, time.time(), time.time()
    while True:
        succeeded = await count_succeeded(engine, run.org_id)
        if succeeded != last:
            last, last_change = succeeded, time.time()
        if succeeded >= target or time.time() - last_change > args.stall:
            break
        await asyncio.sleep(POLL)
    drain_s = time.time() - began
    records = await receiver_records(session, receiver_url, since)
    arrival: dict[tuple[str, str], float] = {}  # (message_id, webhook-id): one per event and endpoint
    copies: collections.Counter[tuple[str, str]] = collections.Counter()
    for arrived, webhook_id, message_id in records:
        copies[message_id, webhook_id] += 1
        arrival[message_id, webhook_id] = min(arrived, arrival.get((message_id, webhook_id), arrived))
    index = {f"<lat-{tag}-{i}@bench>": i for i in ok}
    latencies = sorted(at - accepted[index[m]] for (m, _), at in arrival.items() if m in index)
    lateness.sort()
    window = last_accepted - first_sent
    during = sum(1 for arrived, _, _ in records if first_sent <= arrived <= last_accepted)
    return {"cpu_while_posting": cpu_while_posting, "delivery_rate_while_posting": during / max(window, 1e-9),
            "delivery_rate_after": (len(records) - during) / max(drain_s, 1e-9),
            "target_rate": rate, "seconds": seconds, "planned": n, "accepted": len(ok), "expected": endpoints * len(ok),
            "errors": dict(errors), "launch_s": launched_s,
            "launch_late_p99_ms": pct(lateness, 0.99) * 1000, "launch_late_max_ms": lateness[-1] * 1000,
            "achieved_rate": len(ok) / max(last_accepted - first_sent, 1e-9), "peak_inflight": peak,
            "api_latency_p50_ms": pct(sorted(accepted[i] - sent[i] for i in ok), 0.5) * 1000,
            "api_latency_p99_ms": pct(sorted(accepted[i] - sent[i] for i in ok), 0.99) * 1000,
            "delivered": len(latencies), "duplicates": sum(c - 1 for c in copies.values() if c > 1),
            "drain_s": drain_s, "backlog_before": backlog,
            "p50": pct(latencies, 0.5), "p90": pct(latencies, 0.9), "p99": pct(latencies, 0.99),
            "max": latencies[-1] if latencies else float("nan"),
            "min": latencies[0] if latencies else float("nan")}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


def print_m2(name: str, m: dict[str, Any]) -> None:
    print(f"\n  {name} - measurement 2, latency at {m['target_rate']:g} events/s for {m['seconds']:g} s")
    rows = [
        ("events planned / accepted (201)", f"{m['planned']} / {m['accepted']}"),
        ("client errors", str(m["errors"] or "none")),
        ("achieved rate (accepted/s)", f"{m['achieved_rate']:.1f} of {m['target_rate']:g} targeted"),
        ("schedule: launched in", f"{m['launch_s']:.2f} s (launch late p99 {m['launch_late_p99_ms']:.1f} ms, "
                                  f"max {m['launch_late_max_ms']:.1f} ms)"),
        ("POST /v1/events p50 / p99", f"{m['api_latency_p50_ms']:.1f} / {m['api_latency_p99_ms']:.1f} ms "
                                      f"(peak {m['peak_inflight']} in flight)"),
        ("CPU while posting (share of one core)", ", ".join(f"{name} {100 * share:.0f} %"
                                                             for name, share in m["cpu_while_posting"])),
        ("delivered (of accepted x endpoints)", f"{m['delivered']} / {m['expected']}  (duplicates {m['duplicates']}, "
                                    f"drained {m['drain_s']:.1f} s after the last answer)"),
        ("receiver arrivals/s while posting", f"{m['delivery_rate_while_posting']:.1f}  (then "
                                              f"{m['delivery_rate_after']:.1f}/s while draining)"),
        ("delivery latency p50 / p90", f"{m['p50'] * 1000:.1f} / {m['p90'] * 1000:.1f} ms"),
        ("delivery latency p99 / max", f"{m['p99'] * 1000:.1f} / {m['max'] * 1000:.1f} ms  "
                                       f"(min {m['min'] * 1000:.1f} ms)"),
    ]
    for label, value in rows:
        print(f"    {label:<38} {value}")
    sys.stdout.flush()


# --------------------------------------------------------------------------------------------------
# Profiling with py-spy


def start_profiler(run: Run) -> tuple[subprocess.Popen, Path] | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        print("  py-spy not found: pip install py-spy (into the venv) to profile")
        return None
    out = Path(run.args.profile) / f"{run.config.name}-throughput.raw.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    target = next((p for spec, p in run.hub if spec.name == run.args.profile_process), run.api_process())
    argv = [exe, "record", "-p", str(target.pid), "-d", str(int(run.args.profile_seconds)), "-r", "100",
            "-f", "raw", "-o", str(out)]
    return run.procs.start("py-spy", argv, stderr_path=out.with_suffix(".stderr")), out


async def finish_profiler(run: Run, profiler: tuple[subprocess.Popen, Path] | None) -> dict[str, Any] | None:
    if profiler is None:
        return None
    proc, out = profiler
    if not await wait_exit(proc, run.args.profile_seconds + 30):
        run.procs.stop(proc)
    run.procs.running = [(n, p) for n, p in run.procs.running if p is not proc]
    if not out.exists():
        err = out.with_suffix(".stderr")
        return {"text": f"    py-spy wrote nothing: {err.read_text()[-1000:] if err.exists() else ''}"}
    return {"path": str(out), "text": summarize_profile(out, run.args.profile_seconds, 100)}


FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
CATEGORIES = [  # (label, packages); py-spy names files relative to their sys.path entry; first match wins
    ("hub/", ("hub",)),
    ("webhooks/", ("webhooks",)),
    ("sqlalchemy", ("sqlalchemy",)),
    ("asyncpg", ("asyncpg",)),
    ("aiosqlite/sqlite3", ("aiosqlite", "sqlite3")),
    ("aiohttp/yarl/multidict", ("aiohttp", "yarl", "multidict", "aiohappyeyeballs")),
    ("json/msgspec", ("json", "msgspec")),
    ("litestar", ("litestar",)),
    ("uvicorn/httptools", ("uvicorn", "httptools", "h11")),
    ("structlog/logging", ("structlog", "logging")),
    ("prometheus", ("prometheus_client",)),
    ("cryptography", ("cryptography",)),
    ("asyncio/uvloop", ("asyncio", "uvloop")),
    ("greenlet", ("greenlet",)),
]


def _category(path: str) -> str:
    path = path.removeprefix(str(ROOT) + "/")
    path = re.sub(r"^.*/(site|dist)-packages/", "", path)
    path = re.sub(r"^.*/lib/python3\.\d+/", "", path)
    top = path.split("/", 1)[0]
    for label, packages in CATEGORIES:
        if top in packages:
            return label
    return "other"


def _short(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m["file"]
    for prefix in (str(ROOT) + "/", ):
        path = path.removeprefix(prefix)
    path = re.sub(r"^.*/site-packages/", "", path)
    path = re.sub(r"^.*/lib/python3\.\d+/", "", path)
    return f"{m['func']} ({path})"


def summarize_profile(path: Path, seconds: float, rate: int) -> str:
    """Inclusive time per function (line numbers merged), leaf time per package, and the innermost frame in
    hub/ or webhooks/ that each sample passes through (who asked for the work)."""
    stacks: list[tuple[list[str], int]] = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if FRAME.match(f)]  # drops the process/thread pseudo-frames
        stacks.append((frames, int(count)))
    total = sum(c for _, c in stacks)
    if not total:
        return "    py-spy recorded no samples"
    inclusive: collections.Counter[str] = collections.Counter()
    by_category: collections.Counter[str] = collections.Counter()
    leaf_category: collections.Counter[str] = collections.Counter()
    leaf_function: collections.Counter[str] = collections.Counter()
    owner: collections.Counter[str] = collections.Counter()
    category_of: dict[str, str] = {}
    for frames, count in stacks:
        shorts = [_short(f) for f in frames]
        for f, s in zip(frames, shorts):
            category_of.setdefault(s, _category(FRAME.match(f)["file"]))
        for name in set(shorts):
            inclusive[name] += count
        cats = {_category(FRAME.match(f)["file"]) for f in frames}
        for cat in cats:
            by_category[cat] += count
        if frames:
            leaf_category[_category(FRAME.match(frames[-1])["file"])] += count
            leaf_function[shorts[-1]] += count
        ours = [s for s in shorts if category_of[s] in ("hub/", "webhooks/") and "hub/cli.py" not in s]
        owner[ours[-1] if ours else "(none: event loop, uvicorn, litestar, ...)"] += count

    def share(n: int) -> str:
        return f"{100 * n / total:5.1f} %"

    lines = [f"    profile {path}: {total} busy samples of ~{int(seconds * rate)} possible in {seconds:g} s "
             f"(~{100 * total / (seconds * rate):.0f} % of one core busy in Python; idle not sampled)",
             "    by package - inclusive (any frame in it) | leaf (the running frame is in it):"]
    for cat, n in by_category.most_common():
        lines.append(f"      {cat:<24} {share(n)} | {share(leaf_category[cat])}")
    lines.append("    innermost hub/ or webhooks/ frame of each sample, hub/cli.py aside (whose work it is):")
    lines += [f"      {share(n)}  {name}" for name, n in owner.most_common(15)]
    for label in ("hub/", "webhooks/", "sqlalchemy", "asyncpg", "aiosqlite/sqlite3", "aiohttp/yarl/multidict",
                  "json/msgspec", "litestar", "asyncio/uvloop"):
        top = [(name, n) for name, n in inclusive.most_common()
               if category_of.get(name) == label and "hub/cli.py" not in name and "Runner.run" not in name]
        if top:
            lines.append(f"    top inclusive in {label}:")
            lines += [f"      {share(n)}  {name}" for name, n in top[:10]]
    lines.append("    top leaf functions (self time; a leaf in Runner.run is uvloop's C code: I/O, callbacks):")
    lines += [f"      {share(n)}  {name}" for name, n in leaf_function.most_common(15)]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Hub stderr


def report_stderr(name: str, stderr: str) -> None:
    """Tracebacks and error-level lines in full, warning-level lines counted by event."""
    problems, warnings, plain = [], collections.Counter(), []
    for line in stderr.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            plain.append(line)
            continue
        if not isinstance(event, dict):
            continue
        level = event.get("level")
        if level in ("error", "critical") or "Traceback" in line:
            problems.append(str(event.pop("exception", "")) + "\n" + json.dumps(event))
        elif level == "warning":
            warnings[f"{event.get('event')} {event.get('error_class', '')}".strip()] += 1
    text = "\n".join(plain)
    if "Traceback" in text:
        problems.append(text[text.index("Traceback"):][:6000])
    verdict = f"has {len(problems)} problem(s):" if problems else "clean, no tracebacks or errors"
    print(f"  {name}: hub stderr {verdict}")
    for problem in problems[:5]:
        print("    " + problem.strip().replace("\n", "\n    "))
    for event, n in warnings.most_common(10):
        print(f"    warning x{n}: {event}")
    other = [line for line in plain if line.strip()]
    if other and "Traceback" not in text:
        print("    non-JSON stderr lines (first 5): " + " | ".join(other[:5]))


# --------------------------------------------------------------------------------------------------


def summary(results: dict[str, dict[str, Any]]) -> None:
    print("\nsummary")
    print(f"{'config':<12}{'events':>8}{'done':>6}{'total s':>9}{'deliv/s':>9}{'from rdy':>9}{'rcv mid80':>10}"
          f"{'missing':>8}{'dups':>6}")
    for name, r in results.items():
        m = r.get("m1")
        if r.get("error"):
            print(f"{name:<12} failed: {r['error']}")
        if not m:
            continue
        mid = f"{m['receiver_mid80_rate']:.1f}" if m["receiver_mid80_rate"] else "n/a"
        print(f"{name:<12}{m['events']:>8}{'yes' if m['complete'] else 'no':>6}{m['total_s']:>9.1f}"
              f"{m['rate_from_start']:>9.1f}{m['rate_from_ready']:>9.1f}{mid:>10}{m['missing']:>8}"
              f"{m['duplicate_message_ids']:>6}")
    print(f"\n{'config':<12}{'target/s':>9}{'achieved':>9}{'accepted':>9}{'deliv':>7}{'p50 ms':>9}{'p90 ms':>9}"
          f"{'p99 ms':>9}{'max ms':>9}")
    for name, r in results.items():
        m = r.get("m2")
        if not m:
            continue
        print(f"{name:<12}{m['target_rate']:>9g}{m['achieved_rate']:>9.1f}{m['accepted']:>9}{m['delivered']:>7}"
              f"{m['p50'] * 1000:>9.1f}{m['p90'] * 1000:>9.1f}{m['p99'] * 1000:>9.1f}{m['max'] * 1000:>9.1f}")


def code_version() -> str:
    """The commit measured and, when the working tree differs from it, which files and a digest of the diff
    (other people may be editing the code while benchmarks run)."""
    import hashlib

    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain", "--", "hub", "webhooks").splitlines()]
    if not changed:
        return f"code: {head}, clean"
    digest = hashlib.sha1(git("diff", "HEAD", "--", "hub", "webhooks").encode()).hexdigest()[:10]
    return f"code: {head} + uncommitted changes to {', '.join(changed)} (diff sha1 {digest})"


async def main(args: argparse.Namespace) -> int:
    selected = [c for c in CONFIGS if args.only in (None, c.name)]
    print(code_version())
    print(f"{args.events} backlog events; {args.rate:g} events/s for {args.seconds:g} s; "
          f"{args.endpoints} endpoint(s), max_concurrency {args.endpoint_concurrency or 'default'}; {os.cpu_count()} CPUs", flush=True)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="hub-webhook-bench-") as tmp:
        for config in selected:
            print(f"\n{config.name}:", flush=True)
            out = results[config.name] = {}
            try:
                await bench_config(config, args, Path(tmp), out)
            except Exception as exc:
                import traceback

                traceback.print_exc()
                out["error"] = f"{type(exc).__name__}: {exc}"
    summary(results)
    return 1 if any("error" in r for r in results.values()) else 0


def _interrupt(*_: object) -> None:  # SIGTERM unwinds like Ctrl-C, so every process started is stopped
    raise KeyboardInterrupt


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=[c.name for c in CONFIGS], help="run one configuration")
    parser.add_argument("--events", type=int, default=20_000, help="backlog size for measurement 1")
    parser.add_argument("--rate", type=float, default=500.0, help="events/s posted in measurement 2")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of measurement 2")
    parser.add_argument("--connections", type=int, default=256, help="client connections to the hub API at most")
    parser.add_argument("--batch", type=int, default=1,
                        help="events per request in measurement 2 (more than 1: POST /v1/events/batch)")
    parser.add_argument("--endpoints", type=int, default=1, help="endpoints, each subscribed to every event")
    parser.add_argument("--endpoint-concurrency", type=int, default=None,
                        help="the endpoint's max_concurrency (1-100; default: the hub's default)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="give measurement 1 up to this many s")
    parser.add_argument("--stall", type=float, default=60.0, help="give up waiting after this long without progress")
    parser.add_argument("--profile", metavar="DIR", help="py-spy the hub during measurement 1, raw output in DIR")
    parser.add_argument("--profile-seconds", type=float, default=10.0)
    parser.add_argument("--profile-process", default="hub", help="which Proc of the configuration to profile")
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.receiver:
        run_receiver()
        sys.exit(0)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        sys.exit(_run(main(arguments)))
    except KeyboardInterrupt:
        print("\ninterrupted; every process started was stopped", file=sys.stderr)
        sys.exit(130)
