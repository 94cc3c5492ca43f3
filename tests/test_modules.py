"""The contract every module keeps, walked over the hub's tuple of modules: its declaration is complete, its
samples fit, every event it declares is in the catalog, its tables are its own, its migrations make them,
the generated docs say what it is, and every route with an id answers another organization 404, changing
nothing."""

from __future__ import annotations

import ast
import gc
import importlib
import itertools
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from litestar import Litestar
from sqlalchemy import select

from hub import outside
from hub.app import MODULES
from hub.catalog import EventType, build_catalog
from hub.db import Base, create_engine, new_id
from hub.docs import module_routes, modules_markdown, settings_markdown
from hub.errors import HubError
from hub.jobs import enqueue
from hub.jobs.testing import settle
from hub.runtime import Hub
from hub.settings import Settings
from tests.conftest import Api
from tests.webhooks.portal.conftest import Portal, open_portal  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
CATALOG = build_catalog()
# Tables that belong to no organization, and why.
GLOBAL_TABLES = {"organizations": "the tenants themselves",
                 "oauth_server_clients": "apps registered by the operator, which any organization may approve",
                 "slack_handled_requests": "digests of signed Slack requests already handled, checked before the "
                                           "workspace (and so the organization) is known"}


def _package(module: Any) -> str:
    path = next(p for p in _paths() if importlib.import_module(p).MODULE is module)
    return path.removesuffix(".module")


def _paths() -> list[str]:
    tree = ast.parse((ROOT / "hub" / "app.py").read_text())
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "load_modules")
    return [arg.value for arg in call.args]  # type: ignore[attr-defined]


class TestDeclarations:
    def test_every_module_is_named_once_and_says_what_it_is(self) -> None:
        names = [m.name for m in MODULES]
        assert len(names) == len(set(names)) and all(re.fullmatch(r"[a-z][a-z_]*", n) for n in names)
        assert all(m.description.endswith(".") and len(m.description) > 30 for m in MODULES)
        assert len(_paths()) == len(MODULES), "hub/app.py lists each module once, as a dotted path"

    def test_every_setting_is_documented_and_read_under_its_own_prefix(self) -> None:
        kinds = [m.settings for m in MODULES if m.settings is not None]
        assert len({k.prefix for k in kinds}) == len(kinds)
        base = {f.name for f in msgspec.structs.fields(Settings)}
        for kind in [Settings, *kinds]:
            for field in msgspec.inspect.type_info(kind).fields:  # type: ignore[union-attr]
                if field.name == "sections":
                    continue
                assert isinstance(field.type, msgspec.inspect.Metadata), f"{kind.__name__}.{field.name}"
                assert field.type.extra_json_schema.get("description"), f"{kind.__name__}.{field.name}"
        assert not any(f"{k.prefix}_{f.name}" in base for k in kinds for f in msgspec.structs.fields(k))

    def test_every_table_is_one_modules_and_belongs_to_an_organization(self) -> None:
        owners: dict[str, str] = {}
        for module in MODULES:
            for model in module.models:
                assert model.__table__.name not in owners, f"{model.__table__.name} is declared twice"
                owners[model.__table__.name] = module.name
        assert set(owners) == set(Base.metadata.tables), "a table no module declares, or one it does not make"
        for name, table in Base.metadata.tables.items():
            # Its own org_id, or a row of a parent that has one and takes it along when deleted.
            parents = [fk.column.table for fk in table.foreign_keys
                       if not fk.parent.nullable and fk.ondelete == "CASCADE"]
            owned = "org_id" in table.c or any("org_id" in parent.c for parent in parents)
            assert owned or name in GLOBAL_TABLES, f"{name} belongs to no organization"

    def test_pages_jobs_and_templates_are_where_the_declaration_says(self) -> None:
        kinds = [kind for m in MODULES for kind in m.jobs]
        assert len(kinds) == len(set(kinds)) and all(re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", k) for k in kinds)
        for module in MODULES:
            served = {path for method, path in module_routes(module) if method == "GET"}
            assert all(item.href in served for item in module.nav), module.name
            assert all(folder.is_dir() for folder in module.templates.values()), module.name
            # a package, so that the wheel carries it
            assert module.migrations is None or (module.migrations / "__init__.py").is_file(), module.name
            assert all(callable(h) for h in [*module.jobs.values(), *module.listeners]), module.name

    @pytest.mark.parametrize("package", sorted(p.name for p in (ROOT / "connectors").glob("*/manifest.py")
                                               for p in [p.parent]))
    def test_a_vendor_connector_has_the_shared_layout_and_vocabulary(self, package: str) -> None:
        folder = ROOT / "connectors" / package
        assert {"manifest.py", "client.py", "fake.py", "errors.py", "module.py", "doc.md"} <= {
            p.name for p in folder.iterdir()}, f"connectors/{package}"
        errors = importlib.import_module(f"connectors.{package}.errors")
        for name in errors.__all__:
            error = getattr(errors, name)
            if isinstance(error, type) and issubclass(error, Exception):
                assert issubclass(error, (outside.ServiceError, HubError)), f"{package}.{name}"

    def test_the_generated_pages_are_current(self) -> None:
        for name, made in (("settings.md", settings_markdown(MODULES)),
                           ("modules.md", modules_markdown(MODULES, CATALOG)), ("catalog.md", CATALOG.markdown())):
            assert (ROOT / "docs" / name).read_text() == made, "run `hub docs --out docs`"


class TestCatalog:
    def test_every_event_the_code_declares_is_in_the_catalog(self) -> None:
        for path in _paths():
            importlib.import_module(_package(importlib.import_module(path).MODULE))
        declared = [o for o in gc.get_objects() if isinstance(o, EventType) and
                    o.payload.__module__.split(".")[0] in ("hub", "webhooks", "oauth", "connectors", "core_features")]
        missing = [e.key for e in declared if CATALOG.events.get(e.key) is not e]
        assert declared and not missing, f"declared but not registered: {missing}"

    def test_every_sample_fits_its_payload_as_a_receiver_decodes_it(self) -> None:
        for event in CATALOG.events.values():
            msgspec.json.decode(msgspec.json.encode(event.sample), type=event.payload)
        for action in CATALOG.actions.values():
            assert action.sample is None or msgspec.convert(action.sample, action.input, strict=False)
        assert all(CATALOG.origins[f"event:{key}"] for key in CATALOG.events)


class TestSchema:
    async def test_the_migrations_make_the_tables_the_models_declare(self, settings: Settings) -> None:
        engine = create_engine(settings)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata))
        finally:
            await engine.dispose()
        assert diff == []


