"""The monitors' own alarms as reported: every phase kept, active ones found, nothing merged."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dashboard.core.store import EntryError
from tests.factories import T0, device_alarm


def test_an_alarm_is_active_from_its_start_until_its_end(store):
    store.add_device_alarms(device_alarm("P01-S1"))
    assert store.active_device_alarms()["event"].tolist() == ["** RR High"]
    store.add_device_alarms(device_alarm("P01-S1", phase="continue", value=32.0))
    assert store.active_device_alarms()["value"].tolist() == [32.0]
    store.add_device_alarms(device_alarm("P01-S1", phase="end"))
    assert store.active_device_alarms().empty
    assert store.device_alarm_reports("P01-S1")["phase"].tolist() == ["start", "continue", "end"]


def test_an_inactive_alarm_is_not_active(store):
    store.add_device_alarms(device_alarm("P01-S1", state="inactive"))
    assert store.active_device_alarms().empty


def test_active_alarms_come_high_priority_first(store):
    store.add_device_alarms(device_alarm("P01-S1", alarm_id="A1", priority="low"))
    store.add_device_alarms(device_alarm("P01-S1", alarm_id="A2", priority="high", event="SpO2 Low"))
    assert store.active_device_alarms()["priority"].tolist() == ["high", "low"]


def test_a_monitor_without_a_session_keeps_its_alarms(store):
    store.add_device_alarms(device_alarm(None, at=T0))
    (report,) = store.device_alarm_reports().to_dict("records")
    assert report["monitor_id"] == "CHAIR-3" and pd.isna(report["session_id"])


def test_device_alarms_are_kept_apart_from_the_dashboards_alerts(store):
    store.add_device_alarms(device_alarm("P01-S1"))
    assert store.open_alerts("P01-S1").empty


def test_a_report_without_its_alarm_or_event_is_refused(store):
    with pytest.raises(EntryError, match="event_code"):
        store.add_device_alarms(device_alarm("P01-S1", event_code=None))
    assert store.device_alarm_reports().empty


def test_alarm_reports_cannot_be_rewritten(store):
    store.add_device_alarms(device_alarm("P01-S1"))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE device_alarms SET phase = 'end'"))
