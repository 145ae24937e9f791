"""Replaying sessions into the store as live chairs."""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys

import pandas as pd
import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from dashboard.core.live.feed import FEED_USER, plan_key, plan_replay, replay, resume_start, run_tag
from dashboard.core.model import (
    Dataset,
)
from dashboard.core.store import EntryError, open_store
from tests.factories import vitals_frame

RECORDED = pd.Timestamp("2026-03-02T08:00:00Z")
NOW = pd.Timestamp("2026-11-24T10:00:00Z")


def recorded_dataset(seconds: int = 30) -> Dataset:
    """Two sessions recorded on different days, one sample a second, one nausea event each."""
    starts = {"P01-S1": RECORDED, "P02-S1": RECORDED + pd.Timedelta(days=3)}
    vitals = pd.concat(
        [vitals_frame(sid, start=t0, periods=seconds, hr=70.0) for sid, t0 in starts.items()],
        ignore_index=True,
    )
    events = pd.DataFrame(
        {
            "session_id": list(starts),
            "timestamp": [t0 + pd.Timedelta(seconds=10) for t0 in starts.values()],
            "event": "nausea",
            "category": "side_effect",
            "severity": "mild",
        }
    )
    sessions = pd.DataFrame(
        {"session_id": list(starts), "patient_id": ["P01", "P02"], "planned_minutes": 40.0}
    )
    return Dataset.of(vitals, events, sessions)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.01)


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        yield store


def test_chairs_replay_together_from_now_each_row_no_earlier_than_due(store):
    plan = plan_replay(recorded_dataset(), NOW, speed=10, chairs=2, stagger_min=0, tag="demo")
    clock, seen = FakeClock(), []
    totals = replay(
        store, plan, on_commit=lambda p: seen.append((clock.now, p.vitals)), clock=clock, sleep=clock.sleep
    )

    assert (totals.vitals, totals.events, totals.sessions_ended) == (60, 2, 2)
    for elapsed, committed in seen:
        assert committed <= (plan.vitals["due"] <= elapsed).sum(), "a row was written before its time"
    assert clock.now == pytest.approx(2.9, abs=0.2), "30 s of session at 10x take 3 s"
    sessions = store.sessions().set_index("session_id")
    assert sorted(sessions["chair"]) == ["Chair 1", "Chair 2"]
    assert (sessions["patient_id"].tolist(), sessions["started_by"].unique().tolist()) == (
        ["P01", "P02"],
        [FEED_USER],
    )
    vitals = store.session_vitals("P02-S1-demo")
    assert vitals["timestamp"].iloc[0] == NOW and vitals["timestamp"].iloc[-1] == NOW + pd.Timedelta(
        seconds=29
    )
    events = store.session_events("P01-S1-demo")
    assert events[["timestamp", "event", "user"]].values.tolist() == [
        [NOW + pd.Timedelta(seconds=10), "nausea", FEED_USER]
    ]


def test_staggered_chairs_start_minutes_apart(store):
    plan = plan_replay(recorded_dataset(), NOW, speed=600, chairs=2, stagger_min=5, tag="demo")
    clock = FakeClock()
    replay(store, plan, clock=clock, sleep=clock.sleep)
    first = {sid: store.session_vitals(sid)["timestamp"].iloc[0] for sid in ("P01-S1-demo", "P02-S1-demo")}
    assert first == {"P01-S1-demo": NOW, "P02-S1-demo": NOW + pd.Timedelta(minutes=5)}


def test_only_the_requested_number_of_chairs_is_replayed(store):
    plan = plan_replay(recorded_dataset(), NOW, speed=600, chairs=1, stagger_min=0, tag="demo")
    clock = FakeClock()
    replay(store, plan, clock=clock, sleep=clock.sleep)
    assert store.sessions()["session_id"].tolist() == ["P01-S1-demo"]


FEED = """
import sys
from dashboard.cli import main
main(["feed", "--simulate", "--speed", "120", "--chairs", "3", "--database", sys.argv[1]])
"""


