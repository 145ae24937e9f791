"""The live pages' in-memory copy of the store: complete after every refresh, read incrementally."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.live.follower import LiveFollower
from dashboard.core.store import open_store
from tests.factories import device_alarm, vitals_frame

T0 = pd.Timestamp("2026-11-24T10:00:00Z")
PROTOCOL = load_protocol()


def rows(session_id: str, start_s: int, n: int, **values: float) -> pd.DataFrame:
    """``n`` samples a second from ``start_s`` after T0: HR 70, SpO2 98 unless ``values`` say otherwise."""
    start = T0 + pd.Timedelta(seconds=start_s)
    return vitals_frame(session_id, start=start, periods=n, **{"hr": 70.0, "spo2": 98.0, **values})


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        store.start_session("A", user="nurse.a", chair="Chair 1")
        store.start_session("B", user="nurse.a", chair="Chair 2")
        yield store


def test_each_refresh_has_every_row_of_every_live_session(store):
    follower = LiveFollower(store)
    store.add_vitals(pd.concat([rows("A", 0, 30), rows("B", 0, 10)]), user="feed")
    follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=30))
    store.add_vitals(pd.concat([rows("A", 30, 5), rows("B", 10, 5)]), user="feed")
    snap = follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=35))
    assert snap.vitals.groupby("session_id").size().to_dict() == {"A": 35, "B": 15}
    stored = pd.concat([store.session_vitals("A"), store.session_vitals("B")], ignore_index=True)
    pd.testing.assert_frame_equal(snap.vitals, stored, check_categorical=False, check_dtype=False)


def test_a_row_written_later_at_the_newest_time_is_not_lost(store):
    follower = LiveFollower(store)
    store.add_vitals(rows("A", 0, 10), user="monitor")
    follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=10))
    cuff = rows("A", 9, 1, sbp=128.0, dbp=80.0).assign(hr=float("nan"), spo2=float("nan"))
    store.add_vitals(cuff, user="cuff")  # second writer, same timestamp as the newest row
    snap = follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=10))
    mine = snap.vitals.loc[snap.vitals["session_id"] == "A"]
    assert len(mine) == 11
    assert mine["sbp"].notna().sum() == 1


def test_an_entry_made_on_another_screen_shows_on_the_next_refresh(store):
    follower = LiveFollower(store)
    store.add_vitals(rows("A", 0, 5), user="feed")
    follower.snapshot(PROTOCOL, pd.Timestamp.now(tz="UTC"))
    store.add_event("A", T0, "nausea", user="nurse.b", severity="mild")
    snap = follower.snapshot(PROTOCOL, pd.Timestamp.now(tz="UTC"))
    assert snap.events["event"].tolist() == ["nausea"]


def test_alerts_computed_on_one_screen_are_shared_through_the_store(store):
    follower = LiveFollower(store)
    store.add_vitals(rows("A", 0, 60, hr=150.0), user="feed")
    snap = follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=60))
    assert "hr_high_critical" in set(snap.open_alerts["rule"])
    assert "hr_high_critical" in set(store.open_alerts("A")["rule"])


def test_an_ended_session_leaves_the_snapshot(store):
    follower = LiveFollower(store)
    store.add_vitals(pd.concat([rows("A", 0, 5), rows("B", 0, 5)]), user="feed")
    follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=5))
    store.end_session("B", user="nurse.a")
    snap = follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=6))
    assert set(snap.vitals["session_id"]) == {"A"}
    assert snap.sessions["session_id"].tolist() == ["A"]


def test_a_probe_off_zero_sent_by_a_monitor_never_raises_a_low_spo2_alarm(store):
    follower = LiveFollower(store)
    store.add_vitals(pd.concat([rows("A", 0, 30), rows("A", 30, 40, spo2=0.0)]), user="hl7")
    snap = follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=70))
    assert not any(rule.startswith("spo2_low") for rule in snap.alerts["rule"])
    assert snap.vitals.loc[snap.vitals["timestamp"] >= T0 + pd.Timedelta(seconds=30), "spo2"].isna().all()


def spy(monkeypatch, store, method: str) -> list:
    """Calls of ``store.method`` (each call's arguments), the method still doing its work."""
    calls, real = [], getattr(store, method)
    monkeypatch.setattr(store, method, lambda *args, **kw: calls.append(args) or real(*args, **kw))
    return calls


def test_alerts_are_written_to_the_store_only_when_they_changed(store, monkeypatch):
    writes = spy(monkeypatch, store, "record_alerts")
    follower = LiveFollower(store)
    store.add_vitals(rows("A", 0, 60, hr=150.0), user="feed")
    follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=60))
    follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=60))  # nothing new: same episodes
    assert len(writes) == 1
    store.add_vitals(rows("A", 60, 5, hr=160.0), user="feed")  # the episode goes on, higher
    follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=65))
    assert len(writes) == 2
    assert store.open_alerts("A").set_index("rule").loc["hr_high_critical", "peak"] == 160.0


