"""Monitors that send before anyone checked a patient in: listed as waiting, and assigned to a
session with the protocol's pre-infusion window of their readings (the session's baseline)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from dashboard.core.live.monitor_assignment import assign_monitor, monitor_list, unassigned_senders
from dashboard.core.store import open_store
from dashboard.core.store.models import utcnow
from tests.factories import vitals_frame

NURSE = "nurse.a"


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        yield store


def readings(*minutes_ago: float) -> pd.DataFrame:
    """HR 70, 71, ... stamped that many minutes before now."""
    now = pd.Timestamp(utcnow())
    frame = vitals_frame(
        "", start=now, periods=len(minutes_ago), hr=[70.0 + n for n in range(len(minutes_ago))]
    )
    return frame.assign(timestamp=[now - pd.Timedelta(minutes=m) for m in minutes_ago])


def test_assigning_brings_the_protocols_baseline_window_of_readings_into_the_session(store):
    """Default protocol: the baseline is the 15 minutes before the infusion starts."""
    store.hold_readings("CHAIR-3", readings(40, 14, 3))
    store.start_session("S1", user=NURSE, at=utcnow() - timedelta(minutes=1))
    assert assign_monitor(store, "CHAIR-3", "S1", user=NURSE) == 2
    assert store.session_vitals("S1")["hr"].tolist() == [71.0, 72.0]


def test_the_list_shows_waiting_monitors_first_then_those_with_a_session(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("CHAIR-1", "S1", user=NURSE)
    store.hold_readings("CHAIR-3", readings(2, 1))
    listed = monitor_list(store)
    assert listed[["monitor_id", "readings"]].values.tolist() == [["CHAIR-3", 2], ["CHAIR-1", 0]]
    assert pd.isna(listed.loc[0, "session_id"]) and listed.loc[1, "session_id"] == "S1"


def test_a_monitor_stops_waiting_once_assigned_or_silent_for_ten_minutes(store):
    store.hold_readings("CHAIR-3", readings(1))
    now = pd.Timestamp(utcnow())
    assert unassigned_senders(store, now)["monitor_id"].tolist() == ["CHAIR-3"]
    assert unassigned_senders(store, now + pd.Timedelta(minutes=11)).empty
    store.start_session("S1", user=NURSE)
    assign_monitor(store, "CHAIR-3", "S1", user=NURSE)
    assert unassigned_senders(store, now).empty
