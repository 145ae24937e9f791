"""The shared session store, on SQLite and on a real PostgreSQL server (``database_url``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from dashboard.core.analysis.alerts import alert_keys
from dashboard.core.model import ALERT_COLUMNS, EVENT_COLUMNS, VITALS, VITALS_COLUMNS, conform
from dashboard.core.store import AlreadyAmendedError, EntryError, open_store
from dashboard.core.store.engine import create_store_engine, database_url
from dashboard.core.store.models import Base, Vitals
from dashboard.core.store.schema import current_revision, upgrade

T0 = pd.Timestamp("2026-03-02T09:00:00Z")


@pytest.fixture
def store(database_url):
    with open_store(database_url) as store:
        store.start_session("P01-S1", user="nurse.a", patient_id="P01", chair="Chair 1")
        yield store


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


# --- where the store lives --------------------------------------------------------------------


def test_first_run_creates_the_sqlite_store_in_the_data_dir_in_wal_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "new" / "folder"))
    with open_store() as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert (tmp_path / "new" / "folder" / "store.sqlite3").exists()


def test_database_url_env_selects_postgresql_through_psycopg(monkeypatch):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", "postgresql://clinic:secret@db.local:5432/monitor")
    assert database_url() == "postgresql+psycopg://clinic:secret@db.local:5432/monitor"


# --- vitals -----------------------------------------------------------------------------------


def test_vitals_come_back_as_the_canonical_model_frame(store):
    sent = vitals_frame("P01-S1", 600)
    store.add_vitals(sent, user="monitor-feed")
    pd.testing.assert_frame_equal(store.session_vitals("P01-S1"), sent)


def test_session_vitals_since_returns_only_newer_samples(store):
    store.add_vitals(vitals_frame("P01-S1", 120), user="monitor-feed")
    newer = store.session_vitals("P01-S1", since=(T0 + pd.Timedelta(seconds=99)).to_pydatetime())
    assert newer["timestamp"].min() == T0 + pd.Timedelta(seconds=100)
    assert len(newer) == 20


def test_hour_of_vitals_is_stored_in_one_multi_row_insert(store):
    statements: list[str] = []
    event.listen(store.engine, "before_execute", lambda conn, clause, *a: statements.append(str(clause)))
    hour = pd.concat([vitals_frame(f"P{i:02d}-S1", 3600) for i in range(1, 4)], ignore_index=True)
    started = datetime.now()
    assert store.add_vitals(hour, user="ingest") == len(hour)
    elapsed = datetime.now() - started
    assert sum(s.startswith("INSERT INTO vitals") for s in statements) == 1
    assert elapsed < timedelta(seconds=10), f"{len(hour)} rows took {elapsed}"


def test_vitals_for_an_unstarted_session_open_it_rather_than_being_refused(store):
    store.add_vitals(vitals_frame("P02-S1", 10), user="monitor-feed")
    sessions = store.active_sessions().set_index("session_id")
    assert sessions.loc["P02-S1", "started_by"] == "monitor-feed"
    assert sessions.loc["P02-S1", "last_sample"] == T0 + pd.Timedelta(seconds=9)


def test_store_has_a_column_for_every_vital_of_the_model():
    assert [c.name for c in Vitals.__table__.columns if c.name in VITALS] == list(VITALS)


# --- events and corrections -------------------------------------------------------------------


def test_event_records_who_entered_it_and_its_vocabulary_category(store):
    entry = store.add_event(
        "P01-S1", T0, "nausea", user="nurse.a", severity="moderate", note="asked for a bowl"
    )
    events = store.session_events("P01-S1")
    assert list(events.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    row = events.iloc[0]
    assert (row["id"], row["user"], row["category"], row["severity"]) == (
        entry,
        "nurse.a",
        "side_effect",
        "moderate",
    )


def test_typed_event_name_is_filed_under_its_vocabulary_term(store):
    store.add_event("P01-S1", T0, "Zofran", user="nurse.a", note="4 mg IV")
    stored = store.session_events("P01-S1")
    assert stored[["event", "category"]].values.tolist() == [["ondansetron", "intervention"]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"user": " "}, "user is required"),
        ({"severity": "awful"}, "mild, moderate, severe"),
        ({"timestamp": datetime(2026, 3, 2, 9)}, "time zone"),
        ({"session_id": "NO-SUCH"}, "unknown session"),
    ],
)
def test_bad_event_entry_is_refused_with_a_message_staff_can_act_on(store, change, message):
    entry = {"session_id": "P01-S1", "timestamp": T0, "event": "nausea", "user": "nurse.a"} | change
    with pytest.raises(EntryError, match=message):
        store.add_event(entry.pop("session_id"), entry.pop("timestamp"), entry.pop("event"), **entry)
    assert store.session_events("P01-S1", history=True).empty


def test_resubmitted_entry_with_the_same_id_is_recorded_once(store):
    first = store.add_event(
        "P01-S1", T0, "nausea", user="nurse.a", entry_id="2b6c1f0e-0000-4000-8000-000000000001"
    )
    again = store.add_event("P01-S1", T0, "nausea", user="nurse.a", entry_id=first)
    assert again == first
    assert len(store.session_events("P01-S1", history=True)) == 1
    assert (store.audit_log()["action"] == "event_added").sum() == 1


def test_correction_replaces_the_entry_in_the_current_view_and_keeps_the_original(store):
    original = store.add_event("P01-S1", T0, "nausea", user="nurse.a", severity="mild")
    corrected = store.amend_event(original, user="dr.b", reason="was moderate on review", severity="moderate")
    current = store.session_events("P01-S1")
    assert current[["id", "severity", "user", "amends"]].values.tolist() == [
        [corrected, "moderate", "dr.b", original]
    ]
    history = store.session_events("P01-S1", history=True).set_index("id")
    assert history.loc[original, "severity"] == "mild"
    assert history.loc[corrected, "reason"] == "was moderate on review"


def test_second_correction_of_the_same_version_is_refused_naming_who_corrected_first(store):
    original = store.add_event("P01-S1", T0, "nausea", user="nurse.a")
    store.amend_event(original, user="dr.b", reason="typo", note="mild only")
    with pytest.raises(AlreadyAmendedError, match="dr.b"):
        store.amend_event(original, user="nurse.c", reason="typo", note="moderate")


def test_correction_needs_a_reason(store):
    original = store.add_event("P01-S1", T0, "nausea", user="nurse.a")
    with pytest.raises(EntryError, match="reason"):
        store.amend_event(original, user="dr.b", reason="", severity="mild")


def test_retracted_entry_leaves_the_current_view_but_not_the_history(store):
    wrong = store.add_event("P01-S1", T0, "vomiting", user="nurse.a")
    store.retract_event(wrong, user="nurse.a", reason="entered on the wrong chair")
    assert store.session_events("P01-S1").empty
    assert len(store.session_events("P01-S1", history=True)) == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET note = 'rewritten'",
        "DELETE FROM events",
        "UPDATE vitals SET hr = 0",
        "DELETE FROM vitals",
        "DELETE FROM audit_log",
        "UPDATE acknowledgements SET reason = 'x'",
        "DELETE FROM protocol_changes",
    ],
)
def test_entries_cannot_be_rewritten_even_with_hand_written_sql(store, statement):
    store.add_vitals(vitals_frame("P01-S1", 5), user="monitor-feed")
    store.add_event("P01-S1", T0, "nausea", user="nurse.a", note="as entered")
    store.record_alerts(episode("P01-S1", 0, 4))
    store.acknowledge(alert_keys(episode("P01-S1", 0, 4))[0], user="nurse.a", reason="seen")
    store.record_protocol_change(user="dr.b", toml_text="name = 'x'", reason="trial")
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert store.session_events("P01-S1")["note"].tolist() == ["as entered"]
    assert len(store.session_vitals("P01-S1")) == 5


# --- alerts and acknowledgements --------------------------------------------------------------


def test_acknowledgement_is_visible_on_every_screen_with_who_and_why(store, database_url):
    store.add_vitals(vitals_frame("P01-S1", 60), user="monitor-feed")
    store.record_alerts(episode("P01-S1", 30, 59))
    key = store.open_alerts()["alert_key"].iloc[0]
    store.acknowledge(key, user="nurse.a", reason="patient talking, probe moved")
    with open_store(database_url) as other_screen:
        row = other_screen.open_alerts().iloc[0]
    assert (row["acknowledged_by"], row["acknowledged_reason"]) == ("nurse.a", "patient talking, probe moved")


def test_acknowledgement_without_a_reason_is_refused(store):
    store.add_vitals(vitals_frame("P01-S1", 60), user="monitor-feed")
    store.record_alerts(episode("P01-S1", 30, 59))
    key = store.open_alerts()["alert_key"].iloc[0]
    with pytest.raises(EntryError, match="reason"):
        store.acknowledge(key, user="nurse.a", reason="  ")
    assert store.acknowledgements().empty


def test_acknowledged_alert_stays_listed_until_it_clears(store):
    store.add_vitals(vitals_frame("P01-S1", 60), user="monitor-feed")
    store.record_alerts(episode("P01-S1", 30, 59))
    store.acknowledge(store.open_alerts()["alert_key"].iloc[0], user="nurse.a", reason="treated")
    store.add_vitals(vitals_frame("P01-S1", 30, start=T0 + pd.Timedelta(seconds=60)), user="monitor-feed")
    store.record_alerts(episode("P01-S1", 30, 89))
    assert len(store.open_alerts()) == 1, "still in breach: listed although acknowledged"
    store.add_vitals(vitals_frame("P01-S1", 10, start=T0 + pd.Timedelta(seconds=90)), user="monitor-feed")
    store.record_alerts(episode("P01-S1", 30, 89))
    assert store.open_alerts().empty
    assert len(store.acknowledgements()) == 1


def test_a_cuff_alert_stays_open_while_heart_rate_samples_arrive_until_the_next_cuff_reading(store):
    store.add_vitals(vitals_frame("P01-S1", 120), user="monitor-feed")  # cuff reading at 0 s only
    cuff_breach = episode("P01-S1", 0, 0, rule="sbp_high_critical").assign(vital="sbp", n_samples=1)
    store.record_alerts(cuff_breach)
    assert store.open_alerts()["rule"].tolist() == ["sbp_high_critical"], "HR samples do not clear it"
    store.add_vitals(vitals_frame("P01-S1", 300, start=T0 + pd.Timedelta(seconds=120)), user="monitor-feed")
    store.record_alerts(cuff_breach)  # the engine no longer extends it: the new cuff reading cleared it
    assert store.open_alerts().empty


def test_a_screen_with_older_data_does_not_shrink_or_reopen_an_episode(store):
    store.add_vitals(vitals_frame("P01-S1", 100), user="monitor-feed")
    store.record_alerts(episode("P01-S1", 30, 80))
    store.record_alerts(episode("P01-S1", 30, 60))
    assert store.open_alerts().empty
    assert store.open_alerts().empty


def test_ending_a_session_closes_its_alerts_and_takes_it_off_the_active_list(store):
    store.add_vitals(vitals_frame("P01-S1", 60), user="monitor-feed")
    store.record_alerts(episode("P01-S1", 30, 59))
    store.end_session("P01-S1", user="nurse.a")
    assert store.active_sessions().empty
    assert store.open_alerts().empty
    with pytest.raises(EntryError, match="not open"):
        store.end_session("P01-S1", user="nurse.a")


# --- sessions, protocol, audit ----------------------------------------------------------------


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


def test_protocol_changes_keep_their_history_and_the_latest_is_in_force(store):
    assert store.current_protocol() is None
    store.record_protocol_change(user="dr.b", toml_text="name = 'first'", reason="clinic defaults")
    store.record_protocol_change(user="dr.c", toml_text="name = 'second'", reason="SBP limit 170 for P03")
    assert store.current_protocol() == "name = 'second'"
    assert store.protocol_changes()["user"].tolist() == ["dr.b", "dr.c"]


def test_audit_log_lists_each_action_with_its_user_in_order(store):
    event_id = store.add_event("P01-S1", T0, "nausea", user="nurse.a")
    store.amend_event(event_id, user="dr.b", reason="severity", severity="mild")
    store.record_protocol_change(user="dr.b", toml_text="name = 'x'", reason="trial")
    store.end_session("P01-S1", user="nurse.c")
    log = store.audit_log()
    assert log[["user", "action"]].values.tolist() == [
        ["nurse.a", "session_started"],
        ["nurse.a", "event_added"],
        ["dr.b", "event_amended"],
        ["dr.b", "protocol_changed"],
        ["nurse.c", "session_ended"],
    ]
    assert log["at"].is_monotonic_increasing


# --- schema migrations ------------------------------------------------------------------------


def test_upgrade_from_the_first_revision_keeps_the_data(database_url):
    engine = create_store_engine(database_url)
    upgrade(engine, "0001")
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO patients VALUES ('P07', :at)"), {"at": at})
        conn.execute(
            text(
                "INSERT INTO sessions (session_id, patient_id, chair, started_at, started_by) "
                "VALUES ('P07-S2', 'P07', 'Chair 4', :at, 'nurse.a')"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                'INSERT INTO vitals (session_id, timestamp, hr, spo2, "user", entered_at) '
                "VALUES ('P07-S2', :at, 71, 97, 'feed', :at)"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                'INSERT INTO events (id, session_id, timestamp, event, category, "user", entered_at, '
                "retracted) VALUES ('e1', 'P07-S2', :at, 'nausea', 'side_effect', 'nurse.a', :at, :no)"
            ),
            {"at": at, "no": False},
        )
    engine.dispose()
    with open_store(database_url) as store:
        assert current_revision(store.engine) == "0003"
        assert store.sessions().set_index("session_id").loc["P07-S2", "chair"] == "Chair 4"
        assert store.session_vitals("P07-S2")["hr"].tolist() == [71.0]
        assert store.session_events("P07-S2")["id"].tolist() == ["e1"]
        assert store.ingest_position("any.csv") is None


def test_migrations_create_exactly_the_tables_the_models_describe(database_url):
    with open_store(database_url) as store, store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
