"""The connector's public surface, its static facts and its settings, locked."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

import connectors.slack as package
from connectors.slack import errors
from connectors.slack.manifest import MANIFEST, authorize_url
from hub.errors import HubError
from hub.settings import SettingsError, load_settings
from connectors.slack.settings import SlackSettings

KEY = "a2FrYWtha2FrYWtha2FrYWtha2FrYWtha2FrYWtha2E="


class TestSurface:
    def test_public_names(self) -> None:
        assert sorted(package.__all__) == sorted([
            "BadRule", "InstallRefused", "MANIFEST", "NotConfigured", "NotInstalled", "SignatureRefused",
            "Slack", "SlackError", "SlackUnavailable", "WorkspaceTaken"])

    def test_every_error_is_a_hub_error_with_a_status(self) -> None:
        for name in errors.__all__:
            error = getattr(errors, name)
            assert issubclass(error, errors.SlackError) and issubclass(error, HubError)
            assert 400 <= error.status < 600 and error.slug and error.title


class TestManifest:
    def test_the_api_is_on_an_allowed_host_and_every_action_is_a_client_method(self) -> None:
        assert MANIFEST.base_url.removeprefix("https://").split("/")[0] in MANIFEST.allowed_hosts
        assert all(callable(getattr(AsyncWebClient, action.call or "", None)) for action in MANIFEST.actions)

    @pytest.mark.parametrize("api, page", [
        ("https://slack.com/api/", "https://slack.com/oauth/v2/authorize"),
        ("https://slack.com/api", "https://slack.com/oauth/v2/authorize"),
        ("http://127.0.0.1:9000/api/", "http://127.0.0.1:9000/oauth/v2/authorize"),
    ])
    def test_the_install_page_sits_beside_the_web_api(self, api: str, page: str) -> None:
        assert authorize_url(api) == page


class TestSettings:
    def test_slack_is_off_by_default_and_on_with_all_three_credentials(self, tmp_path: Path) -> None:
        off = load_settings({"HUB_DATA_DIR": str(tmp_path), "HUB_SECRET_KEY": KEY}).of(SlackSettings)
        assert off.client_id == "" and off.api_url == "https://slack.com/api/"
        on = load_settings({"HUB_DATA_DIR": str(tmp_path), "HUB_SECRET_KEY": KEY,
                            "HUB_SLACK_CLIENT_ID": "1.2", "HUB_SLACK_CLIENT_SECRET": "s",
                            "HUB_SLACK_SIGNING_SECRET": "t"})
        assert on.of(SlackSettings).signing_secret == "t"

    @pytest.mark.parametrize("env, named", [
        ({"HUB_SLACK_API_URL": "slack.com/api"}, "HUB_SLACK_API_URL"),
        ({"HUB_SLACK_CLIENT_ID": "1.2"}, "HUB_SLACK_CLIENT_SECRET"),
        ({"HUB_SLACK_CLIENT_ID": "1.2", "HUB_SLACK_CLIENT_SECRET": "s"}, "HUB_SLACK_SIGNING_SECRET"),
        ({"HUB_SLACK_SIGNING_SECRET": "t"}, "HUB_SLACK_CLIENT_ID"),
    ])
    def test_refuses_a_partial_or_bad_slack_setting_by_name(self, tmp_path: Path, env: dict[str, str],
                                                            named: str) -> None:
        with pytest.raises(SettingsError, match=named):
            load_settings({"HUB_DATA_DIR": str(tmp_path), "HUB_SECRET_KEY": KEY, **env})
