"""Per-session baselines: the pre-infusion readings that rise-from-baseline rules and summaries use.

Kept in one place so that the alert engine and the summaries can never disagree on what the
baseline of a session was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.model import VITALS


def session_baselines(vitals: pd.DataFrame, sessions: pd.DataFrame, window_min: float) -> pd.DataFrame:
    """Median of each vital over the ``window_min`` minutes before infusion start, per session.

    Without a pre-infusion reading (no infusion start known, or monitoring began late) the
    session's first reading of that vital is the baseline. Returns one row per session_id
    (the index, text) and one column per vital; NaN where the session never measured that vital.
    """
    before = _in_window(vitals, sessions, pd.Timedelta(minutes=window_min))
    columns = ["session_id", *VITALS]
    pre = vitals.loc[before, columns].groupby("session_id", observed=True).median()
    first = vitals[columns].groupby("session_id", observed=True).first()
    baselines = pre.reindex(first.index).combine_first(first)
    return baselines.set_axis(baselines.index.astype("str"), axis=0)


def _in_window(vitals: pd.DataFrame, sessions: pd.DataFrame, window: pd.Timedelta) -> np.ndarray:
    """Rows within ``window`` before their session's infusion start (none where it is unknown).

    Compared as integers of the vitals' time unit: on millions of rows a per-row datetime
    Series of session starts cost more than the rest of the baseline.
    """
    stamps = vitals["timestamp"]
    unit = stamps.dt.unit
    starts = sessions.drop_duplicates("session_id").set_index("session_id")["infusion_start"]
    codes, ids = pd.factorize(vitals["session_id"])  # cheap when session_id is categorical
    start = pd.to_datetime(starts.reindex(ids), utc=True).dt.as_unit(unit)
    known = start.notna().to_numpy()
    upper = np.where(known, start.array.asi8, np.iinfo(np.int64).min)  # nothing is before "never"
    lower = np.where(known, upper - window // pd.Timedelta(1, unit=unit), np.iinfo(np.int64).max)
    time = stamps.array.asi8
    return (time < upper[codes]) & (time >= lower[codes])
