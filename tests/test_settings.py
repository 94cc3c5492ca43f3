"""Settings come from HUB_* variables; a missing or invalid one stops start-up, naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

import msgspec
import pytest

from hub.settings import HttpUrl, ModuleSettings, SettingsError, load_settings

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


class Probe(ModuleSettings, kw_only=True, frozen=True):
    """A module's settings of this test's own: `HUB_PROBE_*`."""

    prefix: ClassVar[str] = "probe"

    timeout: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    retries: int = 3
    verbose: bool = False
    endpoint: HttpUrl = "https://probe.example/api"

    def check(self) -> None:
        if self.retries > 10:
            raise SettingsError(f"{self.var('retries')} must be at most 10")


class Twin(ModuleSettings, kw_only=True, frozen=True):
    """Another module's settings under the same prefix."""

    prefix: ClassVar[str] = "probe"

    colour: str = "red"


class Absent(ModuleSettings, kw_only=True, frozen=True):
    """The settings of a module that is not loaded."""

    prefix: ClassVar[str] = "absent"


class Needy(ModuleSettings, kw_only=True, frozen=True):
    """A module's settings with one that has no default."""

    prefix: ClassVar[str] = "needy"

    token: str


class TestModuleSettings:
    def _load(self, tmp_path: Path, env: dict[str, str] | None = None, **overrides: object) -> Probe:
        return load_settings({"HUB_DATA_DIR": str(tmp_path), **(env or {})}, sections=[Probe], **overrides).of(Probe)

    def test_reads_a_section_from_its_prefixed_variables(self, tmp_path: Path) -> None:
        env = {"HUB_PROBE_TIMEOUT": "2.5", "HUB_PROBE_RETRIES": "7", "HUB_PROBE_VERBOSE": "true",
               "HUB_PROBE_ENDPOINT": "http://127.0.0.1:9/api", "HUB_TIMEOUT": "1", "HUB_RETRIES": "1"}
        assert self._load(tmp_path, env) == Probe(timeout=2.5, retries=7, verbose=True, endpoint="http://127.0.0.1:9/api")
        assert self._load(tmp_path) == Probe()

    def test_an_override_named_prefix_and_field_wins_over_the_variable(self, tmp_path: Path) -> None:
        section = self._load(tmp_path, {"HUB_PROBE_RETRIES": "7"}, probe_retries=9, probe_verbose=True)
        assert (section.retries, section.verbose) == (9, True)

    @pytest.mark.parametrize("env, overrides, named", [
        ({"HUB_PROBE_TIMEOUT": "0"}, {}, "HUB_PROBE_TIMEOUT"),
        ({"HUB_PROBE_TIMEOUT": "soon"}, {}, "HUB_PROBE_TIMEOUT"),
        ({"HUB_PROBE_RETRIES": "many"}, {}, "HUB_PROBE_RETRIES"),
        ({"HUB_PROBE_VERBOSE": "maybe"}, {}, "HUB_PROBE_VERBOSE"),
        ({"HUB_PROBE_ENDPOINT": "ftp://probe.example"}, {}, "HUB_PROBE_ENDPOINT"),
        ({}, {"probe_timeout": -1}, "HUB_PROBE_TIMEOUT"),
        ({"HUB_PROBE_RETRIES": "11"}, {}, "HUB_PROBE_RETRIES"),  # refused by the section's own check
    ])
    def test_refuses_a_bad_value_naming_its_variable(self, tmp_path: Path, env: dict[str, str],
                                                     overrides: dict[str, object], named: str) -> None:
        with pytest.raises(SettingsError) as info:
            self._load(tmp_path, env, **overrides)
        assert str(info.value).split()[0] == named

    def test_names_the_variable_of_a_missing_setting(self, tmp_path: Path) -> None:
        with pytest.raises(SettingsError) as info:
            load_settings({"HUB_DATA_DIR": str(tmp_path)}, sections=[Needy])
        assert "HUB_NEEDY_TOKEN" in str(info.value)

    def test_refuses_two_sections_under_one_prefix(self, tmp_path: Path) -> None:
        with pytest.raises(SettingsError, match="HUB_PROBE_"):
            load_settings({"HUB_DATA_DIR": str(tmp_path)}, sections=[Probe, Twin])

    @pytest.mark.parametrize("override, named", [("probe_colour", "HUB_PROBE_COLOUR"), ("colour", "HUB_COLOUR")])
    def test_refuses_an_unknown_override_naming_it(self, tmp_path: Path, override: str, named: str) -> None:
        with pytest.raises(SettingsError, match=rf"Unknown settings: {named}$"):
            self._load(tmp_path, **{override: "red"})

    def test_of_answers_a_loaded_section_and_refuses_a_kind_that_was_not(self, tmp_path: Path) -> None:
        settings = load_settings({"HUB_DATA_DIR": str(tmp_path)}, sections=[Probe], probe_retries=4)
        assert settings.of(Probe) is settings.sections["probe"] and settings.of(Probe).retries == 4
        for kind in (Absent, Twin):  # Twin shares Probe's prefix, but it is not what was loaded
            with pytest.raises(SettingsError, match=kind.__name__):
                settings.of(kind)

    def test_to_environ_reads_back_to_equal_settings(self, tmp_path: Path) -> None:
        settings = load_settings({"HUB_DATA_DIR": str(tmp_path)}, sections=[Probe], serve_delivers=False,
                                 strict_events=True, port=9001, key_cache_seconds=0.5, probe_timeout=0.25,
                                 probe_verbose=True, probe_endpoint="http://10.0.0.7:8080/x")
        environ = settings.to_environ()
        assert (environ["HUB_SERVE_DELIVERS"], environ["HUB_STRICT_EVENTS"], environ["HUB_PROBE_VERBOSE"]) == (
            "false", "true", "true")
        assert environ["HUB_PROBE_TIMEOUT"] == "0.25" and "HUB_SECTIONS" not in environ
        assert load_settings(environ, sections=[Probe]) == settings

    def test_to_environ_carries_the_hubs_own_module_sections(self, tmp_path: Path) -> None:
        settings = load_settings({"HUB_DATA_DIR": str(tmp_path), "HUB_WEBHOOK_TIMEOUT": "3",
                                  "HUB_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"})
        environ = settings.to_environ()
        assert (environ["HUB_WEBHOOK_TIMEOUT"], environ["HUB_WEBHOOK_ALLOWED_HOSTS"]) == ("3.0", "127.0.0.1")
        assert load_settings(environ) == settings
