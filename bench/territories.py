"""Territory assignment: 1,000 territories x 15 rules in a 5-level hierarchy, 100,000 companies.

The model (seeded, the same every run): 5 regions, each of 5 countries (25 at level 2), each of 4 groups of
states (100 at level 3), each of 3 postal-code ranges (300 at level 4), and under those 570 territories by
industry, tier and size (level 5). Every territory has 15 rules: the one that carves its part of its parent
(country, state, postal range, or a boolean filter over industry, a custom tier and the employee count) and 14
others that a record seldom meets, mixed from field rules, boolean filters such as `(1 AND 2) OR 3`, postal
prefixes and radii around a point. The companies are drawn over the same countries, states, postal codes,
industries and coordinates.

It prints, for the rule engine alone (what the write path adds to a company's write, in the relay): records
per second and the per-record p50 and p99; then, for a whole-model realignment through the database (the
`territory.realign` job's own handler, batches of `HUB_TERRITORIES_BATCH_SIZE` read, matched and written,
events included) records per second on the embedded SQLite file and, unless `--only sqlite`, on PostgreSQL
in a fresh `hub_bench_<random>` database dropped afterwards; and the write path for one record at a time
(load, match, store, as the relay listener does) p50 and p99: the assignment alone, with reading the record,
and with the transaction's begin and commit.

Run:  .venv/bin/python bench/territories.py [--records 100000] [--only sqlite|postgresql|engine]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core_features.territories import jobs
from core_features.territories.assign import assign_records, compiled
from core_features.territories.engine import compile_model
from core_features.territories.models import Realignment, Rule, Territory, TerritoryModel
from core_features.territories.records import load
from hub import observability
from hub.app import MODULES
from hub.db import new_id, utcnow
from hub.jobs import Job, JobContext, RetryLater
from hub.migrate import upgrade
from hub.records.models import Company
from hub.runtime import Hub
from hub.settings import load_settings
from hub.tenancy import service

PG = "postgresql://postgres@127.0.0.1:5432"
COUNTRIES = ["US", "CA", "MX", "BR", "AR", "DE", "FR", "GB", "ES", "IT", "JP", "CN", "IN", "KR", "AU",
             "ZA", "NG", "EG", "KE", "MA", "SE", "NO", "PL", "NL", "BE"]
STATES = [f"S{n:02d}" for n in range(16)]  # each country's 16 states, in 4 groups of 4
INDUSTRIES = ["Software", "Retail", "Banking", "Energy", "Health", "Media", "Transport", "Farming"]
TIERS = ["gold", "silver", "bronze"]


def _rare(rng: random.Random, n: int) -> tuple[list[dict[str, Any]], str | None]:
    """One of the 14 rules a record seldom meets: field, boolean filter, postal prefix or radius."""
    kind = n % 4
    if kind == 0:
        return [{"field": "name", "operator": "starts_with", "value": f"zz{rng.randrange(10**6)}"}], None
    if kind == 1:
        return [{"field": "custom.tier", "operator": "equals", "value": "platinum"},
                {"field": "employee_count", "operator": "gte", "value": 50_000},
                {"field": "domain", "operator": "contains", "value": f"q{rng.randrange(10**6)}"}], "(1 AND 2) OR 3"
    if kind == 2:
        return [{"operator": "postal_prefix", "value": [f"Z{rng.randrange(100)}", f"Y{rng.randrange(100)}"]}], None
    return [{"operator": "within_radius", "value": {"lat": rng.uniform(-60, 60), "lng": rng.uniform(-170, 170),
                                                    "km": 2}}], None


def model_rows(seed: int = 7) -> tuple[list[Any], list[Any]]:
    """1,000 territories in 5 levels, 15 rules each, as rows."""
    rng = random.Random(seed)
    territories: list[Any] = []
    rules: list[Any] = []

    def add(name: str, parent: Any, depth: int, carve: tuple[list[dict[str, Any]], str | None]) -> Any:
        row = SimpleNamespace(id=f"ter{len(territories):04d}", name=name, depth=depth, priority=len(territories),
                              parent_id=parent.id if parent else None)
        territories.append(row)
        for position, (items, logic) in enumerate([carve, *(_rare(rng, n) for n in range(14))], 1):
            rules.append(SimpleNamespace(id=f"{row.id}r{position:02d}", territory_id=row.id, record_type="company",
                                         position=position, items=items, boolean_filter=logic))
        return row

    for r in range(5):
        region = add(f"Region {r}", None, 1, ([{"operator": "country_in", "value": COUNTRIES[r * 5:r * 5 + 5]}],
                                              None))
        for country in COUNTRIES[r * 5:r * 5 + 5]:
            land = add(country, region, 2, ([{"operator": "country_in", "value": [country]}], None))
            for g in range(4):
                states = add(f"{country} {g}", land, 3, ([{"operator": "region_in", "value": STATES[g * 4:g * 4 + 4]}],
                                                         None))
                for p in range(3):
                    low, high = f"{p * 33_333:05d}", f"{min(99_999, (p + 1) * 33_333 - 1):05d}"
                    band = add(f"{country} {g}.{p}", states, 4, (
                        [{"operator": "postal_range", "value": {"from": low, "to": high}}], None))
                    _leaves(add, band, sum(1 for t in territories if t.depth == 4))
    return territories, rules


def _leaves(add: Any, band: Any, index: int) -> None:
    """Two territories under most bands (one under every tenth): by industry, or by tier and size."""
    count = 1 if index % 10 == 0 else 2
    add(f"{band.name} A", band, 5, ([{"field": "industry", "operator": "in", "value": INDUSTRIES[:4]},
                                         {"field": "custom.tier", "operator": "equals", "value": "gold"},
                                         {"field": "employee_count", "operator": "gte", "value": 500}],
                                        "1 OR (2 AND 3)"))
    if count == 2:
        add(f"{band.name} B", band, 5, ([{"field": "industry", "operator": "in", "value": INDUSTRIES[4:]},
                                         {"field": "custom.tier", "operator": "not_equals", "value": "gold"}],
                                        "1 AND 2"))


def companies(n: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [{"id": f"com{i:07d}", "name": f"Company {i}", "country": rng.choice(COUNTRIES + ["JP", "US"]),
             "region": rng.choice(STATES), "postal_code": f"{rng.randrange(100_000):05d}",
             "industry": rng.choice(INDUSTRIES), "employee_count": rng.randrange(1, 20_000),
             "domain": f"c{i}.example", "custom.tier": rng.choice(TIERS),
             "_lat": rng.uniform(-60, 60), "_lng": rng.uniform(-170, 170)} for i in range(n)]


def engine_figures(records: list[dict[str, Any]]) -> dict[str, float]:
    territories, rules = model_rows()
    started = time.perf_counter()
    model = compile_model("bench", 1, territories, rules)
    compiled = time.perf_counter() - started
    timings, matched = [], 0
    clock = time.perf_counter
    cpu, started = time.process_time(), clock()
    for record in records:
        t0 = clock()
        matched += bool(model.match("company", record))
        timings.append(clock() - t0)
    elapsed, cpu = clock() - started, time.process_time() - cpu
    timings.sort()
    return {"territories": len(territories), "rules": len(rules), "compile_s": compiled,
            "per_s": len(records) / elapsed, "cpu_per_s": len(records) / cpu, "p50_ms": timings[len(timings) // 2] * 1000,
            "p99_ms": timings[int(len(timings) * 0.99)] * 1000, "matched": matched / len(records)}


async def _database(backend: str) -> tuple[str, str | None]:
    if backend != "postgresql":
        return "", None
    name = f"hub_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(f"{PG}/postgres")
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", name


async def _drop(name: str | None) -> None:
    if name:
        conn = await asyncpg.connect(f"{PG}/postgres")
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def _fill(state: Hub, org_id: str, records: list[dict[str, Any]]) -> TerritoryModel:
    """The model, active, and the companies, written in bulk."""
    territories, rules = model_rows()
    now = utcnow()
    model = TerritoryModel(id=new_id("tmd"), org_id=org_id, name="Bench", state="active", assign_owner=False,
                           revision=1, created_at=now, updated_at=now)
    common = {"org_id": org_id, "created_at": now, "updated_at": now, "version": 1}
    async with state.sessions.begin() as session:
        session.add(model)
        await session.flush()
        await session.execute(insert(Territory), [
            {**common, "id": t.id, "model_id": model.id, "parent_id": t.parent_id, "name": t.name, "depth": t.depth,
             "priority": t.priority} for t in territories])
        await session.execute(insert(Rule), [
            {**common, "id": r.id, "territory_id": r.territory_id, "model_id": model.id, "name": r.id,
             "record_type": "company", "items": r.items, "boolean_filter": r.boolean_filter, "position": r.position}
            for r in rules])
    for first in range(0, len(records), 5000):
        async with state.sessions.begin() as session:
            await session.execute(insert(Company), [
                {**common, "id": r["id"], "name": r["name"], "country": r["country"], "region": r["region"],
                 "postal_code": r["postal_code"], "industry": r["industry"], "employee_count": r["employee_count"],
                 "domain": r["domain"], "custom_fields": {"tier": r["custom.tier"], "latitude": r["_lat"],
                                                          "longitude": r["_lng"]}}
                for r in records[first:first + 5000]])
    return model


async def _realign(state: Hub, org_id: str, model: TerritoryModel) -> None:
    """The `territory.realign` job's handler, attempt after attempt as the runner would call it."""
    async with state.sessions.begin() as session:
        run = Realignment(id=new_id("trn"), org_id=org_id, model_id=model.id, status="queued",
                          record_types=["company"], cursor={}, total=0, processed=0, changed=0, attempts=0,
                          created_at=utcnow(), updated_at=utcnow())
        session.add(run)
    job = Job(id="job_bench", org_id=org_id, kind="territory.realign", payload={"run_id": run.id}, attempt=1,
              created_at=utcnow())
    while True:
        try:
            await jobs.realign(JobContext(state), job)
            return
        except RetryLater:
            continue


