"""What the chairs overview says about each live session, and which chair comes first.

Pure functions over the store's frames, so that the rules a nurse relies on at a glance (which
chair is most urgent, which number is stale, when the next cuff reading is due) are tested here
rather than through the page.

Session clocks. A monitor's samples are never ahead of the wall clock, but
``python -m dashboard feed --speed X`` replays sessions X times faster, so the latest sample of
a replayed session runs ahead of it. Each session is judged at its own "now": its latest sample
plus the wall time since that sample was written (``last_write``), or the wall clock if that is
later. Ages are then never negative, a vital that stops while the others go on turns stale on a
replay too, and a source that goes silent altogether ages at the wall clock's pace from its last
write: a dead replay turns stale as fast as a dead monitor (judged by its sample clock alone, a
speed-10 replay killed 10 minutes ahead read "0 s ago" for 9 minutes). A real feed is judged on
the wall clock exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.analysis.alerts import detect_alerts, still_sounding
from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.analysis.protocol import CuffSettings, Protocol
from dashboard.core.analysis.session_arrays import SessionArrays, session_arrays
from dashboard.core.live.discharge import evaluate_discharge
from dashboard.core.model import PRIORITIES, TIMESTAMP_DTYPE, vitals_table
from dashboard.core.vocabulary import vocabulary

# The latest infusion marker or intervention of these says what the pump is doing.
INFUSION_STATES: dict[str, str] = {
    "infusion_start": "infusing",
    "infusion_resumed": "infusing",
    "rate_reduced": "infusing, rate reduced",
    "infusion_paused": "paused",
    "infusion_stop": "stopped",
}
NOT_STARTED = "not started"
# The phase a tile names: the pump's state, except before the start (the patient is checked in)
# and after the stop (recovery, until discharge ends the session).
PHASES: dict[str, str] = {NOT_STARTED: "checked in", "stopped": "recovery"}
READY = "ready for discharge"  # recovery with every discharge criterion judged from the data met
NO_ALERT = "none"
_RANK: dict[str, int] = {priority: rank for rank, priority in enumerate((*PRIORITIES, NO_ALERT))}
TILE_VITALS: tuple[str, ...] = ("hr", "spo2", "sbp")  # sbp stands for the cuff reading (SBP/DBP)

FACT_COLUMNS: tuple[str, ...] = (
    "session_id",
    "chair",
    "patient_id",
    "clock",  # the session's "now" (see the module docstring)
    "infusion_state",
    "phase",  # checked in | infusing | infusing, rate reduced | paused | recovery | ready for discharge
    "chair_min",  # since check-in (the session's start)
    "elapsed_min",  # since infusion start (NaN before it); to the stop once stopped
    "planned_minutes",
    "monitored_min",  # since the first sample
    "priority",  # worst open alert: high | medium | low | none
    "unacknowledged",  # open alerts nobody acknowledged yet
    "alerts_high",
    "alerts_medium",
    "alerts_low",
    "device_priority",  # worst active alarm of the chair's own monitor: high | medium | low | none
    "device_alarms",  # how many of the monitor's alarms are active
    "attention",  # the worse of priority and device_priority: the tile's colour
    "hr",
    "hr_age_s",
    "hr_stale",
    "spo2",
    "spo2_age_s",
    "spo2_stale",
    "sbp",
    "dbp",
    "sbp_age_s",
    "sbp_stale",  # the cuff reading is overdue
    "cuff_due",  # when the next cuff reading is due
    "side_effect",  # label of the latest side effect, with its time and severity
    "side_effect_at",
    "side_effect_severity",
)


def session_clocks(sessions: pd.DataFrame, wall_now: pd.Timestamp) -> pd.Series:
    """Each session's "now" (index ``session_id``): its latest sample plus the wall time since it
    was written (``last_write``; without it, the sample itself), or the wall clock if later."""
    info = sessions.set_index("session_id")
    last = info["last_sample"].astype(TIMESTAMP_DTYPE)
    if "last_write" in info:
        written = info["last_write"].astype(TIMESTAMP_DTYPE)
        silent = (pd.Timestamp(wall_now) - written).clip(lower=pd.Timedelta(0))
        last = last + silent.fillna(pd.Timedelta(0))
    return last.where(last > wall_now, pd.Timestamp(wall_now)).astype(TIMESTAMP_DTYPE)


def live_alerts(
    vitals: pd.DataFrame, sessions: pd.DataFrame, protocol: Protocol, clocks: pd.Series
) -> pd.DataFrame:
    """Alert episodes of the live sessions, each session judged at its own clock.

    ``detect_alerts`` takes one ``now``. A session whose clock runs ahead of the earliest one is
    moved back by its lead, evaluated, and its episodes moved forward again: the rules only
    compare times within a session, so the shift changes nothing else and alert keys stay put.
    """
    reference = clocks.min() if len(clocks) else pd.Timestamp.now(tz="UTC")
    lead = clocks - reference
    if not lead.any():
        return detect_alerts(vitals, sessions, protocol, now=reference)
    back = _shifted(vitals, ("timestamp",), -lead)
    sessions_back = _shifted(sessions, ("infusion_start", "infusion_end"), -lead)
    alerts = detect_alerts(back, sessions_back, protocol, now=reference)
    return _shifted(alerts, ("start", "onset", "end"), lead)


def _shifted(frame: pd.DataFrame, columns: tuple[str, ...], by: pd.Series) -> pd.DataFrame:
    # session_id may be categorical (vitals), whose map() gives a categorical of timedeltas
    offset = frame["session_id"].map(by).astype("timedelta64[us]").fillna(pd.Timedelta(0))
    return frame.assign(**{column: frame[column] + offset for column in columns})


def open_episodes(alerts: pd.DataFrame, vitals: pd.DataFrame, clocks: pd.Series) -> pd.DataFrame:
    """The episodes still sounding at each session's clock (``alerts.still_sounding``)."""
    rows = session_arrays(vitals)
    latest = pd.DataFrame({v: _times(rows, _last_rows(rows, v)) for v in vitals_table()}, index=rows.ids)
    return alerts.loc[still_sounding(alerts, latest, clocks)].reset_index(drop=True)


