"""Settings come from HUB_* variables; a missing or invalid one stops start-up, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import SettingsError, load_settings

KEY = "a2FrYWtha2FrYWtha2FrYWtha2FrYWtha2FrYWtha2E="  # base64 of 32 bytes


class TestSettings:
    def test_defaults_to_an_embedded_sqlite_file_and_a_generated_secret(self, tmp_path: Path) -> None:
        settings = load_settings({"HUB_DATA_DIR": str(tmp_path)})
        assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        assert settings.broker_url == ""
        assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
        assert load_settings({"HUB_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key

    def test_reads_and_converts_each_variable(self, tmp_path: Path) -> None:
        settings = load_settings({"HUB_DATA_DIR": str(tmp_path), "HUB_PORT": "9000", "HUB_LOG_FORMAT": "console",
                                  "HUB_DATABASE_URL": "postgresql://u@db/hub", "HUB_SECRET_KEY": KEY,
                                  "HUB_BROKER_URL": "amqp://guest:guest@mq/", "HUB_PUBLIC_URL": "https://crm.example"})
        assert settings.port == 9000 and settings.log_format == "console"
        assert settings.database_url == "postgresql+asyncpg://u@db/hub"
        assert len(settings.secret_keys) == 1 and len(settings.secret_keys[0]) == 32

    @pytest.mark.parametrize("env, named", [
        ({"HUB_PORT": "eighty"}, "HUB_PORT"),
        ({"HUB_PORT": "0"}, "HUB_PORT"),
        ({"HUB_LOG_LEVEL": "LOUD"}, "HUB_LOG_LEVEL"),
        ({"HUB_DATABASE_URL": "mysql://db"}, "HUB_DATABASE_URL"),
        ({"HUB_BROKER_URL": "redis://x"}, "HUB_BROKER_URL"),
        ({"HUB_PUBLIC_URL": "crm.example"}, "HUB_PUBLIC_URL"),
        ({"HUB_SECRET_KEY": "short"}, "HUB_SECRET_KEY"),
        ({"HUB_DATABASE_URL": "postgresql+asyncpg://db/hub"}, "HUB_SECRET_KEY"),
        ({"HUB_WEBHOOK_RETRY_SCHEDULE": "1,-5"}, "HUB_WEBHOOK_RETRY_SCHEDULE"),
        ({"HUB_WEBHOOK_ALLOWED_HOSTS": "10.0.0.0/33"}, "HUB_WEBHOOK_ALLOWED_HOSTS"),
        ({"HUB_WEBHOOK_LEASE_SECONDS": "10"}, "HUB_WEBHOOK_LEASE_SECONDS"),
        ({"HUB_BROKER_QUEUE_PREFIX": "hub webhooks"}, "HUB_BROKER_QUEUE_PREFIX"),
        ({"HUB_SERVE_DELIVERS": "maybe"}, "HUB_SERVE_DELIVERS"),
    ])
    def test_refuses_a_bad_setting_by_name(self, tmp_path: Path, env: dict[str, str], named: str) -> None:
        with pytest.raises(SettingsError, match=named):
            load_settings({"HUB_DATA_DIR": str(tmp_path), **env})

    def test_accepts_several_keys_for_rotation(self, tmp_path: Path) -> None:
        other = "b2tva29rb2tva29rb2tva29rb2tva29rb2tva29rb2s="
        settings = load_settings({"HUB_DATA_DIR": str(tmp_path), "HUB_SECRET_KEY": f"{KEY},{other}"})
        assert len(settings.secret_keys) == 2
