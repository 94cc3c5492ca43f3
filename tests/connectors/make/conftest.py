"""The exported Make project, read by the IML stand-in, and the live hub the Zapier tests use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.make.export import export
from hub.catalog import Catalog, build_catalog
from tests.connectors.make.iml import MakeApp
from tests.connectors.zapier.livehub import hub, hub_server  # noqa: F401  (fixtures)

ExportMake = Callable[..., MakeApp]


@pytest.fixture
def make_app(tmp_path: Path) -> ExportMake:
    """Export the project (from the hub's catalog unless another is given) and read it as Make would."""
    count = 0

    def made(base_url: str = "http://127.0.0.1:9", *, auth: str = "api_key",
             catalog: Catalog | None = None) -> MakeApp:
        nonlocal count
        count += 1
        out = tmp_path / f"make-app-{count}"
        export(catalog or build_catalog(), out, base_url=base_url, auth=auth)  # type: ignore[arg-type]
        return MakeApp(out)

    return made
