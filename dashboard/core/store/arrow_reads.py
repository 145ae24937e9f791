"""The vitals of many stored sessions read straight into Arrow columns, for the review of a
clinic's whole record (2,000 sessions at 1 Hz are 7.8 M rows).

Through SQLAlchemy every cell becomes a Python object and every timestamp a ``datetime`` (the
UTC type decorator): about 15 µs a row, two minutes for 2,000 sessions. ADBC drivers (Apache
Arrow's database connectivity: ``adbc-driver-sqlite``, ``adbc-driver-postgresql``) fill column
buffers in C instead; SQLite's keeps timestamps as the text SQLAlchemy wrote (naive UTC,
``YYYY-MM-DD HH:MM:SS.ffffff``), which Arrow parses, PostgreSQL's reads ``timestamptz`` as UTC.

The SQLite driver carries its own copy of the SQLite library. Two copies of SQLite in one process
must never open the same file (sqlite.org, "How To Corrupt An SQLite Database File", 2.2.1): each
keeps its own POSIX locks and WAL index, so closing one's file drops the other's locks, and here
the driver's copy read a WAL-mode store as it was before later commits (a reading stored after
the first read was missing from every later one). So a SQLite store is read by ADBC only in a
process of its own (``sqlite_reader``), which hands the columns back as an Arrow file; the app's
process opens the file only through Python's ``sqlite3`` (SQLAlchemy). PostgreSQL's driver talks to
the server and is used in the app's process.

The store is configured in one place, its SQLAlchemy engine: the ADBC connection is derived
from the engine's URL (``sqlite:///PATH`` -> ``PATH``; ``postgresql+psycopg://user:pw@host/db``
-> ``postgresql://user:pw@host/db``, the password only in memory, never logged). Where that is not
possible (another backend, an in-memory SQLite database, a driver not installed, a connection
refused: logged as a warning, without the URL) ``read_vitals`` gives None and the caller reads
through SQLAlchemy: slower, the same frame.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from queue import Queue
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from dashboard.core.model import VITALS, VITALS_COLUMNS, empty_frame, session_categories
from dashboard.core.store.engine import BUSY_TIMEOUT_MS

log = logging.getLogger(__name__)

BLOCK = 500  # sessions per query: SQLite allows 32,766 parameters, PostgreSQL 65,535
# The SQLite driver infers each column's type from the first batch of rows and fails on a later
# batch that disagrees (a cuff column empty for the first thousand rows, then a reading): one
# batch holds the whole result, so a column is typed from all its values. The driver's maximum.
SQLITE_BATCH_ROWS = 2**30
WORKERS = 2  # connections reading blocks at once: the reference machine has two cores
# Below this many stored rows a SQLite store is read through SQLAlchemy (~15 µs a row, 1.5 s).
SQLITE_CHILD_FROM_ROWS = 100_000
ID = ("id",)  # the stored row id, read only for the columnar copy (``vitals_snapshot``)


def adbc_uri(url: URL) -> tuple[str, str] | None:
    """The ADBC backend and URI for a store URL, or None when no ADBC driver reads it."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database
        if not path or path == ":memory:" or path.startswith("file:") or url.query:
            return None
        return backend, path
    if backend == "postgresql":
        return backend, url.set(drivername="postgresql").render_as_string(hide_password=False)
    return None


def adbc_connect(engine: Engine) -> Any | None:
    """A DB-API connection of the ADBC driver for the store behind ``engine`` (close it), or None.
    SQLite: only in a process that does not also open the store through SQLAlchemy (see above)."""
    found = adbc_uri(engine.url)
    return None if found is None else connect(*found)


def connect(backend: str, uri: str) -> Any | None:
    """A DB-API connection of ``backend``'s ADBC driver to ``uri`` (close it), or None (logged)."""
    try:
        if backend == "sqlite":
            import adbc_driver_sqlite.dbapi as driver
        else:
            import adbc_driver_postgresql.dbapi as driver
    except ImportError:
        log.warning("ADBC driver for %s not installed: reading vitals through SQLAlchemy", backend)
        return None
    try:
        connection = driver.connect(uri)
        if backend == "sqlite":  # wait for a writer's lock as the engine's connections do
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return connection
    except driver.Error as error:  # the message is the server's; the URL and password are not in it
        log.warning("ADBC connection to the %s store refused (%s): reading vitals through SQLAlchemy",
                    backend, type(error).__name__)  # fmt: skip
        return None


def read_vitals(engine: Engine, session_ids: Sequence[str]) -> pd.DataFrame | None:
    """The sessions' vitals (model columns, session and time order, ties in the order stored), in
    the model's form (``conform``ed already), the frame ``RecordReads`` reads through SQLAlchemy;
    None if ADBC cannot read this store."""
    if not session_ids:
        return empty_frame(VITALS_COLUMNS)
    table = read_vitals_table(engine, session_ids)
    return None if table is None else to_frame(table)


def read_vitals_table(engine: Engine, session_ids: Sequence[str], with_ids: bool = False):
    """The sessions' vitals as an Arrow table (session ids dictionary-encoded, then the model's
    columns; with ``with_ids`` the stored row ``id`` last), or None: ADBC cannot read this store, or
    it is a SQLite store too small to be worth a process of its own (``sqlite_reader``: about 1-2 s
    to start), read faster through SQLAlchemy. PostgreSQL is read in this process."""
    found = adbc_uri(engine.url)
    if found is None:
        return None
    backend, uri = found
    if backend != "sqlite" or not session_ids:
        return read_blocks(backend, uri, session_ids, with_ids)
    if _rows_stored(engine) < SQLITE_CHILD_FROM_ROWS:
        return None
    from dashboard.core.store.sqlite_reader import read_in_child

    return read_in_child(uri, list(session_ids), with_ids, BLOCK)


