"""Opening the store, on SQLite and on a real PostgreSQL server (``database_url``): where it
lives, and the schema its migrations give."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from dashboard.core.store import open_store
from dashboard.core.store.engine import create_store_engine, database_url
from dashboard.core.store.models import Base
from dashboard.core.store.schema import MIGRATIONS, current_revision, upgrade

LATEST_REVISION = sorted((MIGRATIONS / "versions").glob("0*.py"))[-1].name[:4]  # files are named by order

# --- where the store lives --------------------------------------------------------------------


def test_first_run_creates_the_sqlite_store_in_the_data_dir_in_wal_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "new" / "folder"))
    with open_store() as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert (tmp_path / "new" / "folder" / "store.sqlite3").exists()


def test_database_url_env_selects_postgresql_through_psycopg(monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", "postgresql://clinic:secret@db.local:5432/monitor")
    assert database_url() == "postgresql+psycopg://clinic:secret@db.local:5432/monitor"


# --- schema migrations ------------------------------------------------------------------------


def test_upgrade_from_the_first_revision_keeps_the_data(database_url):
    engine = create_store_engine(database_url)
    upgrade(engine, "0001")
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO patients VALUES ('P07', :at)"), {"at": at})
        conn.execute(
            text(
                "INSERT INTO sessions (session_id, patient_id, chair, started_at, started_by) "
                "VALUES ('P07-S2', 'P07', 'Chair 4', :at, 'nurse.a')"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                'INSERT INTO vitals (session_id, timestamp, hr, spo2, "user", entered_at) '
                "VALUES ('P07-S2', :at, 71, 97, 'feed', :at)"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                'INSERT INTO events (id, session_id, timestamp, event, category, "user", entered_at, '
                "retracted) VALUES ('e1', 'P07-S2', :at, 'nausea', 'side_effect', 'nurse.a', :at, :no)"
            ),
            {"at": at, "no": False},
        )
    engine.dispose()
    with open_store(database_url) as store:
        assert current_revision(store.engine) == LATEST_REVISION
        assert store.sessions().set_index("session_id").loc["P07-S2", "chair"] == "Chair 4"
        assert store.session_vitals("P07-S2")["hr"].tolist() == [71.0]
        assert store.session_events("P07-S2")["id"].tolist() == ["e1"]
        assert store.ingest_position("any.csv") is None


def test_migrations_create_exactly_the_tables_the_models_describe(database_url):
    with open_store(database_url) as store, store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
