"""Records REST API throughput: contact creates and lists against the real `hub serve` process.

For each database (the embedded SQLite file, then PostgreSQL on 127.0.0.1:5432 as `postgres` with
trust auth, in a fresh `hub_bench_<random>` database dropped afterwards) it makes an organization and
API key with `hub org create Bench --json`, starts `python -m hub.cli serve` on a free loopback port,
waits for GET /health, then measures with aiohttp at a fixed concurrency, each for a fixed duration
after a 2 s warm-up:

  create  POST /v1/contacts with a small contact (unique email per request), expecting 201
  list    GET  /v1/contacts?limit=50, expecting 200

It prints requests/s, p50/p99 latency (ms) and errors per operation, then a summary table, and
reports any traceback or error-level line the server wrote to stderr.

Run:  /work/.venv/bin/python bench/records_api.py [--seconds 10] [--concurrency 32] [--only sqlite|postgresql]
Needs aiohttp (pip install aiohttp); client and server share the machine, so figures are end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import asyncpg

PG = dict(host="127.0.0.1", port=5432, user="postgres")
WARMUP = 2.0
_seq = itertools.count()


def contact_body() -> dict[str, str]:
    n = next(_seq)
    return {"first_name": "Ada", "last_name": f"Lovelace-{n}",
            "email": f"ada.{n}.{secrets.token_hex(3)}@example.com", "phone": "+44 20 7946 0958",
            "title": "Head of Engineering", "city": "London", "country": "GB"}


async def phase(session: aiohttp.ClientSession, method: str, url: str, ok: int, seconds: float,
                concurrency: int) -> dict:
    """Run `concurrency` workers until `seconds` elapse; each request has its own timeout."""
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                kwargs = {"json": contact_body()} if method == "POST" else {}
                async with session.request(method, url, **kwargs) as resp:
                    body = await resp.read()
                    if resp.status != ok:
                        errors.append(f"HTTP {resp.status}: {body[:300].decode(errors='replace')}")
                        continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    async with asyncio.timeout(seconds + 60):
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(q: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {"rps": len(latencies) / elapsed, "p50": pct(0.50), "p99": pct(0.99), "ok": len(latencies),
            "errors": len(errors), "examples": sorted(set(errors))[:5]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_problems(stderr: str) -> list[str]:
    """Tracebacks and error-level lines in the server's stderr (JSON log lines or plain text)."""
    found, plain = [], []
    for line in stderr.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            plain.append(line)
            continue
        if isinstance(event, dict) and (event.get("level") in ("error", "critical") or "Traceback" in line):
            found.append(event.pop("exception", "") + "\n" + json.dumps(event))
    text = "\n".join(plain)
    if "Traceback" in text:
        found.append(text[text.index("Traceback"):][:6000])
    return found


async def bench_db(name: str, args: argparse.Namespace, tmp: Path) -> dict[str, dict]:
    database = f"hub_bench_{secrets.token_hex(4)}" if name == "postgresql" else ""
    env = {**os.environ, "HUB_DATA_DIR": str(tmp / name), "HUB_LOG_LEVEL": "WARNING",
           "HUB_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}" if database else "",
           "HUB_SECRET_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
           "HUB_RATE_LIMIT_PER_MINUTE": "100000000", "HUB_RATE_LIMIT_BURST": "100000000",
           "HUB_DEMO_ORG_ON_FIRST_START": "false"}
    if database:
        conn = await asyncpg.connect(**PG, database="postgres")
        await conn.execute(f'CREATE DATABASE "{database}"')
        await conn.close()
    server, err_path = None, tmp / f"{name}-server.stderr"
    try:
        made = subprocess.run([sys.executable, "-m", "hub.cli", "org", "create", "Bench", "--json"], env=env,
                              capture_output=True, text=True, timeout=120)
        if made.returncode:
            raise RuntimeError(f"hub org create failed:\n{made.stderr}")
        api_key = json.loads(made.stdout.strip().splitlines()[-1])["api_key"]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(err_path, "wb") as err:
            server = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve", "--host", "127.0.0.1",
                                       "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=err)
        timeout = aiohttp.ClientTimeout(total=30)
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector,
                                         headers={"Authorization": f"Bearer {api_key}"}) as session:
            for _ in range(300):  # up to 30 s for the server to come up
                if server.poll() is not None:
                    tail = err_path.read_text()[-3000:]
                    raise RuntimeError(f"server exited with {server.returncode}:\n{tail}")
                try:
                    async with session.get(f"{base}/health") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("server did not answer /health within 30 s")
            results = {}
            for op, method, path, ok in (("create", "POST", "/v1/contacts", 201),
                                         ("list", "GET", "/v1/contacts?limit=50", 200)):
                await phase(session, method, base + path, ok, WARMUP, args.concurrency)
                r = results[op] = await phase(session, method, base + path, ok, args.seconds,
                                              args.concurrency)
                print(f"  {name:<10} {op:<6} {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f} ms"
                      f"  p99 {r['p99']:7.1f} ms"
                      f"  ok {r['ok']}  errors {r['errors']}", flush=True)
                for example in r["examples"]:
                    print(f"      error: {example}")
        return results
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if err_path.exists():
            problems = server_problems(err_path.read_text(errors="replace"))
            verdict = f"has {len(problems)} problem(s):" if problems else "clean, no tracebacks"
            print(f"  {name}: server stderr {verdict}")
            for problem in problems[:5]:
                print("    " + problem.replace("\n", "\n    "))
        if database:
            conn = await asyncpg.connect(**PG, database="postgres")
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per operation")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="benchmark one database")
    args = parser.parse_args()
    print(f"concurrency {args.concurrency}, {args.seconds:g} s per measurement after {WARMUP:g} s warm-up, "
          f"{os.cpu_count()} CPUs")
    table: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        for name in [args.only] if args.only else ["sqlite", "postgresql"]:
            print(f"\n{name}:", flush=True)
            for op, r in (await bench_db(name, args, Path(tmp))).items():
                table[(name, op)] = r
    print(f"\n{'database':<11}{'operation':<10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for (name, op), r in table.items():
        print(f"{name:<11}{op:<10}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}")


if __name__ == "__main__":
    asyncio.run(main())
