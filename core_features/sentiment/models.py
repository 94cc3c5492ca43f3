"""The sentiment of each scored activity, with the deal it counts toward."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, RecordMixin, UTCDateTime

__all__ = ["ActivitySentiment"]


class ActivitySentiment(RecordMixin, Base):
    """One activity's score in [-1, 1], its label and the sentences that drove it; dated as the activity."""

    __tablename__ = "activity_sentiments"
    __extra_args__ = (UniqueConstraint("activity_id"), Index(None, "org_id", "deal_id", "occurred_at"))

    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    deal_id: Mapped[str | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[float] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(8))
    drivers: Mapped[list] = mapped_column(JSONType, default=list)
    model: Mapped[str] = mapped_column(String(20))
    # What was scored (a hash of the activity's words): an edit that leaves them alone is not scored again.
    digest: Mapped[str] = mapped_column(String(64))