async def _write_path(state: Hub, org_id: str, model: TerritoryModel,
                      ids: list[str]) -> tuple[list[float], list[float], list[float]]:
    """One record at a time as the relay listener does it: read it, match it, store what changed. Timed three
    ways: the assignment alone (its assignments read, matched, what changed stored), the listener's whole work
    for the record inside the relay's transaction, and that with the transaction's begin and commit."""
    assignment, work, whole = [], [], []
    for record_id in ids:
        started = time.perf_counter()
        async with state.sessions.begin() as session:
            began = time.perf_counter()
            fields = (await compiled(session, model)).fields  # only what the rules read, as the listener does
            found = await load(session, org_id, "company", [record_id], "latitude", "longitude", fields)
            found[0]["employee_count"] += 1  # a change, so that something may move
            loaded = time.perf_counter()
            await assign_records(session, model, "company", found)
            done = time.perf_counter()
        assignment.append(done - loaded)
        work.append(done - began)
        whole.append(time.perf_counter() - started)
    return sorted(assignment), sorted(work), sorted(whole)


async def database_figures(backend: str, records: list[dict[str, Any]]) -> dict[str, float]:
    url, dropped = await _database(backend)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({}, data_dir=tmp, database_url=url, log_level="WARNING",
                                 secret_key=base64.urlsafe_b64encode(b"b" * 32).decode(),
                                 demo_org_on_first_start=False)
        state = Hub(settings, MODULES)
        try:
            await upgrade(state.engine)
            async with state.sessions.begin() as session:
                org, _ = await service.create_org(session, "Bench")
            model = await _fill(state, org.id, records)
            cpu, started = time.process_time(), time.perf_counter()
            await _realign(state, org.id, model)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            sample = random.Random(3).sample([r["id"] for r in records], min(1000, len(records)))
            assignment, work, whole = await _write_path(state, org.id, model, sample)
        finally:
            await state.engine.dispose()
            await _drop(dropped)
    return {"per_s": len(records) / wall, "cpu_per_s": len(records) / cpu,
            "assign_p50_ms": assignment[len(assignment) // 2] * 1000,
            "assign_p99_ms": assignment[int(len(assignment) * 0.99)] * 1000,
            "write_p50_ms": work[len(work) // 2] * 1000, "write_p99_ms": work[int(len(work) * 0.99)] * 1000,
            "commit_p50_ms": whole[len(whole) // 2] * 1000, "commit_p99_ms": whole[int(len(whole) * 0.99)] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--only", choices=["engine", "sqlite", "postgresql"])
    args = parser.parse_args()
    observability.configure_logging("WARNING")
    records = companies(args.records)
    # The generated companies are the bench's own, not the hub's (a worker holds no such list): kept out of the
    # collector's sight, so that its full collections do not walk 100,000 dicts the hub never made.
    gc.freeze()
    print(f"{args.records:,} companies; load average {' '.join(f'{x:.1f}' for x in _load())} on "
          f"{_cores()} cores (wall-clock figures suffer when others share the machine; CPU figures less)")
    if args.only in (None, "engine"):
        e = engine_figures(records)
        print(f"engine: {e['territories']:,} territories, {e['rules']:,} rules compiled in {e['compile_s']:.2f} s; "
              f"{e['per_s']:,.0f} records/s (wall), {e['cpu_per_s']:,.0f} records/s (CPU); per record p50 "
              f"{e['p50_ms']:.3f} ms, p99 {e['p99_ms']:.3f} ms; {e['matched']:.0%} placed")
    for backend in [b for b in ("sqlite", "postgresql") if args.only in (None, b)]:
        d = asyncio.run(database_figures(backend, records))
        print(f"{backend}: realignment {d['per_s']:,.0f} records/s (wall), {d['cpu_per_s']:,.0f} records/s (CPU "
              f"of this process); write path one record at a time: the assignment p50 "
              f"{d['assign_p50_ms']:.2f} ms, p99 {d['assign_p99_ms']:.2f} ms; with reading the record p50 "
              f"{d['write_p50_ms']:.2f} ms, p99 {d['write_p99_ms']:.2f} ms; with the transaction's begin and commit "
              f"p50 {d['commit_p50_ms']:.2f} ms, p99 {d['commit_p99_ms']:.2f} ms")


def _load() -> tuple[float, float, float]:
    import os
    return os.getloadavg()


def _cores() -> int:
    import os
    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
