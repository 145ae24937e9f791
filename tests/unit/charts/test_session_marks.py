"""Marks over a session's panels: readings charted by hand stand out from the monitor's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core import charts
from dashboard.core.charts.session_marks import HAND_CHARTED
from dashboard.core.model import VITALS_COLUMNS, conform

T0 = pd.Timestamp("2026-03-02T09:10:00Z")
RULES = pd.DataFrame(
    [("sbp_high_caution", "sbp", "high", 160.0, "medium")],
    columns=["id", "vital", "direction", "limit", "priority"],
)


def vitals() -> pd.DataFrame:
    """A cuff reading every 5 min from the monitor and, at minute 12, one typed in by hand."""
    minutes = [0, 5, 10, 12, 15]
    frame = pd.DataFrame(
        {
            "session_id": "S1",
            "timestamp": [T0 + pd.Timedelta(minutes=m) for m in minutes],
            "sbp": [130.0, 132.0, 135.0, 150.0, 134.0],
            "dbp": [80.0, 81.0, 82.0, 92.0, 80.0],
            "hr": [75.0, 76.0, 77.0, 88.0, 76.0],
        }
    )
    return conform(frame, VITALS_COLUMNS)


def test_a_reading_charted_by_hand_is_marked_on_each_panel_it_has_a_value_in():
    fig = charts.session_figure(
        vitals(),
        rules=RULES,
        session={"infusion_start": T0},
        hand_charted=pd.Series([T0 + pd.Timedelta(minutes=12)]),
    )
    marked = [trace for trace in fig.data if trace.name == HAND_CHARTED]
    assert sorted(np.asarray(trace.y).tolist()[0] for trace in marked) == [88.0, 92.0, 150.0]
    assert all(np.asarray(trace.x).tolist() == [12.0] for trace in marked)
    assert [trace.showlegend for trace in marked].count(True) == 1  # one legend entry
    assert {trace.marker.symbol for trace in marked} == {"diamond-open"}


def test_without_hand_charted_readings_nothing_is_marked():
    fig = charts.session_figure(
        vitals(), rules=RULES, hand_charted=pd.Series([], dtype="datetime64[us, UTC]")
    )
    assert not [trace for trace in fig.data if trace.name == HAND_CHARTED]
