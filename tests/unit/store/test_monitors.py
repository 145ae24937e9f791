"""Monitors without a session: their readings are held, never dropped, and join the session they
are assigned to (the pre-infusion window becomes its baseline), once and only once."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dashboard.core.store import EntryError
from dashboard.core.store.models import utcnow
from tests.factories import vitals_frame

NURSE = "nurse.a"


def held_readings(minutes_before_now: list[float]) -> pd.DataFrame:
    """A monitor's readings (HR 70, 71, ...) stamped that many minutes before now."""
    now = pd.Timestamp(utcnow())
    frame = vitals_frame("", start=now, periods=len(minutes_before_now), hr=0.0)
    frame["timestamp"] = [now - pd.Timedelta(minutes=m) for m in minutes_before_now]
    frame["hr"] = [70.0 + n for n in range(len(minutes_before_now))]
    return frame


def test_held_readings_are_listed_under_their_monitor_until_attached(store):
    store.hold_readings("CHAIR-3", held_readings([3, 2, 1]))
    monitors = store.held_monitors()
    assert monitors[["monitor_id", "readings"]].values.tolist() == [["CHAIR-3", 3]]
    assert store.session_vitals("P01-S1").empty


def test_attaching_copies_the_pre_infusion_window_and_assigns_the_monitor(store):
    store.start_session("S2", user=NURSE, at=utcnow() - timedelta(minutes=5))
    store.hold_readings("CHAIR-3", held_readings([60, 19, 10, 1]))  # an hour ago: another visit
    attached = store.attach_monitor("CHAIR-3", "S2", user=NURSE, lookback=timedelta(minutes=15))
    assert attached == 3
    assert store.session_vitals("S2")["hr"].tolist() == [71.0, 72.0, 73.0]
    assert store.session_for("CHAIR-3") == "S2"
    assert store.held_monitors()["readings"].tolist() == [1]  # the old reading stays held


def test_attaching_again_never_duplicates_a_reading(store):
    store.hold_readings("CHAIR-3", held_readings([2, 1]))
    store.attach_monitor("CHAIR-3", "P01-S1", user=NURSE)
    store.unassign("CHAIR-3", user=NURSE)
    assert store.attach_monitor("CHAIR-3", "P01-S1", user=NURSE) == 0
    assert len(store.session_vitals("P01-S1")) == 2


def test_attaching_is_audited_with_the_count_and_who(store):
    store.hold_readings("CHAIR-3", held_readings([2, 1]))
    store.attach_monitor("CHAIR-3", "P01-S1", user=NURSE)
    log = store.audit_log()
    row = log[log["action"] == "held_readings_attached"].iloc[0]
    assert (row["user"], row["entity_id"], row["detail"][:28]) == (
        NURSE,
        "CHAIR-3",
        "2 held readings of CHAIR-3 f",
    )


def test_a_monitor_cannot_be_attached_to_an_ended_session(store):
    store.hold_readings("CHAIR-3", held_readings([1]))
    store.end_session("P01-S1", user=NURSE)
    with pytest.raises(EntryError, match="not open"):
        store.attach_monitor("CHAIR-3", "P01-S1", user=NURSE)
    assert store.held_monitors()["readings"].tolist() == [1]


def test_one_message_stores_its_vitals_and_notes_together(store):
    notes = pd.DataFrame({"timestamp": [pd.Timestamp(utcnow())], "note": ["Induction"]})
    rows = store.add_monitor_readings("P01-S1", vitals_frame("P01-S1", hr=[70.0]), notes, user="hl7-listener")
    assert rows == 1
    assert store.session_vitals("P01-S1")["hr"].tolist() == [70.0]
    events = store.session_events("P01-S1")
    assert events[["event", "category", "note"]].values.tolist() == [["monitor event", "note", "Induction"]]


def test_a_monitors_notes_are_held_with_its_readings_and_join_the_session(store):
    now = pd.Timestamp(utcnow())
    notes = pd.DataFrame({"timestamp": [now - pd.Timedelta(minutes=1)], "note": ["Probe change"]})
    assert store.hold_readings("CHAIR-3", held_readings([2]), notes) == 2
    assert store.held_monitors()["readings"].tolist() == [2]
    store.attach_monitor("CHAIR-3", "P01-S1", user=NURSE)
    assert store.session_vitals("P01-S1")["hr"].tolist() == [70.0]
    assert store.session_events("P01-S1")["note"].tolist() == ["Probe change"]


@pytest.mark.parametrize("statement", ["UPDATE held_vitals SET hr = 0", "DELETE FROM held_attachments"])
def test_held_readings_cannot_be_rewritten(store, statement):
    store.hold_readings("CHAIR-3", held_readings([1]))
    store.attach_monitor("CHAIR-3", "P01-S1", user=NURSE)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))


def test_a_monitors_readings_are_never_stored_under_another_session(store):
    store.start_session("P02-S1", user=NURSE)
    notes = pd.DataFrame(columns=["timestamp", "note"])
    with pytest.raises(EntryError, match="name another session"):
        store.add_monitor_readings("P02-S1", vitals_frame("P01-S1", hr=[70.0]), notes, user="hl7-listener")
    assert store.session_vitals("P01-S1").empty and store.session_vitals("P02-S1").empty
