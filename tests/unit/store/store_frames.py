"""Frames the store tests send: a session's vitals, one alert episode."""

from __future__ import annotations

import pandas as pd

from dashboard.core.model import ALERT_COLUMNS, VITALS_COLUMNS, conform

T0 = pd.Timestamp("2026-03-02T09:00:00Z")


def vitals_frame(session_id: str, seconds: int, start: pd.Timestamp = T0) -> pd.DataFrame:
    times = pd.date_range(start, periods=seconds, freq="1s")
    frame = pd.DataFrame({"session_id": session_id, "timestamp": times, "hr": 70.0, "spo2": 98.0, "rr": 14.0})
    frame.loc[::300, ["sbp", "dbp", "map"]] = [128.0, 82.0, 97.0]
    return conform(frame, VITALS_COLUMNS)


def episode(session_id: str, start_s: int, end_s: int, rule: str = "hr_high_caution") -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "session_id": [session_id],
            "vital": ["hr"],
            "rule": [rule],
            "priority": ["medium"],
            "kind": ["physiological"],
            "start": [T0 + pd.Timedelta(seconds=start_s)],
            "onset": [T0 + pd.Timedelta(seconds=start_s + 15)],
            "end": [T0 + pd.Timedelta(seconds=end_s)],
            "peak": [131.0],
            "limit": [120.0],
            "n_samples": [end_s - start_s + 1],
        }
    )
    return conform(frame, ALERT_COLUMNS)
