"""Company enrichment throughput against loopback sources: companies enriched per second by one process.

For each database (the embedded SQLite file, then PostgreSQL on 127.0.0.1:5432 as `postgres` with trust auth,
in a fresh `hub_bench_<random>` database dropped afterwards) and each set of sources (the homepage alone; the
Clearbit and Hunter fakes alone; all three), it migrates a schema, makes one organization with `--companies`
companies whose website is a loopback site (robots.txt and a ~30 KB homepage with JSON-LD, OpenGraph and
profile links), stores the provider keys sealed, starts a bulk run (`company.enrich_all`) and runs the hub's
JobRunner, at its default concurrency, until the run is done. It prints companies per second, suggestions
kept, and the process's CPU per company; then the extraction alone (extruct over the page) per second.

The fakes' own rate limits are raised out of the way, to measure the hub; the real services allow far less
(Clearbit 600 lookups a minute, Hunter 15 requests a second), which the clients honour.

Run:  /work/.venv/bin/python bench/enrichment.py [--companies 200] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors._loopback import serve  # noqa: E402
from connectors.clearbit.fake import FakeClearbit  # noqa: E402
from connectors.hunter.fake import FakeHunter  # noqa: E402
from core_features.enrichment import runs  # noqa: E402
from core_features.enrichment.extract import company_facts  # noqa: E402
from core_features.enrichment.models import EnrichmentRun  # noqa: E402
from hub import observability  # noqa: E402
from hub.app import MODULES  # noqa: E402
from hub.catalog import ActionContext  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.records.models import Company  # noqa: E402
from hub.runtime import Hub  # noqa: E402
from hub.settings import load_settings  # noqa: E402
from hub.tenancy import service  # noqa: E402
from hub.tenancy.auth import Principal  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
KEYS = {"clearbit": "sk_bench_clearbit", "hunter": "bench_hunter_key"}
SOURCES = {"homepage": ("", True), "providers": ("clearbit,hunter", False), "all": ("clearbit,hunter", True)}
ORGANIZATION = {"@context": "https://schema.org", "@type": "Organization", "name": "Acme",
                "legalName": "Acme Corporation", "logo": "/logo.png", "telephone": "+1 415 555 0199",
                "foundingDate": "1999", "description": "Anvils for the discerning coyote.",
                "address": {"@type": "PostalAddress", "streetAddress": "1 Market St", "addressLocality": "SF",
                            "postalCode": "94105", "addressCountry": "US"},
                "sameAs": ["https://www.linkedin.com/company/acme", "https://twitter.com/acme"]}
PAGE = ("<!doctype html><html><head><title>Acme</title>"
        '<meta property="og:site_name" content="Acme"><meta property="og:description" content="Anvils.">'
        f'<script type="application/ld+json">{json.dumps(ORGANIZATION)}</script></head><body>'
        + "".join(f'<p>Paragraph {n} about anvils and <a href="/p/{n}">more</a>.</p>' for n in range(600))
        + '<a href="https://www.facebook.com/acme">fb</a></body></html>')


async def _site() -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_get("/robots.txt", lambda r: _text("User-agent: *\nDisallow: /private\n", "text/plain"))
    app.router.add_get("/", lambda r: _text(PAGE, "text/html"))
    return await serve(app)


async def _text(body: str, kind: str) -> web.Response:
    return web.Response(text=body, content_type=kind)


async def _database(backend: str) -> tuple[str, str | None]:
    if backend == "sqlite":
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


async def run(backend: str, sources: str, companies: int, urls: dict[str, str]) -> dict[str, float]:
    """Enrich `companies` companies with one set of sources; answers the figures."""
    providers, homepage = SOURCES[sources]
    url, dropped = await _database(backend)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({}, data_dir=tmp, database_url=url, log_level="WARNING",
                                 secret_key=base64.urlsafe_b64encode(b"b" * 32).decode(),
                                 demo_org_on_first_start=False, allowed_hosts="127.0.0.1",
                                 enrichment_providers=providers, enrichment_homepage=homepage,
                                 clearbit_api_url=urls["clearbit"], hunter_api_url=urls["hunter"])
        state = Hub(settings, MODULES)
        try:
            await upgrade(state.engine)
            ctx = await _organization(state, companies, urls["site"])
            return await _work(state, ctx, companies)
        finally:
            await state.http.aclose()
            await state.user_http.aclose()
            await state.engine.dispose()
            await _drop(dropped)


async def _organization(state: Hub, companies: int, site: str) -> tuple[str, str]:
    from core_features.enrichment import service as enrichment

    async with state.sessions.begin() as session:
        org, _ = await service.create_org(session, "Bench")
        for n in range(companies):
            session.add(Company(id=f"com_bench{n:06d}", org_id=org.id, name=f"Acme {n}",
                                domain=f"acme{n}.example", website=f"{site}/", custom_fields={}))
        ctx = ActionContext(session, Principal("key_bench", org.id, "hub_bench", frozenset({"admin"})), state)
        for provider, key in KEYS.items():
            await enrichment.set_key(ctx, provider, key)
        run = await runs.start_all(ctx)
    return org.id, run.id


async def _work(state: Hub, ids: tuple[str, str], companies: int) -> dict[str, float]:
    org_id, run_id = ids
    cpu, started = time.process_time(), time.perf_counter()
    runner = asyncio.create_task(state.jobs.run())
    try:
        while True:
            await asyncio.sleep(0.05)
            async with state.sessions() as session:
                row = await session.get(EnrichmentRun, run_id)
                if row is not None and row.status == "done":
                    break
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"per_s": companies / elapsed, "suggested": row.suggested, "failed": row.failed,
            "cpu_ms": cpu * 1000 / companies}


def extraction(rounds: int = 200) -> float:
    """Pages read by extruct and the hub's mapping per second, on one core."""
    started = time.perf_counter()
    for _ in range(rounds):
        company_facts(PAGE, "https://acme.example/")
    return rounds / (time.perf_counter() - started)


