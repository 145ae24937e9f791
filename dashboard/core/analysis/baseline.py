"""Per-session baselines: the pre-infusion readings that rise-from-baseline rules and summaries use.

Kept in one place so that the alert engine and the summaries can never disagree on what the
baseline of a session was.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard.core.analysis.session_arrays import NEVER, SessionArrays, session_arrays
from dashboard.core.model import VITALS


def session_baselines(
    vitals: pd.DataFrame | SessionArrays,
    sessions: pd.DataFrame,
    window_min: float,
    of: Sequence[str] = VITALS,
) -> pd.DataFrame:
    """Median of each vital over the ``window_min`` minutes before infusion start, per session.

    Without a pre-infusion reading (no infusion start known, or monitoring began late) the
    session's first reading of that vital is the baseline. Returns one row per session_id
    (the index, text, sorted) and one column per vital ``of`` (default: all); NaN where the
    session never measured that vital. ``vitals`` may be given as its ``SessionArrays`` when the
    caller has them.
    """
    rows = vitals if isinstance(vitals, SessionArrays) else session_arrays(vitals)
    start, end = _window(rows, sessions, window_min)
    length = end - start
    # Every row of every window, session by session: a few per cent of the rows, not a mask of all.
    picked = np.repeat(start - (np.cumsum(length) - length), length) + np.arange(length.sum())
    window = pd.DataFrame({vital: rows.values[vital][picked] for vital in of})
    medians = window.groupby(rows.session[picked]).median().reindex(range(len(rows.ids)))
    baselines = {}
    for vital in of:
        value = medians[vital].to_numpy(dtype="float64")
        missing = np.isnan(value)
        baselines[vital] = np.where(missing, rows.first_readings(vital), value) if missing.any() else value
    return pd.DataFrame(baselines, index=rows.ids).sort_index()


def _window(rows: SessionArrays, sessions: pd.DataFrame, window_min: float) -> tuple[np.ndarray, np.ndarray]:
    """Per session, the row range of its readings in the window before infusion start (empty when
    the start is unknown)."""
    starts = sessions.drop_duplicates("session_id").set_index("session_id")["infusion_start"]
    start = pd.to_datetime(starts.reindex(rows.ids), utc=True).dt.as_unit("us")
    upper = np.where(start.notna().to_numpy(), start.array.asi8, NEVER)
    lower = np.where(upper == NEVER, NEVER, upper - round(window_min * 60e6))
    return rows.rows_between(lower, upper)
