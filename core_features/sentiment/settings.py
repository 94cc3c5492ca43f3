"""Sentiment's settings: `HUB_SENTIMENT_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from hub.settings import ModuleSettings, doc

__all__ = ["SentimentSettings"]


class SentimentSettings(ModuleSettings, kw_only=True, frozen=True):
    """Which model scores, how many sentences explain a score, and when a deal's sentiment has dropped."""

    prefix: ClassVar[str] = "sentiment"

    model: Annotated[Literal["blend", "vader"], doc(
        "`blend`: VADER averaged with the shipped text model (better on reviews and editorial prose); "
        "`vader`: VADER's rules alone.")] = "blend"
    drivers: Annotated[int, doc("Sentences reported as driving a score, strongest first.", ge=1, le=10)] = 3
    trend_window: Annotated[int, doc(
        "Activities averaged into a deal's current sentiment, newest first.", ge=1, le=50)] = 3
    drop_threshold: Annotated[float, doc(
        "A fall of the deal's average by at least this much, from before an activity to after it, emits "
        "`deal.sentiment_dropped`.", gt=0, le=2)] = 0.3
