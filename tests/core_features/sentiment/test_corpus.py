"""Reading VADER's labelled sets out of the vaderSentiment source distribution, as the build does."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from core_features.sentiment import corpus


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _sdist(cache: Path) -> None:
    """A stand-in of the sdist with the real layout: the sets in a tarball inside the tarball."""
    sets = {f"hutto_ICWSM_2014/{file}": f"1_1\t2.5\tLoved it, {name}!\n1_2\t-0.1\tIt is a {name}.\n"
            f"1_3\t-3.0\tAwful.\nbroken line\n".encode() for name, file in corpus.SETS.items()}
    cache.mkdir(parents=True)
    (cache / corpus.SDIST).write_bytes(_tar({corpus.INNER: _tar(sets)}))


class TestCorpus:
    def test_the_four_sets_are_read_from_the_inner_tarball_with_gold_on_minus_one_to_one(
            self, tmp_path: Path) -> None:
        _sdist(tmp_path / "cache")
        sets = corpus.load(tmp_path / "cache")
        assert list(sets) == ["tweets", "movie", "product", "editorial"]
        movie = sets["movie"]
        assert movie.texts == ["Loved it, movie!", "It is a movie.", "Awful."]
        assert movie.gold == [0.625, -0.025, -0.75]
        assert movie.labels == ["positive", "neutral", "negative"]

    def test_once_extracted_the_sets_are_read_without_the_sdist(self, tmp_path: Path) -> None:
        _sdist(tmp_path / "cache")
        corpus.fetch(tmp_path / "cache")
        (tmp_path / "cache" / corpus.SDIST).unlink()  # a second fetch would need pip, and must not
        assert corpus.load(tmp_path / "cache")["tweets"].texts[0] == "Loved it, tweets!"

    def test_the_label_rule_is_vaders_band(self) -> None:
        assert [corpus.label_of(x) for x in (0.05, 0.049, -0.049, -0.05)] == [
            "positive", "neutral", "neutral", "negative"]
