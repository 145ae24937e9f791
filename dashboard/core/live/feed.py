"""Replay recorded or simulated sessions into the store as if several chairs were live.

For demos, training and load checks of the live pages: each chosen session is moved to start
now, on its own chair, and its vitals and events arrive when their time comes, ``speed`` times
faster than real time (session clocks run ahead of the wall clock when ``speed`` > 1). Each
tick's rows are one transaction; only then is the tick reported, so a reported count is a
stored count even if the feed is killed right after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd

from dashboard.core.model import Dataset
from dashboard.core.roles import Actor
from dashboard.core.store import Store

FEED_USER = "feed"
# The demo replay plays the monitors (their readings) and the nurse (sessions opened and ended,
# events logged): a service identity with those roles, so it writes even where roles are required.
FEED = Actor.service(FEED_USER, "nurse")
SESSION_DETAILS = (
    "patient_id",
    "planned_minutes",
    "dose_mg_per_kg",
    "weight_kg",
    "indication",
    "infusion_start",
)


@dataclass
class FeedProgress:
    """What has been committed so far (counts only: progress lines never name a patient)."""

    vitals: int = 0
    events: int = 0
    sessions_started: int = 0
    sessions_ended: int = 0

    def __str__(self) -> str:
        return (
            f"committed {self.vitals} vitals rows, {self.events} events; "
            f"sessions started {self.sessions_started}, ended {self.sessions_ended}"
        )


@dataclass(frozen=True)
class ReplayPlan:
    """Rows with their new session ids and times, and ``due``: wall seconds after the start."""

    sessions: pd.DataFrame
    vitals: pd.DataFrame
    events: pd.DataFrame


def plan_replay(
    dataset: Dataset, start: pd.Timestamp, speed: float, chairs: int, stagger_min: float, tag: str
) -> ReplayPlan:
    """The first ``chairs`` sessions moved to begin at ``start`` (one every ``stagger_min``).

    One chair per patient while there are patients enough: a person cannot sit in two chairs at
    once, and a demo that shows it would make staff doubt everything else on the screen.
    """
    if speed <= 0:
        raise ValueError("speed must be positive")
    first = dataset.vitals.groupby("session_id", sort=False, observed=True)["timestamp"].min().sort_values()
    patient = dataset.sessions.drop_duplicates("session_id").set_index("session_id")["patient_id"]
    ids = pd.Index(first.index.astype("str"))
    owner = patient.reindex(ids).fillna(pd.Series(ids, index=ids))  # no patient id: its own owner
    repeat = owner.duplicated().to_numpy()  # a patient's later sessions
    chosen = pd.concat([first[~repeat], first[repeat]]).iloc[:chairs]
    lead = pd.Series(pd.to_timedelta(np.arange(len(chosen)) * stagger_min, unit="min"), index=chosen.index)
    shift = start + lead - chosen
    new_ids = pd.Series(chosen.index.astype("str") + f"-{tag}", index=chosen.index)

    def moved(frame: pd.DataFrame, time_columns: tuple[str, ...]) -> pd.DataFrame:
        rows = frame.loc[frame["session_id"].isin(chosen.index)].copy()
        offset = rows["session_id"].astype("str").map(shift)
        for column in time_columns:
            rows[column] = rows[column] + offset
        rows["session_id"] = rows["session_id"].map(new_ids).astype("str")
        return rows

    vitals = moved(dataset.vitals, ("timestamp",))
    events = moved(dataset.events, ("timestamp",))
    for frame in (vitals, events):
        frame["due"] = (frame["timestamp"] - start).dt.total_seconds() / speed
    known = pd.DataFrame({"session_id": chosen.index}).merge(dataset.sessions, on="session_id", how="left")
    sessions = moved(known, ("infusion_start", "infusion_end"))
    sessions["chair"] = [f"Chair {n}" for n in range(1, len(sessions) + 1)]
    sessions["due_end"] = sessions["session_id"].map(vitals.groupby("session_id")["due"].max())
    return ReplayPlan(
        sessions=sessions.reset_index(drop=True),
        vitals=vitals.sort_values("due", kind="stable").reset_index(drop=True),
        events=events.sort_values("due", kind="stable").reset_index(drop=True),
    )


def replay(
    store: Store,
    plan: ReplayPlan,
    on_commit: Callable[[FeedProgress], None] = lambda progress: None,
    tick_s: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> FeedProgress:
    """Write each row when it is due, one transaction per kind per tick; returns the totals."""
    progress = FeedProgress()
    for session in plan.sessions.to_dict("records"):
        details = {key: _or_none(session[key]) for key in SESSION_DETAILS}
        store.start_session(session["session_id"], user=FEED, chair=session["chair"], **details)
        progress.sessions_started += 1
    on_commit(progress)
    reported = astuple(progress)
    writers = {"vitals": store.add_vitals, "events": store.add_events}
    streams = {"vitals": plan.vitals, "events": plan.events}
    ended = pd.Series(False, index=plan.sessions.index)
    began = clock()
    while progress.vitals < len(plan.vitals) or progress.events < len(plan.events) or not ended.all():
        tick = clock()
        elapsed = tick - began
        for kind, frame in streams.items():
            done = getattr(progress, kind)
            due = int(np.searchsorted(frame["due"].to_numpy(), elapsed, side="right"))
            if due > done:
                writers[kind](frame.iloc[done:due].drop(columns="due"), user=FEED)
                setattr(progress, kind, due)
        finishing = ~ended & (plan.sessions["due_end"] <= elapsed)
        for session_id in plan.sessions.loc[finishing, "session_id"]:
            store.end_session(session_id, user=FEED)
            progress.sessions_ended += 1
        ended |= finishing
        if astuple(progress) != reported:
            on_commit(progress)
            reported = astuple(progress)
        upcoming = [
            frame["due"].iloc[getattr(progress, k)]
            for k, frame in streams.items()
            if getattr(progress, k) < len(frame)
        ]
        upcoming += plan.sessions.loc[~ended, "due_end"].tolist()
        if upcoming:  # next row's time, but at most one transaction per kind per tick
            now = clock()
            sleep(max(min(upcoming) - (now - began), tick_s - (now - tick)))
    return progress


def _or_none(value):
    return None if pd.isna(value) else value
