"""Per-session baselines: the pre-infusion readings that rise-from-baseline rules and summaries use.

Kept in one place so that the alert engine and the summaries can never disagree on what the
baseline of a session was.
"""

from __future__ import annotations

import pandas as pd

from dashboard.core.model import VITALS


def session_baselines(vitals: pd.DataFrame, sessions: pd.DataFrame, window_min: float) -> pd.DataFrame:
    """Median of each vital over the ``window_min`` minutes before infusion start, per session.

    Without a pre-infusion reading (no infusion start known, or monitoring began late) the
    session's first reading of that vital is the baseline. Returns one row per session_id
    (the index) and one column per vital; NaN where the session never measured that vital.
    """
    starts = sessions.drop_duplicates("session_id").set_index("session_id")["infusion_start"]
    codes, ids = pd.factorize(vitals["session_id"])  # cheap when session_id is categorical
    start = pd.Series(starts.reindex(ids).array.take(codes), index=vitals.index)
    window = pd.Timedelta(minutes=window_min)
    before = ((vitals["timestamp"] < start) & (vitals["timestamp"] >= start - window)).fillna(False)
    by_session = vitals.groupby("session_id", observed=True)[list(VITALS)]
    pre = vitals.loc[before.astype(bool)].groupby("session_id", observed=True)[list(VITALS)].median()
    first = by_session.first()
    return pre.reindex(first.index).combine_first(first)
