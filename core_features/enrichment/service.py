"""Provider keys, and the suggestions enrichment makes and people accept or reject.

Every query is scoped by the caller's organization. A suggestion never changes the company by itself: a
person accepts it (`accept`), which writes the value through the records service (so `company.updated` is
emitted and the record's own checks apply), and the accepted suggestion keeps the value's source.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.enrichment.models import ProviderKey, Suggestion
from core_features.enrichment.schemas import AcceptedValue, Enrichment, ProviderOut, SuggestionOut
from core_features.enrichment.settings import EnrichmentSettings
from core_features.enrichment.sources import Target
from hub.catalog import ActionContext
from hub.crypto import Cipher
from hub.db import new_id, utcnow
from hub.enrichment import RECORD_FIELDS, EnrichmentProvider, Fact
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.records import service as records
from hub.records.definitions import COMPANIES, normalize_phone
from hub.records.models import Company

__all__ = ["accept", "company", "delete_key", "enabled", "enrichment", "fill_empty", "providers", "record", "reject",
           "set_key", "suggestion_out", "suggestions", "target", "unsealed_keys"]


# -- provider keys ----------------------------------------------------------------------------------------

def _context(org_id: str, provider: str) -> str:
    return f"enrichment-key:{org_id}:{provider}"  # a sealed key only opens for its organization and provider


def enabled(reach: Any) -> dict[str, EnrichmentProvider]:
    """The providers the operator turned on (`HUB_ENRICHMENT_PROVIDERS`) that a module contributes."""
    names = [n.strip() for n in reach.config(EnrichmentSettings).providers.split(",") if n.strip()]
    found = {name: reach.runtime.port(EnrichmentProvider, name) for name in names}
    return {name: provider for name, provider in found.items() if provider is not None}


def _known(ctx: ActionContext, provider: str) -> EnrichmentProvider:
    found = ctx.runtime.port(EnrichmentProvider, provider)
    if found is None:
        raise NotFound(f"No enrichment provider {provider!r}; the hub knows "
                       f"{', '.join(sorted(p.key for p in ctx.runtime.contributions(EnrichmentProvider)))}.")
    return found


async def providers(ctx: ActionContext) -> list[ProviderOut]:
    on = enabled(ctx)
    keys = {row.provider: row for row in await ctx.session.scalars(
        select(ProviderKey).where(ProviderKey.org_id == ctx.org_id))}
    return [ProviderOut(provider=p.key, label=p.label, enabled=p.key in on, configured=p.key in keys,
                        hint=keys[p.key].hint if p.key in keys else None,
                        updated_at=keys[p.key].updated_at if p.key in keys else None)
            for p in ctx.runtime.contributions(EnrichmentProvider)]


async def set_key(ctx: ActionContext, provider: str, api_key: str) -> ProviderOut:
    """Store the organization's key for `provider`, sealed; a key stored before is replaced."""
    known = _known(ctx, provider)
    sealed = ctx.runtime.cipher.encrypt(api_key, context=_context(ctx.org_id, provider))
    row = await ctx.session.scalar(select(ProviderKey).where(ProviderKey.org_id == ctx.org_id,
                                                             ProviderKey.provider == provider))
    now = utcnow()
    if row is None:
        row = ProviderKey(id=new_id("epk"), org_id=ctx.org_id, provider=provider, created_at=now)
        ctx.session.add(row)
    row.sealed_key, row.hint, row.updated_at = sealed, api_key[-4:], now
    await ctx.session.flush()
    return ProviderOut(provider=provider, label=known.label, enabled=provider in enabled(ctx), configured=True,
                       hint=row.hint, updated_at=row.updated_at)


async def delete_key(ctx: ActionContext, provider: str) -> None:
    _known(ctx, provider)
    row = await ctx.session.scalar(select(ProviderKey).where(ProviderKey.org_id == ctx.org_id,
                                                             ProviderKey.provider == provider))
    if row is None:
        raise NotFound(f"This organization has no key for {provider!r}.")
    await ctx.session.delete(row)
    await ctx.session.flush()


