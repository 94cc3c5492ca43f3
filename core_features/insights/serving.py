"""A trained model taken apart for serving: the same numbers as `predict_proba`, without its per-call checks.

Scoring one record asks for a batch of predictions (the record, and the record with each feature set back to
typical, for its factors). Through the full scikit-learn stack most of that time goes to input validation and
label encoding that a model the hub trained itself does not need; here the vectorizer's vocabulary, the
scaler, the final model and the calibrator are applied directly. `tests/.../test_serving.py` holds it equal to
`predict_proba`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

__all__ = ["Served"]


class Served:
    """`predict_proba` of a calibrated pipeline (`ensemble=False`) for rows of named features."""

    def __init__(self, model: Any) -> None:
        [calibrated] = model.calibrated_classifiers_
        pipeline = calibrated.estimator
        vectorizer = pipeline.named_steps["features"]
        self.vocabulary: dict[str, int] = dict(vectorizer.vocabulary_)
        self.separator = vectorizer.separator
        self.width = len(self.vocabulary)
        scaler = pipeline.named_steps.get("scale")
        self.mean = None if scaler is None else scaler.mean_
        self.scale = None if scaler is None else scaler.scale_
        self.final = pipeline.steps[-1][1]
        [self.calibrator] = calibrated.calibrators
        self.model = model

    def matrix(self, rows: list[dict[str, Any]]) -> np.ndarray:
        X = np.zeros((len(rows), self.width))
        for i, row in enumerate(rows):
            for name, value in row.items():
                if isinstance(value, str):
                    j, value = self.vocabulary.get(f"{name}{self.separator}{value}"), 1.0
                else:
                    j = self.vocabulary.get(name)
                if j is not None:
                    X[i, j] = value
        if self.mean is not None:
            X = (X - self.mean) / self.scale
        return X

    def predict_proba(self, rows: list[dict[str, Any]]) -> np.ndarray:
        X = self.matrix(rows)
        if isinstance(self.final, LogisticRegression):
            raw = X @ self.final.coef_[0] + self.final.intercept_[0]
        else:
            raw = self.final._raw_predict(X)[:, 0]
        p = np.clip(self.calibrator.predict(raw), 0.0, 1.0)
        return np.column_stack([1 - p, p])
