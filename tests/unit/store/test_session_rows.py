"""Sessions and their vitals in the store, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import event

from dashboard.core.live.chairside import charted_reading
from dashboard.core.model import VITALS
from dashboard.core.store import EntryError
from dashboard.core.store.models import Vitals
from tests.factories import T0, steady_vitals, vitals_frame

# --- vitals -----------------------------------------------------------------------------------


def test_vitals_come_back_as_the_canonical_model_frame(store):
    sent = steady_vitals("P01-S1", 600)
    store.add_vitals(sent, user="monitor-feed")
    pd.testing.assert_frame_equal(store.session_vitals("P01-S1"), sent)


def test_session_vitals_since_returns_only_newer_samples(store):
    store.add_vitals(steady_vitals("P01-S1", 120), user="monitor-feed")
    newer = store.session_vitals("P01-S1", since=(T0 + pd.Timedelta(seconds=99)).to_pydatetime())
    assert newer["timestamp"].min() == T0 + pd.Timedelta(seconds=100)
    assert len(newer) == 20


def test_hour_of_vitals_is_stored_in_one_multi_row_insert(store):
    statements: list[str] = []
    event.listen(store.engine, "before_execute", lambda conn, clause, *a: statements.append(str(clause)))
    hour = pd.concat([steady_vitals(f"P{i:02d}-S1", 3600) for i in range(1, 4)], ignore_index=True)
    started = datetime.now()
    assert store.add_vitals(hour, user="ingest") == len(hour)
    elapsed = datetime.now() - started
    assert sum(s.startswith("INSERT INTO vitals") for s in statements) == 1
    assert elapsed < timedelta(seconds=10), f"{len(hour)} rows took {elapsed}"


def test_vitals_for_an_unstarted_session_open_it_rather_than_being_refused(store):
    store.add_vitals(steady_vitals("P02-S1", 10), user="monitor-feed")
    sessions = store.active_sessions().set_index("session_id")
    assert sessions.loc["P02-S1", "started_by"] == "monitor-feed"
    assert sessions.loc["P02-S1", "last_sample"] == T0 + pd.Timedelta(seconds=9)


def test_store_has_a_column_for_every_vital_of_the_model():
    assert [c.name for c in Vitals.__table__.columns if c.name in VITALS] == list(VITALS)


# --- sessions ---------------------------------------------------------------------------------


def test_infusion_start_and_end_come_from_the_marker_events_when_not_given(store):
    store.add_event("P01-S1", T0 + pd.Timedelta(minutes=10), "infusion_start", user="nurse.a")
    stop = store.add_event("P01-S1", T0 + pd.Timedelta(minutes=40), "infusion_stop", user="nurse.a")
    store.amend_event(
        stop, user="nurse.a", reason="clock read wrong", timestamp=T0 + pd.Timedelta(minutes=50)
    )
    session = store.sessions().set_index("session_id").loc["P01-S1"]
    assert session["infusion_start"] == T0 + pd.Timedelta(minutes=10)
    assert session["infusion_end"] == T0 + pd.Timedelta(minutes=50)


def test_a_retracted_or_renamed_marker_no_longer_gives_the_infusion_times(store):
    wrong = store.add_event("P01-S1", T0 + pd.Timedelta(minutes=5), "infusion_start", user="nurse.a")
    store.retract_event(wrong, user="nurse.a", reason="entered on the wrong chair")
    store.add_event("P01-S1", T0 + pd.Timedelta(minutes=10), "infusion_start", user="nurse.a")
    stop = store.add_event("P01-S1", T0 + pd.Timedelta(minutes=40), "infusion_stop", user="nurse.a")
    store.amend_event(stop, user="nurse.a", reason="it was a pause", event="infusion_paused")
    session = store.sessions().set_index("session_id").loc["P01-S1"]
    assert session["infusion_start"] == T0 + pd.Timedelta(minutes=10)
    assert pd.isna(session["infusion_end"])


def test_starting_a_session_twice_is_refused(store):
    with pytest.raises(EntryError, match="already started"):
        store.start_session("P01-S1", user="nurse.b", chair="Chair 3")


# --- vitals charted by hand ------------------------------------------------------------------------


def charted(session_id: str = "P01-S1", **values: float) -> pd.DataFrame:
    return charted_reading(session_id, T0, values or {"sbp": 150, "dbp": 90}, T0)


def test_a_charted_reading_is_a_vitals_row_marked_as_charted_by_hand_and_audited(store):
    assert store.add_charted_vitals(charted(hr=88, sbp=150, dbp=90), user="nurse.a", entry_id="form-1")
    (row,) = store.session_vitals("P01-S1").to_dict("records")
    assert (row["sbp"], row["dbp"], row["map"], row["hr"]) == (150, 90, 110, 88)
    assert store.hand_charted_times("P01-S1").tolist() == [T0]
    audit = store.audit_log("P01-S1")
    (entry,) = audit.loc[audit["action"] == "vitals_charted"].to_dict("records")
    assert (entry["user"], entry["detail"]) == ("nurse.a", "hr 88, sbp 150, dbp 90, map 110")


def test_a_form_sent_twice_stores_its_reading_once(store):
    assert store.add_charted_vitals(charted(), user="nurse.a", entry_id="form-1")
    assert not store.add_charted_vitals(charted(), user="nurse.a", entry_id="form-1")
    assert len(store.session_vitals("P01-S1")) == 1


def test_monitor_readings_are_not_marked_as_charted_by_hand(store):
    store.add_vitals(vitals_frame("P01-S1", start=T0, periods=3), user="monitor")
    store.add_charted_vitals(charted(), user="nurse.a", entry_id="form-1")
    assert len(store.session_vitals("P01-S1")) == 4
    assert store.hand_charted_times("P01-S1").tolist() == [T0]


def test_a_second_live_session_on_a_busy_chair_is_refused_with_the_reason(store):
    with pytest.raises(
        EntryError, match=r"chair 'Chair 1' is busy with the open session 'P01-S1': end it first"
    ):
        store.start_session("P02-S1", user="feed", patient_id="P02", chair="Chair 1")
    assert store.active_sessions()["session_id"].tolist() == ["P01-S1"], "nothing of it was stored"
    store.start_session("P02-S1", user="feed", patient_id="P02", chair="Chair 2")  # a free chair: fine
    store.end_session("P01-S1", user="nurse.a")
    store.start_session("P03-S1", user="feed", patient_id="P03", chair="Chair 1")  # free again
    live = store.active_sessions()
    assert not live["chair"].duplicated().any()


def test_last_write_is_when_the_newest_sample_was_stored_and_written_by_counts_a_users_rows(store):
    before = pd.Timestamp.now(tz="UTC")
    store.add_vitals(steady_vitals("P01-S1", 10), user="feed")
    store.add_vitals(steady_vitals("P01-S1", 5, start=T0 - pd.Timedelta(minutes=5)), user="other")
    row = store.active_sessions().set_index("session_id").loc["P01-S1"]
    assert row["last_sample"] == T0 + pd.Timedelta(seconds=9)
    assert before <= row["last_write"] <= pd.Timestamp.now(tz="UTC")
    assert store.written_by(["P01-S1", "P09-S1"], "feed") == (10, 0, {"P01-S1": False})
