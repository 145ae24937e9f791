"""Canonical wide vitals files read in Arrow and written straight into the load's vitals buffer.

The canonical export (session_id,timestamp,hr,... with ISO times) is the commonest and largest
input. When pyarrow reads it with strict types, every row on its own line (so row i is line
header + 1 + i), and a few vectorised checks find nothing the careful path would reject or
reorder, its columns go from Arrow into the file's slot of the buffer (vitals_buffer.py) with no
pandas frame in between. Real monitor exports mostly write naive local clock times (or day-first
dates, or epoch seconds) rather than ``Z`` times: when the first row's time has no offset, the
column is read as naive ISO times by pyarrow's reader (or as text when it is not ISO) and placed
by the careful path's own ``parse_timestamps`` with the load's settings (clinic time zone,
day-first), so both paths give the same times; a file with any time that does not parse goes to
the careful path, which reports it by line.

Artifacts (zeros, values outside vitals.toml, impossible cuff readings)
and device sentinels are found on the same numpy masks the careful path uses, so real exports,
which always have a few, keep the fast path and get the careful path's artifacts and messages.
Anything else returns None and takes the careful path, which reports each problem by line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.core.loading.artifacts import ArtifactCells, refuse_artifacts
from dashboard.core.loading.columns import ColumnMap
from dashboard.core.loading.csvlayout import Layout
from dashboard.core.loading.csvread import NAIVE_TIME, TEXT, UTC_TIME, read_strict
from dashboard.core.loading.rows import file_stem, reading
from dashboard.core.loading.timestamps import LoadSettings, MissingOriginError, parse_timestamps
from dashboard.core.loading.validation import without_sentinels
from dashboard.core.loading.vitals_buffer import Slot
from dashboard.core.model import VITALS, codes_in_order
from dashboard.core.problems import Problem

_CAREFUL_TARGETS = frozenset({"date", "source_error", "vital", "value"})
_UTC = LoadSettings()  # naive times read as UTC, the loaders' default


def clean_vitals(
    layout: Layout,
    columns: ColumnMap,
    slot: Slot,
    use_threads: bool = True,
    settings: LoadSettings = _UTC,
) -> tuple[pd.Index, int, ArtifactCells, list[Problem]] | None:
    """Write a canonical wide file into ``slot`` (artifact cells empty); return the session ids its
    session numbers index, its row count, its artifacts and their problems, or None when the file
    needs the careful path (then ``slot`` holds nothing of use).

    ``use_threads``: let pyarrow read with threads (not when files are loaded in parallel);
    ``settings``: how to read times without an offset, as the careful path reads them."""
    chosen = columns.chosen
    if chosen.keys() & _CAREFUL_TARGETS or any(alias.scale != 1 for _, alias in chosen.values()):
        return None
    time_header, time_alias = chosen["timestamp"]
    if time_alias.kind != "auto":
        return None
    how = {**reading(columns), time_header: _time_reading(layout, time_header)}
    table = read_strict(layout, how, use_threads)  # None if blank lines would shift lines
    if table is None or table.num_rows == 0:
        return None
    n = table.num_rows
    if "session_id" in chosen:
        ids = table.column(chosen["session_id"][0])
    else:  # one session named after the file, as the careful path names it
        ids = pa.chunked_array([pa.array([file_stem(layout.name)]).take(np.zeros(n, np.int32))])
    session = ids.dictionary_encode()
    micros = _micros(table.column(time_header), settings)
    if micros is None or not _keys_clean(session, micros):
        return None
    slot.check_room(n, layout.name)
    _write(slot.session, (chunk.indices for chunk in session.chunks))
    slot.time[:n] = micros
    values = slot.values[:n]
    for i, vital in enumerate(VITALS):
        column = values[:, i]
        if vital not in chosen:
            column[:] = np.nan
            continue
        _write(column, pc.fill_null(table.column(chosen[vital][0]), np.nan).chunks)  # Arrow's kernel, no GIL
        cleaned = without_sentinels(column)
        if cleaned is not column:
            column[:] = cleaned
    names = pd.Index(session.chunk(0).dictionary.to_pylist(), dtype="str")
    lines = np.arange(layout.header_line + 1, layout.header_line + 1 + n, dtype=np.int64)

    def keys(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # of the few rows with an artifact
        return names.to_numpy(dtype=object)[slot.session[rows]], slot.time[rows].view("datetime64[us]")

    artifacts, problems = refuse_artifacts(values, lines, layout.name, keys)
    return names, n, artifacts, problems


def _write(target: np.ndarray, chunks) -> None:
    """Arrow chunks one after the other into ``target``, without joining them first."""
    at = 0
    for chunk in chunks:
        part = chunk.to_numpy(zero_copy_only=False)
        target[at : at + len(part)] = part
        at += len(part)


def _time_reading(layout: Layout, header: str) -> str:
    """How to read the time column, judged on the first data row: as UTC times or naive ISO times
    inside pyarrow's reader (fastest), else as text. One failed typed read costs a whole parse."""
    body = layout.body
    start = body.find(b"\n") + 1
    end = body.find(b"\n", start)
    cells = body[start : end if end != -1 else len(body)].rstrip(b"\r").split(layout.delimiter.encode())
    at = layout.header.index(header)
    cell = pa.scalar(cells[at].decode("utf-8", "replace") if start and at < len(cells) else "")
    for how, kind in ((UTC_TIME, pa.timestamp("us", tz="UTC")), (NAIVE_TIME, pa.timestamp("us"))):
        try:
            cell.cast(kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        return how
    return TEXT


def _micros(stamps: pa.ChunkedArray, settings: LoadSettings) -> np.ndarray | None:
    """The time column as int64 µs since 1970 UTC, or None when a time is missing or unreadable.

    Naive times and text go through ``parse_timestamps`` with the load's settings, the very function
    the careful path parses them with, so the two paths cannot disagree on a time."""
    if stamps.null_count:
        return None
    if pa.types.is_timestamp(stamps.type) and stamps.type.tz is not None:
        return stamps.cast(pa.int64()).to_numpy()
    if pa.types.is_timestamp(stamps.type):
        values = pd.Series(stamps.to_numpy())  # naive datetime64[us]: clock times of the clinic
    elif pa.types.is_string(stamps.type):
        values = pd.Series(pd.arrays.ArrowStringArray(stamps))
    else:
        return None
    try:
        parsed = parse_timestamps(values, "auto", 1.0, settings)
    except MissingOriginError:
        return None  # elapsed times without a start: the careful path says why the file cannot be used
    if parsed.isna().any():
        return None
    return parsed.array.asi8


def _keys_clean(session: pa.ChunkedArray, micros: np.ndarray) -> bool:
    """Every row has an unpadded session id, and rows are in (session, time) order.

    ``session`` is dictionary-encoded (one dictionary, in order of appearance), so the ids are
    checked once each and the order on integer codes: the rows are in order exactly when the
    dictionary is ascending and each row's code and time follow the previous row's.
    """
    if session.null_count:
        return False
    names = session.chunk(0).dictionary
    if not pc.all(pc.equal(names, pc.utf8_trim_whitespace(names))).as_py():
        return False  # the careful path strips the blanks
    if len(names) > 1 and not pc.all(pc.less(names[:-1], names[1:])).as_py():
        return False
    codes = np.concatenate([chunk.indices.to_numpy() for chunk in session.chunks])
    return codes_in_order(codes, micros)
