"""Company enrichment as a module of the hub: facts from a company's homepage and from the enrichment providers
the operator turned on, kept as suggestions that a person accepts."""

from pathlib import Path

from core_features.enrichment.catalog import register
from core_features.enrichment.endpoints import CompanyEnrichmentController, EnrichmentController
from core_features.enrichment.models import EnrichmentRun, ProviderKey, Suggestion
from core_features.enrichment.pages import EnrichmentPages
from core_features.enrichment.runs import ENRICH, ENRICH_ALL, enrich_all, enrich_company
from core_features.enrichment.settings import EnrichmentSettings
from hub.module import Module, NavItem

__all__ = ["MODULE"]

HERE = Path(__file__).parent

MODULE = Module(
    name="enrichment",
    description="Company enrichment: facts from a company's own homepage and from enrichment providers, kept as "
                "suggestions with their source and confidence until a person accepts them.",
    settings=EnrichmentSettings,
    models=(ProviderKey, Suggestion, EnrichmentRun),
    migrations=HERE / "migrations",
    routes=(EnrichmentController, CompanyEnrichmentController),
    pages=(EnrichmentPages,),
    nav=(NavItem("Enrichment", "/portal/enrichment"),),
    templates={"enrichment": HERE / "templates"},
    catalog=register,
    jobs={ENRICH: enrich_company, ENRICH_ALL: enrich_all},
)
