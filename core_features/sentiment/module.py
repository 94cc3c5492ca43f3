"""Sentiment as a module of the hub: each activity scored in [-1, 1] with the sentences that drove it, a deal's
trend over its activities, and an event when that trend drops."""

from __future__ import annotations

from pathlib import Path

from core_features.sentiment import jobs
from core_features.sentiment.catalog import register
from core_features.sentiment.endpoints import (activity_sentiment, backfill_progress, deal_sentiment, rescore_activity,
                                              score_text, start_backfill)
from core_features.sentiment.models import ActivitySentiment
from core_features.sentiment.pages import SentimentPages
from core_features.sentiment.scorer import Scorer
from core_features.sentiment.settings import SentimentSettings
from hub.module import Module, NavItem
from hub.runtime import Hub

__all__ = ["MODULE"]

HERE = Path(__file__).parent


def _build(hub: Hub) -> None:
    config = hub.settings.of(SentimentSettings)
    scorer = Scorer(config.model, config.drivers)
    scorer.warm()  # the first activity scored after a start should not wait for the model to load
    hub.provide(scorer)


MODULE = Module(
    name="sentiment",
    description="Sentiment of emails, call notes and other activities: a score in [-1, 1], a label and the "
                "sentences that drove it, a deal's trend over its activities, and an event when it drops.",
    settings=SentimentSettings,
    models=(ActivitySentiment,),
    migrations=HERE / "migrations",
    routes=(score_text, start_backfill, backfill_progress, activity_sentiment, rescore_activity, deal_sentiment),
    pages=(SentimentPages,),
    nav=(NavItem("Sentiment", "/portal/sentiment"),),
    templates={"sentiment": HERE / "templates"},
    catalog=register,
    jobs={jobs.BACKFILL: jobs.backfill},
    listeners=(jobs.on_events,),
    build=_build,
)
