"""The columnar copy of ended sessions' vitals, on SQLite and PostgreSQL: the review reads the same
frame with or without it, reads only what the copy cannot answer from the store, and never trusts a
copy the store has moved past (a late reading, a replaced database, a damaged file)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine, insert

from dashboard.core.simulate import simulate_sessions
from dashboard.core.store import arrow_reads, open_store, vitals_snapshot
from dashboard.core.store.models import Vitals
from tests.factories import store_dataset, vitals_frame


@pytest.fixture
def asked(monkeypatch) -> list[list[str]]:
    """The session ids each read asked the store for (by ADBC, as a large store is read)."""
    monkeypatch.setattr(arrow_reads, "SQLITE_CHILD_FROM_ROWS", 0)
    calls: list[list[str]] = []
    read = vitals_snapshot.read_vitals_table

    def recording(engine, session_ids, with_ids=False):
        calls.append(list(session_ids))
        return read(engine, session_ids, with_ids)

    monkeypatch.setattr(vitals_snapshot, "read_vitals_table", recording)
    return calls


def _clinic(store, live: int | None = None) -> list[str]:
    """Three simulated sessions stored and ended, but the ``live``-th (in id order) if given."""
    dataset = simulate_sessions(3, seed=7, sample_interval_s=5)
    ids = sorted(dataset.sessions["session_id"])
    store_dataset(store, dataset, live=() if live is None else (ids[live],))
    return ids


def test_ended_sessions_come_from_the_copy_and_live_ones_from_the_store(database_url, asked):
    with open_store(database_url) as store:
        ids = _clinic(store, live=1)
        first = store.record_dataset(ids).vitals
        assert vitals_snapshot.snapshot_path(store.engine).exists()
        second = store.record_dataset(ids).vitals
    pd.testing.assert_frame_equal(second, first)
    assert asked == [ids, [ids[1]]]  # the second read asked the store only for the live session


def test_a_late_reading_of_an_ended_session_is_read_from_the_store(database_url, asked):
    with open_store(database_url) as store:
        ids = _clinic(store)
        before = store.record_dataset(ids).vitals
        later = before["timestamp"].max() + pd.Timedelta(minutes=5)
        late = vitals_frame(ids[0], start=later, periods=1, sbp=151.0)
        store.add_vitals(late, user="nurse.a")
        after = store.record_dataset(ids).vitals
        again = store.record_dataset(ids).vitals
    assert len(after) == len(before) + 1 and 151.0 in after["sbp"].tolist()
    pd.testing.assert_frame_equal(again, after)
    assert asked == [ids, [ids[0]], []]  # then the rewritten copy holds the late reading too


def test_a_copy_the_store_does_not_match_is_never_used(tmp_path, asked):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with open_store(url) as store:
        store.record_dataset(_clinic(store))
        copy = vitals_snapshot.snapshot_path(store.engine)
    (tmp_path / "store.sqlite3").unlink()  # another database at the same place
    with open_store(url) as store:
        store_dataset(store, simulate_sessions(2, seed=99, sample_interval_s=30))
        ids = store.recorded_sessions()["session_id"].tolist()
        got = store.record_dataset(ids).vitals
    assert copy.exists() and asked[-1] == ids
    assert len(got) == len(simulate_sessions(2, seed=99, sample_interval_s=30).vitals)


def test_a_damaged_copy_is_read_past_and_written_anew(database_url, asked):
    with open_store(database_url) as store:
        ids = _clinic(store)
        expected = store.record_dataset(ids).vitals
        vitals_snapshot.snapshot_path(store.engine).write_bytes(b"ARROW1 but not really")
        damaged = store.record_dataset(ids).vitals
        mended = store.record_dataset(ids).vitals
    pd.testing.assert_frame_equal(damaged, expected)
    pd.testing.assert_frame_equal(mended, expected)
    assert asked == [ids, ids, []]


def test_a_row_committed_under_the_copys_mark_voids_it_on_postgresql(postgresql_server, asked):
    """PostgreSQL hands out ids from a sequence: a transaction may commit a lower id after a higher
    one was read. The count of rows up to the mark catches it."""
    with open_store(postgresql_server.create_database()) as store:
        ids = _clinic(store)
        before = store.record_dataset(ids).vitals
        stamp = before["timestamp"].min() - pd.Timedelta(seconds=1)
        with store.engine.begin() as conn:  # id 0: below every id the sequence gave
            at = stamp.to_pydatetime()
            row = {"id": 0, "session_id": ids[0], "timestamp": at, "hr": 70.0}
            conn.execute(insert(Vitals).values(**row, user="monitor", entered_at=at))
        after = store.record_dataset(ids).vitals
    assert len(after) == len(before) + 1
    assert asked == [ids, ids]


def test_a_store_in_memory_has_no_copy():
    assert vitals_snapshot.snapshot_path(create_engine("sqlite://")) is None
