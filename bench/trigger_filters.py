"""How much the trigger filters add to fan-out: `hub.conditions.accepts` over real deal payloads (the catalog's
`deal.won` sample varied), for 0, 2 and 5 conditions per endpoint, beside the plain event-type match that
fan-out does anyway. Prints checks per second and microseconds per check.

    .venv/bin/python bench/trigger_filters.py [--checks 200000]
"""

from __future__ import annotations

import argparse
import time

from hub.catalog import build_catalog
from hub.conditions import accepts
from webhooks.fanout import matches

CONDITIONS = {
    0: [],
    2: [{"field": "pipeline_id", "op": "eq", "value": "pip_06bqv0e7c1k2m3n4p5q6r7s8t9"},
        {"field": "amount", "op": "gte", "value": "1000"}],
    5: [{"field": "pipeline_id", "op": "eq", "value": "pip_06bqv0e7c1k2m3n4p5q6r7s8t9"},
        {"field": "amount", "op": "gte", "value": "1000"}, {"field": "amount", "op": "lte", "value": "1000000"},
        {"field": "status", "op": "eq", "value": "won"}, {"field": "currency", "op": "eq", "value": "USD"}],
}


def _time(check, payloads: list[dict], count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        check(payloads[i % len(payloads)])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=200_000)
    count = parser.parse_args().checks
    sample = build_catalog().events["deal.won"].sample
    payloads = [{**sample, "amount": str(500 + 97 * i)} for i in range(1000)]
    base = _time(lambda data: matches(["deal.won", "deal.lost"], "deal.won"), payloads, count)
    print(f"{'conditions':>10} {'checks/s':>12} {'us/check':>9}")
    print(f"{'type only':>10} {count / base:>12,.0f} {base / count * 1e6:>9.2f}")
    for n, conditions in CONDITIONS.items():
        spent = _time(lambda data: accepts(conditions, data), payloads, count)
        print(f"{n:>10} {count / spent:>12,.0f} {spent / count * 1e6:>9.2f}")


if __name__ == "__main__":
    main()