def test_an_acknowledgement_made_on_another_screen_shows_on_the_next_refresh(store):
    follower = LiveFollower(store)
    store.add_vitals(rows("A", 0, 60, hr=150.0), user="feed")
    snap = follower.snapshot(PROTOCOL, pd.Timestamp.now(tz="UTC"))
    key = snap.open_alerts.loc[snap.open_alerts["rule"] == "hr_high_critical", "alert_key"].iloc[0]
    store.acknowledge(key, user="nurse.b", reason="patient anxious, doctor informed")
    snap = follower.snapshot(PROTOCOL, pd.Timestamp.now(tz="UTC"))
    acknowledged = snap.open_alerts.set_index("alert_key").loc[key]
    assert acknowledged["acknowledged_by"] == "nurse.b"
    assert acknowledged["acknowledged_reason"] == "patient anxious, doctor informed"


def test_acknowledgements_are_read_again_only_when_the_audit_log_shows_a_new_one(store, monkeypatch):
    reads = spy(monkeypatch, store, "acknowledgements")
    follower = LiveFollower(store)
    store.add_vitals(rows("A", 0, 60, hr=150.0), user="feed")
    for _ in range(3):
        snap = follower.snapshot(PROTOCOL, pd.Timestamp.now(tz="UTC"))
    assert len(reads) == 1
    store.acknowledge(snap.open_alerts["alert_key"].iloc[0], user="nurse.b", reason="seen")
    follower.snapshot(PROTOCOL, pd.Timestamp.now(tz="UTC"))
    assert len(reads) == 2


def test_a_session_started_later_joins_with_all_its_rows_and_the_others_keep_theirs(store):
    follower = LiveFollower(store)
    store.add_vitals(pd.concat([rows("A", 0, 30), rows("B", 0, 10)]), user="feed")
    follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=30))
    store.start_session("0-first", user="nurse.a", chair="Chair 3")  # sorts before the others
    store.add_vitals(pd.concat([rows("0-first", 20, 15), rows("A", 30, 5)]), user="feed")
    snap = follower.snapshot(PROTOCOL, T0 + pd.Timedelta(seconds=35))
    counts = snap.vitals.groupby("session_id", observed=True).size()
    assert counts.to_dict() == {"0-first": 15, "A": 35, "B": 10}
    stored = pd.concat([store.session_vitals(s) for s in ("0-first", "A", "B")], ignore_index=True)
    pd.testing.assert_frame_equal(snap.vitals, stored, check_categorical=False, check_dtype=False)
    assert list(snap.vitals["session_id"].cat.categories) == ["0-first", "A", "B"]


def test_the_snapshot_carries_the_live_sessions_monitor_alarms_and_the_monitors_waiting(store):
    follower = LiveFollower(store)
    store.add_device_alarms(device_alarm("A", at=T0))
    store.add_device_alarms(device_alarm("A", alarm_id="W", priority="none", event="Heartbeat", at=T0))
    store.add_device_alarms(device_alarm(None, monitor_id="CHAIR-9", at=T0))
    store.hold_readings("CHAIR-9", rows("", 0, 1))
    snap = follower.snapshot(PROTOCOL, pd.Timestamp.now(tz="UTC"))
    assert snap.device_alarms[["session_id", "event"]].values.tolist() == [["A", "** RR High"]]
    assert snap.unassigned_monitors["monitor_id"].tolist() == ["CHAIR-9"]
