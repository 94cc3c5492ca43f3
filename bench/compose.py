"""How fast drafts are written: the offline template composer and a model through the loopback OpenAI fake.

Three measurements, each printing drafts/s and p50/p99 latency in ms:
1. `composer`: the template composer and the fact check on an assembled context, in process (no database);
2. `check`: the fact check alone on a 120-word model answer full of facts (the guard's cost per draft);
3. `api-template` and `api-openai`: `POST /v1/writing/drafts` through the ASGI app on the embedded SQLite file,
   `--concurrency` in flight, with the template composer and with OpenAI's SDK against `FakeOpenAI` on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from connectors.openai.fake import FakeOpenAI
from core_features.writing.composer import compose
from core_features.writing.context import Context, Fact
from core_features.writing.guard import Check, Support
from core_features.writing.prompting import Request
from hub.app import create_app
from hub.migrate import upgrade
from hub.runtime import Hub
from hub.settings import load_settings
from hub.tenancy import service

ANSWER = ("Subject: Acme rollout next steps\n\nHi Ann,\n\nThanks for the call on March 3. The 250 seats come to "
          "$48,000 and we can start before March 31, 2026. With Globex we could add training for $12,500 by June 14; "
          "details at https://offers.example.net/acme or from bob@globex.example. Would Tuesday suit you for a "
          "30-minute call with our CEO Bob Stone? I can also bring the onboarding plan and a short overview of how "
          "other logistics teams approached the same problem, so you can judge the fit before the board meets.\n\n"
          "Best regards,\nSam Reed")


def _context() -> Context:
    facts = [Fact("contact.first_name", "Ann", "contact:c"), Fact("company.name", "Acme", "company:o"),
             Fact("deal.name", "Acme rollout", "deal:d"), Fact("deal.amount", "48000 USD", "deal:d"),
             Fact("activity", "outbound call on March 3, 2026 (Tuesday)", "activity:a")]
    return Context("deal", "dea_bench", "Ann", facts, [("activity:a", "They need 250 seats before the board meets.")])


def _figures(name: str, times: list[float], wall: float) -> None:
    ms = sorted(t * 1000 for t in times)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"{name:<14} {len(ms) / wall:>10.1f} drafts/s   p50 {statistics.median(ms):>8.2f} ms   p99 {p99:>8.2f} ms"
          f"   ({len(ms)} drafts)")


def in_process(drafts: int) -> None:
    context, request = _context(), Request("follow_up", "friendly", "long")
    support = Support.of(*(f.value for f in context.facts), *(t for _, t in context.blocks))
    for name, work in (("composer", lambda: Check(support).text(compose(context, request, sender="Sam Reed",
                                                                             signature=None)[0])),
                       ("check", lambda: Check(Support.of(*(f.value for f in context.facts))).text(ANSWER))):
        for _ in range(20):  # warm-up: wordfreq loads its list on first use
            work()
        times, started = [], time.perf_counter()
        for _ in range(drafts):
            t = time.perf_counter()
            work()
            times.append(time.perf_counter() - t)
        _figures(name, times, time.perf_counter() - started)


async def _drive(drafts: int, concurrency: int, call: Callable[[], Awaitable[httpx.Response]]) -> tuple[list, float]:
    times: list[float] = []
    queue = iter(range(drafts))

    async def worker() -> None:
        for _ in queue:
            t = time.perf_counter()
            answer = await call()
            assert answer.status_code == 201, answer.text
            times.append(time.perf_counter() - t)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times, time.perf_counter() - started


async def through_api(drafts: int, concurrency: int) -> None:
    fake = await FakeOpenAI().start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({}, data_dir=tmp, log_level="WARNING", allowed_hosts="127.0.0.1",
                                 secret_key=base64.urlsafe_b64encode(b"w" * 32).decode(), demo_org_on_first_start=False,
                                 rate_limit_per_minute=10**7, rate_limit_burst=10**6)
        app = create_app(settings)
        await upgrade(Hub.of(app).engine)
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://h") as http:
            for provider in ("template", "openai"):
                post = await _organization(app, http, fake, provider)
                await _drive(min(20, drafts), concurrency, post)  # warm-up
                _figures(f"api-{provider}", *await _drive(drafts, concurrency, post))
    await fake.stop()


async def _organization(app: Any, http: httpx.AsyncClient, fake: FakeOpenAI, provider: str) -> Callable:
    async with Hub.of(app).sessions.begin() as session:
        _, key = await service.create_org(session, f"Bench {provider}")
    headers = {"Authorization": f"Bearer {key}"}

    async def made(plural: str, body: dict[str, Any]) -> str:
        return (await http.post(f"/v1/{plural}", json=body, headers=headers)).json()["id"]

    contact = await made("contacts", {"first_name": "Ann", "last_name": "Lee"})
    deal = await made("deals", {"name": "Acme rollout", "amount": "48000", "contact_id": contact})
    await made("activities", {"type": "call", "body": "They need 250 seats before the board meets.", "deal_id": deal})
    if provider == "openai":
        await http.put("/v1/writing/settings", headers=headers, json={
            "provider": "openai", "api_key": fake.api_key, "base_url": fake.url, "sender_name": "Sam Reed"})
        fake.replies.extend([ANSWER] * 100_000)
    body = {"record_type": "deal", "record_id": deal, "goal": "follow_up", "length": "long"}
    return lambda: http.post("/v1/writing/drafts", json=body, headers=headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    in_process(args.drafts)
    asyncio.run(through_api(args.drafts, args.concurrency))


if __name__ == "__main__":
    main()
