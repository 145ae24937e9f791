"""Wide vitals files with nothing to report: checked in Arrow, handed to pandas in one conversion.

The canonical export (session_id,timestamp,hr,... with ISO times) is the commonest and largest
input. When pyarrow reads it with strict types and a few vectorised Arrow checks find nothing the
careful path would reject, empty, flag or reorder, the frame comes straight from
``Table.to_pandas``: the frame the careful path would build, at a fraction of its cost. Anything
else returns None and takes the careful path, which reports each problem by line.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.core.assemble import keys_in_order
from dashboard.core.columns import ColumnMap
from dashboard.core.csvlayout import Layout
from dashboard.core.csvread import read_strict
from dashboard.core.model import VITALS, vitals_table
from dashboard.core.rows import file_stem, reading

_CAREFUL_TARGETS = frozenset({"date", "source_error", "vital", "value"})


def clean_vitals(layout: Layout, columns: ColumnMap) -> pa.Table | None:
    """The vitals of a clean wide file as an Arrow table of VITALS_COLUMNS (``to_pandas`` gives the
    canonical frame), or None when the file needs the careful path."""
    chosen = columns.chosen
    if chosen.keys() & _CAREFUL_TARGETS or any(alias.scale != 1 for _, alias in chosen.values()):
        return None
    if chosen["timestamp"][1].kind != "auto":
        return None
    table = read_strict(layout, reading(columns))
    if table is None or table.num_rows == 0:
        return None
    n = table.num_rows
    if "session_id" in chosen:
        session = table.column(chosen["session_id"][0])
    else:  # one session named after the file, as the careful path names it
        session = pa.array([file_stem(layout.name)], pa.string()).take(np.zeros(n, dtype=np.int32))
    data = {"session_id": session, "timestamp": table.column(chosen["timestamp"][0])}
    for vital in VITALS:
        data[vital] = table.column(chosen[vital][0]) if vital in chosen else pa.nulls(n, pa.float64())
    if not (_keys_clean(data["session_id"], data["timestamp"]) and _plausible(data)):
        return None
    return pa.table(data)


def _keys_clean(session: pa.ChunkedArray, stamps: pa.ChunkedArray) -> bool:
    """Every row has an unpadded session id and a time, and rows are in (session, time) order."""
    if session.null_count or stamps.null_count or not pa.types.is_timestamp(stamps.type):
        return False
    if not pc.all(pc.equal(session, pc.utf8_trim_whitespace(session))).as_py():
        return False  # the careful path strips the blanks
    return keys_in_order(session, stamps)


def _plausible(data: dict[str, pa.ChunkedArray]) -> bool:
    """No value outside vitals.toml (which also catches zeros and device sentinels), no bad cuff pair."""
    for vital, spec in vitals_table().items():
        low, high = pc.min_max(data[vital]).values()
        if low.is_valid and (low.as_py() < spec.plausible_min or high.as_py() > spec.plausible_max):
            return False
    sbp, dbp, mean = data["sbp"], data["dbp"], data["map"]
    bad_pair = pc.less_equal(sbp, dbp)
    bad_map = pc.or_(pc.less(mean, dbp), pc.greater(mean, sbp))
    return not (pc.any(bad_pair).as_py() or pc.any(bad_map).as_py())
