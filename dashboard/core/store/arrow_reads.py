"""The vitals of many stored sessions read straight into Arrow columns, for the review of a
clinic's whole record (2,000 sessions at 1 Hz are 7.8 M rows).

Through SQLAlchemy every cell becomes a Python object and every timestamp a ``datetime`` (the
UTC type decorator): about 15 µs a row, two minutes for 2,000 sessions. ADBC drivers (Apache
Arrow's database connectivity: ``adbc-driver-sqlite``, ``adbc-driver-postgresql``) fill column
buffers in C instead; SQLite's keeps timestamps as the text SQLAlchemy wrote (naive UTC,
``YYYY-MM-DD HH:MM:SS.ffffff``), which Arrow parses, PostgreSQL's reads ``timestamptz`` as UTC.

The store is configured in one place, its SQLAlchemy engine: the ADBC connection is derived
from the engine's URL (``sqlite:///PATH`` -> ``PATH``; ``postgresql+psycopg://user:pw@host/db``
-> ``postgresql://user:pw@host/db``, the password only in memory, never logged). ``adbc_connect``
gives None where that is not possible: another backend, an in-memory SQLite database (not
shared between connections), a driver not installed or a connection refused (logged as a
warning, without the URL). ``read_vitals`` then gives None and the caller reads through
SQLAlchemy: slower, the same frame.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from queue import Queue
from typing import Any

import pandas as pd
from sqlalchemy import Engine
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
    """A DB-API connection of the ADBC driver for the store behind ``engine`` (close it), or None."""
    found = adbc_uri(engine.url)
    if found is None:
        return None
    backend, uri = found
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
    None if ADBC cannot read this store.

    Blocks of sessions are read on up to ``WORKERS`` connections at once (the drivers release the
    GIL). Each block is one read transaction, as each block of the SQLAlchemy read is.
    """
    ids = list(dict.fromkeys(session_ids))
    blocks = _blocks(ids)
    if not blocks:
        return empty_frame(VITALS_COLUMNS)
    connections = []
    for _ in range(min(WORKERS, len(blocks))):
        connection = adbc_connect(engine)
        if connection is None:
            for opened in connections:
                opened.close()
            return None
        connections.append(connection)
    import pyarrow as pa

    idle: Queue = Queue()
    for connection in connections:
        idle.put(connection)
    backend = engine.url.get_backend_name()

    def read(block: list[str]):
        connection = idle.get()
        try:
            return _read_block(connection, backend, block)
        finally:
            idle.put(connection)

    try:
        with ThreadPoolExecutor(len(connections)) as pool:
            tables = list(pool.map(read, blocks))
    finally:
        for connection in connections:
            connection.close()
    frame = pa.concat_tables(tables).to_pandas(split_blocks=True, self_destruct=True)  # no second copy
    del tables
    frame["session_id"] = session_categories(frame["session_id"])
    return frame


def _blocks(ids: list[str]) -> list[list[str]]:
    """At most ``BLOCK`` ids each, as even as possible, so the connections share the work."""
    count = -(-len(ids) // BLOCK)
    size = -(-len(ids) // count) if count else 0
    return [ids[start : start + size] for start in range(0, len(ids), size or 1)]


def _read_block(connection, backend: str, block: list[str]):
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
            cursor.execute(_query(backend, len(block), VITALS_COLUMNS[1:]), block)
            values = cursor.fetch_arrow_table()
            connection.rollback()  # ends the read transaction
            sessions = _repeated(counts, values.num_rows)
        else:
            cursor.execute(_query(backend, len(block), VITALS_COLUMNS), block)
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
    (a column with no value at all comes back from SQLite as int64)."""
    import pyarrow as pa

    stamps = values.column("timestamp")
    if pa.types.is_string(stamps.type) or pa.types.is_large_string(stamps.type):
        stamps = stamps.cast(pa.timestamp("us"))
    columns = {
        "session_id": sessions,
        "timestamp": stamps.cast(pa.timestamp("us", tz="UTC")),
        **{vital: values.column(vital).cast(pa.float64()) for vital in VITALS},
    }
    return pa.table(columns)
