"""Scoring a text: a score in [-1, 1], a label, and the sentences that drove it.

A text is scored sentence by sentence: the score is the mean of the sentences that lean one way, each weighed
by its own strength (so a line of logistics does not water an opinion down, and a polite "thanks" does not
outweigh a furious sentence), and the drivers are the strongest sentences that lean the way of the label. Quoted lines of an email thread (`>` and what follows "On … wrote:") are the
other side's earlier words and are left out.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core_features.sentiment.model import Blend, Vader

__all__ = ["Driver", "Scored", "Scorer", "sentences"]

MAX_CHARS = 20_000  # an email body longer than this is scored on its start
MAX_SENTENCES = 200
# Sentence ends: ., ! or ? followed by space, or a line break. A regular expression is enough for notes and
# emails, and keeps the scorer free of a tokenizer's downloadable data.
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•]\s)")
_QUOTE_START = re.compile(r"^\s*(On .{0,200} wrote:|-{2,} ?Original Message ?-{2,}|From: .+)$", re.I | re.M)


@dataclass(frozen=True)
class Driver:
    text: str
    score: float


@dataclass(frozen=True)
class Scored:
    score: float
    label: str
    drivers: list[Driver]
    model: str


def sentences(text: str) -> list[str]:
    """The author's own sentences: quoted replies dropped, at most `MAX_SENTENCES`."""
    text = text[:MAX_CHARS]
    if (quoted := _QUOTE_START.search(text)) is not None:
        text = text[:quoted.start()]
    own = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    parts = (" ".join(p.split()) for p in _SPLIT.split(own))
    return [p for p in parts if re.search(r"\w", p)][:MAX_SENTENCES]


# The models are loaded once per process, on first use or by `warm` in a thread of their own: importing
# scikit-learn and reading the file take a second or more of CPU that importing the modules need not pay. The
# lock makes a second caller wait for the load under way rather than start another.
_LOCK = threading.Lock()
_LOADED: dict[str, Blend | Vader] = {}


def _load(name: str) -> Blend | Vader:
    with _LOCK:
        if name not in _LOADED:
            from core_features.sentiment.model import Blend, Vader

            _LOADED[name] = Blend.load() if name == "blend" else Vader()  # read-only once loaded
        return _LOADED[name]


class Scorer:
    """Scores texts with the configured model (`blend` or `vader`); made once per process."""

    def __init__(self, name: str = "blend", drivers: int = 3) -> None:
        self.name, self.drivers = name, drivers

    @property
    def model(self) -> Blend | Vader:
        return _load(self.name)

    def warm(self) -> None:
        """Start loading the model in a daemon thread, so the first text scored finds it (nearly) ready."""
        threading.Thread(target=_load, args=(self.name,), name="sentiment-model", daemon=True).start()

    @property
    def band(self) -> float:
        return self.model.band

    def label(self, score: float) -> str:
        return "positive" if score >= self.band else "negative" if score <= -self.band else "neutral"

    async def score_async(self, text: str) -> Scored:
        """`score` in a worker thread: a long email takes milliseconds of CPU the event loop should not wait on."""
        return await asyncio.to_thread(self.score, text)

    def score(self, text: str) -> Scored:
        """Score one text; a text without words is neutral, with no drivers."""
        parts = sentences(text)
        if not parts:
            return Scored(0.0, "neutral", [], self.model.name)
        scores = [float(s) for s in self.model.scores(parts)]
        leaning = [s for s in scores if abs(s) >= self.band]
        overall = round(sum(s * abs(s) for s in leaning) / sum(abs(s) for s in leaning), 4) if leaning else 0.0
        label = self.label(overall)
        sign = {"positive": 1, "negative": -1}.get(label, 0)
        ranked = sorted(((s, p) for s, p in zip(scores, parts) if s * sign > 0 and abs(s) >= self.band),
                        key=lambda pair: -abs(pair[0]))
        return Scored(overall, label, [Driver(p, round(s, 4)) for s, p in ranked[:self.drivers]], self.model.name)