async def unsealed_keys(session: AsyncSession, cipher: Cipher, org_id: str,
                        wanted: dict[str, EnrichmentProvider]) -> dict[str, tuple[EnrichmentProvider, str]]:
    """The enabled providers this organization has a key for, each with its key opened."""
    rows = await session.scalars(select(ProviderKey).where(ProviderKey.org_id == org_id,
                                                           ProviderKey.provider.in_(list(wanted))))
    return {row.provider: (wanted[row.provider],
                           cipher.decrypt(row.sealed_key, context=_context(org_id, row.provider)).decode())
            for row in rows}


# -- suggestions ------------------------------------------------------------------------------------------

async def company(session: AsyncSession, org_id: str, company_id: str) -> Company:
    row = await session.scalar(select(Company).where(Company.org_id == org_id, Company.id == company_id))
    if row is None:
        raise NotFound(f"No company {company_id!r} in this organization.")
    return row


def target(row: Company) -> Target | None:
    return Target.of(row.id, row.name, row.domain, row.website)


def suggestion_out(row: Suggestion, current: Company | None = None) -> SuggestionOut:
    now = getattr(current, row.field, None) if current is not None and row.field in RECORD_FIELDS else None
    return SuggestionOut(id=row.id, company_id=row.company_id, field=row.field, value=row.value, source=row.source,
                         source_url=row.source_url, confidence=row.confidence, status=row.status,  # type: ignore
                         current=now, created_at=row.created_at, decided_at=row.decided_at)


async def suggestions(ctx: ActionContext, company_id: str, status: str | None = None) -> list[SuggestionOut]:
    """A company's suggestions, surest first within each field."""
    row = await company(ctx.session, ctx.org_id, company_id)
    query = select(Suggestion).where(Suggestion.org_id == ctx.org_id, Suggestion.company_id == company_id)
    if status:
        query = query.where(Suggestion.status == status)
    found = await ctx.session.scalars(query.order_by(Suggestion.field, Suggestion.confidence.desc(), Suggestion.id))
    return [suggestion_out(s, row) for s in found]


async def enrichment(ctx: ActionContext, company_id: str) -> Enrichment:
    """The values accepted for a company, with their sources, and what is still pending."""
    every = await suggestions(ctx, company_id)
    accepted = {s.field: AcceptedValue(value=s.value, source=s.source, source_url=s.source_url,
                                       confidence=s.confidence, accepted_at=s.decided_at,  # type: ignore[arg-type]
                                       suggestion_id=s.id) for s in every if s.status == "accepted"}
    return Enrichment(company_id=company_id, accepted=accepted, pending=[s for s in every if s.status == "pending"])


async def _suggestion(ctx: ActionContext, company_id: str, suggestion_id: str) -> Suggestion:
    row = await ctx.session.scalar(select(Suggestion).where(
        Suggestion.org_id == ctx.org_id, Suggestion.company_id == company_id, Suggestion.id == suggestion_id))
    if row is None:
        raise NotFound(f"No suggestion {suggestion_id!r} for company {company_id!r}.")
    if row.status != "pending":
        raise Conflict(f"The suggestion was already {row.status}.")
    return row


async def accept(ctx: ActionContext, company_id: str, suggestion_id: str) -> SuggestionOut:
    """Apply a suggestion: a field of the record is written through the records service; any other is kept
    as the company's accepted value. The value accepted before for the field is `replaced`."""
    row = await _suggestion(ctx, company_id, suggestion_id)
    if row.field in RECORD_FIELDS:
        try:
            patch = msgspec.convert({row.field: row.value}, COMPANIES.update)
        except msgspec.ValidationError as exc:
            raise ValidationFailed(f"The suggested {row.field} does not fit the company: {exc}",
                                   errors=[{"field": row.field, "message": str(exc)}]) from None
        await records.update(ctx, COMPANIES, company_id, patch)
    now = utcnow()
    for earlier in await ctx.session.scalars(select(Suggestion).where(
            Suggestion.org_id == ctx.org_id, Suggestion.company_id == company_id, Suggestion.field == row.field,
            Suggestion.status == "accepted")):
        earlier.status, earlier.updated_at = "replaced", now
    row.status, row.decided_at, row.updated_at = "accepted", now, now
    await ctx.session.flush()
    return suggestion_out(row, await company(ctx.session, ctx.org_id, company_id))