async def _all(args: argparse.Namespace) -> list[tuple[str, str, dict[str, Any]]]:
    clearbit = await FakeClearbit(keys={KEYS["clearbit"]}, per_minute=10**9).start()
    hunter = await FakeHunter(keys={KEYS["hunter"]}, per_second=10**9).start()
    for n in range(args.companies):
        clearbit.add(f"acme{n}.example", f"Acme {n}", legalName=f"Acme {n} Inc.", foundedYear=1990 + n % 30)
        hunter.add(f"acme{n}.example", f"Acme {n}", pattern="{first}", headcount="11-50")
    runner, site = await _site()
    urls = {"clearbit": clearbit.url, "hunter": hunter.url, "site": site}
    found = []
    try:
        for backend in [args.only] if args.only else ["sqlite", "postgresql"]:
            for sources in SOURCES:
                found.append((backend, sources, await run(backend, sources, args.companies, urls)))
    finally:
        await clearbit.stop()
        await hunter.stop()
        await runner.cleanup()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    observability.configure_logging("WARNING")
    print(f"{args.companies} companies, one process, default job concurrency (HUB_JOB_CONCURRENCY=16), "
          f"homepage {len(PAGE.encode()) // 1024} KB")
    print(f"{'database':<12}{'sources':<11}{'companies/s':>12}{'suggestions':>13}{'failed':>8}{'CPU ms/co':>11}")
    for backend, sources, f in asyncio.run(_all(args)):
        print(f"{backend:<12}{sources:<11}{f['per_s']:>12.1f}{f['suggested']:>13}{f['failed']:>8}{f['cpu_ms']:>11.1f}")
    print(f"extraction alone (extruct + mapping, one core): {extraction():.0f} pages/s")


if __name__ == "__main__":
    main()
