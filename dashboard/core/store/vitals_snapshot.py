"""A columnar copy of the ended sessions' vitals, so the review reads a clinic's year of stored
sessions as fast as the same sessions from CSV files.

Even through ADBC the databases spend about 1 µs (SQLite) and 2 µs (PostgreSQL) on every stored
row: 7.8 M rows, 2,000 sessions at 1 Hz, took 7-14 s where their CSV files load in 3-4 s. An Arrow
file of the same rows (LZ4-compressed, about 90 MB) is read in about half a second.

The store stays the one truth; the copy is only a faster way to read rows that cannot change.
Vitals rows are only ever added, never updated or deleted, so a session's rows with ids up to
``M`` are the same rows for ever. The copy holds, for sessions that had ended when it was written,
their rows with ``id <= M`` and, in its metadata, ``M``, the row at ``M`` and (PostgreSQL) how many
rows the store held with ids up to ``M``. Each read, ``read_record_vitals``:

1. notes the store's mark now: its highest row id (and, on PostgreSQL, the rows up to it);
2. opens the copy and checks it against the store: the row at ``M`` is still the one copied (a
   store restored from an older backup, or another database at the same place, voids the whole
   copy) and, on PostgreSQL, the count up to ``M`` still matches (ids come from a sequence, so a
   transaction can commit a lower id after a higher one was read; SQLite's writes are serial);
3. asks which sessions have rows with ids above ``M`` (a late hand-charted reading, an ended
   session's monitor still sending): those are read from the store, not the copy;
4. reads the other requested sessions from the store (live ones, and those ended since);
5. puts the copied and the read sessions together in session order, the frame the store alone gives;
6. when sessions that have ended were read from the store, rewrites the copy (written beside,
   then renamed over it, so a reader never sees half a file) with them and every still-valid
   copied session, under the mark of step 1.

The copy lives beside the SQLite file (``store.sqlite3.vitals.arrow``), or for a server database
in the data folder under a name derived from the URL (each app instance keeps its own). It can be
deleted at any time: the next read writes it again. A copy that cannot be written (a read-only
folder, a full disk) is logged and skipped; the read is the same.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.core import settings
from dashboard.core.store.arrow_reads import read_vitals_table, to_frame, vitals_schema
from dashboard.core.store.models import Vitals

log = logging.getLogger(__name__)

SUFFIX = ".vitals.arrow"
METADATA_KEY = b"ketamine_dashboard.vitals_snapshot"
FORMAT = 1  # bump when the file's columns or metadata change: an older copy is then rewritten


@dataclass(frozen=True)
class Mark:
    """Where the store's vitals stood: the highest row id, the row at it, and the rows up to it."""

    max_id: int
    last_row: tuple[str, str] | None
    rows: int | None  # counted only where ids may commit out of order (PostgreSQL)

    def as_json(self) -> bytes:
        return json.dumps({"format": FORMAT, "max_id": self.max_id, "last_row": self.last_row,
                           "rows": self.rows}).encode()  # fmt: skip


def snapshot_path(engine: Engine) -> Path | None:
    """Where the copy of this store's vitals lives, or None for a store with no place for one
    (an in-memory SQLite database)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        path = Path(database)
        return path.with_name(path.name + SUFFIX)
    where = url.render_as_string(hide_password=True)  # the password is never part of a file name
    return settings.data_dir() / "record-cache" / f"{hashlib.sha256(where.encode()).hexdigest()[:16]}{SUFFIX}"


def read_record_vitals(engine: Engine, session_ids: list[str], ended: set[str]) -> pd.DataFrame | None:
    """The vitals of ``session_ids`` (sorted) in the model's form, copied rows where the copy is
    valid and the store's for the rest; None where ADBC cannot read the store (the caller reads
    through SQLAlchemy). ``ended``: which of them have ended, so may be copied."""
    path = snapshot_path(engine)
    if path is None:
        table = read_vitals_table(engine, session_ids)
        return None if table is None else to_frame(table)
    now = _mark(engine)
    copy = _valid_copy(engine, path, now)
    copied = _runs(copy) if copy is not None else {}
    if copied:
        for stale in _sessions_with_rows_above(engine, _metadata(copy).max_id):
            copied.pop(stale, None)
    wanted = set(session_ids)
    fresh = read_vitals_table(engine, [s for s in session_ids if s not in copied], with_ids=True)
    if fresh is None:
        return None
    fresh_runs = _runs(fresh)
    sources = {**{s: (copy, run) for s, run in copied.items() if s in wanted},
               **{s: (fresh, run) for s, run in fresh_runs.items()}}  # fmt: skip
    newly_ended = [s for s in fresh_runs if s in ended]
    if newly_ended:
        kept = {s: (copy, run) for s, run in copied.items()}
        kept.update({s: _up_to(fresh, fresh_runs[s], now.max_id) for s in newly_ended})
        _write(path, _assemble(kept, with_ids=True), now)
    return to_frame(_assemble(sources, with_ids=False))


def _mark(engine: Engine) -> Mark:
    """The store's mark now, in one read transaction."""
    with engine.connect() as conn:
        max_id = conn.execute(select(func.max(Vitals.id))).scalar() or 0
        last = _row_at(conn, max_id)
        rows = None
        if engine.dialect.name != "sqlite":
            rows = conn.execute(select(func.count()).select_from(Vitals).where(Vitals.id <= max_id)).scalar()
    return Mark(max_id, last, rows)


