"""The sentiment model: VADER's rules, blended with a linear model trained on VADER's own labelled sets.

VADER (the vaderSentiment wheel ships its lexicon) is strong on short social text and weak on reviews and
editorials, where sentiment lives in phrases its lexicon lacks. The blend adds a logistic regression over
TF-IDF word n-grams plus VADER's four scores, trained on positive against negative snippets, and averages its
`2·P(positive) − 1` with VADER's compound: the text model fixes phrase-level misses, VADER keeps its footing
on text unlike the training sets. The neutral band is wider than VADER's, because an average of two scores
lands near zero exactly when they disagree. Built at build time (`python -m core_features.sentiment.train`)
into a skops file beside this one; the hub only loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["ARTEFACT", "BAND", "Blend", "Vader", "train"]

ARTEFACT = Path(__file__).parent / "data" / "blend.skops"
BAND = 0.1  # |score| below this is neutral
VADER_WEIGHT = 3.0  # scales VADER's scores against the TF-IDF columns, so the regression leans on them
# What the skops file may hold: nothing but these, checked when it is loaded.
TRUSTED = ["builtins.dict", "numpy.dtype", "numpy.ndarray", "numpy.float64", "numpy.int64",
           "scipy.sparse._csr.csr_matrix", "sklearn.feature_extraction.text.TfidfTransformer",
           "sklearn.feature_extraction.text.TfidfVectorizer", "sklearn.linear_model._logistic.LogisticRegression"]


class Vader:
    """VADER's compound score alone: the baseline, and the model when no trained one is wanted."""

    name = "vader"
    band = 0.05

    def __init__(self) -> None:
        self.analyzer = SentimentIntensityAnalyzer()

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """Compound, positive, negative and neutral share per text."""
        rows = [self.analyzer.polarity_scores(t) for t in texts]
        return np.array([[r["compound"], r["pos"], r["neg"], r["neu"]] for r in rows]).reshape(-1, 4)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return self.features(texts)[:, 0]


@dataclass
class Blend:
    """VADER's compound averaged with a TF-IDF logistic regression's polarity."""

    vectorizer: TfidfVectorizer
    classifier: LogisticRegression
    vader: Vader
    name: str = "blend"
    band: float = BAND

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """A score in [-1, 1] per text."""
        vader = self.vader.features(texts)
        polarity = 2 * self.classifier.predict_proba(_matrix(self.vectorizer.transform(texts), vader))[:, 1] - 1
        return np.clip((vader[:, 0] + polarity) / 2, -1.0, 1.0)

    def save(self, path: Path = ARTEFACT) -> None:
        import skops.io

        path.parent.mkdir(parents=True, exist_ok=True)
        skops.io.dump({"vectorizer": self.vectorizer, "classifier": self.classifier}, path, compression=8)

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> Blend:
        """The committed model; refuses a file holding any type beyond the few it is made of."""
        import skops.io

        parts: dict[str, Any] = skops.io.load(path, trusted=TRUSTED)
        return cls(parts["vectorizer"], parts["classifier"], Vader())


def train(texts: Sequence[str], gold: Sequence[float], vader: Vader | None = None) -> Blend:
    """Fit the text model on the snippets whose raters leaned one way (the neutral ones teach it nothing)."""
    vader = vader or Vader()
    target = np.asarray(gold)
    keep = np.abs(target) >= 0.05
    kept = [t for t, k in zip(texts, keep) if k]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
    matrix = _matrix(vectorizer.fit_transform(kept), vader.features(kept))
    classifier = LogisticRegression(C=1.0, max_iter=1000).fit(matrix, target[keep] > 0)
    return Blend(vectorizer, classifier, vader)


def _matrix(words: Any, vader: np.ndarray) -> csr_matrix:
    return hstack([words, csr_matrix(vader * VADER_WEIGHT)]).tocsr()
