"""A consistent copy of the SQLite session store while the app and the feeds keep writing, and the
check of such a copy (``python -m dashboard backup``).

SQLite's online backup API copies the file a few pages per step, but a commit by another
connection between two steps makes it start again, so under a steady feed a stepwise copy never
ends (seen: still copying after 2,000 steps of a 2,230-page store with one write per step).
The copy is therefore read inside one read transaction opened before the first step. In WAL
mode, which every store connection sets, a reader holds a snapshot and never blocks a writer:
the copy holds exactly what was committed when it began, and the writers go on meanwhile (their
commits stay in the WAL, not yet checkpointed into the file, until the copy is done). The copy
is flushed to disk after every step, not all at the end: one flush of the whole copy would hold
up every writer's own flush on the same disk (seen: 0.35-0.57 s for a 146 MB store).

The copy goes to a temporary file beside the destination; it is made one self-contained file
(rollback journal, no WAL beside it), checked (``PRAGMA integrity_check``, the Alembic revision
equal to the source's), synced, and only then renamed to the destination, so a failed backup
never leaves a half file under the name. Only paths and counts are reported, never a row.

A PostgreSQL store is backed up with ``pg_dump``: ``BackupError`` carries its command line
(``pg_dump_command``), without the password.
"""

from __future__ import annotations

import functools
import os
import shlex
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from dashboard.core import settings
from dashboard.core.store.engine import BUSY_TIMEOUT_MS
from dashboard.core.store.schema import MIGRATIONS

PAGES_PER_STEP = 1024  # 4 MB at SQLite's default page size
# What a backup reports: label -> table.
COUNTED: dict[str, str] = {
    "sessions": "sessions",
    "vitals rows": "vitals",
    "entries": "events",
    "audit rows": "audit_log",
}
Progress = Callable[[int, int], None]  # (pages copied, pages in all)
_BESIDE = ("-journal", "-wal", "-shm")  # files SQLite may keep beside a database


class BackupError(ValueError):
    """A backup or a check refused or failed (nothing is left under the destination's name)."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup file holds, and whether it is sound."""

    path: Path
    size_bytes: int
    revision: str | None
    integrity: list[str]  # ["ok"] when sound, else SQLite's findings
    counts: dict[str, int] = field(default_factory=dict)
    snapshot_at: datetime | None = None  # a backup: when its snapshot was taken
    seconds: float | None = None  # a backup: how long it took

    @property
    def problems(self) -> list[str]:
        found = [] if self.integrity == ["ok"] else [f"integrity check: {line}" for line in self.integrity]
        if self.revision not in known_revisions():
            found.append(
                f"schema revision {self.revision} is not one this version of the dashboard knows: "
                "restore it with the version that wrote it, or a newer one"
            )
        return found

    def lines(self) -> list[str]:
        """The report as staff read it: counts and size, integrity, revision."""
        counts = ", ".join(f"{label} {n:,}" for label, n in self.counts.items()) or "counts not read"
        head = current_head()
        if self.revision == head:
            revision = f"schema revision {self.revision} (current)"
        elif self.revision in known_revisions():
            revision = f"schema revision {self.revision} (older than {head}: the app migrates it on start)"
        else:
            revision = f"schema revision {self.revision} (unknown to this version)"
        integrity = "integrity ok" if self.integrity == ["ok"] else "integrity check FAILED"
        return [f"{self.path}: {counts}; {self.size_bytes / 1e6:,.1f} MB", f"{integrity}; {revision}"]


def backup_store(
    out: Path,
    url: str | None = None,
    *,
    force: bool = False,
    pages_per_step: int = PAGES_PER_STEP,
    progress: Progress | None = None,
) -> BackupReport:
    """Copy the store at ``url`` (default: ``DASHBOARD_DATABASE_URL``, else the SQLite file in
    ``DASHBOARD_DATA_DIR``) to the new file ``out`` (replaced only with ``force``), check the copy
    and report it. Everything committed before the call is in the copy."""
    source = source_path(url, dump_file=str(out))
    out = _destination(Path(out), source, force)
    began, partial = time.perf_counter(), None
    try:
        handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
        os.close(handle)
        partial = Path(name)
        snapshot_at, revision = _copy(source, partial, pages_per_step, progress)
        report = _inspect(partial)
        if report.integrity != ["ok"]:
            raise BackupError(f"the copy failed its integrity check ({report.integrity[0]}); nothing written")
        if report.revision != revision:
            raise BackupError(
                f"the copy's schema revision {report.revision} is not the store's {revision}; nothing written"
            )
        _sync(partial)
        _move(partial, out, force)
    except OSError as error:  # disk full, no permission: said in one line, like a refusal
        raise BackupError(f"{error}; nothing written under {out.name}") from None
    finally:
        for leftover in [] if partial is None else [partial, *(Path(f"{partial}{end}") for end in _BESIDE)]:
            leftover.unlink(missing_ok=True)
    _sync(out.parent)  # the new name too survives a power cut
    return BackupReport(out, out.stat().st_size, report.revision, report.integrity, report.counts,
                        snapshot_at, time.perf_counter() - began)  # fmt: skip


