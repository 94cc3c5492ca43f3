"""What sentiment adds to the catalog: its two events and the action that scores a text."""

from __future__ import annotations

from core_features.sentiment.endpoints import scored_out
from core_features.sentiment.events import ACTIVITY_SENTIMENT_SCORED, DEAL_SENTIMENT_DROPPED
from core_features.sentiment.schemas import SentimentOut, TextIn
from core_features.sentiment.scorer import Scorer
from hub.catalog import Action, ActionContext, Catalog

__all__ = ["register"]


async def _analyze(ctx: ActionContext, data: TextIn) -> SentimentOut:
    return scored_out(await ctx.service(Scorer).score_async(data.text))


def register(catalog: Catalog) -> None:
    catalog.add_event(ACTIVITY_SENTIMENT_SCORED)
    catalog.add_event(DEAL_SENTIMENT_DROPPED)
    catalog.add_action(Action(
        key="sentiment.analyze", label="Analyze sentiment", kind="run", input=TextIn, output=SentimentOut,
        handler=_analyze, scope="read", sample={"text": "Thanks, the demo went well. Legal still worries us."},
        description="Score a text (an email, a note, a message) from -1 to 1, with its label and the sentences "
                    "that drove it."))
