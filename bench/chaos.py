"""Chaos run of the webhook delivery engine: flaky receivers, a worker killed, the broker restarted.

The run, on this machine and loopback addresses only:

  1. A fresh PostgreSQL database `hub_chaos_<random>` (127.0.0.1:5432, user `postgres`) and a queue prefix
     `hub.chaos.<random>` on RabbitMQ (`--broker-url`); an organization from `hub org create Chaos --json`.
  2. One receivers process (this file with `--receivers-process`; aiohttp, uvloop when present) listening on
     `--receivers` ports. A `--flaky-share` of them fail each request with probability `--failure-rate`, in a
     mode drawn at random: HTTP 500, a timeout (answers 200 after the hub's attempt timeout), a connection
     reset (the transport aborted, no answer) or a slow 200 (under the timeout). Every receiver checks the
     Standard Webhooks signature with `standardwebhooks` (401 when it fails) and records, per request, its
     index, `webhook-id`, the event's marker (`data.message_id`, or `data.title` of `meeting.booked`), the
     status it answered, whether the signature verified and the mode.
  3. `hub serve` with HUB_SERVE_DELIVERS=false (API, outbox relay, sweeper) and `--workers` `hub worker`
     processes, with time compressed: retries after 0 s to 5 s, 1.5 s attempt timeout, 4 s lease, 1 s breaker
     cool-down. One endpoint per receiver, event-type filters varied (FILTERS) so fan-out differs per event.
  4. `--events` events of the five postable types are posted to POST /v1/events (`--concurrency` in flight,
     optionally at most `--rate` per second, each with a unique marker and an Idempotency-Key). When
     `--kill-at` of the expected deliveries are finished in the database one worker gets SIGKILL (a new one
     starts `--respawn-after` s later); at `--restart-at` RabbitMQ is restarted (`rabbitmqctl stop_app`,
     `--broker-down` s, `start_app`) unless `--no-broker-restart`; at `--pg-restart-at` PostgreSQL itself is
     restarted (`--pg-restart-command`, `pg_ctlcluster 15 main restart` by default: every connection and
     every transaction under way is lost while the server is down) unless `--no-pg-restart`; at
     `--stall-at` receiver 0 stalls: for `--stall-seconds` (several attempt timeouts) it holds every request
     it gets without answering, then answers 200 (late).
  5. Once the database says every message of the organization is finished (or `--deadline` passes) the
     receivers' records are compared with the (event, endpoint) pairs the filters call for. Delivered: a pair
     with a verified 2xx answered in time; lost = expected - delivered; duplicates = such answers beyond the
     first per `webhook-id`; unexpected = answers for a pair no filter asked for; late answers (2xx after the
     hub's timeout) are counted apart. Attempts by outcome and reason come from `webhook_attempts`.

It prints a report (with `--json` also one JSON line, last) and the hub processes' tracebacks, error lines and
warning counts. Exit status 1 when anything is lost, unexpected, badly signed, never accepted, or the deadline
passed. Processes, the broker (started again if it is down), the queues and the database are cleaned up
whatever happens, also on Ctrl-C and SIGTERM.

Run:  /work/.venv/bin/python bench/chaos.py [--events 10000] [--receivers 20] [--workers 2] [--json]
It restarts the shared RabbitMQ node's application and the PostgreSQL server: whatever else uses them sees
the restarts too.
tests/webhooks/test_chaos.py runs a small one (300 events, 6 receivers).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webhook_delivery import PG, Processes, _run, base_env, cpu_seconds, free_port, hub_cli, report_stderr

TYPES = ("email.opened", "email.clicked", "email.replied", "email.bounced", "meeting.booked")
FILTERS: tuple[tuple[str, ...], ...] = (  # receiver i takes FILTERS[i % 10]; an event goes to 4 or 5 in 10
    (), ("email.*",), ("email.opened",), ("email.clicked", "meeting.booked"), ("email.replied",),
    ("meeting.*",), ("*",), ("email.bounced", "email.opened"), ("email.clicked",),
    ("meeting.booked", "email.replied"))
MODES = ("500", "timeout", "reset", "slow")
RABBIT_PORT = 5672
PG_PORT = 5432


def subscribed(patterns: tuple[str, ...], event_type: str) -> bool:
    """The filter rule of docs/webhooks.md, written out here rather than borrowed from the code under test."""
    noun = event_type.split(".", 1)[0]
    return not patterns or any(p in ("*", event_type, f"{noun}.*") for p in patterns)


def endpoint_filter(index: int) -> tuple[str, ...]:
    return FILTERS[index % len(FILTERS)]


def plan_events(n: int, seed: int) -> list[tuple[str, str, bytes]]:
    """(marker, type, request body) for each event; the marker is unique to this run."""
    rng, tag, plan = random.Random(seed), secrets.token_hex(3), []
    for i in range(n):
        marker, event_type = f"<{i}.{tag}@chaos.example>", rng.choice(TYPES)
        data: dict[str, str] = {"email": "guest@chaos.example"}
        if event_type == "meeting.booked":
            data |= {"title": marker, "starts_at": "2026-03-02T10:00:00Z", "ends_at": "2026-03-02T10:30:00Z"}
        else:
            data["message_id"] = marker
        plan.append((marker, event_type, json.dumps({"type": event_type, "data": data}).encode()))
    return plan


# --------------------------------------------------------------------------------------------------
# The receivers (this file run with --receivers-process CONFIG)


def _check(verifier: Any, body: bytes, headers: Any) -> tuple[str | None, bool]:
    """The event's marker, and whether the Standard Webhooks signature verified."""
    try:
        payload, verified = verifier.verify(body, {k.lower(): v for k, v in headers.items()}), True
    except Exception:  # no secret yet, a bad signature or a stale timestamp
        try:
            payload, verified = json.loads(body), False
        except ValueError:
            return None, False
    data = payload.get("data") if isinstance(payload, dict) else None
    data = data if isinstance(data, dict) else {}
    return data.get("message_id") or data.get("title"), verified


