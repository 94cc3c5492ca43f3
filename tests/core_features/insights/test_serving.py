"""The serving path gives the trained model's own probabilities, for both algorithms and both calibrations."""

from __future__ import annotations

import random

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from core_features.insights import training
from core_features.insights.serving import Served


def _rows(n: int) -> tuple[list[dict], np.ndarray]:
    rng, rows, labels = random.Random(5), [], []
    for _ in range(n):
        budget = rng.random() * 100
        rows.append({"cf_budget": budget, "source": rng.choice(["web", "referral", "ads"]),
                     "activities_call": float(rng.randint(0, 4))})
        labels.append(int(rng.random() < budget / 100))
    return rows, np.asarray(labels)


class TestServed:
    @pytest.mark.parametrize("algorithm", training.ALGORITHMS)
    @pytest.mark.parametrize("n", [200, 1200])  # sigmoid below the isotonic threshold, isotonic above
    def test_it_answers_what_predict_proba_answers(self, algorithm: str, n: int) -> None:
        rows, y = _rows(n)
        with threadpool_limits(limits=1):  # the cores are shared: oversubscribed OpenMP crawls
            model = training.calibrated(algorithm, n, 1000, int(min(y.sum(), n - y.sum()))).fit(rows, y)
        unseen = [*_rows(50)[0], {"cf_budget": 50.0, "source": "never seen", "other": 3.0}, {}]
        served = Served(training.load(training.dump(model)))
        assert model.method == ("isotonic" if n > 1000 else "sigmoid")
        assert np.allclose(served.predict_proba(unseen), model.predict_proba(unseen), atol=1e-9)
