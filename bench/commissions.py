"""Commission runs: 100 reps on a monthly tiered plan, 12 months, 50,000 won deals.

For each database (the embedded SQLite file, then PostgreSQL on 127.0.0.1:5432 as `postgres` with trust
auth, in a fresh `hub_bench_<random>` database dropped afterwards) it migrates a schema, makes one
organization with `--reps` users, puts them all on one monthly plan (tiers 0 / 20,000 / 40,000 at 4 / 6 / 8 %
marginal, a 1.5x accelerator past quota, a cap), sets a quota per rep and month, and writes `--deals` won
deals spread over the 12 months of 2026 (one in ten split between two reps, the rest owned by one). Then:

- **crediting**: every deal is credited through the same function the event listener calls (splits, line
  items, currency, one `commission.credited` event per credit), 500 deals per transaction;
- **runs**: one calculation run per month, each through the run job's own handler (every rep's payout in
  batches committed with the run's cursor), month after month, each month's payouts locked before the next
  (so later months also look for late credits to adjust).

It prints deals credited per second, then each run's time and the total time for the 12 runs
(`reps` x 12 payouts over all the deals), and checks that the payouts add up to the credits' commission.

Run:  .venv/bin/python bench/commissions.py [--reps 100] [--deals 50000] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import asyncpg
from sqlalchemy import func, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core_features.commissions import credits, jobs
from core_features.commissions.models import Credit, Payout, Plan, PlanMember, Quota, Run, Split
from core_features.commissions.settings import CommissionSettings
from hub import observability
from hub.app import MODULES
from hub.db import new_id, utcnow
from hub.jobs import Job, JobContext
from hub.migrate import upgrade
from hub.records.models import Deal, Pipeline
from hub.runtime import Hub
from hub.settings import load_settings
from hub.tenancy import service
from hub.tenancy.models import User

PG = "postgresql://postgres@127.0.0.1:5432"
TIERS = [{"floor": "0", "rate": "0.04"}, {"floor": "20000", "rate": "0.06"}, {"floor": "40000", "rate": "0.08"}]


async def _setup(state: Hub, reps: int, deals: int) -> tuple[str, list[str]]:
    """An organization, its reps on one plan with quotas, and `deals` won deals over 2026 (not yet credited)."""
    rng, now = random.Random(16), utcnow()
    async with state.sessions.begin() as session:
        org, _ = await service.create_org(session, "Bench")
        pipeline = await session.scalar(select(Pipeline.id).where(Pipeline.org_id == org.id))
        users = [User(id=new_id("usr"), org_id=org.id, name=f"Rep {n}", email=f"rep{n}@bench.test", role="rep",
                      active=True, created_at=now, updated_at=now) for n in range(reps)]
        session.add_all(users)
        plan = Plan(id=new_id("cpl"), org_id=org.id, name="AE monthly", period="month", kind="tiered",
                    rate=Decimal(0), tier_mode="marginal", tiers=TIERS, accelerator=Decimal("1.5"), product_rates={},
                    deal_type_rates={}, deal_type_field="deal_type", cap=Decimal(20000), draw=None,
                    draw_recoverable=False, created_at=now, updated_at=now)
        session.add(plan)
        await session.flush()
        for user in users:
            session.add(PlanMember(id=new_id("cpm"), org_id=org.id, user_id=user.id, plan_id=plan.id,
                                   created_at=now, updated_at=now))
            for month in range(1, 13):
                session.add(Quota(id=new_id("cqu"), org_id=org.id, user_id=user.id,
                                  period_start=datetime(2026, month, 1).date(), amount=Decimal(30000),
                                  created_at=now, updated_at=now))
    ids = []
    for first in range(0, deals, 2000):
        async with state.sessions.begin() as session:
            shared: list[Split] = []
            for n in range(first, min(first + 2000, deals)):
                closed = datetime(2026, rng.randint(1, 12), rng.randint(1, 28), 12, tzinfo=UTC)
                deal = Deal(id=new_id("dea"), org_id=org.id, name=f"Deal {n}", pipeline_id=pipeline, stage="won",
                            amount=Decimal(rng.randint(500, 20000)), currency="USD", status="won",
                            closed_at=closed, owner_id=rng.choice(users).id, custom_fields={}, created_at=now,
                            updated_at=now)
                session.add(deal)
                ids.append(deal.id)
                if n % 10 == 0:  # one deal in ten shared half and half with another rep
                    other = rng.choice([u for u in users if u.id != deal.owner_id])
                    shared += [Split(id=new_id("csp"), org_id=org.id, deal_id=deal.id, user_id=who,
                                     percent=Decimal(50), created_at=now, updated_at=now)
                               for who in (deal.owner_id, other.id)]
            await session.flush()  # the deals before the splits that point at them
            session.add_all(shared)
    return org.id, ids


async def _credit(state: Hub, org_id: str, deal_ids: list[str]) -> float:
    config = state.settings.of(CommissionSettings)
    started = time.perf_counter()
    for first in range(0, len(deal_ids), 500):
        async with state.sessions.begin() as session:
            batch = list(await session.scalars(select(Deal).where(Deal.id.in_(deal_ids[first:first + 500]))))
            await credits.credit_deals(session, org_id, batch, config)
    return time.perf_counter() - started


async def _runs(state: Hub, org_id: str) -> list[float]:
    """One run per month through the job's handler; each month locked before the next."""
    took = []
    for month in range(1, 13):
        async with state.sessions.begin() as session:
            run = Run(id=new_id("crn"), org_id=org_id, period=f"2026-{month:02d}", status="pending", total=0,
                      done=0, created_at=utcnow(), updated_at=utcnow())
            session.add(run)
        job = Job(id=new_id("job"), org_id=org_id, kind=jobs.RUN_JOB, payload={"run_id": run.id}, attempt=1,
                  created_at=utcnow())
        started = time.perf_counter()
        await jobs.run_payouts(JobContext(state), job)
        took.append(time.perf_counter() - started)
        async with state.sessions.begin() as session:
            await session.execute(update(Payout).where(Payout.org_id == org_id, Payout.period == run.period)
                                  .values(status="locked", locked_at=utcnow()))
    return took


