"""Training: a linear model or gradient boosting, chosen by cross-validation, calibrated, measured on held-out
outcomes, and stored with skops (never pickle)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import skops.io
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

__all__ = ["ALGORITHMS", "Fitted", "UnsafeModel", "baseline_of", "dump", "evaluate", "fit", "load", "make",
           "occluded"]

Row = dict[str, float | str]
ALGORITHMS = ("logistic_regression", "gradient_boosting")
# Only these may be rebuilt from a stored model; anything else in a blob refuses to load.
_SAFE_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


class UnsafeModel(Exception):
    """A stored model names a type outside scikit-learn, NumPy and SciPy."""


@dataclass
class Fitted:
    """A calibrated model with what it was chosen by and measured with."""

    model: Any
    algorithm: str
    calibration: str
    metrics: dict[str, Any]
    baseline: dict[str, float | str]
    importance: list[dict[str, Any]] = field(default_factory=list)
    trial: Any = None  # the same recipe fit without the held-out share: what a comparison on it may use


def make(algorithm: str) -> Pipeline:
    """An untrained pipeline: L2-regularized logistic regression on scaled features, or gradient boosting."""
    vectorizer = DictVectorizer(sparse=False)
    if algorithm == "logistic_regression":
        return Pipeline([("features", vectorizer), ("scale", StandardScaler()),
                         ("model", LogisticRegression(C=0.5, max_iter=2000))])
    return Pipeline([("features", vectorizer), ("model", HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.06, max_leaf_nodes=15, min_samples_leaf=10, l2_regularization=1.0,
        random_state=0))])


def choose(rows: list[Row], y: np.ndarray, folds: int) -> tuple[str, dict[str, float]]:
    """The algorithm with the best mean ROC AUC over stratified folds, and each one's mean."""
    splits = StratifiedKFold(n_splits=max(2, min(folds, int(min(y.sum(), len(y) - y.sum())))), shuffle=True,
                             random_state=0)
    scores = {name: float(np.mean(cross_val_score(make(name), rows, y, cv=splits, scoring="roc_auc")))
              for name in ALGORITHMS}
    return max(scores, key=lambda name: scores[name]), scores


def calibrated(algorithm: str, n: int, isotonic_above: int, minority: int) -> CalibratedClassifierCV:
    """Sigmoid calibration for small sets (isotonic overfits them), isotonic for large ones."""
    method = "isotonic" if n > isotonic_above else "sigmoid"
    return CalibratedClassifierCV(make(algorithm), method=method, cv=max(2, min(5, minority)), ensemble=False)


def fit(rows: list[Row], labels: list[int], *, folds: int, holdout_share: float, isotonic_above: int,
        progress: Any = None) -> tuple[Fitted, np.ndarray]:
    """Choose, calibrate and measure on a held-out share; the model served is then refit on every outcome.
    Answers it with the positions of the held-out rows, on which a current model can be compared."""
    with threadpool_limits(limits=1):  # cores are shared with the API: oversubscribed OpenMP runs 20x slower
        return _fit(rows, labels, folds=folds, holdout_share=holdout_share, isotonic_above=isotonic_above,
                    progress=progress)


