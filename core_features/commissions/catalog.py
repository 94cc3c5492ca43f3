"""What commission tracking adds to the catalog: its two events and its two actions."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from core_features.commissions import jobs, payouts
from core_features.commissions.events import COMMISSION_CREDITED, PAYOUT_LOCKED
from core_features.commissions.payout_endpoints import run_out
from core_features.commissions.schemas import PayoutOut, RunOut
from hub.catalog import Action, ActionContext, Catalog

__all__ = ["register"]

Period = Annotated[str, Meta(min_length=4, max_length=7, description="2026-03, 2026-Q1 or 2026")]


class Calculate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Calculate a period's payouts."""

    period: Period


class Statement(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A rep's statement for a period."""

    user_id: Annotated[str, Meta(min_length=3, max_length=40)]
    period: Period


async def _calculate(ctx: ActionContext, data: Calculate) -> RunOut:
    return run_out(await jobs.start_run(ctx, data.period))


async def _statement(ctx: ActionContext, data: Statement) -> PayoutOut:
    return payouts.payout_out(await payouts.statement(ctx.session, ctx.org_id, data.user_id, data.period))


def register(catalog: Catalog) -> None:
    catalog.add_event(COMMISSION_CREDITED)
    catalog.add_event(PAYOUT_LOCKED)
    catalog.add_action(Action(
        key="commission.calculate", label="Calculate commissions", kind="run", input=Calculate, output=RunOut,
        handler=_calculate, sample={"period": "2026-Q1"},
        description="Calculate every draft payout of a period as a background run; locked payouts stay as they are."))
    catalog.add_action(Action(
        key="commission.statement", label="Commission statement", kind="search", input=Statement,
        output=PayoutOut, handler=_statement, scope="read",
        sample={"user_id": "usr_06bqv0e7c1k2m3n4p5q6r7s8t9", "period": "2026-Q1"},
        description="A rep's commission statement for a period, line by line back to the deals."))