async def _analyze(state: Hub) -> None:
    """Statistics for the bulk-loaded tables, as autovacuum keeps them on a live PostgreSQL."""
    if not state.settings.is_sqlite:
        async with state.engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def run(backend: str, reps: int, deals: int) -> dict[str, object]:
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
            org_id, deal_ids = await _setup(state, reps, deals)
            await _analyze(state)
            crediting = await _credit(state, org_id, deal_ids)
            await _analyze(state)
            took = await _runs(state, org_id)
            async with state.sessions() as session:
                payouts = await session.scalar(select(func.count()).select_from(Payout).where(Payout.org_id == org_id))
                credited = await session.scalar(select(func.count()).select_from(Credit).where(
                    Credit.org_id == org_id))
                unpaid = await session.scalar(select(func.count()).select_from(Credit).where(
                    Credit.org_id == org_id, Credit.payout_id.is_(None)))
        finally:
            await state.engine.dispose()
            if dropped:
                conn = await asyncpg.connect(f"{PG}/postgres")
                await conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
                await conn.close()
    return {"credit_per_s": deals / crediting, "runs": took, "payouts": payouts, "credits": credited,
            "unpaid": unpaid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--deals", type=int, default=50_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    observability.configure_logging("WARNING")
    print(f"{args.reps} reps x 12 months, {args.deals:,} won deals (1 in 10 split in two)")
    for backend in [args.only] if args.only else ["sqlite", "postgresql"]:
        figures = asyncio.run(run(backend, args.reps, args.deals))
        runs = figures["runs"]
        print(f"{backend}: credited {figures['credit_per_s']:,.0f} deals/s ({figures['credits']:,} credits); "
              f"12 runs, {figures['payouts']:,} payouts in {sum(runs):.2f} s "
              f"(per month min {min(runs):.2f} s, max {max(runs):.2f} s; "
              f"{figures['payouts'] / sum(runs):,.0f} payouts/s); credits left unpaid: {figures['unpaid']}")


if __name__ == "__main__":
    main()
