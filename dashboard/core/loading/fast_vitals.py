"""Canonical wide vitals files read in Arrow and written straight into the load's vitals buffer.

The canonical export (session_id,timestamp,hr,... with ISO times) is the commonest and largest
input. When pyarrow reads it with strict types, every row on its own line (so row i is line
header + 1 + i), and a few vectorised checks find nothing the careful path would reject or
reorder, its columns go from Arrow into the file's slot of the buffer (vitals_buffer.py) with no
pandas frame in between. Artifacts (zeros, values outside vitals.toml, impossible cuff readings)
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
from dashboard.core.loading.csvread import read_strict
from dashboard.core.loading.rows import file_stem, reading
from dashboard.core.loading.validation import without_sentinels
from dashboard.core.loading.vitals_buffer import Slot
from dashboard.core.model import VITALS, codes_in_order
from dashboard.core.problems import Problem

_CAREFUL_TARGETS = frozenset({"date", "source_error", "vital", "value"})


def clean_vitals(
    layout: Layout, columns: ColumnMap, slot: Slot, use_threads: bool = True
) -> tuple[pd.Index, int, ArtifactCells, list[Problem]] | None:
    """Write a canonical wide file into ``slot`` (artifact cells empty); return the session ids its
    session numbers index, its row count, its artifacts and their problems, or None when the file
    needs the careful path (then ``slot`` holds nothing of use).

    ``use_threads``: let pyarrow read with threads (not when files are loaded in parallel)."""
    chosen = columns.chosen
    if chosen.keys() & _CAREFUL_TARGETS or any(alias.scale != 1 for _, alias in chosen.values()):
        return None
    if chosen["timestamp"][1].kind != "auto":
        return None
    table = read_strict(layout, reading(columns), use_threads)  # None if blank lines would shift lines
    if table is None or table.num_rows == 0:
        return None
    n = table.num_rows
    if "session_id" in chosen:
        ids = table.column(chosen["session_id"][0])
    else:  # one session named after the file, as the careful path names it
        ids = pa.chunked_array([pa.array([file_stem(layout.name)]).take(np.zeros(n, np.int32))])
    session = ids.dictionary_encode()
    stamps = table.column(chosen["timestamp"][0])
    if not _keys_clean(session, stamps):
        return None
    slot.check_room(n, layout.name)
    _write(slot.session, (chunk.indices for chunk in session.chunks))
    _write(slot.time, stamps.cast(pa.int64()).chunks)
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


def _keys_clean(session: pa.ChunkedArray, stamps: pa.ChunkedArray) -> bool:
    """Every row has an unpadded session id and a time, and rows are in (session, time) order.

    ``session`` is dictionary-encoded (one dictionary, in order of appearance), so the ids are
    checked once each and the order on integer codes: the rows are in order exactly when the
    dictionary is ascending and each row's code and time follow the previous row's.
    """
    if session.null_count or stamps.null_count or not pa.types.is_timestamp(stamps.type):
        return False
    names = session.chunk(0).dictionary
    if not pc.all(pc.equal(names, pc.utf8_trim_whitespace(names))).as_py():
        return False  # the careful path strips the blanks
    if len(names) > 1 and not pc.all(pc.less(names[:-1], names[1:])).as_py():
        return False
    codes = np.concatenate([chunk.indices.to_numpy() for chunk in session.chunks])
    return codes_in_order(codes, stamps.to_numpy().view(np.int64))