def test_feed_killed_mid_session_keeps_everything_it_reported(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    feed = subprocess.Popen([sys.executable, "-c", FEED, url], stdout=subprocess.PIPE, text=True)
    reported = 0
    for line in feed.stdout:
        reported = int(re.search(r"committed (\d+) vitals rows", line).group(1))
        if reported > 500:
            break
    feed.send_signal(signal.SIGKILL)
    rest, _ = feed.communicate(timeout=30)
    counts = [int(n) for n in re.findall(r"committed (\d+) vitals rows", rest)]
    reported = max([reported, *counts])

    with open_store(url) as store:
        stored = sum(len(store.session_vitals(sid)) for sid in store.sessions()["session_id"])
        assert not store.active_sessions().empty, "killed mid-session"
    assert stored >= reported > 500


def test_each_chair_gets_a_different_patient_while_there_are_enough():
    course = recorded_dataset()
    second = course.vitals.loc[course.vitals["session_id"] == "P01-S1"].assign(session_id="P01-S2")
    second["timestamp"] += pd.Timedelta(days=1)  # P01's next infusion, before P02's first
    sessions = pd.concat(
        [course.sessions, pd.DataFrame({"session_id": ["P01-S2"], "patient_id": ["P01"]})], ignore_index=True
    )
    dataset = Dataset.of(pd.concat([course.vitals, second], ignore_index=True), course.events, sessions)
    two = plan_replay(dataset, NOW, speed=600, chairs=2, stagger_min=0, tag="demo").sessions
    assert sorted(two["patient_id"]) == ["P01", "P02"]
    three = plan_replay(dataset, NOW, speed=600, chairs=3, stagger_min=0, tag="demo").sessions
    assert len(three) == 3  # more chairs than patients: the repeat fills the last chair


class Flaky:
    """The store, unreachable for its next ``down`` writes; with ``lost_ack`` the first failing
    write is committed before the error (the connection dropped after the commit)."""

    def __init__(self, store, down: int, lost_ack: bool = False) -> None:
        self.store, self.down, self.lost_ack = store, down, lost_ack

    def __getattr__(self, name):
        return getattr(self.store, name)

    def add_vitals(self, frame, *, user):
        if self.down > 0 and not frame.empty:
            self.down -= 1
            if self.lost_ack:
                self.store.add_vitals(frame, user=user)
                self.lost_ack = False
            raise OperationalError("INSERT INTO vitals", {}, psycopg.OperationalError("server closed"))
        return self.store.add_vitals(frame, user=user)


@pytest.mark.parametrize("lost_ack", [False, True], ids=["refused", "committed-then-dropped"])
def test_feed_rides_out_an_outage_without_losing_or_doubling_a_row(store, lost_ack, caplog):
    plan = plan_replay(recorded_dataset(), NOW, speed=10, chairs=2, stagger_min=0, tag="demo")
    clock = FakeClock()
    with caplog.at_level(logging.INFO):
        totals = replay(Flaky(store, down=4, lost_ack=lost_ack), plan, clock=clock, sleep=clock.sleep)
    assert (totals.vitals, totals.events, totals.sessions_ended) == (60, 2, 2)
    for session_id in ("P01-S1-demo", "P02-S1-demo"):
        stamps = store.session_vitals(session_id)["timestamp"]
        assert stamps.is_unique and len(stamps) == 30, "every row once"
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "feed: store unreachable",
        "feed: store reachable again after 7.5 s",  # 0.5 + 1 + 2 + 4 s of backoff
    ]


def test_a_real_store_error_still_stops_the_feed(store):
    plan = plan_replay(recorded_dataset(), NOW, speed=10, chairs=2, stagger_min=0, tag="demo")
    store.start_session("someone", user="nurse.a", chair="Chair 2")
    clock = FakeClock()
    with pytest.raises(
        EntryError, match="chairs busy with other open sessions: 'Chair 2' \\(open session 'someone'\\)"
    ):
        replay(store, plan, clock=clock, sleep=clock.sleep)
    assert store.active_sessions()["session_id"].tolist() == ["someone"], "no chair half started"


def test_the_same_plan_resumes_its_run_and_another_plan_starts_afresh(store):
    dataset = recorded_dataset(seconds=600)
    key, start = resume_start(store, dataset, speed=10, chairs=2, stagger_min=0)
    assert start is None
    plan = plan_replay(dataset, NOW, speed=10, chairs=2, stagger_min=0, tag=run_tag(key, NOW))
    clock = FakeClock()
    with pytest.raises(KeyboardInterrupt):  # killed 20 s in (200 s of samples)
        replay(store, plan, clock=clock, sleep=stop_after(clock, 20), started_at=NOW)
    assert resume_start(store, dataset, speed=10, chairs=2, stagger_min=0) == (key, NOW)
    assert resume_start(store, dataset, speed=20, chairs=2, stagger_min=0)[1] is None
    assert plan_key(dataset, 10, 2, 0) != plan_key(dataset, 10, 1, 0)
    ids = sorted(store.sessions()["session_id"])

    clock = FakeClock()  # restarted 10 s after it was killed: that part is written at once
    totals = replay(store, plan, clock=clock, sleep=clock.sleep, already_s=30, started_at=NOW)
    assert sorted(store.sessions()["session_id"]) == ids
    assert totals.vitals == 1200 and totals.sessions_started == 2
    for session_id in ids:
        stamps = store.session_vitals(session_id)["timestamp"]
        assert stamps.is_unique and len(stamps) == 600
        assert stamps.diff().max() == pd.Timedelta(seconds=1), "continuous across the restart"


def stop_after(clock: FakeClock, seconds: float):
    def sleep(step: float) -> None:
        clock.sleep(step)
        if clock.now > seconds:
            raise KeyboardInterrupt

    return sleep


RESTARTED = """
import sys
from dashboard.cli import main
main(["feed", "--simulate", "--speed", "60", "--chairs", "3", "--database", sys.argv[1]])
"""


def run_until(url: str, rows: int) -> subprocess.Popen:
    feed = subprocess.Popen([sys.executable, "-c", RESTARTED, url], stdout=subprocess.PIPE, text=True)
    for line in feed.stdout:
        found = re.search(r"committed (\d+) vitals rows", line)
        if found and int(found.group(1)) > rows:
            return feed
    raise AssertionError(f"the feed stopped before {rows} rows: {feed.wait()}")


def test_a_killed_and_restarted_feed_resumes_its_sessions_one_per_chair(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    first = run_until(url, 300)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    with open_store(url) as store:
        before = store.active_sessions()
        stored_before = store.written_by(before["session_id"].tolist(), FEED_USER)[0]
    second = run_until(url, stored_before + 300)
    second.send_signal(signal.SIGKILL)
    second.wait(timeout=30)

    with open_store(url) as store:
        after = store.active_sessions()
        assert sorted(store.sessions()["session_id"]) == sorted(before["session_id"]), "no new session ids"
        assert sorted(after["chair"]) == ["Chair 1", "Chair 2", "Chair 3"], "each chair exactly once"
        for session_id in after["session_id"]:
            stamps = store.session_vitals(session_id)["timestamp"]
            assert stamps.is_unique, "no row written twice"
            assert stamps.diff().max() == pd.Timedelta(seconds=1), "no gap where the feed was down"
