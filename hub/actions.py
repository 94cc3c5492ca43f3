"""`GET /v1/catalog` and `POST /v1/actions/{key}`: what connectors can trigger on and do."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath

from hub.deps import CatalogDep, Ctx
from hub.errors import BadRequest, Forbidden, NotFound, ValidationFailed
from hub.module import Module

__all__ = ["MODULE", "read_catalog", "run_action"]


@get("/v1/catalog", summary="The catalog", tags=["Catalog"],
     description="Every event type with its schema and sample, every trigger and every action with its input schema.")
async def read_catalog(ctx: Ctx, catalog: CatalogDep) -> dict[str, Any]:
    return catalog.describe()


@post("/v1/actions/{key:str}", summary="Run an action", tags=["Catalog"], opt={"scope": "read"}, status_code=200,
      description="The body is the action's input, checked against its schema; the answer is `{\"data\": output}`.")
async def run_action(ctx: Ctx, catalog: CatalogDep, key: FromPath[str], request: Request) -> dict[str, Any]:
    action = catalog.actions.get(key)
    if action is None:
        raise NotFound(f"No action {key!r}; see GET /v1/catalog.")
    if not ctx.principal.allows(action.scope):
        raise Forbidden(f"Action {key!r} needs the {action.scope!r} scope.")
    try:
        raw = msgspec.json.decode(await request.body() or b"{}")
        data = msgspec.convert(_without_empty_optionals(raw, action.input), action.input, strict=False)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"Input does not fit action {key!r}: {exc}",
                               errors=[{"field": _path(exc), "message": str(exc)}]) from None
    except msgspec.DecodeError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None
    return {"data": msgspec.to_builtins(await action.handler(ctx, data))}


def _without_empty_optionals(raw: Any, input_type: Any) -> Any:
    """An empty string for an optional field means "not given": Make sends one for every unmapped field."""
    if not isinstance(raw, dict):
        return raw
    info = msgspec.inspect.type_info(input_type)
    optional = {f.encode_name for f in getattr(info, "fields", ()) if not f.required}
    return {k: v for k, v in raw.items() if not (v == "" and k in optional)}


def _path(exc: msgspec.ValidationError) -> str | None:
    text = str(exc)
    return text.rsplit("at `$.", 1)[1].rstrip("`") if "at `$." in text else None


MODULE = Module(
    name="catalog",
    description="The catalog of events, triggers and actions every module declares, and running an action.",
    routes=(read_catalog, run_action),
)
