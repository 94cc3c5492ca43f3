"""One REST controller per record type, generated from its declaration.

Annotations here are evaluated at definition time (no postponed annotations) so that each
generated handler carries its resource's own schemas into validation and OpenAPI.
"""

import inspect
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from hub.deps import Ctx
from hub.errors import BadRequest
from hub.idempotency import Idempotency
from hub.records import service
from hub.records.extensions import extend
from hub.records.resource import Resource
from hub.types import AwareDatetime, with_offset

__all__ = ["controller_for", "etag", "parse_if_match", "select_fields"]

IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", required=False,
                                                description="The ETag of the version you read; 412 if it changed.")]
Fields = Annotated[str | None, QueryParameter(description="Comma-separated fields to return; `id` always comes back.")]
Include = Annotated[str | None, QueryParameter(description=(
    "Comma-separated names of read-only field groups that modules add to these records; see the modules' docs."))]


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise BadRequest('If-Match must be an ETag such as "3", as given in the ETag header.')
    return int(text)


def select_fields(r: Resource, fields: str | None) -> set[str] | None:
    if not fields:
        return None
    names = {f.strip() for f in fields.split(",") if f.strip()}
    readable = set(r.field_types) | ({"custom_fields"} if r.custom_fields else set())
    if unknown := names - readable:
        raise BadRequest(f"Unknown fields: {', '.join(sorted(unknown))}.")
    return names | {"id"}


def _shape(r: Resource, row: Any, names: set[str] | None) -> Any:
    item = r.to_read(row)
    if names is None:
        return item
    return {k: v for k, v in msgspec.to_builtins(item).items() if k in names}


def _one(r: Resource, row: Any, status: int = 200, names: set[str] | None = None) -> Response[Any]:
    return Response(_shape(r, row, names), status_code=status, headers={"ETag": etag(row.version)})


def controller_for(r: Resource) -> type[Controller]:
    noun = r.name.replace("_", " ")
    Read, Create, Update, Page = r.read, r.create, r.update, r.page

    async def create_record(self: Any, ctx: Ctx, request: Request, data: JSONBody[Create]) -> Response[Read]:
        idem = await Idempotency.of(request, ctx.session, ctx.org_id)
        if (replayed := await idem.replay()) is not None:
            return replayed
        row = await service.create(ctx, r, data)
        await idem.remember(201, msgspec.to_builtins(r.to_read(row)))
        return _one(r, row, 201)

    async def read_record(self: Any, ctx: Ctx, record_id: FromPath[str], fields: Fields = None,
                          include: Include = None) -> Response[Read]:
        row = await service.get(ctx, r, record_id)
        [item] = await extend(ctx, r.name, include, [_shape(r, row, select_fields(r, fields))])
        return Response(item, headers={"ETag": etag(row.version)})

    async def update_record(self: Any, ctx: Ctx, record_id: FromPath[str], data: JSONBody[Update],
                            if_match: IfMatch = None) -> Response[Read]:
        return _one(r, await service.update(ctx, r, record_id, data, parse_if_match(if_match)))

    async def delete_record(self: Any, ctx: Ctx, record_id: FromPath[str], if_match: IfMatch = None) -> None:
        await service.delete(ctx, r, record_id, parse_if_match(if_match))

    async def list_records(self: Any, ctx: Ctx, **params: Any) -> Page:
        names, include = select_fields(r, params.pop("fields")), params.pop("include")
        cursor, limit, since = params.pop("cursor"), params.pop("limit"), params.pop("updated_since")
        with_offset(updated_since=since)
        filters = {k: v for k, v in params.items() if v is not None}
        rows, next_cursor = await service.list_page(ctx, r, filters=filters, updated_since=since, cursor=cursor,
                                                    limit=limit)
        return Page(data=await extend(ctx, r.name, include, [_shape(r, row, names) for row in rows]),
                    next_cursor=next_cursor)

    _list_signature(list_records, r)
    handlers = {
        "create": post("/", summary=f"Create a {noun}", description=r.description, status_code=201,
                       opt={"scope": r.write_scope, "idempotent": True})(create_record),
        "read": get("/{record_id:str}", summary=f"Read a {noun}", opt={"scope": r.read_scope})(read_record),
        "update": patch("/{record_id:str}", summary=f"Update a {noun}", opt={"scope": r.write_scope},
                        description="Only the fields sent change. Send If-Match to refuse a stale write.")(
            update_record),
        "remove": delete("/{record_id:str}", summary=f"Delete a {noun}", opt={"scope": r.write_scope})(
            delete_record),
        "list_all": get("/", summary=f"List {r.plural.replace('_', ' ')}", opt={"scope": r.read_scope},
                        description="Newest first. Filters are exact matches.")(list_records),
    }
    return type(f"{r.title}Controller", (Controller,), {
        "path": f"/v1/{r.plural}", "tags": [r.plural.replace("_", " ").capitalize()], **handlers})


def _list_signature(fn: Any, r: Resource) -> None:
    """Give the list handler one typed, optional query parameter per filter, for validation and OpenAPI."""
    max_page = 200
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("ctx", keyword, annotation=Ctx),
        inspect.Parameter("limit", keyword, default=50,
                          annotation=Annotated[int, QueryParameter(ge=1, le=max_page, description="Page size")]),
        inspect.Parameter("cursor", keyword, default=None, annotation=Annotated[
            str | None, QueryParameter(description="`next_cursor` of the previous page")]),
        inspect.Parameter("fields", keyword, default=None, annotation=Fields),
        inspect.Parameter("include", keyword, default=None, annotation=Include),
        inspect.Parameter("updated_since", keyword, default=None, annotation=Annotated[
            AwareDatetime | None, QueryParameter(description="Only records updated at or after this time")]),
    ]
    for name in r.filters:
        params.append(inspect.Parameter(name, keyword, default=None, annotation=FromQuery[r.field_types[name] | None]))
    fn.__signature__ = inspect.Signature(params, return_annotation=r.page)
    fn.__annotations__ = {p.name: p.annotation for p in params[1:]} | {"return": r.page}