def alert_texts(alerts: pd.DataFrame) -> pd.Series:
    """One short line per alert episode, as a nurse would say it: "Systolic BP 192 (limit 180)"."""
    labels = alerts["vital"].map({name: vital.label for name, vital in vitals_table().items()})
    labels = labels.fillna(alerts["vital"]).astype("str")
    peak, limit = (alerts[column].map("{:.0f}".format).astype("str") for column in ("peak", "limit"))
    reading = labels + " " + peak + " (limit " + limit + ")"
    technical = alerts["rule"].map({"signal_loss": ": no signal", "cuff_overdue": ": cuff reading overdue"})
    return reading.where(technical.isna(), labels + technical.fillna("")).rename("text")


def tile_alerts(open_alerts: pd.DataFrame) -> pd.DataFrame:
    """What a chair's tile names: per session, the worst open alert of each vital and kind, worst
    first (an SBP of 192 is not also listed as above the caution limit)."""
    ranked = open_alerts.assign(rank=open_alerts["priority"].map(_RANK))
    worst = ranked.sort_values(["rank", "onset"], kind="stable", na_position="last")
    return worst.drop_duplicates(["session_id", "vital", "kind"]).drop(columns="rank")


def shown_device_alarms(active: pd.DataFrame) -> pd.DataFrame:
    """The monitors' active alarms a tile shows: all but those the monitor itself gave no
    priority (PN: watchdogs, messages); those stay in the session's alert history."""
    return active.loc[active["priority"].ne("none").fillna(True)].reset_index(drop=True)


def device_alarm_texts(alarms: pd.DataFrame) -> pd.Series:
    """One line per active device alarm, the monitor's own words first: "** RR High (RR 30)"."""
    labels = alarms["vital"].map({name: vital.label for name, vital in vitals_table().items()})
    value = alarms["value"].map("{:.0f}".format).astype("str")
    reading = (" (" + labels.astype("str") + " " + value + ")").where(
        labels.notna() & alarms["value"].notna(), ""
    )
    return (alarms["event"].astype("str") + reading).rename("text")


