"""What company enrichment adds to the catalog: the `company.enriched` event and the enrich action."""

from __future__ import annotations

from core_features.enrichment import runs
from core_features.enrichment.events import COMPANY_ENRICHED, SAMPLE_IDS
from core_features.enrichment.schemas import EnrichCompany, RunOut
from hub.catalog import Action, ActionContext, Catalog

__all__ = ["register"]


async def _enrich(ctx: ActionContext, data: EnrichCompany) -> RunOut:
    return runs.run_out(await runs.start_company(ctx, data.company_id))


def register(catalog: Catalog) -> None:
    catalog.add_event(COMPANY_ENRICHED)
    catalog.add_action(Action(
        key="company.enrich", label="Enrich company", kind="run", input=EnrichCompany, output=RunOut,
        handler=_enrich, sample={"company_id": SAMPLE_IDS["company_id"]},
        description="Read the company's homepage and ask the configured providers; what they state becomes "
                    "suggestions a person accepts (nothing on the record changes). Answers the run to follow."))
