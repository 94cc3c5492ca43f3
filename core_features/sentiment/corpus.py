"""VADER's four labelled sets (Hutto & Gilbert, ICWSM 2014), for building and evaluating the model only.

They ship in the vaderSentiment 3.3.2 source distribution, not in its wheel, so `fetch` downloads that one file
with pip into a cache folder at build time. The hub never calls it: it runs on the committed model alone.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_CACHE", "LabelledSet", "SETS", "fetch", "label_of", "load"]

DEFAULT_CACHE = Path(__file__).resolve().parents[2] / ".cache" / "sentiment"
SDIST = "vaderSentiment-3.3.2.tar.gz"
INNER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
# The four sets by the name the evaluation table gives them, and the file each is read from.
SETS = {"tweets": "tweets_GroundTruth.txt", "movie": "movieReviewSnippets_GroundTruth.txt",
        "product": "amazonReviewSnippets_GroundTruth.txt", "editorial": "nytEditorialSnippets_GroundTruth.txt"}
NEUTRAL = 0.05  # VADER's own band on a score in [-1, 1], applied to the raters' mean as well


@dataclass(frozen=True)
class LabelledSet:
    """Snippets with the raters' mean on [-1, 1] (the file's -4..4 divided by 4)."""

    name: str
    texts: list[str]
    gold: list[float]

    @property
    def labels(self) -> list[str]:
        return [label_of(g) for g in self.gold]


def label_of(score: float, band: float = NEUTRAL) -> str:
    """`positive` at or above the band, `negative` at or below its negative, `neutral` between."""
    return "positive" if score >= band else "negative" if score <= -band else "neutral"


def fetch(cache: Path = DEFAULT_CACHE) -> Path:
    """The folder holding the four ground-truth files, downloading the sdist with pip on first use."""
    folder = cache / "hutto_ICWSM_2014"
    if all((folder / f).exists() for f in SETS.values()):
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / SDIST).exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "vaderSentiment==3.3.2", "--no-binary", ":all:",
                        "--no-deps", "--quiet", "--dest", str(cache)], check=True)
    with tarfile.open(cache / SDIST) as outer:
        inner = outer.extractfile(INNER)
        assert inner is not None, f"{INNER} is missing from {SDIST}"
        with tarfile.open(fileobj=inner) as sets:
            for name in SETS.values():
                member = sets.getmember(f"hutto_ICWSM_2014/{name}")
                (cache / member.name).parent.mkdir(parents=True, exist_ok=True)
                (cache / member.name).write_bytes(sets.extractfile(member).read())  # type: ignore[union-attr]
    return folder


def load(cache: Path = DEFAULT_CACHE) -> dict[str, LabelledSet]:
    """The four sets by name, in the table's order."""
    folder = fetch(cache)
    return {name: _read(name, folder / file) for name, file in SETS.items()}


def _read(name: str, path: Path) -> LabelledSet:
    texts, gold = [], []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2].strip():
            texts.append(parts[2].strip())
            gold.append(float(parts[1]) / 4)
    return LabelledSet(name, texts, gold)
