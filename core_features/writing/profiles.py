"""An organization's writing settings (its provider key sealed at rest) and what its drafts cost each month."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.writing.errors import CapReached, NotConfigured
from core_features.writing.models import Profile, Usage
from core_features.writing.schemas import ProfileIn, ProfileOut, UsageOut
from core_features.writing.settings import WritingSettings
from hub.catalog import ActionContext
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.language import Completion, Credentials, LanguageModel, LanguageProvider

__all__ = ["cap", "check_cap", "get", "month", "open_model", "providers", "record_usage", "save", "spent", "to_out",
           "usage"]

TEMPLATE = "template"


def month() -> str:
    return utcnow().strftime("%Y-%m")


def providers(ctx: ActionContext) -> list[str]:
    """The providers this hub can write with: the template composer and every language model contributed."""
    return [TEMPLATE, *(p.key for p in ctx.runtime.contributions(LanguageProvider))]


async def get(ctx: ActionContext) -> Profile | None:
    return await ctx.session.get(Profile, ctx.org_id)


def cap(ctx: ActionContext, row: Profile | None) -> Decimal:
    """The organization's monthly cap: the hub's, or the organization's own where that is lower."""
    hub_cap = Decimal(str(ctx.config(WritingSettings).monthly_cap_usd))
    own = row.monthly_cap_usd if row is not None else None
    return min(hub_cap, own) if own is not None else hub_cap


def to_out(ctx: ActionContext, row: Profile | None) -> ProfileOut:
    return ProfileOut(provider=row.provider if row else TEMPLATE, model=row.model if row else None,
                      has_api_key=bool(row and row.api_key_enc), base_url=row.base_url if row else None,
                      sender_name=row.sender_name if row else None, signature=row.signature if row else None,
                      monthly_cap_usd=cap(ctx, row), providers=providers(ctx))


async def save(ctx: ActionContext, data: ProfileIn) -> Profile:
    """Apply the fields sent; a new provider drops the key and model of the old one unless new ones come along."""
    row = await get(ctx)
    if row is None:
        row = Profile(org_id=ctx.org_id, provider=TEMPLATE)
        ctx.session.add(row)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET}
    if not 0 <= (changes.get("monthly_cap_usd") or 0) <= 1_000_000:
        raise ValidationFailed("`monthly_cap_usd` must be from 0 to 1,000,000.")
    if changes.get("provider", row.provider) not in providers(ctx):
        raise ValidationFailed(f"Provider {changes['provider']!r} is not served by this hub.")
    if "provider" in changes and changes["provider"] != row.provider:
        row.api_key_enc, row.model = None, None
    api_key = changes.pop("api_key", UNSET)
    for name, value in changes.items():
        setattr(row, name, value)
    if api_key is not UNSET:
        row.api_key_enc = _seal(ctx, row.provider, api_key) if api_key else None
    row.updated_at = utcnow()
    await ctx.session.flush()
    return row


def _seal(ctx: ActionContext, provider: str, api_key: str) -> str:
    return ctx.runtime.cipher.encrypt(api_key, context=f"writing-key:{ctx.org_id}:{provider}")


def open_model(ctx: ActionContext, row: Profile | None, key: str) -> tuple[LanguageProvider, LanguageModel, str]:
    """The provider, an open model on the organization's key, and the model name to ask for."""
    provider = ctx.runtime.port(LanguageProvider, key)
    if provider is None:
        raise NotConfigured(f"Provider {key!r} is not served by this hub.")
    if row is None or row.provider != key or not row.api_key_enc:
        raise NotConfigured(f"The organization has no {provider.label} key; set one with PUT /v1/writing/settings.")
    config = ctx.config(WritingSettings)
    api_key = ctx.runtime.cipher.decrypt(row.api_key_enc, context=f"writing-key:{ctx.org_id}:{key}").decode()
    credentials = Credentials(api_key=api_key, base_url=row.base_url, timeout=config.timeout_seconds,
                              max_retries=config.max_retries, http=ctx.runtime.user_http)
    return provider, provider.open(credentials), row.model or provider.default_model


async def spent(session: AsyncSession, org_id: str, when: str) -> Decimal:
    total = await session.scalar(select(func.sum(Usage.cost_usd)).where(Usage.org_id == org_id, Usage.month == when))
    return Decimal(total or 0)


async def check_cap(ctx: ActionContext, row: Profile | None) -> None:
    """Refuse a paid draft once this month's drafts have cost the cap (a draft under way may pass it once)."""
    limit, used = cap(ctx, row), await spent(ctx.session, ctx.org_id, month())
    if used >= limit:
        raise CapReached(f"Drafts this month cost {used:.4f} USD of a {limit:.2f} USD cap; the template composer "
                         f"(provider `template`) still works.")


async def record_usage(session: AsyncSession, org_id: str, provider: LanguageProvider, done: Completion) -> Decimal:
    """Add one draft's tokens and cost to the month's row for its model; answers the cost."""
    cost = provider.price(done.model).cost(done.input_tokens, done.output_tokens)
    insert: Any = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"org_id": org_id, "month": month(), "provider": provider.key, "model": done.model, "drafts": 1,
              "input_tokens": done.input_tokens, "output_tokens": done.output_tokens, "cost_usd": cost}
    statement = insert(Usage).values(**values)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["org_id", "month", "provider", "model"],
        set_={name: getattr(Usage, name) + getattr(statement.excluded, name)
              for name in ("drafts", "input_tokens", "output_tokens", "cost_usd")}))
    return cost


async def usage(ctx: ActionContext, when: str) -> UsageOut:
    rows = await ctx.session.scalars(select(Usage).where(Usage.org_id == ctx.org_id, Usage.month == when)
                                     .order_by(Usage.provider, Usage.model))
    models = [{"provider": r.provider, "model": r.model, "drafts": r.drafts, "input_tokens": r.input_tokens,
               "output_tokens": r.output_tokens, "cost_usd": str(r.cost_usd)} for r in rows]
    return UsageOut(month=when, cap_usd=cap(ctx, await get(ctx)), spent_usd=await spent(ctx.session, ctx.org_id, when),
                    models=models)
