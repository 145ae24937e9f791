"""The app's access switch and upload limit, through AppTest.

The default is open (one machine in a clinic room); with a login required nothing is shown, not
even the list of pages, until the identity provider says who the user is.
"""

from __future__ import annotations

import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.settings import REQUIRE_LOGIN_ENV as REQUIRE_ENV
from tests.factories import AUTH
from tests.paths import REPO as ROOT

APP = str(ROOT / "dashboard" / "app.py")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    return tmp_path


def run(user: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if user is not None:
        at.user = user
    return at.run()


def shows_data(at: AppTest) -> bool:
    return bool(at.dataframe) or any(t.value == "Review sessions" for t in at.title)


def test_default_is_open_for_single_machine_use(data_dir):
    at = run()
    assert not at.exception
    assert shows_data(at)


def test_required_login_without_a_provider_refuses_to_show_anything(data_dir, monkeypatch):
    monkeypatch.setenv(REQUIRE_ENV, "1")
    at = run()
    assert not at.exception
    assert not shows_data(at)
    assert any("no identity provider is configured" in e.value for e in at.error)


def test_required_login_shows_only_a_login_button_until_logged_in(data_dir, monkeypatch):
    monkeypatch.setenv(REQUIRE_ENV, "1")
    at = run(user={"is_logged_in": False}, secrets={"auth": AUTH})
    assert not at.exception
    assert not shows_data(at)
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.sidebar.caption  # not even the data folder


def test_logged_in_user_sees_the_app_and_entries_are_recorded_under_the_verified_name(data_dir, monkeypatch):
    monkeypatch.setenv(REQUIRE_ENV, "1")
    at = run(user={"is_logged_in": True, "name": "Dr Ada Example", "email": "ada@example.org"},
             secrets={"auth": AUTH})  # fmt: skip
    assert not at.exception
    assert shows_data(at)
    assert any("Dr Ada Example" in c.value for c in at.sidebar.caption)


def test_login_can_be_required_from_the_secrets_file(data_dir):
    at = run(user={"is_logged_in": False}, secrets={"auth": AUTH, "require_login": True})
    assert not shows_data(at)


def test_uploaders_state_the_configured_size_limit(data_dir):
    at = run()
    limit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    for key in ("up_files", "up_folder"):
        assert f"Up to {limit} MB per file" in at.file_uploader(key=key).help