def check_backup(path: Path) -> BackupReport:
    """What the backup file ``path`` holds and whether it is sound, without changing it."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    return _inspect(path)


def source_path(url: str | None = None, dump_file: str = "store.dump") -> Path:
    """The SQLite file of the store at ``url`` (default as ``backup_store``); refuses a server
    database (PostgreSQL: with the ``pg_dump`` line writing ``dump_file``) and a missing file."""
    url = url or settings.configured_database_url()
    if not url:
        path = settings.sqlite_path()
    else:
        parsed = _parsed(url)
        backend = parsed.get_backend_name()
        if backend in {"postgresql", "postgres"}:
            raise BackupError(
                "the store is PostgreSQL: back it up with pg_dump instead (password from PGPASSWORD "
                f"or ~/.pgpass): {pg_dump_command(url, dump_file)}"
            )
        if backend != "sqlite":
            raise BackupError(
                f"backup copies the SQLite store; back up a {backend} database with its own tools"
            )
        if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
            raise BackupError("backup needs the store's file: sqlite:///PATH")
        path = Path(parsed.database)
    if not path.is_file():
        raise BackupError(f"no store at {path}: give its --database URL, or set DASHBOARD_DATA_DIR")
    return path


def pg_dump_command(url: str, out: str = "store.dump") -> str:
    """The ``pg_dump`` command line that backs up the PostgreSQL database at ``url`` to ``out``
    (custom format, for ``pg_restore``); the password is never part of it."""
    parsed = _parsed(url)
    if "@" in (parsed.host or ""):  # an @ of the password not written %40: part of it would show
        raise BackupError("the PostgreSQL URL's password has an @: write it as %40 (the URL is not shown)")
    host = parsed.host or parsed.query.get("host")
    options = {"host": host if isinstance(host, str) else None, "port": parsed.port,
               "username": parsed.username, "dbname": parsed.database}  # fmt: skip
    given = [f"--{name}={value}" for name, value in options.items() if value is not None]
    return shlex.join(["pg_dump", "--format=custom", f"--file={out}", *given])


def current_head() -> str | None:
    """The schema revision this version of the code migrates a store to."""
    return _scripts()[0]


def known_revisions() -> frozenset[str]:
    """Every schema revision this version of the code can migrate a store from."""
    return _scripts()[1]


@functools.cache
def _scripts() -> tuple[str | None, frozenset[str]]:
    scripts = ScriptDirectory(str(MIGRATIONS))
    return scripts.get_current_head(), frozenset(script.revision for script in scripts.walk_revisions())


def _parsed(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as error:
        raise BackupError(f"not a database URL: {error}") from None


def _destination(out: Path, source: Path, force: bool) -> Path:
    out = out.expanduser().absolute()
    if out.exists() and out.resolve() == source.resolve():
        raise BackupError(f"{out} is the store itself: give the backup another name")
    if out.is_dir():
        raise BackupError(f"{out} is a folder: give the backup file's name")
    if out.exists() and not force:
        raise BackupError(f"{out} exists: give another name, or --force to replace it")
    if not out.parent.is_dir():
        raise BackupError(f"folder {out.parent} does not exist")
    return out


def _copy(source: Path, target: Path, pages_per_step: int, progress: Progress | None) -> tuple[datetime, str]:
    """Copy ``source`` to ``target`` as of one snapshot; its time and the source's revision."""
    timeout = BUSY_TIMEOUT_MS / 1000
    uri = f"{source.absolute().as_uri()}?mode=rw"  # never creates a missing store
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)) as src:
            _revision(src, source)  # refuse a file that is no store before changing anything
            if src.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                src.execute("PRAGMA journal_mode = WAL")  # as every store connection sets it
            src.execute("BEGIN")
            revision = _revision(src, source)  # the first read: the snapshot starts here
            snapshot_at = datetime.now(UTC)
            with closing(sqlite3.connect(target, isolation_level=None)) as dst, _opened(target) as handle:
                dst.execute("PRAGMA synchronous = OFF")  # flushed after each step instead (see above)

                def on_step(_status: int, left: int, total: int) -> None:
                    os.fsync(handle)
                    if progress is not None:
                        progress(total - left, total)

                src.backup(dst, pages=pages_per_step, progress=on_step)
                dst.execute("PRAGMA journal_mode = DELETE")  # one file: no WAL beside the backup
            src.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source}: {error}; nothing written") from None
    return snapshot_at, revision


def _inspect(path: Path) -> BackupReport:
    try:
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as db:
            revision = _revision(db, path)
            try:
                integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
            except sqlite3.DatabaseError as error:
                integrity = [str(error)]
            counts = _counts(db) if integrity == ["ok"] else {}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: {error}") from None
    return BackupReport(path, path.stat().st_size, revision, integrity, counts)


def _revision(db: sqlite3.Connection, path: Path) -> str:
    try:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise BackupError(f"{path} is not a session store (it has no schema revision)")
    return row[0]


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    return {
        label: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for label, table in COUNTED.items()
    }


def _move(partial: Path, out: Path, force: bool) -> None:
    """Give the checked copy its name; without ``force``, never over a file that appeared meanwhile."""
    if force:
        os.replace(partial, out)
        return
    try:
        os.link(partial, out)  # fails if ``out`` exists, unlike a rename
    except FileExistsError:
        raise BackupError(f"{out} appeared during the backup: nothing written") from None
    except OSError:  # a file system without hard links
        if out.exists():
            raise BackupError(f"{out} appeared during the backup: nothing written") from None
        os.replace(partial, out)


def _sync(path: Path) -> None:
    with _opened(path) as handle:
        os.fsync(handle)


@contextmanager
def _opened(path: Path) -> Iterator[int]:
    handle = os.open(path, os.O_RDONLY)
    try:
        yield handle
    finally:
        os.close(handle)
