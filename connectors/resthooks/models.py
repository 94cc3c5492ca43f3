"""A REST hook: a Zapier or Make subscription to one trigger, delivered through a webhook endpoint it owns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow

__all__ = ["Hook"]


class Hook(Base):
    """Owns its endpoint: the endpoint is made with the hook and retired with it (`service.retire`)."""

    __tablename__ = "resthook_subscriptions"
    __table_args__ = (Index(None, "org_id", "id"), Index(None, "endpoint_id", unique=True))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(20))
    target_url: Mapped[str] = mapped_column(String(2048))
    filters: Mapped[dict | None] = mapped_column(JSONType)  # the filter values the Zap or scenario set
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