# -- the tenant walls -------------------------------------------------------------------------------------

async def _fill(app: Litestar, api: Api) -> None:
    """Give the organization one row of everything, as its people and integrations would make them."""
    from connectors.twilio.models import Call
    from hub.demo import populate
    from oauth.models import Connection

    hub = Hub.of(app)
    async with hub.sessions.begin() as session:
        await populate(session, org_id=api.org_id, seed=3)
        # A provider no ledger serves: the accounting sync leaves it alone.
        session.add(Connection(id=new_id("oac"), org_id=api.org_id, provider="fakebooks", scopes=[]))
        session.add(Call(id=new_id("cal"), org_id=api.org_id, direction="outbound", caller_id="+14155550100"))
        await enqueue(session, api.org_id, "contract.untaken", {}, delay=86400)  # waits: settle ignores it
    endpoint = await api.create("endpoints", {"url": "http://127.0.0.1:9/hook", "state": "paused"})
    assert (await api.post(f"/v1/endpoints/{endpoint['id']}/test")).status_code in (200, 201, 202)
    deal = (await api.get("/v1/deals", params={"limit": 1})).json()["data"][0]
    assert (await api.post(f"/v1/deals/{deal['id']}/competitors", {"competitor_name": "Globex"})).status_code == 201
    for path, body in (("/v1/hooks", {"target_url": "http://127.0.0.1:9/zap", "event": "deal.won",
                                      "platform": "zapier"}),
                       ("/v1/slack/rules", {"name": "Wins", "event_type": "deal.won", "channel": "C0123ABCD"}),
                       ("/v1/api_keys", {"name": "probe", "scopes": ["read"]})):
        answer = await api.post(path, body)
        assert answer.status_code == 201, (path, answer.text)
    await settle(app)


# Bookkeeping a key's own use updates, whoever's requests they are.
VOLATILE = {"last_used_at"}


