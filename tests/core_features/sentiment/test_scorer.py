"""Scoring a text with the shipped model and with VADER alone: score, label, drivers, what is left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from core_features.sentiment.scorer import Scorer, sentences

THREAD = """Hi Dana,

Thanks for the call today. The team loved the demo and the pricing works for them.
We meet again on Tuesday at 10.

On Mon, Jan 5, 2026 at 10:00 Bob <bob@acme.example> wrote:
> This is a terrible, awful product and we hate it.
"""


class TestSentences:
    def test_quoted_replies_and_blank_lines_are_left_out(self) -> None:
        assert sentences(THREAD) == ["Hi Dana,", "Thanks for the call today.",
                                     "The team loved the demo and the pricing works for them.",
                                     "We meet again on Tuesday at 10."]

    def test_lines_quoted_with_a_marker_are_the_other_sides(self) -> None:
        assert sentences("Fine by us.\n> You are the worst vendor.\nSee you soon.") == [
            "Fine by us.", "See you soon."]

    def test_a_text_without_words_has_no_sentences(self) -> None:
        assert sentences(" ... \n\n !!! ") == []


@pytest.mark.parametrize("model", ["blend", "vader"])
class TestScorer:
    def test_a_happy_email_is_positive_and_its_drivers_are_its_happy_sentences(self, model: str) -> None:
        scored = Scorer(model).score(THREAD)
        assert scored.label == "positive" and 0 < scored.score <= 1 and scored.model == model
        assert scored.drivers[0].text == "The team loved the demo and the pricing works for them."
        assert all(d.score > 0 for d in scored.drivers)
        assert not any("terrible" in d.text for d in scored.drivers)

    def test_a_complaint_is_negative_strongest_sentence_first(self, model: str) -> None:
        scored = Scorer(model, drivers=2).score(
            "Thanks for calling back. They are furious about the outage and threatened to cancel the contract. "
            "Support has been slow.")
        assert scored.label == "negative" and -1 <= scored.score < 0
        assert len(scored.drivers) <= 2 and all(d.score < 0 for d in scored.drivers)
        assert scored.drivers[0].text.startswith("They are furious")
        assert [d.score for d in scored.drivers] == sorted(d.score for d in scored.drivers)

    def test_logistics_alone_are_neutral_with_no_drivers(self, model: str) -> None:
        scored = Scorer(model).score("Meeting moved to Tuesday.")
        assert (scored.label, scored.drivers) == ("neutral", [])
        assert abs(scored.score) < Scorer(model).band

    def test_an_empty_text_is_neutral(self, model: str) -> None:
        scored = Scorer(model).score("")
        assert (scored.score, scored.label, scored.drivers) == (0.0, "neutral", [])


class TestModels:
    def test_the_blend_reads_phrases_vader_has_no_word_for(self) -> None:
        """A review-style sentence with no lexicon word: VADER calls it neutral, the blend hears the complaint."""
        text = "The plot goes nowhere and the ending is a waste of two hours."
        assert Scorer("blend").score(text).score < Scorer("vader").score(text).score
        assert Scorer("blend").score(text).label == "negative"


class TestArtefact:
    def test_a_trained_model_survives_the_skops_round_trip_and_loads_nothing_else(self, tmp_path) -> None:
        """The committed file is made by `train` and read by `Blend.load`: the same path, on a tiny set."""
        import skops.io

        from core_features.sentiment.model import Blend, train

        texts = ["I love it", "great and lovely", "wonderful work", "I hate it", "awful and sad", "terrible work"]
        model = train(texts * 2, [0.8, 0.7, 0.9, -0.8, -0.7, -0.9] * 2)
        model.save(tmp_path / "m.skops")
        again = Blend.load(tmp_path / "m.skops")
        assert list(again.scores(["lovely work", "sad work"])) == list(model.scores(["lovely work", "sad work"]))
        skops.io.dump({"vectorizer": model.vectorizer, "classifier": model.classifier, "x": Path}, tmp_path / "b")
        with pytest.raises(Exception, match="trusted|Untrusted"):
            Blend.load(tmp_path / "b")
