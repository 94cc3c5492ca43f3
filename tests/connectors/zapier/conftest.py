"""The official Zapier packages from npm, installed once into `.cache/npm-zapier/`, and helpers that export
the app and run it under zapier-platform-core the way Zapier does."""

from __future__ import annotations

import asyncio
import fcntl
import json
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from connectors.zapier.export import CORE_VERSION, export
from hub.catalog import Catalog, build_catalog
from tests.conftest import IN_CI
from tests.connectors.zapier.livehub import hub, hub_server  # noqa: F401  (fixtures)

HERE = Path(__file__).parent
CACHE = HERE.parents[2] / ".cache" / "npm-zapier"
PACKAGES = {"zapier-platform-core": CORE_VERSION, "zapier-platform-schema": CORE_VERSION}


def _installed() -> bool:
    for name, version in PACKAGES.items():
        manifest = CACHE / "node_modules" / name / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text())["version"] != version:
            return False
    return True


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """zapier-platform-core and zapier-platform-schema from the npm registry, installed on first use."""
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        if IN_CI:
            pytest.fail("CI=true but node and npm are not installed")
        pytest.skip("node and npm are not installed")
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers install once
        if not _installed():
            (CACHE / "package.json").write_text(json.dumps({"name": "npm-zapier-cache", "private": True}))
            started = time.monotonic()
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--save-exact",
                                   *(f"{n}@{v}" for n, v in PACKAGES.items())],
                                  cwd=CACHE, capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, done.stderr[-3000:]
            print(f"installed {', '.join(PACKAGES)} in {time.monotonic() - started:.1f}s")
    return CACHE / "node_modules"


ExportApp = Callable[..., Path]


@pytest.fixture
def zapier_app(node_modules: Path, tmp_path: Path) -> ExportApp:
    """Export the app (from the hub's catalog unless another is given) into a fresh folder, ready to run."""
    count = 0

    def make(base_url: str = "http://127.0.0.1:9", *, auth: str = "api_key",
             catalog: Catalog | None = None) -> Path:
        nonlocal count
        count += 1
        out = tmp_path / f"zapier-app-{count}"
        export(catalog or build_catalog(), out, base_url=base_url, auth=auth)  # type: ignore[arg-type]
        (out / "node_modules").symlink_to(node_modules, target_is_directory=True)
        return out

    return make


async def _node(script: str, app: Path, stdin: Any | None, env: dict[str, str] | None) -> dict[str, Any]:
    out = app.parent / f".{app.name}-result.json"
    out.unlink(missing_ok=True)
    process = await asyncio.create_subprocess_exec(
        "node", str(HERE / script), str(app), str(out), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={"PATH": _path(), **(env or {})})
    stdout, stderr = await asyncio.wait_for(
        process.communicate(json.dumps(stdin).encode() if stdin is not None else b""), timeout=120)
    assert process.returncode == 0 and out.exists(), (stdout + stderr).decode()[-3000:]
    return json.loads(out.read_text())


def _path() -> str:
    return str(Path(shutil.which("node") or "node").parent)


Run = Callable[..., Awaitable[Any]]


@pytest.fixture
def run() -> Run:
    """Run one method of an app through core's app tester; answers its result, or raises with its error."""

    async def call(app: Path, method: str, bundle: dict[str, Any], *, env: dict[str, str] | None = None,
                   fails: bool = False) -> Any:
        answer = await _node("tester.js", app, {"method": method, "bundle": bundle}, env)
        if fails:
            assert not answer["ok"], f"{method} should have failed, answered {answer.get('result')}"
            return answer["error"]
        assert answer["ok"], f"{method}: {answer['error']['message'][:3000]}"
        return answer["result"]

    return call


async def validate(app: Path) -> dict[str, Any]:
    """`{schema: [errors], core: [errors], definition}` of the app, as the official packages see it."""
    return await _node("validate.js", app, None, None)
