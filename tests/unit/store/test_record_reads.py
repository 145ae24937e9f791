"""The clinic's record read back for the review, on SQLite and PostgreSQL: what the store holds
(monitor rows, hand charting, corrected and withdrawn entries) becomes one canonical Dataset whose
analysis equals that of the same sessions loaded from files."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import URL

from dashboard.core.analysis.pipeline import analyse
from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.live.chairside import charted_reading
from dashboard.core.simulate import simulate_sessions
from tests.factories import T0, steady_vitals, vitals_frame


def _recorded(store, dataset) -> None:
    for row in dataset.sessions.to_dict("records"):
        plan = {k: row[k] for k in ("patient_id", "chair", "planned_minutes", "dose_mg_per_kg", "weight_kg",
                                    "indication", "infusion_start")}  # fmt: skip
        store.start_session(row["session_id"], user="feed", **plan)
        store.end_session(row["session_id"], user="feed")  # a chair holds one open session at a time
    store.add_vitals(dataset.vitals, user="monitor")
    store.add_events(dataset.events, user="feed")


def test_stored_sessions_analyse_as_the_same_sessions_from_files(database_url):
    from dashboard.core.store import open_store

    files = simulate_sessions(3, seed=4, sample_interval_s=5)
    with open_store(database_url) as store:
        _recorded(store, files)
        listed = store.recorded_sessions()
        record = store.record_dataset(listed["session_id"].tolist())
    protocol = load_protocol(None)
    expected, got = analyse(files, protocol).summary, analyse(record, protocol).summary
    assert listed["session_id"].tolist() == sorted(files.sessions["session_id"])
    assert len(record.vitals) == len(files.vitals) and len(record.events) == len(files.events)
    pd.testing.assert_frame_equal(
        got.sort_values("session_id").reset_index(drop=True),
        expected.sort_values("session_id").reset_index(drop=True),
        check_dtype=False,
        check_categorical=False,
    )


def test_the_record_holds_hand_charting_and_the_current_version_of_each_entry(store):
    store.add_vitals(steady_vitals("P01-S1", 60), user="monitor")
    five_min_on = T0 + pd.Timedelta(minutes=5)
    reading = charted_reading("P01-S1", five_min_on, {"sbp": 150, "dbp": 90}, five_min_on)
    store.add_charted_vitals(reading, user="nurse.a", entry_id="c1")
    nausea = store.add_event("P01-S1", T0, "nausea", severity="mild", user="nurse.a")
    store.amend_event(nausea, user="nurse.a", reason="worse", severity="moderate")
    wrong = store.add_event("P01-S1", T0, "vomiting", user="nurse.a")
    store.retract_event(wrong, user="nurse.a", reason="wrong chair")
    record = store.record_dataset(["P01-S1"])
    assert record.vitals["sbp"].dropna().tolist()[-1] == 150.0
    assert record.events[["event", "severity"]].values.tolist() == [["nausea", "moderate"]]
    assert record.sessions[["session_id", "chair"]].values.tolist() == [["P01-S1", "Chair 1"]]


def test_sessions_are_chosen_by_start_date_and_patient_and_live_ones_are_marked(store):
    store.start_session("P02-S1", user="feed", patient_id="P02", at=T0)
    store.end_session("P02-S1", user="feed")
    store.start_session("P02-S2", user="feed", patient_id="P02", at=T0 + pd.Timedelta(days=3))
    march = store.recorded_sessions(since=T0 - pd.Timedelta(days=1), until=T0 + pd.Timedelta(days=1))
    assert march[["session_id", "live"]].values.tolist() == [["P02-S1", False]]
    assert store.recorded_sessions(patient_id="P02")["live"].tolist() == [False, True]


def test_the_record_version_moves_with_every_vital_and_every_audited_action(store):
    before = store.record_version()
    store.add_vitals(steady_vitals("P01-S1", 2), user="monitor")
    after_vitals = store.record_version()
    store.add_event("P01-S1", T0, "nausea", user="nurse.a")
    assert len({before, after_vitals, store.record_version()}) == 3


# --- the bulk read: ADBC into Arrow columns, the same frame as SQLAlchemy reads ------------------


def _awkward_vitals() -> pd.DataFrame:
    """Sessions whose ids sort differently as text and as numbers, with upper and lower case;
    one whose cuff columns are empty for its first 1,500 rows (the SQLite driver types a column
    from its first rows) and one with no cuff reading at all; microsecond times and two rows at
    one time (a reading charted by hand beside the monitor's), kept in the order stored."""
    late_cuff = vitals_frame("P10-S1", periods=1600, hr=71.0, spo2=97.0, rr=15.0)
    late_cuff.loc[1500:, ["sbp", "dbp", "map"]] = [131.0, 84.0, 99.0]
    no_cuff = vitals_frame("P9-S1", start=T0 + pd.Timedelta(microseconds=123_457), periods=40, hr=66.5)
    twice = vitals_frame("p01-S2", periods=3, hr=[80.0, 81.0, 82.0], rr=[12.0, None, 13.0])
    charted = vitals_frame("p01-S2", start=T0 + pd.Timedelta(seconds=1), periods=1, sbp=150.0, dbp=90.0)
    return pd.concat([late_cuff, steady_vitals("P01-S1", 30), no_cuff, twice, charted], ignore_index=True)


def test_the_adbc_read_gives_the_frame_sqlalchemy_reads(store, monkeypatch):
    from dashboard.core.store import arrow_reads

    monkeypatch.setattr(arrow_reads, "SQLITE_CHILD_FROM_ROWS", 0)  # SQLite: in a process of its own
    store.add_vitals(_awkward_vitals(), user="monitor")
    ids = sorted(["P10-S1", "P01-S1", "P9-S1", "p01-S2", "P01-S9"])  # P01-S9: a session without rows
    for block in (500, 2):  # one block, and blocks of two ids read on two connections at once
        monkeypatch.setattr(arrow_reads, "BLOCK", block)
        fast = arrow_reads.read_vitals(store.engine, ids)
        assert fast is not None  # the driver is installed and reads this backend
        pd.testing.assert_frame_equal(fast, store._plain_vitals(ids))
    for alone in (["P9-S1"], ["P01-S9"], []):  # a block with no cuff value at all; no rows at all
        pd.testing.assert_frame_equal(
            arrow_reads.read_vitals(store.engine, alone), store._plain_vitals(alone)
        )
    charted = fast.loc[fast["session_id"] == "p01-S2"]
    assert charted["hr"].isna().tolist() == [False, False, True, False]  # the charted row after the monitor's


def test_a_reading_stored_after_a_read_is_in_the_next_read(store, monkeypatch):
    """The SQLite driver's own copy of SQLite, opened in the process that writes through Python's,
    kept reading the store as it was at its first read (the review lost every later reading)."""
    from dashboard.core.store import arrow_reads

    monkeypatch.setattr(arrow_reads, "SQLITE_CHILD_FROM_ROWS", 0)
    store.add_vitals(steady_vitals("P01-S1", 5), user="monitor")
    first = store.record_dataset(["P01-S1"]).vitals
    late = vitals_frame("P01-S1", start=T0 + pd.Timedelta(minutes=5), periods=1, sbp=151.0)
    store.add_vitals(late, user="nurse.a")
    second = store.record_dataset(["P01-S1"]).vitals
    assert len(first) == 5 and len(second) == 6 and second["sbp"].iloc[-1] == 151.0


def test_a_store_adbc_cannot_read_is_read_through_sqlalchemy(store, monkeypatch):
    from dashboard.core.store import arrow_reads, vitals_snapshot

    monkeypatch.setattr(arrow_reads, "SQLITE_CHILD_FROM_ROWS", 0)
    store.add_vitals(_awkward_vitals(), user="monitor")
    fast = store.record_dataset(["P9-S1", "P10-S1"])
    monkeypatch.setattr(vitals_snapshot, "read_vitals_table", lambda engine, ids, with_ids=False: None)
    plain = store.record_dataset(["P9-S1", "P10-S1"])
    pd.testing.assert_frame_equal(fast.vitals, plain.vitals)
    assert len(plain.vitals) == 1640
    make_url = URL.create
    assert arrow_reads.adbc_uri(make_url("sqlite", database="/data/store.sqlite3")) == (
        "sqlite",
        "/data/store.sqlite3",
    )
    assert arrow_reads.adbc_uri(make_url("sqlite", database=":memory:")) is None
    assert arrow_reads.adbc_uri(make_url("mysql+pymysql", host="db", database="store")) is None
    server = make_url(
        "postgresql+psycopg", username="clinic", password="s3cret/x", host="db", port=5433, database="store"
    )
    assert arrow_reads.adbc_uri(server) == ("postgresql", "postgresql://clinic:s3cret%2Fx@db:5433/store")


def test_whether_sessions_are_stored_and_when_they_started_are_one_query_each(database_url):
    from dashboard.core.store import open_store

    with open_store(database_url) as store:
        assert not store.has_sessions() and store.started_span() is None
        store.start_session("A", user="feed", at=T0)
        store.start_session("B", user="feed", at=T0 + pd.Timedelta(days=2))
        assert store.has_sessions() and store.started_span() == (T0, T0 + pd.Timedelta(days=2))