async def _snapshot(app: Litestar, org_id: str) -> dict[str, list[str]]:
    """Every row of the organization, in every table: what no other organization's request may change."""
    found = {}
    async with Hub.of(app).sessions() as session:
        for name, table in Base.metadata.tables.items():
            if "org_id" in table.c:
                columns = [c for c in table.c if c.name not in VOLATILE]
                rows = await session.execute(select(*columns).where(table.c.org_id == org_id)
                                             .order_by(*table.primary_key))
                found[name] = [repr(tuple(row)) for row in rows]
    return found


async def _ids(app: Litestar, org_id: str) -> dict[str, str]:
    """One id of each table the organization has rows in."""
    found = {}
    async with Hub.of(app).sessions() as session:
        for name, table in Base.metadata.tables.items():
            if "org_id" in table.c and "id" in table.c:
                if (row := await session.scalar(select(table.c.id).where(table.c.org_id == org_id).limit(1))):
                    found[name] = row
    return found


def _body(openapi: dict[str, Any], path: str, method: str) -> Any:
    """A body that passes the operation's schema, so its answer speaks of the id, not of the body."""
    operation = openapi["paths"].get(re.sub(r":\w+}", "}", path), {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema")
    return None if schema is None else _minimal(schema, openapi)


def _minimal(schema: dict[str, Any], openapi: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _minimal(openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]], openapi)
    if choices := schema.get("oneOf") or schema.get("anyOf"):
        return _minimal(next((c for c in choices if c.get("type") != "null"), choices[0]), openapi)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _minimal(props[k], openapi) for k in schema.get("required", [])}
    if kind == "string":
        return "2026-01-15T10:30:00Z" if schema.get("format") == "date-time" else "x" * max(1, schema.get("minLength", 1))
    return {"integer": 1, "number": 1, "boolean": False, "array": []}.get(kind)


def _candidates(param: str, ids: dict[str, str]) -> list[str]:
    stem = param.removesuffix("_id")
    matching = [i for table, i in ids.items() if table.rstrip("s").endswith(stem) or table.startswith(stem)]
    return matching or list(ids.values())


def _tries(path: str, ids: dict[str, str]) -> list[str]:
    params = re.findall(r"{(\w+)(?::\w+)?}", path)
    pools = [_candidates(p, ids) if len(params) > 1 else list(ids.values()) for p in params]
    tries = []
    for combo in itertools.product(*pools):
        filled = path
        for name, value in zip(params, combo):
            filled = re.sub(r"{" + name + r"(?::\w+)?}", value, filled)
        tries.append(filled)
    return tries


class TestTenantWalls:
    async def test_every_route_with_an_id_answers_404_to_another_organization_and_changes_nothing(
            self, app: Litestar, api: Api, other: Api, open_portal: Any) -> None:
        await _fill(app, api)
        ids, before, theirs = await _ids(app, api.org_id), await _snapshot(app, api.org_id), None
        theirs = await _snapshot(app, other.org_id)
        assert len(ids) >= 20, sorted(ids)
        openapi = (await api.client.get("/schema/openapi.json")).json()
        visitor: Portal = await open_portal()
        await visitor.sign_in(other.key)
        wrong, tried = [], set()
        for route in app.routes:
            keyed, page = route.path.startswith("/v1/"), route.path.startswith("/portal/") and "assets" not in route.path
            if "{" not in route.path or not (keyed or page):
                continue
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                for url in _tries(route.path, ids):
                    if keyed:
                        body = _body(openapi, route.path, method)
                        answer = await other.client.request(method, url, json=body, headers=other._headers(None))
                    elif method == "GET":
                        answer = await visitor.get(url)
                    else:
                        answer = await visitor.post(url, {"since": "2026-01-15T10:30"})
                    tried.add((method, route.path))
                    if answer.status_code != 404:
                        wrong.append((method, url, answer.status_code, answer.text[:200]))
        await settle(app)
        assert wrong == []
        assert len(tried) >= 75, sorted(tried)
        assert await _snapshot(app, api.org_id) == before
        assert await _snapshot(app, other.org_id) == theirs


def test_the_walk_covers_what_the_hub_serves(app: Litestar) -> None:
    """A guard on the walk itself: it finds the routes with an id of the modules that own records."""
    keyed = {r.path for r in app.routes if r.path.startswith("/v1/") and "{" in r.path}
    assert {"/v1/deals/{record_id:str}", "/v1/competitors/{competitor_id:str}", "/v1/endpoints/{endpoint_id:str}",
            "/v1/slack/rules/{rule_id:str}", "/v1/connections/{connection_id:str}"} <= keyed
