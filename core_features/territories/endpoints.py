"""`/v1/territory_models` and `/v1/territories`: models, their hierarchy, rules, members and assignments."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from core_features.territories import operations, service
from core_features.territories.models import Member, Realignment, Territory, TerritoryModel
from core_features.territories.preview import preview
from core_features.territories.schemas import (
    AssignIn,
    AssignmentOut,
    CloneIn,
    ExclusionIn,
    ExplainOut,
    ManualIn,
    MemberIn,
    MemberOut,
    ModelIn,
    ModelOut,
    ModelPatch,
    PreviewOut,
    RealignIn,
    RealignmentOut,
    RecordType,
    RuleIn,
    RuleOut,
    TerritoryIn,
    TerritoryOut,
    TerritoryPatch,
    realignment_out,
)
from hub.deps import Ctx
from hub.errors import NotFound
from hub.records.endpoints import IfMatch, etag, parse_if_match

__all__ = ["ModelController", "TerritoryController", "delete_rule", "unassign_manual"]

TAGS = ["Territories"]
RecordId = Annotated[str | None, QueryParameter(min_length=3, max_length=40)]


def _model(row: TerritoryModel, status: int = 200) -> Response[ModelOut]:
    return Response(service.model_out(row), status_code=status, headers={"ETag": etag(row.version)})


def _territory(row: Territory, status: int = 200) -> Response[TerritoryOut]:
    return Response(service.territory_out(row), status_code=status, headers={"ETag": etag(row.version)})


class ModelController(Controller):
    path = "/v1/territory_models"
    tags = TAGS

    @post("/", status_code=201, summary="Create a territory model", description="It starts in planning.")
    async def create_model(self, ctx: Ctx, data: JSONBody[ModelIn]) -> Response[ModelOut]:
        return _model(await service.create_model(ctx, data), 201)

    @get("/", summary="List territory models", description="Newest first.")
    async def list_models(self, ctx: Ctx) -> list[ModelOut]:
        rows = await ctx.session.scalars(select(TerritoryModel).where(TerritoryModel.org_id == ctx.org_id)
                                         .order_by(TerritoryModel.id.desc()).limit(100))
        return [service.model_out(r) for r in rows]

    @get("/{model_id:str}", summary="Read a territory model")
    async def read_model(self, ctx: Ctx, model_id: FromPath[str]) -> Response[ModelOut]:
        return _model(await service.get_model(ctx, model_id))

    @patch("/{model_id:str}", summary="Update a territory model", description="Archived models are read-only.")
    async def update_model(self, ctx: Ctx, model_id: FromPath[str], data: JSONBody[ModelPatch],
                           if_match: IfMatch = None) -> Response[ModelOut]:
        return _model(await service.update_model(ctx, model_id, data, parse_if_match(if_match)))

    @post("/{model_id:str}/clone", status_code=201, summary="Clone a model",
          description="A planning copy: territories, rules, members, manual assignments and exclusions.")
    async def clone_model(self, ctx: Ctx, model_id: FromPath[str], data: JSONBody[CloneIn]) -> Response[ModelOut]:
        return _model(await operations.clone(ctx, model_id, data.name), 201)

    @get("/{model_id:str}/preview", summary="Preview activating a planning model",
         description="Per territory path: the records it would gain, lose and keep, against the active model.")
    async def preview_model(self, ctx: Ctx, model_id: FromPath[str]) -> PreviewOut:
        return await preview(ctx, model_id)

    @post("/{model_id:str}/activate", status_code=202, summary="Activate a planning model",
          description="The active model is archived; a realignment of the new one starts (its run is answered).")
    async def activate_model(self, ctx: Ctx, model_id: FromPath[str]) -> RealignmentOut:
        _, run = await operations.activate(ctx, model_id)
        return realignment_out(run)

    @post("/{model_id:str}/archive", status_code=200, summary="Archive a model", description="For good.")
    async def archive_model(self, ctx: Ctx, model_id: FromPath[str]) -> Response[ModelOut]:
        return _model(await operations.archive(ctx, model_id))

    @post("/{model_id:str}/realignments", status_code=202, summary="Realign a model",
          description="Run its rules over every record of the types given, as a durable job with progress.")
    async def start_realignment(self, ctx: Ctx, model_id: FromPath[str], data: JSONBody[RealignIn]) -> RealignmentOut:
        model = await service.get_model(ctx, model_id)
        return realignment_out(await operations.start_realignment(ctx, model, list(data.record_types)))

    @get("/{model_id:str}/realignments/{run_id:str}", summary="A realignment's progress")
    async def read_realignment(self, ctx: Ctx, model_id: FromPath[str], run_id: FromPath[str]) -> RealignmentOut:
        run = await ctx.session.scalar(select(Realignment).where(
            Realignment.org_id == ctx.org_id, Realignment.model_id == model_id, Realignment.id == run_id))
        if run is None:
            raise NotFound(f"No realignment {run_id!r} of this model.")
        return realignment_out(run)

    @get("/{model_id:str}/explain", summary="Why a record is where it is",
         description="Its assignments with their causes, and each territory's rules and items evaluated now.")
    async def explain(self, ctx: Ctx, model_id: FromPath[str], record_type: FromQuery[RecordType | None] = None,
                      record_id: RecordId = None) -> ExplainOut:
        return await operations.explain(ctx, model_id, record_type, record_id)

    @post("/{model_id:str}/assign", status_code=200, summary="Assign one record now")
    async def assign(self, ctx: Ctx, model_id: FromPath[str], data: JSONBody[AssignIn]) -> list[AssignmentOut]:
        _, found = await operations.assign_one(ctx, model_id, data.record_type, data.record_id)
        return found

    @put("/{model_id:str}/exclusions", status_code=204, summary="Exclude a record from realignment, or not",
         description="An excluded record keeps the territories it has, whatever the rules say.")
    async def exclude(self, ctx: Ctx, model_id: FromPath[str], data: JSONBody[ExclusionIn]) -> None:
        await operations.set_excluded(ctx, model_id, data.record_type, data.record_id, data.excluded)

    @get("/{model_id:str}/territories", summary="A model's territories", description="Top down.")
    async def list_territories(self, ctx: Ctx, model_id: FromPath[str]) -> list[TerritoryOut]:
        model = await service.get_model(ctx, model_id)
        return [service.territory_out(t) for t in await service.territories_of(ctx.session, ctx.org_id, model.id)]

    @post("/{model_id:str}/territories", status_code=201, summary="Add a territory",
          description="At the top, or under `parent_id`; at most 10 levels and 1,000 territories by default.")
    async def create_territory(self, ctx: Ctx, model_id: FromPath[str],
                               data: JSONBody[TerritoryIn]) -> Response[TerritoryOut]:
        return _territory(await service.create_territory(ctx, model_id, data), 201)


class TerritoryController(Controller):
    path = "/v1/territories"
    tags = TAGS

    @get("/{territory_id:str}", summary="Read a territory")
    async def read_territory(self, ctx: Ctx, territory_id: FromPath[str]) -> Response[TerritoryOut]:
        return _territory(await service.get_territory(ctx, territory_id))

    @patch("/{territory_id:str}", summary="Update a territory")
    async def update_territory(self, ctx: Ctx, territory_id: FromPath[str], data: JSONBody[TerritoryPatch],
                               if_match: IfMatch = None) -> Response[TerritoryOut]:
        return _territory(await service.update_territory(ctx, territory_id, data, parse_if_match(if_match)))

    @delete("/{territory_id:str}", summary="Delete a territory", description="With the territories under it.")
    async def delete_territory(self, ctx: Ctx, territory_id: FromPath[str]) -> None:
        await service.delete_territory(ctx, territory_id)

    @get("/{territory_id:str}/rules", summary="A territory's assignment rules")
    async def list_rules(self, ctx: Ctx, territory_id: FromPath[str]) -> list[RuleOut]:
        territory = await service.get_territory(ctx, territory_id)
        rules = await service.rules_of(ctx.session, ctx.org_id, territory.model_id)
        return [service.rule_out(r) for r in rules if r.territory_id == territory.id]

    @post("/{territory_id:str}/rules", status_code=201, summary="Add an assignment rule",
          description="Items over a record type's standard fields or `custom.<key>`, combined by "
                      "`boolean_filter` (`(1 AND 2) OR 3`); a bad filter is refused with its position.")
    async def add_rule(self, ctx: Ctx, territory_id: FromPath[str], data: JSONBody[RuleIn]) -> RuleOut:
        return service.rule_out(await service.add_rule(ctx, territory_id, data))


    @get("/{territory_id:str}/members", summary="A territory's users and their roles")
    async def list_members(self, ctx: Ctx, territory_id: FromPath[str]) -> list[MemberOut]:
        territory = await service.get_territory(ctx, territory_id)
        rows = await ctx.session.scalars(select(Member).where(Member.org_id == ctx.org_id,
                                                              Member.territory_id == territory.id))
        return [MemberOut(territory_id=m.territory_id, user_id=m.user_id, role=m.role) for m in rows]

    @put("/{territory_id:str}/members", status_code=200, summary="Add a user, or change their role")
    async def put_member(self, ctx: Ctx, territory_id: FromPath[str], data: JSONBody[MemberIn]) -> MemberOut:
        m = await service.put_member(ctx, territory_id, data)
        return MemberOut(territory_id=m.territory_id, user_id=m.user_id, role=m.role)

    @delete("/{territory_id:str}/members/{user_id:str}", summary="Take a user out of a territory")
    async def remove_member(self, ctx: Ctx, territory_id: FromPath[str], user_id: FromPath[str]) -> None:
        await service.remove_member(ctx, territory_id, user_id)

    @post("/{territory_id:str}/assignments", status_code=200, summary="Assign a record by hand",
          description="Realignment never takes it out; answers the record's territories in the model.")
    async def assign_manual(self, ctx: Ctx, territory_id: FromPath[str], data: JSONBody[ManualIn]
                            ) -> list[AssignmentOut]:
        return await operations.assign_manual(ctx, territory_id, data)



@delete("/v1/territory_rules/{rule_id:str}", summary="Delete an assignment rule", tags=TAGS)
async def delete_rule(ctx: Ctx, rule_id: FromPath[str]) -> None:
    await service.delete_rule(ctx, rule_id)


@delete("/v1/territory_assignments/{assignment_id:str}", summary="Take out a record assigned by hand", tags=TAGS,
        description="Only an assignment made by hand; the rules may place the record again.")
async def unassign_manual(ctx: Ctx, assignment_id: FromPath[str]) -> None:
    await operations.unassign_manual(ctx, assignment_id)