HISTORY_COLUMNS: tuple[str, ...] = ("kind", "priority", "alert", "start", "end", "reports")
DEVICE_KIND = "device"  # the kind a monitor's own alarm has in the alert history


def alert_history(alerts: pd.DataFrame, device_reports: pd.DataFrame) -> pd.DataFrame:
    """A session's alert history: the dashboard's episodes and the monitor's own alarms (kind
    ``device``, one row per alarm from its first to its last report) side by side, oldest first.

    Never merged: an SpO2 alert the dashboard computed and the monitor's own SpO2 alarm are two
    rows, because they are two facts (two thresholds, two sources) a reviewer must both see.
    """
    episodes = alerts.assign(alert=alert_texts(alerts), reports=alerts["n_samples"].astype("Int64"))
    by_alarm = device_reports.sort_values(["at"], kind="stable").groupby(
        ["monitor_id", "alarm_id"], sort=False
    )
    first, last = by_alarm.first(), by_alarm.last()
    ended = last["phase"].isin(("end",)) | last["state"].isin(("inactive",))
    device = pd.DataFrame(
        {
            "kind": DEVICE_KIND,
            "priority": first["priority"],
            "alert": "Monitor: " + device_alarm_texts(first),
            "start": first["at"],
            "end": last["at"].where(ended),
            "reports": by_alarm.size().astype("Int64"),
        }
    )
    rows = [frame.reindex(columns=list(HISTORY_COLUMNS)) for frame in (episodes, device) if len(frame)]
    history = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=list(HISTORY_COLUMNS))
    return history.sort_values("start", kind="stable").reset_index(drop=True)


def next_cuff_due(
    last_reading: pd.Series, infusion_end: pd.Series, cuff: CuffSettings, factor: float = 1.0
) -> pd.Series:
    """``factor`` cuff intervals after the last reading: the infusion cadence while that stays
    inside the infusion, else the slower after-infusion one (as the cuff-overdue alert counts)."""
    during = last_reading + pd.Timedelta(minutes=factor * cuff.interval_min)
    after = last_reading + pd.Timedelta(minutes=factor * cuff.interval_after_min)
    inside = infusion_end.isna() | (during <= infusion_end)
    return during.where(inside, after)


