"""`/v1/enrichment` (provider keys, runs) and `/v1/companies/{company_id}` enrichment and its suggestions."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from core_features.enrichment import runs, service
from core_features.enrichment.schemas import (Enrichment, ProviderKeyIn, ProviderList, ProviderOut, RunOut,
                                              SuggestionList, SuggestionOut)
from core_features.enrichment.settings import EnrichmentSettings
from hub.deps import Ctx

__all__ = ["CompanyEnrichmentController", "EnrichmentController"]

TAGS = ["Enrichment"]
ADMIN = {"scope": "admin"}


class EnrichmentController(Controller):
    path = "/v1/enrichment"
    tags = TAGS

    @get("/providers", summary="Enrichment providers",
         description="Every provider the hub knows, whether the operator turned it on (`HUB_ENRICHMENT_PROVIDERS`) "
                     "and whether this organization stored a key for it (the key itself is never answered).")
    async def list_providers(self, ctx: Ctx) -> ProviderList:
        return ProviderList(homepage=ctx.config(EnrichmentSettings).homepage, data=await service.providers(ctx))

    @put("/providers/{provider:str}", summary="Store a provider key", opt=ADMIN,
         description="The organization's API key for the provider, sealed at rest; replaces a key stored before.")
    async def put_provider_key(self, ctx: Ctx, provider: FromPath[str], data: JSONBody[ProviderKeyIn]) -> ProviderOut:
        return await service.set_key(ctx, provider, data.api_key)

    @delete("/providers/{provider:str}", summary="Forget a provider key", opt=ADMIN)
    async def delete_provider_key(self, ctx: Ctx, provider: FromPath[str]) -> None:
        await service.delete_key(ctx, provider)

    @post("/runs", status_code=202, summary="Enrich every company",
          description="Queues the enrichment of every company with a domain or a website; follow the run's "
                      "progress at `GET /v1/enrichment/runs/{run_id}`.")
    async def enrich_all(self, ctx: Ctx) -> RunOut:
        return runs.run_out(await runs.start_all(ctx))

    @get("/runs", summary="Recent enrichment runs", description="The last 20, newest first.")
    async def list_runs(self, ctx: Ctx) -> list[RunOut]:
        return [runs.run_out(r) for r in await runs.progress(ctx.session, ctx.org_id)]

    @get("/runs/{run_id:str}", summary="An enrichment run and its progress")
    async def read_run(self, ctx: Ctx, run_id: FromPath[str]) -> RunOut:
        return runs.run_out(await runs.get_run(ctx, run_id))


class CompanyEnrichmentController(Controller):
    path = "/v1/companies/{company_id:str}"
    tags = TAGS

    @post("/enrich", status_code=202, summary="Enrich a company",
          description="Queues reading the company's homepage and asking the configured providers. What they "
                      "state becomes suggestions; nothing on the company changes until a suggestion is accepted.")
    async def enrich_company(self, ctx: Ctx, company_id: FromPath[str]) -> RunOut:
        return runs.run_out(await runs.start_company(ctx, company_id))

    @get("/enrichment", summary="A company's enrichment",
         description="The values accepted, each with its source, and the suggestions still pending.")
    async def read_enrichment(self, ctx: Ctx, company_id: FromPath[str]) -> Enrichment:
        return await service.enrichment(ctx, company_id)

    @get("/suggestions", summary="A company's suggestions", description="Surest first within each field.")
    async def list_suggestions(
            self, ctx: Ctx, company_id: FromPath[str],
            status: Annotated[Literal["pending", "accepted", "rejected", "replaced"] | None,
                              QueryParameter()] = None) -> SuggestionList:
        return SuggestionList(data=await service.suggestions(ctx, company_id, status))

    @post("/suggestions/{suggestion_id:str}/accept", status_code=200, summary="Accept a suggestion",
          description="Writes the value to the company (a field of the record, through its checks, emitting "
                      "`company.updated`) or keeps it as the company's accepted value; the value keeps its source.")
    async def accept_suggestion(self, ctx: Ctx, company_id: FromPath[str],
                                suggestion_id: FromPath[str]) -> SuggestionOut:
        return await service.accept(ctx, company_id, suggestion_id)

    @post("/suggestions/{suggestion_id:str}/reject", status_code=200, summary="Reject a suggestion",
          description="The same value from the same source is not suggested again.")
    async def reject_suggestion(self, ctx: Ctx, company_id: FromPath[str],
                                suggestion_id: FromPath[str]) -> SuggestionOut:
        return await service.reject(ctx, company_id, suggestion_id)
