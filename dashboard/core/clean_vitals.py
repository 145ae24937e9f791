"""Canonical wide vitals files read in Arrow and handed to pandas in one conversion.

The canonical export (session_id,timestamp,hr,... with ISO times) is the commonest and largest
input. When pyarrow reads it with strict types, every row on its own line (so row i is line
header + 1 + i), and a few vectorised checks find nothing the careful path would reject or
reorder, the file stays in Arrow. Artifacts (zeros, values outside vitals.toml, impossible cuff
readings) and device sentinels are found on the same numpy masks the careful path uses, so real
exports, which always have a few, keep the fast path and get the careful path's artifacts and
messages. Anything else returns None and takes the careful path, which reports each problem by line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.core.artifacts import refuse_artifacts
from dashboard.core.assemble import ARROW_VITALS, codes_in_order
from dashboard.core.columns import ColumnMap
from dashboard.core.csvlayout import Layout
from dashboard.core.csvread import read_strict
from dashboard.core.model import VITALS
from dashboard.core.problems import Problem
from dashboard.core.rows import file_stem, reading
from dashboard.core.validation import without_sentinels

_CAREFUL_TARGETS = frozenset({"date", "source_error", "vital", "value"})


def clean_vitals(
    layout: Layout, columns: ColumnMap, use_threads: bool = True
) -> tuple[pa.Table, pd.DataFrame, list[Problem]] | None:
    """Vitals (an Arrow table of ``ARROW_VITALS``, artifact cells empty), artifacts and artifact
    problems of a canonical wide file, or None when the file needs the careful path.

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
    values = np.full((n, len(VITALS)), np.nan, order="F")  # column-major, as pandas holds them
    for i, vital in enumerate(VITALS):
        if vital in chosen:
            values[:, i] = without_sentinels(table.column(chosen[vital][0]).to_numpy())
    keys = pa.table({"session_id": ids, "timestamp": stamps})  # looked up for the few artifact rows
    lines = np.arange(layout.header_line + 1, layout.header_line + 1 + n, dtype=np.int64)
    artifacts, problems = refuse_artifacts(
        values, lines, layout.name, lambda rows: keys.take(rows).to_pandas(use_threads=False)
    )
    vitals = [pa.array(values[:, i], pa.float64(), from_pandas=True) for i in range(len(VITALS))]
    return (
        pa.Table.from_arrays([session, stamps, *vitals], schema=ARROW_VITALS),
        artifacts,
        problems,
    )


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