def chair_facts(
    sessions: pd.DataFrame,
    vitals: pd.DataFrame,
    events: pd.DataFrame,
    open_alerts: pd.DataFrame,
    clocks: pd.Series,
    protocol: Protocol,
    device_alarms: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per live session (``FACT_COLUMNS``), the most urgent chair first.

    Urgency: the worse of the worst open alert and the worst active alarm of the chair's own
    monitor (``device_alarms``, ``DEVICE_ALARM_COLUMNS``; counted apart, never merged with the
    alerts); at equal priority a chair with an unacknowledged alert comes before one whose alerts
    someone has acknowledged, then the longest-standing alert, then chair number ("Chair 2"
    before "Chair 10").
    """
    info = sessions.drop_duplicates("session_id").set_index("session_id")
    ids = info.index
    clock = clocks.reindex(ids)
    facts = pd.DataFrame(index=ids)
    facts["chair"] = info["chair"]
    facts["patient_id"] = info["patient_id"]
    facts["clock"] = clock
    facts["infusion_state"] = infusion_state(info, events, clock)
    facts["phase"] = facts["infusion_state"].replace(PHASES)
    facts.loc[_ready_for_discharge(info, vitals, events, clock, protocol), "phase"] = READY
    checked_in = info.reindex(columns=["started_at"])["started_at"].astype(TIMESTAMP_DTYPE)
    facts["chair_min"] = _minutes(clock - checked_in)
    start, end = info["infusion_start"], info["infusion_end"]
    until = end.where(end.notna() & (end <= clock), clock)
    facts["elapsed_min"] = _minutes(until - start).where(start <= clock)
    facts["planned_minutes"] = info["planned_minutes"]
    rows = session_arrays(vitals)
    first = pd.Series(_times(rows, rows.first_row), index=rows.ids).reindex(ids)
    facts["monitored_min"] = _minutes(clock - first)
    facts = facts.join(_alert_summary(open_alerts, ids)).join(_device_summary(device_alarms, ids))
    facts = facts.join(_latest(rows, clock))
    after_s = protocol.signal_loss.after_s
    for vital in ("hr", "spo2"):
        # Charted by hand, a value is due again with the next chart (the cuff cadence), not in seconds.
        taken = clock - pd.to_timedelta(facts[f"{vital}_age_s"], unit="s")
        charted_due = next_cuff_due(taken, end, protocol.cuff, protocol.cuff.overdue_factor)
        spot = pd.Series(rows.spot_checked(vital, round(after_s * 1e6)), index=rows.ids)
        spot = spot.reindex(ids, fill_value=False)
        late = (facts[f"{vital}_age_s"] > after_s).where(~spot, clock > charted_due)
        facts[f"{vital}_stale"] = late | facts[vital].isna()
    last_cuff = (clock - pd.to_timedelta(facts["sbp_age_s"], unit="s")).fillna(first)
    facts["cuff_due"] = next_cuff_due(last_cuff, end, protocol.cuff)
    overdue = next_cuff_due(last_cuff, end, protocol.cuff, protocol.cuff.overdue_factor)
    facts["sbp_stale"] = clock > overdue  # before the first reading: "no reading", stale once overdue
    facts = facts.join(_latest_side_effect(events))
    return _by_urgency(facts.rename_axis("session_id").reset_index(), open_alerts)[list(FACT_COLUMNS)]


def _ready_for_discharge(
    info: pd.DataFrame, vitals: pd.DataFrame, events: pd.DataFrame, clock: pd.Series, protocol: Protocol
) -> list[str]:
    """The sessions in recovery whose discharge criteria judged from the data are all met now
    (``live.discharge``); judged only for sessions whose infusion has stopped."""
    stopped = events.loc[events["event"] == "infusion_stop", "session_id"].unique()
    recovering = info.loc[info.index.isin(stopped)]
    if recovering.empty:
        return []
    baselines = session_baselines(vitals, recovering.reset_index(), protocol.baseline.window_min)
    ready = []
    for session_id in recovering.index:
        own = vitals["session_id"] == session_id
        base = baselines.loc[session_id].to_dict() if session_id in baselines.index else {}
        check = evaluate_discharge(
            vitals.loc[own], events.loc[events["session_id"] == session_id], base, protocol.discharge,
            clock[session_id],
        )  # fmt: skip
        if check is not None and check.ready:
            ready.append(session_id)
    return ready


def infusion_state(sessions: pd.DataFrame, events: pd.DataFrame, clocks: pd.Series) -> pd.Series:
    """What the pump is doing per session (index ``session_id``): from the latest infusion event,
    else from the session's infusion start and end."""
    ids = sessions.index
    start, end = sessions["infusion_start"], sessions["infusion_end"]
    from_times = pd.Series(NOT_STARTED, index=ids, dtype="str")
    from_times = from_times.mask(start <= clocks, INFUSION_STATES["infusion_start"])
    from_times = from_times.mask(end <= clocks, INFUSION_STATES["infusion_stop"])
    markers = events.loc[events["event"].isin(list(INFUSION_STATES))].sort_values("timestamp", kind="stable")
    latest = markers.groupby("session_id")["event"].last().map(INFUSION_STATES)
    return latest.reindex(ids).fillna(from_times).astype("str")


def _minutes(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 60


def _latest(rows: SessionArrays, clock: pd.Series) -> pd.DataFrame:
    """The latest reading of each tile vital per session, and its age in seconds at the session's clock."""
    last = {v: _last_rows(rows, v) for v in (*TILE_VITALS, "dbp")}
    values = {v: np.where(row >= 0, rows.values[v][row], np.nan) for v, row in last.items()}
    times = pd.DataFrame({f"{v}_age_s": _times(rows, last[v]) for v in TILE_VITALS}, index=rows.ids)
    ages = times.reindex(clock.index).rsub(clock, axis=0) / pd.Timedelta(seconds=1)
    return pd.DataFrame(values, index=rows.ids).reindex(clock.index).join(ages.clip(lower=0))


def _last_rows(rows: SessionArrays, vital: str) -> np.ndarray:
    """Per session, the row of its latest reading of ``vital`` (-1 where it has none): one pass
    over the rows, which are in (session, time) order, instead of a group-by."""
    if not len(rows.ids):
        return np.empty(0, dtype=np.int64)
    present = np.where(np.isnan(rows.values[vital]), -1, np.arange(len(rows.time)))
    return np.maximum.reduceat(present, rows.first_row)


def _times(rows: SessionArrays, at: np.ndarray) -> pd.DatetimeIndex:
    """The times of rows ``at`` (NaT where -1)."""
    micros = np.where(at >= 0, rows.time[at], np.datetime64("NaT", "us").view("int64"))
    return pd.DatetimeIndex(micros.view("datetime64[us]")).tz_localize("UTC")


def _alert_summary(open_alerts: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    counts = open_alerts.groupby(["session_id", "priority"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=ids, columns=list(PRIORITIES), fill_value=0).astype("int64")
    rank = open_alerts["priority"].map(_RANK).astype("float64").groupby(open_alerts["session_id"]).min()
    rank = rank.reindex(ids)
    unacknowledged = open_alerts["acknowledged_by"].isna().groupby(open_alerts["session_id"]).sum()
    summary = counts.add_prefix("alerts_")
    summary["priority"] = rank.fillna(_RANK[NO_ALERT]).map(dict(enumerate((*PRIORITIES, NO_ALERT))))
    summary["unacknowledged"] = unacknowledged.reindex(ids, fill_value=0).astype("int64")
    return summary


def _device_summary(device_alarms: pd.DataFrame | None, ids: pd.Index) -> pd.DataFrame:
    """Per session: the worst active device alarm and how many there are (``attention``, the
    worse of this and the computed alerts, is set with the urgency order)."""
    alarms = device_alarms if device_alarms is not None else pd.DataFrame(columns=["session_id", "priority"])
    rank = alarms["priority"].map(_RANK).astype("float64").groupby(alarms["session_id"]).min().reindex(ids)
    names = dict(enumerate((*PRIORITIES, NO_ALERT)))
    return pd.DataFrame(
        {
            "device_priority": rank.fillna(_RANK[NO_ALERT]).map(names).astype("str"),
            "device_alarms": alarms.groupby("session_id").size().reindex(ids, fill_value=0).astype("int64"),
        },
        index=ids,
    )


def _latest_side_effect(events: pd.DataFrame) -> pd.DataFrame:
    effects = events.loc[events["category"] == "side_effect"].sort_values("timestamp", kind="stable")
    last = effects.groupby("session_id").tail(1).set_index("session_id")
    labels = {name: term.label for name, term in vocabulary().items()}
    return pd.DataFrame(
        {
            "side_effect": last["event"].map(labels).fillna(last["event"]),
            "side_effect_at": last["timestamp"],
            "side_effect_severity": last["severity"],
        }
    )


def _by_urgency(facts: pd.DataFrame, open_alerts: pd.DataFrame) -> pd.DataFrame:
    """Worst priority (of alerts or the monitor's own alarms) first; then unacknowledged before
    acknowledged, oldest alert, chair number."""
    worst = open_alerts.assign(rank=open_alerts["priority"].map(_RANK))
    worst = worst.loc[worst["rank"] == worst.groupby("session_id")["rank"].transform("min")]
    waiting = worst["acknowledged_by"].isna().groupby(worst["session_id"]).any()
    oldest = worst.groupby("session_id")["onset"].min()
    rank = np.minimum(facts["priority"].map(_RANK), facts["device_priority"].map(_RANK))
    facts = facts.assign(attention=rank.map(dict(enumerate((*PRIORITIES, NO_ALERT)))).astype("str"))
    keys = pd.DataFrame(
        {
            "rank": rank,
            "acknowledged": ~waiting.reindex(facts["session_id"], fill_value=False).to_numpy(bool),
            "oldest": oldest.reindex(facts["session_id"]).to_numpy(),
            "number": pd.to_numeric(facts["chair"].str.extract(r"(\d+)")[0], errors="coerce"),
            "chair": facts["chair"].fillna(""),
        },
        index=facts.index,
    )
    order = keys.sort_values(list(keys.columns), kind="stable", na_position="last").index
    return facts.loc[order].reset_index(drop=True)
