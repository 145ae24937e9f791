"""The per-session arrays that baselines, alerts and summaries share: any vitals frame, in any row
order, with any session ids, gives rows in (session, time) order and correct session ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.analysis.session_arrays import NEVER, session_arrays
from dashboard.core.model import VITALS_COLUMNS, conform

T0 = pd.Timestamp("2026-03-02T09:00:00Z")


def _vitals(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    """(session, minute, hr, sbp) rows as a canonical vitals frame (session ids categorical)."""
    frame = pd.DataFrame(rows, columns=["session_id", "minute", "hr", "sbp"])
    frame["timestamp"] = T0 + pd.to_timedelta(frame.pop("minute"), unit="min")
    return conform(frame, VITALS_COLUMNS)


def test_rows_come_out_in_session_and_time_order_with_each_sessions_range() -> None:
    rows = session_arrays(
        _vitals([("B", 1, 71, np.nan), ("A", 2, 62, 120), ("B", 0, 70, 130), ("A", 0, 60, np.nan)])
    )
    assert list(rows.ids) == ["A", "B"]
    assert rows.values["hr"].tolist() == [60, 62, 70, 71]
    assert (rows.first_row.tolist(), rows.end_row.tolist()) == ([0, 2], [2, 4])
    assert rows.first.tolist() == [T0.value // 1000] * 2  # µs


def test_per_session_figures_skip_empty_cells() -> None:
    rows = session_arrays(_vitals([("A", 0, 60, np.nan), ("A", 1, 80, 140), ("B", 0, 70, np.nan)]))
    assert rows.reduce("hr", np.fmax).tolist() == [80, 70]
    assert np.isnan(rows.reduce("sbp", np.fmax)[1])  # B never had a cuff reading
    assert rows.count("sbp").tolist() == [1, 0]
    assert rows.first_readings("sbp")[0] == 140 and np.isnan(rows.first_readings("sbp")[1])


def test_sessions_without_rows_and_rows_without_a_time_are_left_out() -> None:
    vitals = _vitals([("A", 0, 60, np.nan), ("C", 0, 61, np.nan), ("C", 1, 62, np.nan)])
    vitals["session_id"] = (
        vitals["session_id"].cat.add_categories(["B"]).cat.reorder_categories(["A", "B", "C"])
    )
    vitals.loc[1, "timestamp"] = pd.NaT
    rows = session_arrays(vitals)
    assert list(rows.ids) == ["A", "C"]
    assert rows.session.tolist() == [0, 1]
    assert rows.values["hr"].tolist() == [60, 62]


def test_text_session_ids_are_numbered_as_well() -> None:
    frame = _vitals([("A", 1, 61, np.nan), ("A", 0, 60, np.nan)]).astype({"session_id": "str"})
    rows = session_arrays(frame)
    assert list(rows.ids) == ["A"] and rows.values["hr"].tolist() == [60, 61]


def test_rows_between_finds_each_sessions_window_and_none_for_never() -> None:
    rows = session_arrays(_vitals([("A", m, 60, np.nan) for m in range(5)] + [("B", 0, 70, np.nan)]))
    minute = 60_000_000
    start = T0.value // 1000
    lower = np.array([start + minute, NEVER])
    upper = np.array([start + 3 * minute, NEVER])
    begin, end = rows.rows_between(lower, upper)
    assert begin[0] == 1 and (end - begin).tolist() == [2, 0]  # A: minutes 1 and 2; B: nothing


def test_baselines_are_the_same_from_a_frame_or_its_arrays_in_any_row_order() -> None:
    vitals = _vitals([("A", 0, 60, 120), ("A", 5, 64, 124), ("A", 20, 90, 150), ("B", 3, 70, np.nan)])
    sessions = pd.DataFrame({"session_id": ["A", "B"], "infusion_start": [T0 + pd.Timedelta(minutes=10)] * 2})
    expected = session_baselines(vitals, sessions, window_min=15)
    shuffled = vitals.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(session_baselines(shuffled, sessions, 15), expected)
    pd.testing.assert_frame_equal(session_baselines(session_arrays(vitals), sessions, 15), expected)
    assert (expected.loc["A", "sbp"], expected.loc["A", "hr"]) == (122, 62)  # median of minutes 0 and 5
    assert expected.loc["B", "hr"] == 70 and np.isnan(expected.loc["B", "sbp"])


def test_a_vital_charted_now_and_then_is_told_from_a_monitored_one() -> None:
    """Minutes apart with a 15 s signal-loss time: the rule the tiles and the alert engine share."""
    minutes = {
        "monitor": [0, 0.1, 0.2, 0.3, 0.4],  # every 6 s
        "charted": [0, 5, 10, 15],  # by hand from a stand-alone monitor
        "one": [0],  # a single reading so far
        "half": [0, 0.1, 5, 10],  # one short interval of three: charted
        "mostly": [0, 0.1, 0.2, 10],  # two short of three, with a gap: monitored (the gap is signal loss)
    }
    rows = session_arrays(_vitals([(s, m, 70.0, np.nan) for s, times in minutes.items() for m in times]))
    judged = dict(zip(rows.ids, rows.spot_checked("hr", after_us=15_000_000), strict=True))
    assert judged == {"monitor": False, "charted": True, "one": True, "half": True, "mostly": False}
