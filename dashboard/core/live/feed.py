"""Replay recorded or simulated sessions into the store as if several chairs were live.

For demos, training and load checks of the live pages: each chosen session is moved to start
now, on its own chair, and its vitals and events arrive when their time comes, ``speed`` times
faster than real time (session clocks run ahead of the wall clock when ``speed`` > 1). Each
tick's rows are one transaction; only then is the tick reported, so a reported count is a
stored count even if the feed is killed right after.

A plan's session ids are its source sessions' ids, a key of the plan (which sessions, speed,
stagger) and the time it started. A feed restarted with the same arguments finds that plan's
open sessions (``resume_start``) and carries on with them from where the store says it got to,
instead of opening new ones beside them; the rows it missed while down are written at once.
When the store cannot be reached (``store.outage``) the feed waits with backoff, then reads how
far it got from the store again before writing on (a tick whose commit was lost in the outage
is written again, one that was committed is not), so nothing is lost or written twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd

from dashboard.core.model import Dataset
from dashboard.core.roles import Actor
from dashboard.core.store import EntryError, Store
from dashboard.core.store.outage import Outage, unreachable

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


def plan_key(dataset: Dataset, speed: float, chairs: int, stagger_min: float) -> str:
    """Six hex digits naming a replay plan apart from its start: the sessions chosen (with their
    first sample and row count), the speed and the stagger."""
    probe = plan_replay(dataset, pd.Timestamp(0, tz="UTC"), speed, chairs, stagger_min, tag="")
    counts = probe.vitals.groupby("session_id")["timestamp"].agg(["min", "size"])
    text = f"{speed:g}|{stagger_min:g}|" + "|".join(
        f"{i}:{r['min']}:{r['size']}" for i, r in counts.iterrows()
    )
    return hashlib.sha256(text.encode()).hexdigest()[:6]


def resume_start(
    store: Store, dataset: Dataset, speed: float, chairs: int, stagger_min: float
) -> tuple[str, pd.Timestamp | None]:
    """(the plan's key, when its run that still has open sessions started, else None): a feed
    restarted with the same arguments resumes that run (same start, so the same session ids)."""
    key = plan_key(dataset, speed, chairs, stagger_min)
    sources = plan_replay(dataset, pd.Timestamp(0, tz="UTC"), speed, chairs, stagger_min, tag="").sessions
    names = "|".join(re.escape(str(sid)) for sid in sources["session_id"])  # each ends with "-"
    mine = re.compile(rf"^(?:{names}){key}-\d{{6}}$")
    open_sessions = store.active_sessions()
    runs = open_sessions.loc[open_sessions["session_id"].map(lambda sid: bool(mine.match(sid)))]
    if runs.empty:
        return key, None
    return key, runs["started_at"].max()


def run_tag(key: str, start: pd.Timestamp) -> str:
    """The tag of a plan's run: its key and its start (UTC, to the second)."""
    return f"{key}-{start:%H%M%S}"


def replay(
    store: Store,
    plan: ReplayPlan,
    on_commit: Callable[[FeedProgress], None] = lambda progress: None,
    tick_s: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    already_s: float = 0.0,
    started_at: pd.Timestamp | None = None,
    outage: Outage | None = None,
) -> FeedProgress:
    """Write each row when it is due, one transaction per kind per tick; returns the totals.

    ``already_s``: wall seconds of the plan already past (a resumed run); ``started_at``: the
    sessions' start time to record (the run's start, by which a restart finds them). Rows the
    store already holds from this plan are not written again; an unreachable store is waited
    for (``outage``), then the progress is read from the store again.
    """
    outage = outage or Outage("feed", clock=clock)
    progress, ended = FeedProgress(), pd.Series(False, index=plan.sessions.index)
    reported = astuple(progress)
    writers = {"vitals": store.add_vitals, "events": store.add_events}
    streams = {"vitals": plan.vitals, "events": plan.events}
    began = clock() - already_s
    resync = True  # first of all: start the sessions the store lacks, and how far it got
    while progress.vitals < len(plan.vitals) or progress.events < len(plan.events) or not ended.all():
        tick = clock()
        elapsed = tick - began
        try:
            if resync:
                progress, ended = _stored_progress(store, plan, started_at)
                resync = False
            for kind, frame in streams.items():
                done = getattr(progress, kind)
                due = int(np.searchsorted(frame["due"].to_numpy(), elapsed, side="right"))
                if due > done:
                    writers[kind](frame.iloc[done:due].drop(columns="due"), user=FEED)
                    setattr(progress, kind, due)
            finishing = ~ended & (plan.sessions["due_end"] <= elapsed)
            for index, session_id in plan.sessions.loc[finishing, "session_id"].items():
                with contextlib.suppress(EntryError):  # someone ended it already: nothing left to do
                    store.end_session(session_id, user=FEED)
                progress.sessions_ended += 1
                ended[index] = True
        except Exception as error:
            if not unreachable(error):
                raise
            resync = True  # the last commit may or may not have landed: ask the store
            sleep(outage.failed(error))
            continue
        outage.recovered()
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


def _stored_progress(
    store: Store, plan: ReplayPlan, started_at: pd.Timestamp | None
) -> tuple[FeedProgress, pd.Series]:
    """The plan's sessions the store lacks started, then what it holds of the plan: the progress
    (rows are written in due order, so the count of stored rows is the next row's index) and
    which sessions ended. Refused, before any is started, if a chair is busy with another run."""
    ids = plan.sessions["session_id"].tolist()
    _, _, known = store.written_by(ids, FEED_USER)
    missing = plan.sessions.loc[~plan.sessions["session_id"].isin(list(known))]
    open_now = store.active_sessions().dropna(subset=["chair"]).drop_duplicates("chair", keep="last")
    busy = open_now.set_index("chair")["session_id"]
    taken = [f"{chair!r} (open session {busy[chair]!r})" for chair in missing["chair"] if chair in busy.index]
    if taken:  # refuse before starting any, so that no chair is left half started
        raise EntryError(
            f"chairs busy with other open sessions: {', '.join(taken)}; end them first "
            "(python -m dashboard session end SESSION_ID) or replay the same plan to resume it"
        )
    at = None if started_at is None else started_at.to_pydatetime()
    for session in missing.to_dict("records"):
        details = {key: _or_none(session[key]) for key in SESSION_DETAILS}
        store.start_session(session["session_id"], user=FEED, chair=session["chair"], at=at, **details)
    vitals, events, known = store.written_by(ids, FEED_USER)
    ended = plan.sessions["session_id"].map(known).fillna(False).astype(bool)
    progress = FeedProgress(
        vitals=vitals, events=events, sessions_started=len(known), sessions_ended=int(ended.sum())
    )
    return progress, ended


def _or_none(value):
    return None if pd.isna(value) else value
