"""The writing pages: this month's spend against the cap with its chart, the settings in force, recent drafts,
and one draft with its placeholders marked and the facts it used."""

from __future__ import annotations

import re

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.writing import profiles, service
from core_features.writing.models import Draft
from core_features.writing.schemas import UsageOut
from hub.catalog import ActionContext
from hub.runtime import Hub
from hub.web import Viewer, page
from hub.web.svg import bar_rows

__all__ = ["WritingPages", "marked", "spend_chart"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]
_PLACEHOLDER = re.compile(r"(\[[^\[\]\n]{1,60}\])")


def spend_chart(usage: UsageOut) -> Markup:
    """One bar per model: what its drafts cost this month, on a scale that ends at the cap."""
    rows = [(f"{m['provider']} {m['model']}", float(m["cost_usd"]), f"{float(m['cost_usd']):.4f} USD, "  # type: ignore[arg-type]
             f"{m['drafts']} drafts") for m in usage.models]
    return bar_rows("spend", f"Cost of this month's drafts by model, against the {usage.cap_usd:.2f} USD cap", rows,
                    top=float(usage.cap_usd) or None)


def marked(text: str) -> list[tuple[str, bool]]:
    """The text as pieces, each flagged when it is a placeholder to fill in (shown marked, always as text)."""
    return [(piece, bool(_PLACEHOLDER.fullmatch(piece))) for piece in _PLACEHOLDER.split(text) if piece]


class WritingPages(Controller):
    path = "/writing"

    @get("/", summary="Drafts, spending and settings of the writing assistant")
    async def index_page(self, request: Request, db: Db, viewer: Who) -> Template:
        ctx = ActionContext(db, viewer.principal, Hub.of(request))
        usage = await profiles.usage(ctx, profiles.month())
        drafts = list(await db.scalars(select(Draft).where(Draft.org_id == ctx.org_id)
                                       .order_by(Draft.id.desc()).limit(50)))
        return page("writing/index.html", viewer, usage=usage, chart=spend_chart(usage), drafts=drafts,
                    settings=profiles.to_out(ctx, await profiles.get(ctx)))

    @get("/{draft_id:str}", summary="A draft with its placeholders marked")
    async def draft_page(self, request: Request, db: Db, viewer: Who, draft_id: FromPath[str]) -> Template:
        draft = await service.get(ActionContext(db, viewer.principal, Hub.of(request)), draft_id)
        out = service.draft_out(draft)
        return page("writing/draft.html", viewer, draft=out, subject=marked(out.subject),
                    lines=[marked(line) for line in out.body.split("\n")])
