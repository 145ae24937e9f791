"""Settings: where the app writes and which database it uses follow the environment, read when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.core import settings
from dashboard.core.store.engine import database_url


def test_the_data_folder_is_the_variable_when_set_else_the_home_default(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(settings.DATA_DIR_ENV, raising=False)
    assert settings.data_dir() == Path.home() / ".ketamine-dashboard"
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    assert settings.data_dir() == tmp_path
    assert settings.sqlite_path() == tmp_path / "store.sqlite3"


def test_the_store_is_the_sqlite_file_in_the_data_folder_unless_a_url_is_set(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "new"))
    monkeypatch.delenv(settings.DATABASE_URL_ENV, raising=False)
    assert settings.configured_database_url() is None
    assert database_url() == f"sqlite:///{tmp_path / 'new' / 'store.sqlite3'}"
    assert (tmp_path / "new").is_dir()  # made on first use, so the app runs with nothing installed
    monkeypatch.setenv(settings.DATABASE_URL_ENV, "postgresql://clinic@db/store")
    assert database_url() == "postgresql+psycopg://clinic@db/store"


def test_a_home_relative_data_folder_is_expanded(monkeypatch) -> None:
    monkeypatch.setenv(settings.DATA_DIR_ENV, "~/clinic-data")
    assert settings.data_dir() == Path.home() / "clinic-data"


YES_WORDS = ["1", " TRUE ", "yes", "On"]
NO_WORDS = ["0", "", "no", "off"]


@pytest.mark.parametrize(("text", "on"), [(w, True) for w in YES_WORDS] + [(w, False) for w in NO_WORDS])
def test_a_switch_is_on_only_for_the_usual_yes_words(monkeypatch, text, on) -> None:
    assert settings.is_yes(text) is on
    monkeypatch.setenv(settings.REQUIRE_LOGIN_ENV, text)
    assert settings.login_required_by_environment() is on


def test_the_sample_folder_holds_the_committed_cohort() -> None:
    assert {p.name for p in settings.SAMPLE_DIR.glob("*.csv")} >= {"events.csv", "sessions.csv"}
