"""Runs and latched episodes over the readings of many sessions at once, in whole-array numpy.

Every function takes arrays ordered by session and time, with ``segment_start`` True wherever a
run must not carry on from the previous reading (a new session, or a gap too long to bridge).
This keeps the alert engine free of loops over readings or sessions: 2,000 sessions cost a
few array passes, not 2,000 Python iterations.
"""

from __future__ import annotations

import numpy as np


def segment_starts(session: np.ndarray, time: np.ndarray, joins_until: np.ndarray) -> np.ndarray:
    """True at each session's first reading and at a reading later than the previous one's ``joins_until``."""
    start = np.ones(len(session), dtype=bool)
    start[1:] = (session[1:] != session[:-1]) | (time[1:] > joins_until[:-1])
    return start


def gap_starts(session: np.ndarray, time: np.ndarray, max_gap: int) -> np.ndarray:
    """``segment_starts`` for a fixed gap: True at each session's first reading and after a gap
    longer than ``max_gap``. One temporary instead of a per-reading deadline array."""
    start = np.ones(len(session), dtype=bool)
    np.greater(np.subtract(time[1:], time[:-1]), max_gap, out=start[1:])
    start[1:] |= session[1:] != session[:-1]
    return start


def run_bounds(where: np.ndarray, segment_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each maximal run of consecutive readings in ``where`` (ascending
    indices of the readings that qualify) that does not cross a segment start.

    Given as indices, not a mask: breaches are a few per cent of millions of readings.
    """
    if not len(where):
        return where, where
    carries_on = (where[1:] == where[:-1] + 1) & ~segment_start[where[1:]]
    return where[np.r_[True, ~carries_on]], where[np.r_[~carries_on, True]]


def latch(starts: np.ndarray, stay: np.ndarray, segment_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hold each alarm from its start until the value leaves the hysteresis band.

    ``stay`` (ascending indices) are the readings inside the band; ``starts`` (some of them) are
    where alarms sound; one that sounds while an earlier alarm is still held joins it. Returns
    which ``starts`` open an episode (positions into ``starts``) and each episode's last index.
    """
    first, last = run_bounds(stay, segment_start)
    band = np.searchsorted(first, starts, side="right") - 1
    opens = np.flatnonzero(np.diff(band, prepend=-1) != 0)
    return opens, last[band[opens]]


def run_extreme(values: np.ndarray, first: np.ndarray, last: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    """``ufunc`` (np.maximum, np.minimum) over each disjoint, ascending slice ``values[first:last + 1]``."""
    if not len(first):
        return np.empty(0, dtype=values.dtype)
    bounds = np.column_stack((first, last + 1)).ravel()
    if bounds[-1] == len(values):  # the last slice runs to the end, which reduceat does by itself
        bounds = bounds[:-1]
    return ufunc.reduceat(values, bounds)[::2]
