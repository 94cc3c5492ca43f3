"""What-if: what a rep would earn in a period if some open deals closed won now; nothing is written."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.commissions import credits, service
from core_features.commissions.calc import Piece, compute
from core_features.commissions.models import Credit, Quota
from core_features.commissions.periods import containing, parse
from core_features.commissions.schemas import Line, WhatIfIn, WhatIfOut
from core_features.commissions.settings import CommissionSettings
from hub.db import utcnow
from hub.errors import ValidationFailed

__all__ = ["what_if"]


async def what_if(session: AsyncSession, org_id: str, data: WhatIfIn, config: CommissionSettings) -> WhatIfOut:
    """The rep's commission for the period now, and if these open deals were won in it."""
    await service.user(session, org_id, data.user_id)
    plan = await service.member_plan(session, org_id, data.user_id)
    if plan is None:
        raise ValidationFailed("The user is on no commission plan.", errors=[{"field": "user_id",
                                                                               "message": "on no plan"}])
    period = parse(data.period) if data.period else containing(plan.period, utcnow().date())
    if period.kind != plan.period:
        raise ValidationFailed(f"The user's plan counts in {plan.period}s.",
                               errors=[{"field": "period", "message": f"not a {plan.period}"}])
    own = list(await session.scalars(select(Credit).where(
        Credit.org_id == org_id, Credit.user_id == data.user_id, Credit.closed_on >= period.start,
        Credit.closed_on < period.end).order_by(Credit.closed_on, Credit.id)))
    quota = await session.scalar(select(Quota.amount).where(
        Quota.org_id == org_id, Quota.user_id == data.user_id, Quota.period_start == period.start))
    pieces = [Piece(c.id, c.amount, c.product_id, c.deal_type) for c in own]
    extra, lines = await _hypothetical(session, org_id, data, plan.deal_type_field)
    rules = service.rules(plan)
    now, then = compute(rules, quota, pieces), compute(rules, quota, pieces + extra)
    lines = [Line(kind="credit", commission=then.lines[p.key], deal_id=p.key.split(":")[0],
                  deal_name=lines[p.key], credited=p.amount, rate=then.rates[p.key].quantize(Decimal("0.0001")))
             for p in extra]
    return WhatIfOut(user_id=data.user_id, period=period.label,
                     currency=await service.currency(session, org_id, config), commission_now=now.commission,
                     commission_if_won=then.commission, difference=then.commission - now.commission, lines=lines)


async def _hypothetical(session: AsyncSession, org_id: str, data: WhatIfIn, type_field: str
                        ) -> tuple[list[Piece], dict[str, str]]:
    """The rep's share of each deal as if it were won: pieces keyed `deal_id:n`, and the deals' names."""
    pieces, names = [], {}
    for deal_id in dict.fromkeys(data.deal_ids):
        deal = await service.deal(session, org_id, deal_id)
        if deal.status != "open":
            raise ValidationFailed(f"Deal {deal_id!r} is {deal.status}; what-if takes open deals.",
                                   errors=[{"field": "deal_ids", "message": f"{deal_id} is not open"}])
        shares = await credits.shares(session, deal)
        mine = [amounts for user_id, _, amounts in credits.split(shares, await credits.pieces(session, deal))
                if user_id == data.user_id]
        if not mine:
            raise ValidationFailed(f"Deal {deal_id!r} would credit someone else.",
                                   errors=[{"field": "deal_ids", "message": f"{deal_id} is not the user's"}])
        deal_type = (deal.custom_fields or {}).get(type_field)
        for index, (product_id, amount) in enumerate(mine[0]):
            key = f"{deal.id}:{index}"
            pieces.append(Piece(key, amount, product_id, None if deal_type is None else str(deal_type)))
            names[key] = deal.name
    return pieces, names
