"""Where the store lives and how connections to it behave.

The embedded default is one SQLite file per machine, so a single clinic laptop needs no server;
``DASHBOARD_DATABASE_URL`` points several app instances at one PostgreSQL database instead.
SQLite is tuned for several writers on one machine: WAL (readers never block the writer),
a busy timeout (writers queue instead of failing), ``synchronous=FULL`` (a confirmed entry
survives a power cut, not only a crash) and write transactions that take the write lock at
``BEGIN`` so that two writers never deadlock on a lock upgrade.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from dashboard.core import settings

BUSY_TIMEOUT_MS = 30_000

# Connection option that marks a transaction as a writer (SQLite: BEGIN IMMEDIATE).
WRITE_OPTION = "store_write"


def database_url(url: str | None = None) -> str:
    """The store's URL: the argument, else ``DASHBOARD_DATABASE_URL``, else the SQLite file
    in ``DASHBOARD_DATA_DIR`` (default ``~/.ketamine-dashboard``), whose folder is created."""
    url = url or settings.configured_database_url()
    if url:
        return _with_psycopg_driver(url)
    path = settings.sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` with the connection settings the store relies on."""
    # hide_parameters: SQL logging and error messages never show the values (patient ids, notes).
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _with_psycopg_driver(url: str) -> str:
    """``postgresql://`` (as clinics' admins write it) means psycopg 3, the driver we ship."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite driver's own is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode = WAL",
        f"busy_timeout = {BUSY_TIMEOUT_MS}",
        "foreign_keys = ON",
        "synchronous = FULL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _begin_sqlite(connection) -> None:
    mode = "IMMEDIATE" if connection.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")