async def reject(ctx: ActionContext, company_id: str, suggestion_id: str) -> SuggestionOut:
    """Turn a suggestion down; the same value from the same source is not suggested again."""
    row = await _suggestion(ctx, company_id, suggestion_id)
    now = utcnow()
    row.status, row.decided_at, row.updated_at = "rejected", now, now
    await ctx.session.flush()
    return suggestion_out(row)


async def record(session: AsyncSession, org_id: str, row: Company, run_id: str | None,
                 facts: dict[str, list[Fact]]) -> list[Suggestion]:
    """Keep what the sources that answered said as pending suggestions, in place of what they said before;
    leave out what the company already holds, what was accepted, and what a person rejected."""
    earlier = list(await session.scalars(select(Suggestion).where(Suggestion.org_id == org_id,
                                                                  Suggestion.company_id == row.id)))
    settled = {(s.field, _same_key(s.value)) for s in earlier if s.status == "accepted"}
    settled |= {(s.field, s.source, _same_key(s.value)) for s in earlier if s.status == "rejected"}  # type: ignore
    for stale in (s for s in earlier if s.status == "pending" and s.source in facts):
        await session.delete(stale)
    made, now = [], utcnow()
    for source, found in facts.items():
        for fact in found:
            value = _same_key(fact.value)
            if ((fact.field, value) in settled or (fact.field, source, value) in settled
                    or (fact.field in RECORD_FIELDS and _same_key(getattr(row, fact.field)) == value)):
                continue
            made.append(Suggestion(id=new_id("sug"), org_id=org_id, company_id=row.id, run_id=run_id,
                                   field=fact.field, value=fact.value, source=source, source_url=fact.source_url,
                                   confidence=round(fact.confidence, 3), status="pending", created_at=now,
                                   updated_at=now))
    session.add_all(made)
    await session.flush()
    return made


async def fill_empty(ctx: ActionContext, row: Company, made: list[Suggestion], threshold: float) -> list[str]:
    """Write to the record's still-empty fields the surest new suggestion for each, if at least `threshold`
    sure and valid for the field, in one update; those suggestions become accepted. Answers the fields."""
    best: dict[str, Suggestion] = {}
    for s in made:
        empty = s.field in RECORD_FIELDS and getattr(row, s.field) in (None, "")
        if empty and s.confidence >= threshold and s.confidence > getattr(best.get(s.field), "confidence", -1):
            best[s.field] = s
    chosen = {field: s for field, s in best.items() if _fits(field, s.value)}
    if not chosen:
        return []
    await records.update(ctx, COMPANIES, row.id, msgspec.convert({f: s.value for f, s in chosen.items()},
                                                                 COMPANIES.update))
    now = utcnow()
    for s in chosen.values():
        s.status, s.decided_at, s.updated_at = "accepted", now, now
    await ctx.session.flush()
    return sorted(chosen)


def _fits(field: str, value: Any) -> bool:
    try:
        msgspec.convert({field: value}, COMPANIES.update)
        if field == "phone":
            normalize_phone(value)
    except (msgspec.ValidationError, ValidationFailed):
        return False
    return True


def _same_key(value: Any) -> Any:
    """What makes two values the same suggestion: case, spacing and a trailing slash do not count."""
    if isinstance(value, str):
        return " ".join(value.split()).casefold().rstrip("/")
    return value
