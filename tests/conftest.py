"""Shared fixtures.

``database_url`` runs a test against both store backends: a SQLite file in the test's tmp dir
and a fresh database on a real PostgreSQL server that the suite starts itself (once per run,
in a tmp dir, on a free loopback port). Without the server binaries the PostgreSQL half is
skipped with the reason shown, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

POSTGRES_BINARIES = ("initdb", "pg_ctl", "postgres")
POSTGRES_OS_USER = "postgres"  # initdb refuses to run as root


@dataclass
class PostgresServer:
    host: str
    port: int
    _names = itertools.count()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        return self.url(name)


@pytest.fixture(autouse=True)
def own_data_folder(tmp_path_factory, monkeypatch):
    """Every test starts with an empty data folder of its own, never the user's store (the
    Review opens on the clinic's records when the store holds sessions)."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def postgresql_server():
    server = _started_postgres()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def stoppable_postgresql_server():
    """A PostgreSQL server of this test's own, which it may ``stop()`` and ``start()`` again (an
    outage) without disturbing the tests that share ``postgresql_server``."""
    server = _started_postgres()
    try:
        yield server
    finally:
        server.remove()


@dataclass
class StoppablePostgres(PostgresServer):
    pg_ctl: tuple[str, ...] = ()
    options: str = ""
    root: Path | None = None

    def stop(self) -> None:
        """A fast shutdown: connected clients are cut off, as when a server is stopped for maintenance."""
        subprocess.run([*self.pg_ctl, "-m", "fast", "stop"], check=True, capture_output=True)

    def start(self) -> None:
        log = str(self.root / "server.log")
        subprocess.run(
            [*self.pg_ctl, "-l", log, "-o", self.options, "start"], check=True, capture_output=True
        )

    def remove(self) -> None:
        subprocess.run([*self.pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


def _started_postgres() -> StoppablePostgres:
    """A new PostgreSQL server in a tmp dir on a free loopback port, started (skipped without the
    server binaries, except in CI)."""
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        reason = f"PostgreSQL server binaries ({', '.join(POSTGRES_BINARIES)}) not found on PATH"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must test the PostgreSQL backend")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="store-pg-"))
    as_postgres = _as_postgres_user(root)
    data, port = root / "data", _free_port()
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    pg_ctl = (*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60")
    server = StoppablePostgres(host="127.0.0.1", port=port, pg_ctl=pg_ctl, options=options, root=root)
    server.start()
    return server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """An empty store database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("postgresql_server").create_database()


def _postgres_bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return next((d for d in candidates if all((d / b).exists() for b in POSTGRES_BINARIES)), None)


def _as_postgres_user(root: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    shutil.chown(root, user=POSTGRES_OS_USER, group=POSTGRES_OS_USER)
    return ["runuser", "-u", POSTGRES_OS_USER, "--"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