def receivers_app(config: dict[str, Any]) -> Any:
    """POST /hook/<index> (the receivers), POST /secrets (index → secret) and GET /records."""
    from aiohttp import web
    from standardwebhooks.webhooks import Webhook

    rng, flaky, timeout = random.Random(config["seed"]), set(config["flaky"]), config["timeout"]
    verifiers: dict[int, Any] = {}
    records: list[list[Any]] = []
    stalled: dict[int, float] = {}  # receiver → until when it holds every request without an answer

    async def hook(request: web.Request) -> web.Response:
        index, body = int(request.match_info["index"]), await request.read()
        marker, verified = _check(verifiers.get(index), body, request.headers)
        mode = rng.choice(MODES) if index in flaky and rng.random() < config["failure_rate"] else "ok"
        hold = stalled.get(index, 0.0) - time.time()
        if hold > 0:  # answered after the hub gave up on it ("stall"), or, near the end, still in time ("slow")
            mode = "stall" if hold > timeout else "slow"
        status = None if mode == "reset" else 401 if not verified else 500 if mode == "500" else 200
        webhook_id = request.headers.get("webhook-id")
        records.append([index, webhook_id, marker, status, verified, mode, time.time()])
        if mode == "reset" and request.transport is not None:
            request.transport.abort()  # no answer at all: the hub sees the connection drop
        elif hold > 0:
            await asyncio.sleep(hold)
        elif mode in ("timeout", "slow"):
            await asyncio.sleep(timeout + 0.5 if mode == "timeout" else rng.uniform(0.2, 0.5) * timeout)
        return web.Response(status=status or 200, text="ok")

    async def stall(request: web.Request) -> web.Response:
        index, seconds = int(request.query["index"]), float(request.query["seconds"])
        stalled[index] = time.time() + seconds
        return web.json_response({"index": index, "until": stalled[index]})

    async def set_secrets(request: web.Request) -> web.Response:
        verifiers.update({int(i): Webhook(s) for i, s in (await request.json()).items()})
        return web.json_response({"count": len(verifiers)})

    async def get_records(request: web.Request) -> web.Response:
        return web.json_response({"records": records})

    app = web.Application(client_max_size=1 << 20)
    app.router.add_post(r"/hook/{index:\d+}", hook)
    app.router.add_post("/secrets", set_secrets)
    app.router.add_get("/records", get_records)
    app.router.add_post("/stall", stall)
    return app


