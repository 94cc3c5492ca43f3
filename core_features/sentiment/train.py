"""Build the committed model from VADER's four labelled sets: `python -m core_features.sentiment.train`."""

from __future__ import annotations

from core_features.sentiment import corpus
from core_features.sentiment.model import ARTEFACT, train


def main() -> None:
    """Fetch the sets (once), fit on all four, write the skops file the hub loads."""
    sets = corpus.load()
    texts = [t for s in sets.values() for t in s.texts]
    gold = [g for s in sets.values() for g in s.gold]
    train(texts, gold).save(ARTEFACT)
    print(f"{ARTEFACT}: {ARTEFACT.stat().st_size:,} bytes from {len(texts):,} snippets")


if __name__ == "__main__":
    main()