def _fit(rows: list[Row], labels: list[int], *, folds: int, holdout_share: float, isotonic_above: int,
         progress: Any) -> tuple[Fitted, np.ndarray]:
    y = np.asarray(labels, dtype=int)
    kept, out = train_test_split(np.arange(len(rows)), test_size=holdout_share, stratify=y, random_state=0)
    train, held, y_train, y_held = [rows[i] for i in kept], [rows[i] for i in out], y[kept], y[out]
    _say(progress, "choosing the algorithm by cross-validation")
    algorithm, cv = choose(train, y_train, folds)
    minority = int(min(y_train.sum(), len(y_train) - y_train.sum()))
    _say(progress, f"calibrating {algorithm.replace('_', ' ')} and measuring it on held-out outcomes")
    trial = calibrated(algorithm, len(train), isotonic_above, minority).fit(train, y_train)
    metrics = evaluate(y_held, trial.predict_proba(held)[:, 1]) | {"cv_auc": cv, "held_out": len(held)}
    _say(progress, "refitting on every outcome")
    model = calibrated(algorithm, len(rows), isotonic_above, int(min(y.sum(), len(y) - y.sum()))).fit(rows, y)
    base = baseline_of(rows)
    fitted = Fitted(model=model, algorithm=algorithm, calibration=model.method, metrics=metrics, baseline=base,
                    importance=importance(model, held[:300], base), trial=trial)
    return fitted, out


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """ROC AUC, average precision, Brier score, lift in the top decile, the gains and calibration curves."""
    order = np.argsort(-p, kind="stable")
    top = order[:max(1, len(p) // 10)]
    base_rate = float(np.mean(y)) or 1.0
    hits = np.cumsum(y[order]) / max(1, int(y.sum()))
    gains = [{"share": k / 10, "captured": round(float(hits[max(0, int(len(p) * k / 10) - 1)]), 4)}
             for k in range(1, 11)]
    predicted, observed = calibration_curve(y, p, n_bins=min(10, max(2, len(p) // 10)), strategy="quantile")
    return {"auc": round(float(roc_auc_score(y, p)), 4),
            "average_precision": round(float(average_precision_score(y, p)), 4),
            "brier": round(float(brier_score_loss(y, p)), 4),
            "lift_top_decile": round(float(np.mean(y[top])) / base_rate, 3), "base_rate": round(base_rate, 4),
            "gains": gains, "calibration": [{"predicted": round(float(a), 4), "observed": round(float(b), 4)}
                                            for a, b in zip(predicted, observed)]}


def baseline_of(rows: list[Row]) -> dict[str, float | str]:
    """Each feature's typical value: the median of a number (absent counts as 0), the commonest category."""
    names = sorted({k for row in rows for k in row})
    out: dict[str, float | str] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if any(isinstance(v, str) for v in values):
            out[name] = Counter(v for v in values if isinstance(v, str)).most_common(1)[0][0]
        else:
            out[name] = float(statistics.median(float(v or 0) for v in values))
    return out


def occluded(row: Row, baseline: dict[str, float | str]) -> list[tuple[str, Row]]:
    """For each feature of `row` that differs from typical, the row with that feature set to its typical value."""
    out = []
    for name, value in row.items():
        typical = baseline.get(name, 0.0)
        if value != typical:
            out.append((name, {**row, name: typical}))
    return out


def importance(model: Any, rows: list[Row], baseline: dict[str, float | str]) -> list[dict[str, Any]]:
    """How far, on average, setting each feature to its typical value moves the probability (held-out rows)."""
    moved: dict[str, list[float]] = {}
    for row in rows:
        variants = occluded(row, baseline)
        p = model.predict_proba([row, *(v for _, v in variants)])[:, 1]
        for (name, _), q in zip(variants, p[1:]):
            moved.setdefault(name, []).append(abs(float(p[0] - q)))
    ranked = sorted(((sum(v) / len(rows), k) for k, v in moved.items()), reverse=True)
    return [{"feature": k, "importance": round(v, 5)} for v, k in ranked[:25]]


def dump(model: Any) -> bytes:
    return skops.io.dumps(model)


def load(blob: bytes) -> Any:
    """Rebuild a stored model, trusting scikit-learn, NumPy and SciPy types and nothing else."""
    untrusted = skops.io.get_untrusted_types(data=blob)
    if unsafe := [t for t in untrusted if not t.startswith(_SAFE_PREFIXES)]:
        raise UnsafeModel(f"the stored model names types that are not trusted: {unsafe}")
    return skops.io.loads(blob, trusted=untrusted)


def _say(progress: Any, text: str) -> None:
    if progress is not None:
        progress(text)
