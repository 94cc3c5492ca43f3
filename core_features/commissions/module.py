"""Commission tracking as a module of the hub: plans, quotas, credits with splits and clawbacks, payouts
calculated as a durable job, locked as final statements, and what-if."""

from pathlib import Path

from core_features.commissions import credits, jobs
from core_features.commissions.catalog import register
from core_features.commissions.endpoints import CommissionController, DealSplitController, PlanController
from core_features.commissions.models import Credit, Payout, Plan, PlanMember, Quota, Run, Split
from core_features.commissions.pages import CommissionPages
from core_features.commissions.payout_endpoints import PayoutController, RunController
from core_features.commissions.settings import CommissionSettings
from hub.module import Module, NavItem

__all__ = ["MODULE"]

HERE = Path(__file__).parent

MODULE = Module(
    name="commissions",
    description="Commission tracking: plans (flat, tiered, accelerators, caps, draws), quotas, credits from won "
                "deals with splits and clawbacks, payouts locked as statements, and what-if.",
    settings=CommissionSettings,
    models=(Plan, PlanMember, Quota, Split, Credit, Payout, Run),
    migrations=HERE / "migrations",
    routes=(PlanController, CommissionController, DealSplitController, RunController, PayoutController),
    pages=(CommissionPages,),
    nav=(NavItem("Commissions", "/portal/commissions"),),
    templates={"commissions": HERE / "templates"},
    catalog=register,
    jobs={jobs.RUN_JOB: jobs.run_payouts},
    listeners=(credits.on_events,),
)