def run_receivers(config: dict[str, Any]) -> None:
    """Serve receivers_app on `receivers` loopback ports; print `PORTS p0 p1 …`; stop on SIGTERM."""
    from aiohttp import web

    async def main() -> None:
        app = receivers_app(config)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2)
        await runner.setup()
        ports = []
        for _ in range(config["receivers"]):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            await web.SockSite(runner, sock, backlog=1024).start()
            ports.append(sock.getsockname()[1])
        print("PORTS " + " ".join(map(str, ports)), flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()

    _run(main())


# --------------------------------------------------------------------------------------------------
# Helpers: PostgreSQL, RabbitMQ, the hub's command line


async def pg(sql: str, *params: Any, database: str = "postgres") -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(**PG, database=database)
    try:
        return await conn.fetch(sql, *params)
    finally:
        await conn.close()


async def port_open(port: int) -> bool:
    try:
        async with asyncio.timeout(2):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


async def wait_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not await port_open(port):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def command(*argv: str, timeout: float = 120) -> int:
    """Run a command to its end (not cancellable half-way: a broker left half-stopped helps nobody)."""
    def call() -> int:
        return subprocess.run(argv, check=False, capture_output=True, timeout=timeout).returncode

    return await asyncio.shield(asyncio.create_task(asyncio.to_thread(call)))


async def ensure_broker() -> bool:
    """RabbitMQ accepts connections again: `start_app`, or start the node if even that fails."""
    if await port_open(RABBIT_PORT):
        return True
    print("  RabbitMQ is down: rabbitmqctl start_app", flush=True)
    if await command("rabbitmqctl", "start_app") == 0 and await wait_port(RABBIT_PORT, 60):
        return True
    print("  RabbitMQ node is down: rabbitmq-server -detached", flush=True)
    await command("rabbitmq-server", "-detached")
    return await wait_port(RABBIT_PORT, 120)


def hub_env(args: argparse.Namespace, database: str, prefix: str, tmp: Path) -> dict[str, str]:
    return {**base_env(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}", tmp / "data"),
            "HUB_BROKER_URL": args.broker_url, "HUB_BROKER_QUEUE_PREFIX": prefix,
            "HUB_SERVE_DELIVERS": "false",
            "HUB_WEBHOOK_RETRY_SCHEDULE": args.retry_schedule, "HUB_WEBHOOK_TIMEOUT": str(args.timeout),
            "HUB_WEBHOOK_CONNECT_TIMEOUT": "1", "HUB_WEBHOOK_LEASE_SECONDS": str(args.lease),
            "HUB_WEBHOOK_BREAKER_COOLDOWN_SECONDS": "1"}


def count_problems(stderr: str) -> collections.Counter[str]:
    """The hub's error-level (JSON) lines, and plain-text tracebacks (libraries logging on their own)."""
    found: collections.Counter[str] = collections.Counter()
    for line in stderr.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            found["plain_tracebacks"] += "Traceback" in line
            continue
        found["error_lines"] += isinstance(event, dict) and event.get("level") in ("error", "critical")
    return found


# --------------------------------------------------------------------------------------------------
# The run


@dataclass
class Chaos:
    """One run: what it started and made (to clean up), what was posted, and what the chaos did."""

    args: argparse.Namespace
    tmp: Path
    procs: Processes = field(default_factory=Processes)
    database: str = field(default_factory=lambda: f"hub_chaos_{secrets.token_hex(4)}")
    prefix: str = field(default_factory=lambda: f"hub.chaos.{secrets.token_hex(4)}")
    env: dict[str, str] = field(default_factory=dict)
    db_made: bool = False
    base: str = ""
    org_id: str = ""
    ports: list[int] = field(default_factory=list)
    flaky: list[int] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    stderr: dict[str, Path] = field(default_factory=dict)
    accepted: dict[str, tuple[str, float]] = field(default_factory=dict)  # marker → (type, time of the 201)
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    t0: float = 0.0
    problems: collections.Counter[str] = field(default_factory=collections.Counter)

    def since(self) -> float:
        return round(time.time() - self.t0, 1)

    def start_hub(self, name: str, *argv: str) -> subprocess.Popen:
        self.stderr[name] = self.tmp / f"{name}.stderr"
        return self.procs.start(name, hub_cli(*argv), self.env, self.stderr[name])

    def start_worker(self) -> subprocess.Popen:
        self.workers.append(self.start_hub(f"worker-{len(self.workers)}", "worker"))
        return self.workers[-1]

    async def setup(self) -> str:
        """Database, receivers, organization, hub processes; answers the organization's API key."""
        args = self.args
        await pg(f'CREATE DATABASE "{self.database}"')
        self.db_made = True
        self.env = hub_env(args, self.database, self.prefix, self.tmp)
        await self.start_receivers()
        made = await asyncio.to_thread(subprocess.run, hub_cli("org", "create", "Chaos", "--json"),
                                       check=False, env=self.env, capture_output=True, text=True, timeout=120)
        if made.returncode:
            raise RuntimeError(f"hub org create failed:\n{made.stderr[-3000:]}")
        created = json.loads(made.stdout.strip().splitlines()[-1])
        self.org_id, port = created["org_id"], free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.start_hub("serve", "serve", "--host", "127.0.0.1", "--port", str(port))
        for _ in range(args.workers):
            self.start_worker()
        return created["api_key"]

    async def start_receivers(self) -> None:
        args, rng = self.args, random.Random(self.args.seed)
        self.flaky = sorted(rng.sample(range(args.receivers), round(args.receivers * args.flaky_share)))
        config = {"receivers": args.receivers, "flaky": self.flaky, "failure_rate": args.failure_rate,
                  "timeout": args.timeout, "seed": args.seed}
        argv = [sys.executable, str(Path(__file__).resolve()), "--receivers-process", json.dumps(config)]
        err = self.tmp / "receivers.stderr"
        proc = self.procs.start("receivers", argv, stderr_path=err, stdout=subprocess.PIPE)
        async with asyncio.timeout(60):
            line = await asyncio.to_thread(proc.stdout.readline)
        if not line.startswith(b"PORTS "):
            raise RuntimeError(f"receivers did not start: {err.read_text()[-2000:]}")
        self.ports = [int(p) for p in line.split()[1:]]

    async def wait_ready(self, session: Any) -> None:
        for _ in range(600):
            if exited := [n for n, p in self.procs.running if p.poll() is not None]:
                raise RuntimeError(f"{', '.join(exited)} exited during start-up:\n{self.tail(exited[0])}")
            try:
                async with session.get(f"{self.base}/health") as resp:
                    if resp.status == 200:
                        return
            except Exception:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("the hub did not answer /health within 60 s")

    def tail(self, name: str) -> str:
        path = self.stderr.get(name)
        return path.read_text(errors="replace")[-3000:] if path and path.exists() else ""

    async def create_endpoints(self, session: Any) -> None:
        """One endpoint per receiver, filters from FILTERS in turn; the secrets go to the receivers."""
        secrets_by_index = {}
        for i, port in enumerate(self.ports):
            body = {"url": f"http://127.0.0.1:{port}/hook/{i}", "event_types": list(endpoint_filter(i)),
                    "max_concurrency": self.args.endpoint_concurrency,
                    "description": f"chaos receiver {i}{' (flaky)' if i in self.flaky else ''}"}
            async with session.post(f"{self.base}/v1/endpoints", json=body) as resp:
                made = await resp.json()
                if resp.status != 201:
                    raise RuntimeError(f"POST /v1/endpoints: HTTP {resp.status} {made}")
            self.endpoints.append(made["id"])
            secrets_by_index[str(i)] = made["secret"]
        async with session.post(f"http://127.0.0.1:{self.ports[0]}/secrets", json=secrets_by_index) as resp:
            assert resp.status == 200, await resp.text()

    # Posting

    async def post_all(self, session: Any, plan: list[tuple[str, str, bytes]]) -> None:
        """`--concurrency` posters share the plan; with `--rate`, event n leaves no earlier than n / rate."""
        rate, items, start = self.args.rate, iter(enumerate(plan)), time.time()

        async def poster() -> None:
            for n, (marker, event_type, body) in items:
                if rate:
                    await asyncio.sleep(max(0.0, start + n / rate - time.time()))
                await self.post_one(session, marker, event_type, body)

        await asyncio.gather(*(poster() for _ in range(self.args.concurrency)))
        self.actions["posting"] = {"seconds": round(time.time() - start, 1), "accepted": len(self.accepted)}

    async def post_one(self, session: Any, marker: str, event_type: str, body: bytes) -> None:
        headers = {"content-type": "application/json", "idempotency-key": marker}
        for attempt in range(6):  # the key makes a repeat safe: the hub replays its first answer
            try:
                async with session.post(f"{self.base}/v1/events", data=body, headers=headers) as resp:
                    await resp.read()
                    if resp.status == 201:
                        self.accepted[marker] = (event_type, time.time())
                        return
                    reason = f"HTTP {resp.status}"
            except Exception as exc:
                reason = type(exc).__name__
            await asyncio.sleep(0.25 * 2 ** attempt)
        self.rejected[reason] += 1

    # Chaos

    async def kill_worker(self, fraction: float) -> None:
        """SIGKILL a live worker (noting the leases held then); start a new one `--respawn-after` s later."""
        victim = next(w for w in self.workers if w.poll() is None)
        leased = (await pg("SELECT count(*) FROM webhook_messages WHERE org_id = $1 AND status = 'pending' "
                           "AND leased_until > now()", self.org_id, database=self.database))[0][0]
        cpu = cpu_seconds(victim.pid)
        victim.kill()
        code = await asyncio.to_thread(victim.wait, 10)
        kill = self.actions["worker_kill"] = {
            "pid": victim.pid, "at_s": self.since(), "returncode": code, "finished_share": round(fraction, 3),
            "leased_at_kill": leased, "victim_cpu_s": cpu, "killed": code == -signal.SIGKILL}
        await asyncio.sleep(self.args.respawn_after)
        kill |= {"replacement_pid": self.start_worker().pid, "replacement_at_s": self.since()}

    async def restart_broker(self, fraction: float) -> None:
        """`rabbitmqctl stop_app`, check the port is closed, wait `--broker-down` s, `start_app`."""
        restart = {"at_s": self.since(), "finished_share": round(fraction, 3)}
        self.actions["broker_restart"] = restart
        restart["stop_app"] = await command("rabbitmqctl", "stop_app")
        restart["port_closed"] = not await port_open(RABBIT_PORT)
        stopped = time.time()
        await asyncio.sleep(self.args.broker_down)
        restart["start_app"] = await command("rabbitmqctl", "start_app")
        restart["port_open_again"] = await wait_port(RABBIT_PORT, 60)
        restart |= {"down_s": round(time.time() - stopped, 1), "up_at_s": self.since(), "restarted": (
            restart["stop_app"] == 0 and restart["port_closed"] and restart["port_open_again"])}

    async def drop_connections(self, fraction: float) -> None:
        """Terminate every database connection the hub's processes hold (as a failover or a restart would)."""
        rows = await pg("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 "
                        "AND pid <> pg_backend_pid()", self.database, database="postgres")
        self.actions["db_drop"] = {"at_s": self.since(), "finished_share": round(fraction, 3),
                                   "terminated": sum(1 for (ok,) in rows if ok)}

    async def restart_postgres(self, fraction: float) -> None:
        """Restart the PostgreSQL server itself; note how long it refused connections."""
        restart = self.actions["pg_restart"] = {"at_s": self.since(), "finished_share": round(fraction, 3)}
        started = time.time()
        restart["returncode"] = await command(*self.args.pg_restart_command.split(), timeout=180)
        restart["port_open_again"] = await wait_port(PG_PORT, 120)
        restart |= {"took_s": round(time.time() - started, 1), "up_at_s": self.since(),
                    "restarted": restart["returncode"] == 0 and restart["port_open_again"]}

    async def stall_receiver(self, fraction: float) -> None:
        """Receiver 0 holds every request for `--stall-seconds`, far past the hub's attempt timeout."""
        import aiohttp

        seconds = self.args.stall_seconds
        async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{self.ports[0]}/stall", params={"index": "0", "seconds": str(seconds)}) as resp:
            resp.raise_for_status()
        self.actions["stall"] = {"at_s": self.since(), "finished_share": round(fraction, 3), "receiver": 0,
                                 "seconds": seconds, "attempt_timeout_s": self.args.timeout}

    async def progress(self) -> dict[str, int]:
        rows = await pg("SELECT count(*) FILTER (WHERE status <> 'pending') AS finished, "
                        "count(*) FILTER (WHERE status = 'pending') AS pending, count(*) AS messages, "
                        "(SELECT count(*) FROM events WHERE org_id = $1 AND relayed_at IS NULL) AS unrelayed "
                        "FROM webhook_messages WHERE org_id = $1", self.org_id, database=self.database)
        return dict(rows[0])

    async def watch(self, posting: asyncio.Task[None], expected: int) -> dict[str, Any]:
        """Poll the database, set off the chaos at its points; answers once all is finished or too late."""
        args, deadline = self.args, self.t0 + self.args.deadline
        due = {"kill": (args.kill_at, self.kill_worker)}
        if args.db_drop:
            due["db_drop"] = (args.db_drop_at, self.drop_connections)
        if args.broker_restart:
            due["restart"] = (args.restart_at, self.restart_broker)
        if args.pg_restart:
            due["pg_restart"] = (args.pg_restart_at, self.restart_postgres)
        if args.stall_seconds > 0:
            due["stall"] = (args.stall_at, self.stall_receiver)
        while True:
            try:
                p = await self.progress()
            except Exception:  # PostgreSQL is restarting (refused, or "starting up"): ask again shortly
                self.actions.setdefault("progress_unreadable", {"count": 0})["count"] += 1
                await asyncio.sleep(0.5)
                continue
            fraction = p["finished"] / max(expected, 1)
            for name, (point, action) in list(due.items()):
                if fraction >= point:
                    self.tasks.append(asyncio.create_task(action(fraction)))
                    del due[name]
            settled = posting.done() and not due and all(t.done() for t in self.tasks)
            if settled and p["unrelayed"] == 0 and p["pending"] == 0 or time.time() > deadline:
                return {**p, "done": settled and p["pending"] == 0, "at_s": self.since()}
            await asyncio.sleep(0.5)

    async def run(self, session: Any) -> dict[str, Any]:
        plan = plan_events(self.args.events, self.args.seed)
        expected = sum(subscribed(endpoint_filter(i), t) for _, t, _ in plan for i in range(len(self.ports)))
        self.t0 = time.time()
        posting = asyncio.create_task(self.post_all(session, plan))
        try:
            finish = await self.watch(posting, expected)
        finally:
            posting.cancel()
        errors = [repr(t.exception()) for t in self.tasks if t.done() and not t.cancelled() and t.exception()]
        async with session.get(f"http://127.0.0.1:{self.ports[0]}/records") as resp:
            records = (await resp.json())["records"]
        return {**analyse(self.accepted, len(self.ports), records, self.t0), **await self.database_figures(),
                "finish": finish, "action_errors": errors, **self.actions}

    async def database_figures(self) -> dict[str, Any]:
        """Messages by status, attempts by outcome and reason, and traces of results recorded late."""
        async def q(sql: str) -> dict[Any, int]:
            return dict(list(r) for r in await pg(sql, self.org_id, database=self.database))

        statuses = await q("SELECT status, count(*) FROM webhook_messages WHERE org_id = $1 GROUP BY 1")
        outcomes = await q("SELECT outcome, count(*) FROM webhook_attempts WHERE org_id = $1 GROUP BY 1")
        reasons = await q("SELECT coalesce(error_class, 'HTTP ' || status_code), count(*) "
                          "FROM webhook_attempts WHERE org_id = $1 AND outcome <> 'succeeded' "
                          "GROUP BY 1 ORDER BY 2 DESC")
        twice = await q("SELECT 'succeeded twice', count(*) FROM (SELECT 1 FROM webhook_attempts "
                        "WHERE org_id = $1 AND outcome = 'succeeded' GROUP BY message_id "
                        "HAVING count(*) > 1) s UNION ALL SELECT 'number twice', count(*) FROM (SELECT 1 "
                        "FROM webhook_attempts WHERE org_id = $1 GROUP BY message_id, number "
                        "HAVING count(*) > 1) s")
        return {"messages": statuses, "failed_for_good": statuses.get("failed", 0),
                "attempts": sum(outcomes.values()), "attempts_by_outcome": outcomes, "retry_reasons": reasons,
                "messages_succeeded_twice": twice["succeeded twice"],
                "attempt_numbers_recorded_twice": twice["number twice"]}

    # Cleaning up

    async def cleanup(self) -> None:
        """Broker up first (workers stop cleanly against it), then processes, stderr, queues, database."""
        for task in self.tasks:
            if not task.done():  # a restart under way finishes (its commands are shielded), a sleep is cut
                await asyncio.wait([task], timeout=120)
        broker_up = await ensure_broker()
        self.procs.stop_all()
        for name, path in self.stderr.items():
            if path.exists():
                text = path.read_text(errors="replace")
                self.problems.update(count_problems(text))
                report_stderr(name, text)
        if broker_up:
            await self.delete_queues()
        else:
            print(f"  RabbitMQ did not come back: queues {self.prefix}.* are left behind", flush=True)
        if self.db_made:
            await pg(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    async def delete_queues(self) -> None:
        from webhooks.rabbitmq import RabbitQueue

        try:
            async with RabbitQueue(self.args.broker_url, prefix=self.prefix) as queue:
                await queue.delete_queues()
        except Exception as exc:
            print(f"  could not delete the queues {self.prefix}.*: {type(exc).__name__}: {exc}", flush=True)


# --------------------------------------------------------------------------------------------------
# Analysis and report


def analyse(accepted: dict[str, tuple[str, float]], receivers: int, records: list[list[Any]],
            t0: float) -> dict[str, Any]:
    """Compare the receivers' records with the pairs the filters call for."""
    expected = {(m, i) for m, (t, _) in accepted.items() for i in range(receivers)
                if subscribed(endpoint_filter(i), t)}
    per_id: collections.Counter[str] = collections.Counter()
    pair_of: dict[str, tuple[str, int]] = {}
    first: dict[tuple[str, int], float] = {}  # delivered pair → its first in-time, verified 2xx
    unexpected = bad = late = 0
    for index, webhook_id, marker, status, verified, mode, arrived in records:
        pair, ok = (marker, index), status is not None and 200 <= status < 300
        bad += not verified
        if pair not in expected or pair_of.setdefault(webhook_id, pair) != pair:
            unexpected += 1  # not subscribed, not ours, or one webhook-id carrying two different pairs
        elif ok and verified and mode in ("timeout", "stall"):
            late += 1
        elif ok and verified:
            first[pair] = min(arrived, first.get(pair, arrived))
            per_id[webhook_id] += 1
    lost = sorted(expected - first.keys())
    duplicates = sum(n - 1 for n in per_id.values())
    return {"events": len(accepted), "expected_pairs": len(expected), "delivered": len(first),
            "lost": len(lost), "lost_examples": [f"{m} -> receiver {i}" for m, i in lost[:10]],
            "duplicates": duplicates, "duplicate_rate": round(duplicates / max(len(first), 1), 5),
            "unexpected": unexpected, "bad_signatures": bad, "late_answers": late, "requests": len(records),
            "requests_by_mode": dict(collections.Counter(r[5] for r in records)),
            "last_delivery_s": round(max(first.values(), default=t0) - t0, 1), **latency(accepted, first)}


def latency(accepted: dict[str, tuple[str, float]], first: dict[tuple[str, int], float]) -> dict[str, Any]:
    """From the 201 to the first good delivery: percentiles, and the receiver that waited longest."""
    lags = sorted((at - accepted[m][1], i) for (m, i), at in first.items())
    if not lags:
        return {"latency_s": {}, "slowest_receiver": None}
    at = {f"p{q}": round(lags[min(len(lags) - 1, q * len(lags) // 100)][0], 2) for q in (50, 90, 99)}
    return {"latency_s": {**at, "max": round(lags[-1][0], 1)}, "slowest_receiver": lags[-1][1]}


def _kill_text(kill: dict[str, Any] | None) -> str:
    if not kill:
        return "did not happen"
    return (f"pid {kill['pid']} at {kill['at_s']} s ({kill['finished_share']:.0%} finished, "
            f"{kill['leased_at_kill']} messages leased), exit {kill['returncode']}; "
            f"replacement at {kill.get('replacement_at_s', '?')} s")


def _restart_text(restart: dict[str, Any] | None) -> str:
    if not restart:
        return "did not happen"
    return (f"stop_app at {restart['at_s']} s ({restart['finished_share']:.0%} finished), port closed "
            f"{restart['port_closed']}, up again at {restart.get('up_at_s', '?')} s "
            f"after {restart.get('down_s', '?')} s down")


def print_report(r: dict[str, Any], chaos: Chaos) -> None:
    args, finish, posting = chaos.args, r["finish"], r.get("posting", {})
    rows = [
        ("setup", (f"{args.receivers} receivers ({len(chaos.flaky)} flaky at {args.failure_rate:.0%}), "
                   f"{args.workers} workers, broker restart {'on' if args.broker_restart else 'off'}")),
        ("events accepted", (f"{r['events']} of {args.events} in {posting.get('seconds', '?')} s"
                             + (f"; never accepted: {dict(chaos.rejected)}" if chaos.rejected else ""))),
        ("worker SIGKILL", _kill_text(r.get("worker_kill"))),
        ("broker restart", _restart_text(r.get("broker_restart"))),
        ("postgresql restart", (f"at {d['at_s']} s ({d['finished_share']:.0%} finished), took {d.get('took_s', '?')} "
                                f"s, restarted {d.get('restarted')}" if (d := r.get("pg_restart")) else "did not happen")),
        ("receiver stalled", (f"receiver 0 for {d['seconds']} s (attempt timeout {d['attempt_timeout_s']} s) at "
                              f"{d['at_s']} s ({d['finished_share']:.0%} finished)" if (d := r.get("stall"))
                              else "did not happen")),
        ("database connections dropped", (f"{d['terminated']} at {d['at_s']} s ({d['finished_share']:.0%} finished)"
                                          if (d := r.get("db_drop")) else "did not happen")),
        ("expected pairs", r["expected_pairs"]), ("delivered", r["delivered"]), ("lost", r["lost"]),
        ("duplicates", f"{r['duplicates']} ({100 * r['duplicate_rate']:.2f} % of delivered)"),
        ("unexpected / bad signatures", f"{r['unexpected']} / {r['bad_signatures']}"),
        ("late 2xx (after the timeout)", r["late_answers"]),
        ("latency 201 -> delivered (s)", (f"{r['latency_s']}, slowest receiver {r['slowest_receiver']}"
                                          f"{' (flaky)' if r['slowest_receiver'] in chaos.flaky else ''}")),
        ("requests by mode", r["requests_by_mode"]),
        ("messages by status", r["messages"]),
        ("attempts by outcome", f"{r['attempts']}: {r['attempts_by_outcome']}"),
        ("not succeeded, by reason", r["retry_reasons"]),
        ("recorded late (hub's log)", (f"{r['messages_succeeded_twice']} messages succeeded twice, "
                                       f"{r['attempt_numbers_recorded_twice']} attempt numbers twice")),
        ("all finished", (f"{'yes' if finish['done'] else 'NO (deadline)'} {finish['at_s']} s after the "
                          f"first post (last delivery at {r['last_delivery_s']} s)")),
        ("hub stderr", dict(chaos.problems) or "no errors"),
        ("action errors", r["action_errors"] or "none"),
        ("wall time", f"{r['wall_s']} s"),
    ]
    print("\nchaos run report")
    for label, value in rows:
        print(f"  {label:<30} {value}")
    for example in r["lost_examples"]:
        print(f"  lost: {example}")
    sys.stdout.flush()


async def main(args: argparse.Namespace) -> int:
    import aiohttp

    main_task, loop, started = asyncio.current_task(), asyncio.get_running_loop(), time.time()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, main_task.cancel)
    with tempfile.TemporaryDirectory(prefix="hub-chaos-") as tmp:
        chaos, figures = Chaos(args, Path(tmp)), None
        try:
            api_key = await chaos.setup()
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30),
                                             headers={"Authorization": f"Bearer {api_key}"}) as session:
                await chaos.wait_ready(session)
                await chaos.create_endpoints(session)
                print(f"posting {args.events} events to {len(chaos.endpoints)} endpoints", flush=True)
                figures = await chaos.run(session)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):  # cleaning up is not to be interrupted
                loop.add_signal_handler(sig, lambda: print("cleaning up, please wait", flush=True))
            await chaos.cleanup()
    figures |= {"hub_stderr": dict(chaos.problems), "wall_s": round(time.time() - started, 1)}
    print_report(figures, chaos)
    failed = (figures["lost"] or figures["unexpected"] or figures["bad_signatures"] or chaos.rejected
              or figures["action_errors"] or not figures["finish"]["done"])
    if args.json:
        print(json.dumps({**figures, "ok": not failed, "never_accepted": sum(chaos.rejected.values())}))
    return 1 if failed else 0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--receivers", type=int, default=20)
    p.add_argument("--workers", type=int, default=2, help="hub worker processes")
    p.add_argument("--flaky-share", type=float, default=0.5, help="share of receivers that fail at random")
    p.add_argument("--failure-rate", type=float, default=0.3, help="chance a flaky receiver fails a request")
    p.add_argument("--concurrency", type=int, default=32, help="POST /v1/events in flight")
    p.add_argument("--rate", type=float, default=0.0, help="events/s at most (0: as fast as it goes)")
    p.add_argument("--endpoint-concurrency", type=int, default=20, help="each endpoint's max_concurrency")
    p.add_argument("--kill-at", type=float, default=1 / 3, help="SIGKILL a worker at this share finished")
    p.add_argument("--respawn-after", type=float, default=2.0, help="seconds until the replacement worker")
    p.add_argument("--restart-at", type=float, default=0.5, help="restart RabbitMQ at this share finished")
    p.add_argument("--no-broker-restart", dest="broker_restart", action="store_false")
    p.add_argument("--broker-down", type=float, default=3.0, help="seconds between stop_app and start_app")
    p.add_argument("--pg-restart-at", type=float, default=0.6, help="restart PostgreSQL at this share finished")
    p.add_argument("--no-pg-restart", dest="pg_restart", action="store_false")
    p.add_argument("--pg-restart-command", default="pg_ctlcluster 15 main restart")
    p.add_argument("--stall-at", type=float, default=0.4, help="receiver 0 stalls at this share finished")
    p.add_argument("--stall-seconds", type=float, default=10.0, help="how long it holds requests (0: never)")
    p.add_argument("--db-drop-at", type=float, default=0.7,
                   help="terminate every database connection of the hub at this share finished")
    p.add_argument("--no-db-drop", dest="db_drop", action="store_false")
    p.add_argument("--deadline", type=float, default=1800.0, help="seconds from the first post to give up")
    p.add_argument("--timeout", type=float, default=1.5, help="HUB_WEBHOOK_TIMEOUT")
    p.add_argument("--lease", type=float, default=4.0, help="HUB_WEBHOOK_LEASE_SECONDS")
    p.add_argument("--retry-schedule", default="0,0.2,0.5,1,2,3,5,5,5,5,5,5,5,5")
    p.add_argument("--broker-url", default="amqp://guest:guest@127.0.0.1:5672/", help="the local node")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", action="store_true", help="also print one JSON line with the figures, last")
    p.add_argument("--receivers-process", metavar="CONFIG", help=argparse.SUPPRESS)
    return p.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.receivers_process:
        run_receivers(json.loads(arguments.receivers_process))
        sys.exit(0)
    try:
        sys.exit(_run(main(arguments)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted; processes stopped, database and queues dropped", file=sys.stderr)
        sys.exit(130)
