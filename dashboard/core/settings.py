"""Every setting the dashboard reads from its environment, and the folders it reads and writes.

One home for the ``DASHBOARD_*`` variables so that the store, the pseudonymised export, the live
pages and the command line can never disagree on where the data folder is. Values are read when
asked for, not at import, so a test or a launcher may set a variable before the first call.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "DASHBOARD_DATA_DIR"
DATABASE_URL_ENV = "DASHBOARD_DATABASE_URL"
PSEUDONYM_KEY_ENV = "DASHBOARD_PSEUDONYM_KEY"
REQUIRE_LOGIN_ENV = "DASHBOARD_REQUIRE_LOGIN"

DEFAULT_DATA_DIR = Path.home() / ".ketamine-dashboard"
SQLITE_FILE = "store.sqlite3"  # the embedded store, inside the data folder
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"  # the committed sample cohort


def data_dir() -> Path:
    """Where the app writes (the SQLite store, the pseudonym key): ``DASHBOARD_DATA_DIR`` or the default."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()


def configured_database_url() -> str | None:
    """``DASHBOARD_DATABASE_URL`` when a server database is configured, else None (the SQLite file)."""
    return os.environ.get(DATABASE_URL_ENV) or None


def sqlite_path() -> Path:
    """The embedded store's file in the data folder (it may not exist yet)."""
    return data_dir() / SQLITE_FILE


def pseudonym_key_text() -> str | None:
    """The pseudonym key given in ``DASHBOARD_PSEUDONYM_KEY``, if any."""
    return os.environ.get(PSEUDONYM_KEY_ENV)


def is_yes(value: object) -> bool:
    """Whether a setting's text switches something on (1, true, yes, on; any case)."""
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def login_required_by_environment() -> bool:
    """Whether ``DASHBOARD_REQUIRE_LOGIN`` asks for sign-in."""
    return is_yes(os.environ.get(REQUIRE_LOGIN_ENV, ""))
