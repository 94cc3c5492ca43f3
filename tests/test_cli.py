"""The `hub` command, run as a person would run it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

HUB = [sys.executable, "-m", "hub.cli"]


def _run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HUB_DATA_DIR": str(data_dir), "HUB_LOG_LEVEL": "WARNING", **env}
    return subprocess.run([*HUB, *args], env=full, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TestCli:
    def test_creates_an_org_and_manages_its_keys(self, tmp_path: Path) -> None:
        made = _run(["org", "create", "Initech", "--json"], tmp_path)
        assert made.returncode == 0, made.stderr
        org = json.loads(made.stdout)
        assert org["org_id"].startswith("org_") and org["api_key"].startswith("hub_")
        key = _run(["key", "create", org["org_id"], "--scope", "read", "--json"], tmp_path)
        assert key.returncode == 0, key.stderr
        created = json.loads(key.stdout)
        assert created["scopes"] == ["read"]
        revoked = _run(["key", "revoke", org["org_id"], created["prefix"]], tmp_path)
        assert revoked.returncode == 0 and created["prefix"] in revoked.stdout
        missing = _run(["key", "revoke", org["org_id"], "hub_00000000"], tmp_path)
        assert missing.returncode != 0 and "No API key" in missing.stderr

    def test_refuses_to_start_on_a_bad_setting_and_names_it(self, tmp_path: Path) -> None:
        failed = _run(["migrate"], tmp_path, HUB_DATABASE_URL="mysql://nowhere/db")
        assert failed.returncode != 0 and "HUB_DATABASE_URL" in failed.stderr
        assert "Traceback" not in failed.stderr

    def test_serve_migrates_makes_a_demo_org_and_answers(self, tmp_path: Path) -> None:
        port = _free_port()
        env = {**os.environ, "HUB_DATA_DIR": str(tmp_path), "HUB_PORT": str(port), "HUB_LOG_LEVEL": "WARNING",
               "PYTHONUNBUFFERED": "1"}
        server = subprocess.Popen([*HUB, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            printed = [server.stdout.readline() for _ in range(5)]  # type: ignore[union-attr]
            key = re.search(r"hub_[0-9a-f]{8}_\S+", "".join(printed))
            assert key, printed
            assert any(f"http://127.0.0.1:{port}/schema" in line for line in printed)
            for _ in range(100):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                pytest.fail("the hub did not come up")
            me = httpx.get(f"http://127.0.0.1:{port}/v1/me", headers={"Authorization": f"Bearer {key.group(0)}"})
            assert me.status_code == 200 and me.json()["org_name"] == "Demo organization"
            portal = next(line.split()[2] for line in printed if line.startswith("Webhook portal:"))
            assert httpx.get(portal, follow_redirects=True).status_code == 200
        finally:
            server.terminate()
            _, err = server.communicate(timeout=30)
        assert "Traceback" not in err