def _rows_stored(engine: Engine) -> int:
    """At least as many vitals rows as the store holds (its highest row id), in one lookup."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM vitals")).scalar() or 0


def read_blocks(
    backend: str, uri: str, session_ids: Sequence[str], with_ids: bool = False, block: int | None = None
):
    """``read_vitals_table`` on ADBC connections of this process, or None if none can be opened.

    Blocks of sessions are read on up to ``WORKERS`` connections at once (the drivers release the
    GIL). Each block is one read transaction, as each block of the SQLAlchemy read is.
    """
    import pyarrow as pa

    ids = list(dict.fromkeys(session_ids))
    blocks = _blocks(ids, block or BLOCK)
    if not blocks:
        return vitals_schema(with_ids).empty_table()
    connections = []
    for _ in range(min(WORKERS, len(blocks))):
        connection = connect(backend, uri)
        if connection is None:
            for opened in connections:
                opened.close()
            return None
        connections.append(connection)

    idle: Queue = Queue()
    for connection in connections:
        idle.put(connection)

    def read(block: list[str]):
        connection = idle.get()
        try:
            return _read_block(connection, backend, block, with_ids)
        finally:
            idle.put(connection)

    try:
        with ThreadPoolExecutor(len(connections)) as pool:
            tables = list(pool.map(read, blocks))
    finally:
        for connection in connections:
            connection.close()
    return pa.concat_tables(tables)


def vitals_schema(with_ids: bool = False):
    """The Arrow schema of ``read_vitals_table``'s tables."""
    import pyarrow as pa

    return pa.schema(
        [
            ("session_id", pa.dictionary(pa.int32(), pa.string())),
            ("timestamp", pa.timestamp("us", tz="UTC")),
            *((vital, pa.float64()) for vital in VITALS),
            *((name, pa.int64()) for name in ID[:with_ids]),
        ]
    )


def to_frame(table) -> pd.DataFrame:
    """An Arrow table of ``read_vitals_table``'s columns as the model's vitals frame (the table is
    consumed: its buffers are released as the frame is built, so there is no second copy)."""
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    frame["session_id"] = session_categories(frame["session_id"])
    return frame


def _blocks(ids: list[str], block: int) -> list[list[str]]:
    """At most ``block`` ids each, as even as possible, so the connections share the work."""
    count = -(-len(ids) // block)
    size = -(-len(ids) // count) if count else 0
    return [ids[start : start + size] for start in range(0, len(ids), size or 1)]


def _read_block(connection, backend: str, block: list[str], with_ids: bool):
    """One block as Arrow columns of the model's types.

    SQLite: the session ids come from a count of each session's rows, read in the same
    transaction (the same snapshot) and in the same order, not from every row: building a text
    cell per row cost a quarter of the read. PostgreSQL sends them with the rows.
    """
    import pyarrow as pa

    with connection.cursor() as cursor:
        if backend == "sqlite":
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(SQLITE_BATCH_ROWS)})
            cursor.execute(_counts_query(len(block)), block)
            counts = cursor.fetch_arrow_table()
            cursor.execute(_query(backend, len(block), (*VITALS_COLUMNS[1:], *ID[:with_ids])), block)
            values = cursor.fetch_arrow_table()
            connection.rollback()  # ends the read transaction
            sessions = _repeated(counts, values.num_rows)
        else:
            cursor.execute(_query(backend, len(block), (*VITALS_COLUMNS, *ID[:with_ids])), block)
            values = cursor.fetch_arrow_table()
            sessions = values.column("session_id").cast(pa.string()).dictionary_encode()
    return _typed(sessions, values)


def _query(backend: str, n_ids: int, columns: Sequence[str]) -> str:
    """The query of ``record_reads._vitals_of`` in the driver's parameter style."""
    selected = ", ".join(f'"{column}"' for column in columns)
    return f'SELECT {selected} FROM vitals WHERE {_in(backend, n_ids)} ORDER BY session_id, "timestamp", id'


def _counts_query(n_ids: int) -> str:
    where = _in("sqlite", n_ids)
    return f"SELECT session_id, count(*) FROM vitals WHERE {where} GROUP BY session_id ORDER BY session_id"


def _in(backend: str, n_ids: int) -> str:
    marks = ", ".join("?" if backend == "sqlite" else f"${n}" for n in range(1, n_ids + 1))
    return f"session_id IN ({marks})"


def _repeated(counts, n_rows: int):
    """Each session id repeated over its rows, dictionary-encoded (a categorical in pandas)."""
    import numpy as np
    import pyarrow as pa

    per_session = counts.column(1).to_numpy()
    if int(per_session.sum()) != n_rows:  # one snapshot: cannot happen unless the driver changes
        raise RuntimeError(f"vitals counted {int(per_session.sum())} rows but read {n_rows}")
    codes = np.repeat(np.arange(len(per_session), dtype=np.int32), per_session)
    return pa.DictionaryArray.from_arrays(codes, counts.column(0).combine_chunks().cast(pa.string()))


def _typed(sessions, values):
    """The model's types in Arrow: UTC microsecond timestamps (SQLite's text parsed), float vitals
    (a column with no value at all comes back from SQLite as int64), the row id as int64."""
    import pyarrow as pa

    stamps = values.column("timestamp")
    if pa.types.is_string(stamps.type) or pa.types.is_large_string(stamps.type):
        stamps = stamps.cast(pa.timestamp("us"))
    columns = {
        "session_id": sessions,
        "timestamp": stamps.cast(pa.timestamp("us", tz="UTC")),
        **{vital: values.column(vital).cast(pa.float64()) for vital in VITALS},
        **{name: values.column(name).cast(pa.int64()) for name in ID if name in values.column_names},
    }
    return pa.table(columns)
