"""The vitals columns of a whole load, allocated once, each file writing its rows into its own slot.

A year of a clinic's exports is millions of rows. Reading each file into a frame of its own and
concatenating them keeps two copies of everything at the peak, and on a VM fresh memory costs
more than parsing (1 GB first touched costs about 2 s here, a parse of 7.8 M rows 0.55 s). So
the loaders count every file's lines first, allocate the final columns once, and let each file
(read in parallel) fill its slot; the vitals frame is then built on those arrays without a copy
of the values. Sessions are numbered per file while loading and renumbered in one pass at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.core.loading.assemble import sort_vitals
from dashboard.core.model import VITALS, VITALS_COLUMNS, empty_frame, utc_times
from dashboard.core.problems import UnusableFileError

_CODE = np.int32


@dataclass(frozen=True)
class Slot:
    """Room for one file's rows: session numbers (into the file's own ``ids``), int64 µs times
    and the vitals (rows x VITALS, column-major), all views into the buffer."""

    session: np.ndarray
    time: np.ndarray
    values: np.ndarray

    def check_room(self, rows: int, name: str) -> None:
        """Refuse a file with more rows than it had lines when it was measured: it is being written to."""
        if rows > len(self.time):
            raise UnusableFileError(
                name, "grew while it was being loaded", "a file no program is writing to; load it again"
            )


class VitalsBuffer:
    """Final vitals columns for files of known maximum row counts (their data lines)."""

    def __init__(self, capacities: Sequence[int]) -> None:
        capacities = np.asarray(capacities, dtype=np.int64)
        self._start = np.cumsum(capacities) - capacities
        self._capacity = capacities
        total = int(capacities.sum())
        self._session = np.empty(total, dtype=_CODE)
        self._time = np.empty(total, dtype=np.int64)
        self._values = np.empty((total, len(VITALS)), order="F")  # column-major, as pandas holds it
        self._rows = [0] * len(capacities)
        self._ids: list[pd.Index | None] = [None] * len(capacities)

    def slot(self, number: int) -> Slot:
        begin, end = self._start[number], self._start[number] + self._capacity[number]
        return Slot(self._session[begin:end], self._time[begin:end], self._values[begin:end])

    def filled(self, number: int, rows: int, ids: pd.Index) -> None:
        """Slot ``number`` holds ``rows`` rows whose session numbers index ``ids``."""
        self._rows[number], self._ids[number] = rows, ids

    def put(self, number: int, frame: pd.DataFrame, name: str) -> None:
        """Write a vitals frame (``model.VITALS_COLUMNS``) of file ``name`` into slot ``number``,
        in (session, time) order as every slot is."""
        frame = sort_vitals(frame)
        slot, rows = self.slot(number), len(frame)
        slot.check_room(rows, name)
        sessions = frame["session_id"].astype("category")  # codes number the sorted ids: no lookup per row
        ids = sessions.cat.categories
        slot.session[:rows] = sessions.cat.codes
        slot.time[:rows] = frame["timestamp"].dt.as_unit("us").array.asi8
        slot.values[:rows] = frame[list(VITALS)].to_numpy(dtype="float64", na_value=np.nan)
        self.filled(number, rows, ids)

    def frame(self) -> pd.DataFrame:
        """The vitals of every filled slot in (session, time) order, sessions a sorted categorical.

        Files holding separate sessions are put in session order by moving whole slots; only
        files whose sessions interleave need a sort of every row.
        """
        files = [number for number, rows in enumerate(self._rows) if rows]
        if not files:
            return empty_frame(VITALS_COLUMNS)
        ids = pd.Index(sorted(set().union(*(self._ids[number] for number in files))), dtype="str")
        for number in files:  # per-file numbers -> numbers of the sorted ids of all files
            part = self.slot(number).session[: self._rows[number]]
            part[:] = ids.get_indexer(self._ids[number])[part]
        session, time, values = self._in_order(files)
        keys = {
            "session_id": pd.Categorical.from_codes(session, dtype=pd.CategoricalDtype(ids), validate=False),
            "timestamp": utc_times(time).array,
        }
        # Joined, not inserted: DataFrame.insert copies its column, concat keeps every array as it is.
        return pd.concat(
            [pd.DataFrame(keys, copy=False), pd.DataFrame(values, columns=list(VITALS), copy=False)], axis=1
        )

    def _in_order(self, files: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of the filled slots, slot after slot in order of their first row, sorted if need be.

        Each slot is in order already (the fast path checks it, ``put`` sorts), so the slots are
        in order together exactly when each one ends before the next begins: a check per file,
        not per row."""
        order = sorted(files, key=lambda number: self._key(number, 0))
        full = all(rows == capacity for rows, capacity in zip(self._rows, self._capacity, strict=True))
        session, time, values = self._session, self._time, self._values
        if order != files or not full:
            taken = np.concatenate([np.arange(self._start[n], self._start[n] + self._rows[n]) for n in order])
            session, time, values = session[taken], time[taken], _take_rows(values, taken)
        apart = all(
            self._key(before, self._rows[before] - 1) <= self._key(after, 0)
            for before, after in zip(order, order[1:], strict=False)
        )
        if not apart:
            rows = np.lexsort((time, session))
            session, time, values = session[rows], time[rows], _take_rows(values, rows)
        return session, time, values

    def _key(self, number: int, row: int) -> tuple[int, int]:
        """(session, time) of a slot's ``row``."""
        at = self._start[number] + row
        return int(self._session[at]), int(self._time[at])


def _take_rows(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]``, column-major like the buffer (numpy's own take returns it row-major)."""
    taken = np.empty((len(rows), values.shape[1]), order="F")
    for column in range(values.shape[1]):
        np.take(values[:, column], rows, out=taken[:, column])
    return taken


def concat_vitals(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Sorted vitals frames as one frame in (session, time) order (see ``VitalsBuffer.frame``)."""
    frames = [frame for frame in frames if len(frame)]
    buffer = VitalsBuffer([len(frame) for frame in frames])
    for number, frame in enumerate(frames):
        buffer.put(number, frame, f"frame {number + 1}")
    return buffer.frame()
