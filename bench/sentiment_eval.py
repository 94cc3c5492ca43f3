"""Sentiment model against VADER on VADER's own four labelled sets, each scored by a model that never saw it.

    .venv/bin/python bench/sentiment_eval.py

For each set (tweets, movie, product, editorial) the blend is trained on the other three and scored on it
(leave one set out); VADER and the majority class are scored on the same snippets. Gold labels: the raters'
mean on [-1, 1] with VADER's ±0.05 neutral band. Prints n, accuracy and macro-F1 for each, then the model
the hub ships (trained on all four) for its size. Fetches the vaderSentiment 3.3.2 sdist with pip on first
run (cached under .cache/sentiment).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core_features.sentiment import corpus  # noqa: E402
from core_features.sentiment.model import ARTEFACT, Vader, train  # noqa: E402
from core_features.sentiment.scorer import Scorer  # noqa: E402


def labels(scores: np.ndarray, band: float) -> list[str]:
    return [corpus.label_of(float(s), band) for s in scores]


def figures(gold: list[str], predicted: list[str]) -> tuple[float, float]:
    return accuracy_score(gold, predicted), f1_score(gold, predicted, average="macro")


def _best(mine: float, theirs: float) -> str:
    """The figure, in bold when it beats the other model's."""
    return f"**{mine:.3f}**" if mine > theirs else f"{mine:.3f}"


def main() -> None:
    sets, vader = corpus.load(), Vader()
    rows = []
    for held, test in sets.items():
        started = time.perf_counter()
        rest = [s for name, s in sets.items() if name != held]
        model = train([t for s in rest for t in s.texts], [g for s in rest for g in s.gold], vader)
        gold = test.labels
        majority = [Counter(l for s in rest for l in s.labels).most_common(1)[0][0]] * len(gold)
        rows.append((held, len(gold), figures(gold, majority), figures(gold, labels(vader.scores(test.texts), 0.05)),
                     figures(gold, labels(model.scores(test.texts), model.band)), time.perf_counter() - started))
    print("| set | n | majority acc | majority macro-F1 | VADER acc | VADER macro-F1 | blend acc | blend macro-F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, n, base, vad, blend, _ in rows:
        print(f"| {name} | {n:,} | {base[0]:.3f} | {base[1]:.3f} | {_best(vad[0], blend[0])} | "
              f"{_best(vad[1], blend[1])} | {_best(blend[0], vad[0])} | {_best(blend[1], vad[1])} |")
    print(f"\nfit + score per held-out set: {', '.join(f'{r[0]} {r[5]:.1f} s' for r in rows)}")
    print(f"shipped model: {ARTEFACT.name}, {ARTEFACT.stat().st_size:,} bytes, trained on all {sum(r[1] for r in rows):,}")
    speed(sets["editorial"].texts)


def speed(snippets: list[str], per_email: int = 5, emails: int = 400) -> None:
    """How fast the hub's scorer reads activities: editorial snippets joined `per_email` at a time."""
    bodies = [" ".join(snippets[i:i + per_email]) for i in range(0, per_email * emails, per_email)]
    for model in ("vader", "blend"):
        scorer = Scorer(model)
        started = time.perf_counter()
        for body in bodies:
            scorer.score(body)
        took = time.perf_counter() - started
        print(f"scoring with {model}: {len(bodies)} activities of {per_email} sentences in {took:.2f} s, "
              f"{took / len(bodies) * 1000:.2f} ms per activity")


if __name__ == "__main__":
    main()
