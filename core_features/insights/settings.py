"""AI insights' settings: `HUB_INSIGHTS_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import ModuleSettings, SettingsError, doc

__all__ = ["InsightSettings"]


class InsightSettings(ModuleSettings, kw_only=True, frozen=True):
    """How much history a model needs, when it is retrained, and where scores turn warm and hot."""

    prefix: ClassVar[str] = "insights"

    min_positive: Annotated[int, doc(
        "Positive outcomes (converted leads, won deals) needed before a model replaces the rule-based score.",
        ge=5, le=100_000)] = 30
    min_negative: Annotated[int, doc(
        "Negative outcomes (disqualified leads, lost deals) needed before a model replaces the rule-based score.",
        ge=5, le=100_000)] = 30
    retrain_after_outcomes: Annotated[int, doc(
        "A model is retrained after this many new outcomes of its kind.", ge=1, le=100_000)] = 50
    retrain_hours: Annotated[int, doc(
        "A model older than this many hours is retrained at the next hourly upkeep.", ge=1, le=8760)] = 24
    isotonic_above: Annotated[int, doc(
        "Training sets larger than this are calibrated isotonically; smaller ones with a sigmoid.",
        ge=100, le=10_000_000)] = 1000
    cv_folds: Annotated[int, doc(
        "Folds of the cross-validation that chooses between the linear model and gradient boosting.",
        ge=2, le=10)] = 5
    holdout_share: Annotated[float, doc(
        "Share of outcomes kept out of training to measure a new version and compare it with the current one.",
        gt=0.05, lt=0.5)] = 0.25
    hot_score: Annotated[int, doc("Scores at or above this are hot.", ge=2, le=99)] = 70
    warm_score: Annotated[int, doc("Scores at or above this (and below hot) are warm.", ge=1, le=98)] = 40

    def check(self) -> None:
        if self.warm_score >= self.hot_score:
            raise SettingsError(f"{self.var('warm_score')} must be below {self.var('hot_score')}.")
