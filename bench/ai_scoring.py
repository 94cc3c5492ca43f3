"""Lead scoring on real direct-marketing outcomes, fed through the hub's API.

The data: `UniversalBank.csv.gz` as the `dmba` package ships it (5,000 bank customers of a personal-loan
campaign, 480 of whom took the loan), read straight from the installed package's folder. Each customer
becomes a lead with the organization's custom fields (age, experience, income, family size, card spending,
education as a picklist, mortgage, and four yes/no fields); customers who took the loan are converted through
`POST /v1/leads/{id}/convert`, the others disqualified with `PATCH /v1/leads/{id}`.

The run, in this process, on a fresh hub (the embedded SQLite file by default, `--database-url` for
PostgreSQL) served through ASGI with its lifespan (relay, job runner) going:

  1. create the custom fields and the leads and close them through the API (`--concurrency` in flight);
  2. wait until every event is relayed and every scoring job ran; `POST /v1/ai/models/lead/train`, wait for
     the training job, and print the version's held-out metrics and the training time;
  3. on the hub's own training rows (built from the leads' event history), 5 stratified folds: the hub's
     recipe (algorithm chosen by inner cross-validation, calibrated) beside a plain logistic regression on the
     same folds; ROC AUC, lift in the top decile and Brier score per recipe, mean and spread over the folds;
  4. scoring cost: per lead, features to a score with its factors (the model part), and `POST
     /v1/actions/lead.score` end to end (read, features, score, factors, write); p50, p99 and leads per second.

Run:  /work/wt/<tree>/.venv/bin/python bench/ai_scoring.py [--limit 5000] [--concurrency 16]
      [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/<db>]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import csv
import gzip
import importlib.util
import io
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_features.insights import history, service, training  # noqa: E402
from core_features.insights.features import features  # noqa: E402
from core_features.insights.scoring import explain_model  # noqa: E402
from core_features.insights.settings import InsightSettings  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.db import create_engine  # noqa: E402
from hub.jobs.testing import settle  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.runtime import Hub  # noqa: E402
from hub.settings import load_settings  # noqa: E402
from hub.tenancy.service import create_org  # noqa: E402

FIELDS = [("age", "integer"), ("experience", "integer"), ("income", "number"), ("family", "integer"),
          ("cc_avg", "number"), ("education", "select"), ("mortgage", "number"),
          ("securities_account", "boolean"), ("cd_account", "boolean"), ("online", "boolean"),
          ("credit_card", "boolean")]
COLUMNS = {"age": "Age", "experience": "Experience", "income": "Income", "family": "Family", "cc_avg": "CCAvg",
           "education": "Education", "mortgage": "Mortgage", "securities_account": "Securities Account",
           "cd_account": "CD Account", "online": "Online", "credit_card": "CreditCard"}


def universal_bank() -> list[dict[str, str]]:
    """The rows of the CSV the installed `dmba` package ships (the package itself is not imported)."""
    spec = importlib.util.find_spec("dmba")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("dmba is not installed: pip install -e '.[test]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "csvFiles" / "UniversalBank.csv.gz"
    with gzip.open(path, "rt", newline="") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def lead_body(i: int, row: dict[str, str]) -> dict[str, Any]:
    custom: dict[str, Any] = {}
    for key, kind in FIELDS:
        raw = row[COLUMNS[key]]
        custom[key] = (raw if kind == "select" else raw == "1" if kind == "boolean"
                       else int(raw) if kind == "integer" else float(raw))
    return {"first_name": "Customer", "last_name": row["ID"], "email": f"customer{i}@example.com",
            "custom_fields": custom}


async def fill(http: httpx.AsyncClient, rows: list[dict[str, str]], concurrency: int) -> float:
    """Every customer as a lead, closed as converted or disqualified; answers the seconds it took."""
    for key, kind in FIELDS:
        body = {"record_type": "lead", "key": key, "label": key.replace("_", " ").capitalize(), "type": kind}
        if kind == "select":
            body["options"] = ["1", "2", "3"]
        (await http.post("/v1/custom_fields", json=body)).raise_for_status()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(rows)):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            made = await http.post("/v1/leads", json=lead_body(i, rows[i]))
            made.raise_for_status()
            lead_id = made.json()["id"]
            if rows[i]["Personal Loan"] == "1":
                done = await http.post(f"/v1/leads/{lead_id}/convert", json={"create_company": False})
            else:
                done = await http.patch(f"/v1/leads/{lead_id}", json={"status": "unqualified"})
            done.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def train(app: Any, http: httpx.AsyncClient) -> dict[str, Any]:
    started = time.perf_counter()
    asked = await http.post("/v1/ai/models/lead/train")
    asked.raise_for_status()
    await settle(app, timeout=3600)
    version = next(m for m in (await http.get("/v1/ai/models")).json()["data"] if m["id"] == asked.json()["id"])
    version["seconds"] = time.perf_counter() - started
    return version


def lift(y: np.ndarray, p: np.ndarray) -> float:
    top = np.argsort(-p, kind="stable")[:max(1, len(p) // 10)]
    return float(np.mean(y[top]) / np.mean(y))


def folds(rows: list[dict[str, Any]], y: np.ndarray, isotonic_above: int) -> dict[str, dict[str, list[float]]]:
    """The hub's recipe and a plain logistic regression on the same 5 stratified folds."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    out: dict[str, dict[str, list[float]]] = {"hub": {}, "plain logistic regression": {}}
    with threadpool_limits(limits=1):
        for train_at, test_at in StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
            tr, te = [rows[i] for i in train_at], [rows[i] for i in test_at]
            algorithm, _ = training.choose(tr, y[train_at], 5)
            minority = int(min(y[train_at].sum(), len(train_at) - y[train_at].sum()))
            hub = training.calibrated(algorithm, len(tr), isotonic_above, minority).fit(tr, y[train_at])
            plain = make_pipeline(DictVectorizer(sparse=False), StandardScaler(), LogisticRegression(max_iter=2000))
            plain.fit(tr, y[train_at])
            for name, model in (("hub", hub), ("plain logistic regression", plain)):
                p = model.predict_proba(te)[:, 1]
                for metric, value in (("auc", roc_auc_score(y[test_at], p)), ("lift", lift(y[test_at], p)),
                                      ("brier", brier_score_loss(y[test_at], p))):
                    out[name].setdefault(metric, []).append(float(value))
            out["hub"].setdefault("chosen", []).append(algorithm)  # type: ignore[arg-type]
    return out


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (f"p50 {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms, "
            f"{len(ms) / (sum(ms) / 1000):.0f} leads/s")


