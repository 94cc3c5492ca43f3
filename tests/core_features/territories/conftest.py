"""Helpers of the territory tests: a model drawn through the API, and companies placed around the world."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from hub.jobs.testing import settle
from tests.conftest import Api
from tests.webhooks.portal.conftest import browser, chromium, live_hub, open_portal, page, portal  # noqa: F401 (fixtures)

__all__ = ["activate", "company", "draw", "rule", "territory"]


async def territory(api: Api, model_id: str, name: str, parent_id: str | None = None, **fields: Any) -> str:
    answer = await api.post(f"/v1/territory_models/{model_id}/territories",
                            {"name": name, "parent_id": parent_id, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def rule(api: Api, territory_id: str, *items: dict[str, Any], record_type: str = "company",
               boolean_filter: str | None = None) -> str:
    answer = await api.post(f"/v1/territories/{territory_id}/rules", {
        "record_type": record_type, "items": list(items), "boolean_filter": boolean_filter})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def draw(api: Api, name: str = "FY27") -> dict[str, str]:
    """Americas (US, CA) > West (CA, OR, WA) > Bay (postal 94… or within 30 km of San Francisco) and
    Software (industry software, or a gold tier with 1,000+ employees); Europe (DE, FR). Answers the ids."""
    for key, kind in (("tier", "text"), ("latitude", "number"), ("longitude", "number")):
        known = await api.get("/v1/custom_fields", params={"record_type": "company"})
        if key not in {f["key"] for f in known.json()["data"]}:
            await api.create("custom_fields", {"record_type": "company", "key": key, "label": key, "type": kind})
    model = (await api.post("/v1/territory_models", {"name": name})).json()["id"]
    ids = {"model": model}
    ids["americas"] = await territory(api, model, "Americas")
    ids["west"] = await territory(api, model, "West", ids["americas"])
    ids["bay"] = await territory(api, model, "Bay", ids["west"], priority=1)
    ids["software"] = await territory(api, model, "Software", ids["west"], priority=2)
    ids["europe"] = await territory(api, model, "Europe")
    ids["r_americas"] = await rule(api, ids["americas"], {"operator": "country_in", "value": ["US", "CA"]})
    ids["r_west"] = await rule(api, ids["west"], {"operator": "region_in", "value": ["CA", "OR", "WA"]})
    ids["r_bay"] = await rule(api, ids["bay"], {"operator": "postal_prefix", "value": ["94"]},
                              {"operator": "within_radius", "value": {"lat": 37.7749, "lng": -122.4194, "km": 30}},
                              boolean_filter="1 OR 2")
    ids["r_software"] = await rule(
        api, ids["software"], {"field": "industry", "operator": "equals", "value": "Software"},
        {"field": "custom.tier", "operator": "equals", "value": "gold"},
        {"field": "employee_count", "operator": "gte", "value": 1000}, boolean_filter="1 OR (2 AND 3)")
    ids["r_europe"] = await rule(api, ids["europe"], {"operator": "country_in", "value": ["DE", "FR"]})
    return ids


async def company(api: Api, name: str, **fields: Any) -> str:
    return (await api.create("companies", {"name": name, **fields}))["id"]


async def activate(app: Litestar, api: Api, model_id: str) -> dict[str, Any]:
    """Activate a model and let its realignment run; answers the finished run."""
    answer = await api.post(f"/v1/territory_models/{model_id}/activate")
    assert answer.status_code == 202, answer.text
    await settle(app)
    run = await api.get(f"/v1/territory_models/{model_id}/realignments/{answer.json()['id']}")
    return run.json()
