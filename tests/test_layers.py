"""The layers hold: `hub` is the base, `webhooks` and `oauth` stand on it, connectors and feature modules on
those, and a feature module never imports a connector. The contracts are import-linter's, in pyproject.toml."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """import-linter in a process of its own, where the packages of `cwd` are the ones imported."""
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(sys.argv[1], no_cache=True))"
    return subprocess.run([sys.executable, "-c", code, str(config)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(cwd)}, timeout=120)


class TestLayers:
    def test_the_project_keeps_every_contract(self) -> None:
        linted = _lint(ROOT / "pyproject.toml", ROOT)
        assert linted.returncode == 0, linted.stdout + linted.stderr

    @pytest.mark.parametrize("importer, imported", [
        ("hub/records/service.py", "webhooks.worker"),
        ("hub/settings.py", "connectors.slack"),
        ("webhooks/service.py", "oauth.service"),
        ("oauth/service.py", "connectors.xero"),
        ("core_features/a/service.py", "connectors.slack"),
        ("core_features/a/service.py", "core_features.b.service"),
    ])
    def test_the_contracts_refuse_an_import_against_the_layers(self, tmp_path: Path, importer: str,
                                                                imported: str) -> None:
        """The same contracts, on a tree of empty packages with one import that breaks them."""
        modules = {"hub/records/service.py", "hub/settings.py", "webhooks/worker.py", "webhooks/service.py",
                   "oauth/service.py", "connectors/slack/__init__.py", "connectors/xero/__init__.py",
                   "core_features/a/service.py", "core_features/b/service.py"}
        for name in modules:
            path = tmp_path / "tree" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            for parent in path.relative_to(tmp_path / "tree").parents:
                if str(parent) != ".":
                    (tmp_path / "tree" / parent / "__init__.py").touch()
        (tmp_path / "tree" / importer).write_text(f"import {imported}\n")
        config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
        lines = [f"root_packages = {config['root_packages']!r}".replace("'", '"')]
        for contract in config["contracts"]:
            lines += ["", "[[tool.importlinter.contracts]]"]
            lines += [f"{k} = {v!r}".replace("'", '"') for k, v in contract.items()]
        (tmp_path / "contracts.toml").write_text("[tool.importlinter]\n" + "\n".join(lines) + "\n")
        linted = _lint(tmp_path / "contracts.toml", tmp_path / "tree")
        assert linted.returncode == 1 and "BROKEN" in linted.stdout, linted.stdout + linted.stderr