def _row_at(conn, row_id: int) -> tuple[str, str] | None:
    """The session and time of the stored row ``row_id``: what identifies it as the row copied."""
    row = conn.execute(select(Vitals.session_id, Vitals.timestamp).where(Vitals.id == row_id)).first()
    return None if row is None else (row[0], pd.Timestamp(row[1]).isoformat())


def _valid_copy(engine: Engine, path: Path, now: Mark):
    """The copy as an Arrow table (memory-mapped), or None: missing, unreadable, of another format,
    or no longer the store's (the row at its mark differs, or rows were committed under its mark).
    The store's mark ``now`` spares counting again when nothing was written since the copy."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    try:
        with pa.memory_map(str(path)) as source:
            copy = ipc.open_file(source).read_all()
        mark = _metadata(copy)
    except (OSError, pa.ArrowInvalid, KeyError, TypeError, ValueError):
        return None  # missing (the usual first read) or damaged: read from the store, write anew
    if mark.max_id == 0 or not copy.schema.equals(vitals_schema(with_ids=True), check_metadata=False):
        return None
    with engine.connect() as conn:
        same = _row_at(conn, mark.max_id) == mark.last_row
        if same and mark.rows is not None:
            counted = select(func.count()).select_from(Vitals).where(Vitals.id <= mark.max_id)
            same = (now.rows if now.max_id == mark.max_id else conn.execute(counted).scalar()) == mark.rows
    if not same:
        log.info("the columnar copy of the vitals is no longer the store's: reading from the store")
    return copy if same else None


def _metadata(copy) -> Mark:
    found = json.loads(copy.schema.metadata[METADATA_KEY])
    if found["format"] != FORMAT:
        raise ValueError(f"copy format {found['format']}, not {FORMAT}")
    last = found["last_row"]
    return Mark(int(found["max_id"]), None if last is None else tuple(last), found["rows"])


def _sessions_with_rows_above(engine: Engine, max_id: int) -> list[str]:
    """Sessions with rows written after the copy was taken (the primary key answers it)."""
    newer = select(Vitals.session_id).where(Vitals.id > max_id)  # not DISTINCT: SQLite would scan an index
    with engine.connect() as conn:
        return list(dict.fromkeys(conn.execute(newer).scalars()))


def _runs(table) -> dict[str, tuple[int, int]]:
    """Each session's rows in a session-ordered table, as (first row, row count)."""
    if table.num_rows == 0:
        return {}
    column = table.unify_dictionaries().column("session_id").combine_chunks()
    codes = column.indices.to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    lengths = np.diff(np.r_[starts, len(codes)])
    names = column.dictionary.to_pylist()
    runs = zip(starts.tolist(), lengths.tolist(), strict=True)
    return {names[codes[start]]: (start, length) for start, length in runs}


def _up_to(table, run: tuple[int, int], max_id: int):
    """A session's rows with ids up to ``max_id``, as (table, run) of a table holding only them."""
    import pyarrow.compute as pc

    rows = table.slice(*run)
    rows = rows.filter(pc.less_equal(rows.column("id"), max_id))
    return rows, (0, rows.num_rows)


def _assemble(sources: dict[str, tuple[object, tuple[int, int]]], with_ids: bool):
    """One table of the sessions' rows in session order, their ids dictionary-encoded anew."""
    import pyarrow as pa

    order = sorted(s for s, (_, (_, length)) in sources.items() if length)
    schema = vitals_schema(with_ids)
    columns = schema.names[1:]
    pieces = [sources[s][0].select(columns).slice(*sources[s][1]) for s in order]
    values = pa.concat_tables(pieces) if pieces else schema.empty_table().select(columns)
    lengths = np.array([sources[s][1][1] for s in order], dtype=np.int64)
    codes = np.repeat(np.arange(len(order), dtype=np.int32), lengths)
    sessions = pa.DictionaryArray.from_arrays(codes, pa.array(order, type=pa.string()))
    return pa.table([sessions, *values.columns], schema=schema)


def _write(path: Path, table, mark: Mark) -> None:
    """Write the copy beside its place, then rename it over the old one (never half a file)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    temporary = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")  # two writers never share one
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = table.replace_schema_metadata({METADATA_KEY: mark.as_json()})
        lz4 = ipc.IpcWriteOptions(compression="lz4")  # a quarter of the size; ~0.5 s more to read
        with pa.OSFile(str(temporary), "wb") as sink, ipc.new_file(sink, table.schema, options=lz4) as writer:
            writer.write_table(table)
        os.replace(temporary, path)
    except OSError as error:
        log.warning("could not write the columnar copy of the vitals (%s): reads stay as fast as the store",
                    type(error).__name__)  # fmt: skip
        temporary.unlink(missing_ok=True)
