"""Bringing a database to the schema this code expects, with Alembic, on every open.

Several app instances may open the same database at once: the upgrade runs inside one
transaction that first takes a lock (PostgreSQL advisory lock; SQLite's write lock), so one
instance migrates and the others find the work done. DDL is transactional on both backends,
so a failed upgrade leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from dashboard.core.store.engine import WRITE_OPTION

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x6B6D6967  # any constant shared by every instance of this app


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (already applied ones are skipped)."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