async def scoring_cost(app: Any, http: httpx.AsyncClient, org_id: str, n: int) -> tuple[str, str]:
    hub = Hub.of(app)
    async with hub.sessions() as session:
        model = await service.active(session, org_id, "lead")
        snaps = (await history.outcomes(session, org_id, "lead"))[:n]
        defs = await history.custom_defs(session, org_id, "lead")
        labels = await service.labels_of(session, org_id, "lead")
    loaded = service.loaded(model)
    compute = []
    for snap in snaps:
        started = time.perf_counter()
        explain_model(loaded, features("lead", snap, defs), model.baseline, model.version, labels)
        compute.append(time.perf_counter() - started)
    through_api = []
    for snap in snaps:
        started = time.perf_counter()
        (await http.post("/v1/actions/lead.score", json={"lead_id": snap.record_id})).raise_for_status()
        through_api.append(time.perf_counter() - started)
    return percentiles(compute), percentiles(through_api)


def show(name: str, values: list[float]) -> str:
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


async def main(args: argparse.Namespace) -> None:
    rows = universal_bank()[:args.limit]
    data = tempfile.mkdtemp(prefix="hub_ai_bench_")
    settings = load_settings({}, data_dir=data, database_url=args.database_url, log_level="WARNING",
                             secret_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                             demo_org_on_first_start=False, rate_limit_per_minute=10_000_000,
                             rate_limit_burst=1_000_000, relay_interval_seconds=0.05, job_poll_seconds=0.05,
                             insights_retrain_after_outcomes=100_000)
    engine = create_engine(settings)
    await upgrade(engine)
    await engine.dispose()
    app = create_app(settings)
    async with app.lifespan():
        async with Hub.of(app).sessions.begin() as session:
            org, key = await create_org(session, "Universal Bank")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://hub.bench",
                                     headers={"Authorization": f"Bearer {key}"}, timeout=600) as http:
            taken = sum(r["Personal Loan"] == "1" for r in rows)
            print(f"UniversalBank (dmba): {len(rows)} customers, {taken} took the loan")
            seconds = await fill(http, rows, args.concurrency)
            await settle(app, timeout=3600)
            print(f"fed through the API: {len(rows)} leads created and closed in {seconds:.1f} s "
                  f"({2 * len(rows) / seconds:.0f} requests/s), every event relayed and scored")
            version = await train(app, http)
            m = version["metrics"]
            print(f"training (POST /v1/ai/models/lead/train to a serving version): {version['seconds']:.1f} s; "
                  f"{version['algorithm']}, {version['calibration']} calibration, {version['samples']} outcomes; "
                  f"held-out AUC {m['auc']}, AP {m['average_precision']}, Brier {m['brier']}, "
                  f"top-decile lift {m['lift_top_decile']}")
            async with Hub.of(app).sessions() as session:
                snaps = await history.outcomes(session, org.id, "lead")
                defs = await history.custom_defs(session, org.id, "lead")
            matrix = [features("lead", s, defs) for s in snaps]
            y = np.asarray([s.label for s in snaps])
            cv = folds(matrix, y, Hub.of(app).config(InsightSettings).isotonic_above)
            print("5-fold cross-validation on the same folds (mean ± sd):")
            print(f"  {'recipe':28} {'ROC AUC':>18} {'top-decile lift':>18} {'Brier':>18}")
            for name in ("hub", "plain logistic regression"):
                r = cv[name]
                print(f"  {name:28} {show('auc', r['auc']):>18} {show('lift', r['lift']):>18} "
                      f"{show('brier', r['brier']):>18}")
            print(f"  the hub chose per fold: {', '.join(cv['hub']['chosen'])}")  # type: ignore[arg-type]
            compute, api = await scoring_cost(app, http, org.id, args.latency_leads)
            print(f"scoring one lead, features to score and factors: {compute}")
            print(f"scoring one lead through POST /v1/actions/lead.score (read, score, factors, write): {api}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=5000, help="customers to feed (all 5,000 by default)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-leads", type=int, default=1000)
    parser.add_argument("--database-url", default="", help="empty: the embedded SQLite file")
    asyncio.run(main(parser.parse_args()))
