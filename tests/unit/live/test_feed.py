"""Replaying sessions into the store as live chairs."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pandas as pd
import pytest

from dashboard.core.live.feed import FEED_USER, plan_replay, replay
from dashboard.core.model import (
    Dataset,
)
from dashboard.core.store import open_store
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
