"""Alert episodes: when each protocol rule alarmed, for every session at once.

Semantics (the protocol file's header has the rule fields):

- A breach is a reading beyond the limit (``>=`` high, ``<=`` low, ``value - baseline >=`` rise).
  Empty cells (artifacts removed at load) are not readings, so they never breach.
- Continuous vitals (HR, SpO2, RR) alarm when a breach persists unbroken for ``delay_s`` and
  spans at least two readings, so no single sample ever alarms; onset = start + delay. In a
  session where a continuous vital is spot-checked rather than monitored (charted by hand every
  few minutes: the median interval between its readings is longer than ``signal_loss.after_s``,
  or there is one reading so far), each of its readings is judged as a cuff reading is: a breach
  alarms on the reading itself, and its gaps are not signal losses.
- Cuff vitals alarm on the breaching reading itself; with ``confirm`` only when the next
  reading breaches too (onset = that confirming reading).
- ``peak`` is the worst value itself (also for rise rules); ``limit`` is the limit that applied
  after the patient's overrides, for a rise rule the absolute threshold (baseline + rise).
- Once sounding, an alarm is held until the value is back past ``limit -/+ hysteresis``, so a
  value hovering around the limit is one episode. Before it sounds there is no hysteresis: a
  breach that dips back before ``delay_s`` is over starts again.
- A continuous gap longer than ``signal_loss.after_s``, or cuff readings more than three cuff
  intervals apart, ends any episode.
- Technical alerts: ``signal_loss`` per continuous vital (a gap longer than ``after_s`` between
  readings, or, with ``now``, a last reading older than that); ``cuff_overdue`` when no SBP
  reading came within ``overdue_factor`` cuff intervals (counted from the session's first sample
  before the first reading). A vital a session never measured is lost for the whole session only
  if other sessions of the frame do measure it (and, for continuous vitals, the session has other
  continuous data): then the sensor is missing, rather than not part of the clinic's setup.
  Technical alerts have no peak, ``n_samples`` 0, and ``limit`` = the time limit in seconds.
- With ``now`` (live use) every session in the frame is taken as still running: pass only live
  sessions, or ``now=None`` to review finished ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.analysis.episodes import gap_starts, latch, run_bounds, run_extreme, segment_starts
from dashboard.core.analysis.protocol import CuffSettings, Protocol, Rule
from dashboard.core.analysis.session_arrays import NEVER, SessionArrays, is_spot_checked, session_arrays
from dashboard.core.model import ALERT_COLUMNS, CONTINUOUS, PRIORITIES, conform, empty_frame, utc_times

_US = 1_000_000  # timestamps are handled as int64 microseconds since the epoch
_CUFF_JOIN_INTERVALS = 3  # cuff readings further apart than this many intervals are separate episodes


@dataclass(frozen=True)
class _Cohort:
    """All sessions' vitals as arrays, with what the rules need per session (by session number)."""

    rows: SessionArrays
    patient: pd.Series  # per session number
    infusion_end: np.ndarray  # per session number, int64 µs (NEVER when unknown)
    loss_after: int  # µs: a longer gap between continuous readings is a signal loss

    @cached_property
    def continuous_starts(self) -> np.ndarray:
        """Segment starts over all rows: shared by every continuous vital without empty cells."""
        return gap_starts(self.rows.session, self.rows.time, self.loss_after)


@dataclass(frozen=True)
class _Readings:
    """One vital's readings (non-empty cells), still in (session, time) order.

    A mostly full vital is not copied row by row: its readings are the rows less a few empty ones
    (``skipped``), and the session or time of a reading is looked up through ``row`` where the
    rules need it, at the few readings where a run starts or ends.
    """

    rows: SessionArrays
    value: np.ndarray
    segment_start: np.ndarray  # a new session or a gap too long for an episode to bridge
    per_session: np.ndarray  # number of readings of each session code
    picked: np.ndarray | None  # the rows of a sparse vital's readings; None for a mostly full one
    skipped: np.ndarray  # the empty rows of a mostly full vital, ascending
    spot: np.ndarray | None = None  # per session code, continuous vitals: taken now and then, not monitored

    def row(self, reading: np.ndarray) -> np.ndarray:
        """The row of each reading."""
        if self.picked is not None:
            return self.picked[reading]
        if not len(self.skipped):
            return reading
        earlier = self.skipped - np.arange(len(self.skipped))  # readings before each skipped row
        return reading + np.searchsorted(earlier, reading, side="right")

    def session_at(self, reading: np.ndarray) -> np.ndarray:
        return self.rows.session[self.row(reading)]

    def time_at(self, reading: np.ndarray) -> np.ndarray:
        return self.rows.time[self.row(reading)]

    @cached_property
    def session(self) -> np.ndarray:
        """Every reading's session: for per-reading limits, and the few readings of a sparse vital."""
        return self.session_at(np.arange(len(self.value)))

    @cached_property
    def time(self) -> np.ndarray:
        return self.time_at(np.arange(len(self.value)))

    @property
    def first_of_session(self) -> np.ndarray:
        """Each session's first reading (sessions without any left out)."""
        return (np.cumsum(self.per_session) - self.per_session)[self.per_session > 0]

    @property
    def last_of_session(self) -> np.ndarray:
        """Each session's last reading (sessions without any left out)."""
        return (np.cumsum(self.per_session) - 1)[self.per_session > 0]


def detect_alerts(
    vitals: pd.DataFrame | SessionArrays,
    sessions: pd.DataFrame,
    protocol: Protocol,
    now: pd.Timestamp | None = None,
    baselines: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per alert episode (``model.ALERT_COLUMNS``), sorted by session and start.

    ``vitals`` may be given as its ``SessionArrays``, and ``baselines`` (``session_baselines``
    under this protocol's window), by a caller that needs them too, so that millions of rows are
    not scanned twice.
    """
    rows = vitals if isinstance(vitals, SessionArrays) else session_arrays(vitals)
    cohort = _cohort(rows, sessions, protocol)
    if not len(cohort.rows.time):
        return empty_frame(ALERT_COLUMNS)
    now_us = None if now is None else _micros(now)
    readings = {vital: _readings(cohort, vital, protocol) for vital in cohort.rows.values}
    baselines = _baselines(cohort, sessions, protocol, baselines)
    parts = [
        _rule_episodes(
            rule,
            readings[rule.vital],
            _limits(rule, cohort, protocol),
            baselines[rule.vital] if rule.direction == "rise" else None,
        )
        for rule in protocol.rules
    ]
    parts += [_signal_loss(vital, readings, cohort, protocol, now_us) for vital in CONTINUOUS]
    parts.append(_cuff_overdue(readings["sbp"], cohort, protocol.cuff, now_us))
    parts = [part for part in parts if len(part)]
    if not parts:
        return empty_frame(ALERT_COLUMNS)
    found = pd.concat(parts, ignore_index=True)
    found["session_id"] = cohort.rows.ids[found.pop("code").to_numpy()]
    for column in ("start", "onset", "end"):
        found[column] = utc_times(found[column].to_numpy(dtype=np.int64))
    alerts = conform(found, ALERT_COLUMNS).sort_values(["session_id", "start"], kind="stable")
    return alerts.reset_index(drop=True)


def alert_counts(alerts: pd.DataFrame, session_ids: pd.Series | None = None) -> pd.DataFrame:
    """Physiological alerts per priority and technical alerts, per session (index ``session_id``).

    With ``session_ids`` every listed session gets a row, zeros where nothing alarmed.
    """
    physiological = alerts["kind"] == "physiological"
    labels = ("alerts_" + alerts["priority"]).where(physiological, "alerts_technical")
    columns = [f"alerts_{priority}" for priority in PRIORITIES] + ["alerts_technical"]
    counts = pd.crosstab(alerts["session_id"], labels).reindex(columns=columns, fill_value=0)
    if session_ids is not None:
        counts = counts.reindex(pd.Index(session_ids).unique(), fill_value=0)
    return counts.rename_axis(index="session_id", columns=None).astype("int64")


def still_sounding(alerts: pd.DataFrame, last_readings: pd.DataFrame, clocks: pd.Series) -> np.ndarray:
    """Which episodes still sound: one rule for every screen and for the store.

    A physiological episode sounds while its end is the latest reading of its vital: the breach
    goes on until a reading clears it, so a cuff breach holds until the next cuff reading, however
    many HR samples arrive meanwhile. A technical one (signal loss, cuff overdue) sounds while it
    lasts to the session's clock. ``last_readings``: per session (index) the time of the latest
    reading of each vital (columns); ``clocks``: each session's "now".
    """
    sessions = alerts["session_id"].astype("str")
    latest = last_readings.stack()
    last_reading = latest.reindex(pd.MultiIndex.from_arrays([sessions, alerts["vital"].astype("str")]))
    clock = clocks.reindex(sessions).to_numpy()
    physiological = (alerts["kind"] == "physiological").to_numpy()
    end = alerts["end"].to_numpy()
    return np.where(physiological, end >= last_reading.to_numpy(), end >= clock)


def _cohort(rows: SessionArrays, sessions: pd.DataFrame, protocol: Protocol) -> _Cohort:
    info = sessions.drop_duplicates("session_id").set_index("session_id").reindex(rows.ids)
    return _Cohort(
        rows=rows,
        patient=info["patient_id"],
        infusion_end=_micros_or_never(info["infusion_end"]),
        loss_after=round(protocol.signal_loss.after_s * _US),
    )


def _readings(cohort: _Cohort, vital: str, protocol: Protocol) -> _Readings:
    """The vital's readings; one pass over the millions of rows, the rest on the few exceptions.

    Cuff vitals are mostly empty, so their few readings are picked by index; continuous vitals
    are mostly full, so the few empty cells are counted and dropped (often there are none).
    """
    rows = cohort.rows
    values = rows.values[vital]
    empty = np.isnan(values)
    n_empty = np.count_nonzero(empty)
    n_sessions = len(rows.ids)
    if 2 * n_empty > len(values):
        picked, skipped = np.flatnonzero(~empty), np.empty(0, dtype=np.intp)
        per_session = np.bincount(rows.session[picked], minlength=n_sessions)
        value = values[picked]
    else:
        picked, skipped = None, np.flatnonzero(empty)
        per_session = rows.end_row - rows.first_row - np.bincount(rows.session[skipped], minlength=n_sessions)
        value = values[~empty] if n_empty else values  # a full vital is used as it is: no copy
    placed = _Readings(rows, value, np.empty(0, dtype=bool), per_session, picked, skipped)  # no starts yet
    if vital in CONTINUOUS:
        starts = _mended_starts(cohort, empty, placed) if n_empty else cohort.continuous_starts
        return replace(placed, segment_start=starts, spot=_spot_checked(placed, starts))
    session, time = placed.session, placed.time
    joins_until = _cuff_due(time, cohort.infusion_end[session], protocol.cuff, _CUFF_JOIN_INTERVALS)
    return replace(placed, segment_start=segment_starts(session, time, joins_until))


def _spot_checked(readings: _Readings, starts: np.ndarray) -> np.ndarray:
    """Per session code: whether this continuous vital was charted now and then
    (``is_spot_checked``), from the segment starts the rules computed already."""
    count = readings.per_session
    segments = np.bincount(readings.session_at(np.flatnonzero(starts)), minlength=len(count))
    return is_spot_checked(count, segments)


def _mended_starts(cohort: _Cohort, empty: np.ndarray, readings: _Readings) -> np.ndarray:
    """Segment starts of a continuous vital with a few empty cells, from those of all rows.

    Only a reading right after an empty cell can differ from its row: the gap back to the previous
    reading is longer than to the previous row. Mending those few spares a pass of int64 time
    differences over millions of readings."""
    starts = cohort.continuous_starts[~empty]
    after_empty = np.flatnonzero(np.r_[False, empty[:-1]][~empty])
    after_empty = after_empty[after_empty > 0]
    previous = after_empty - 1
    starts[after_empty] = (readings.session_at(after_empty) != readings.session_at(previous)) | (
        readings.time_at(after_empty) - readings.time_at(previous) > cohort.loss_after
    )
    return starts


def _cuff_due(time: np.ndarray, infusion_end: np.ndarray, cuff: CuffSettings, factor: float) -> np.ndarray:
    """``factor`` cuff intervals after ``time``, at the infusion cadence while that stays inside it.

    Past the infusion end the (slower) after-infusion cadence applies; before the infusion the
    infusion cadence does (the tighter one).
    """
    during = time + round(factor * cuff.interval_min * 60 * _US)
    after = time + round(factor * cuff.interval_after_min * 60 * _US)
    return np.where(during <= infusion_end, during, after)


def _baselines(
    cohort: _Cohort, sessions: pd.DataFrame, protocol: Protocol, table: pd.DataFrame | None
) -> dict[str, np.ndarray]:
    """Per-session baseline of each vital a rise rule watches (indexed by session code)."""
    rising = {rule.vital for rule in protocol.rules if rule.direction == "rise"}
    if not rising:
        return {}
    if table is None:
        table = session_baselines(cohort.rows, sessions, protocol.baseline.window_min, sorted(rising))
    return {vital: table[vital].reindex(cohort.rows.ids).to_numpy(dtype="float64") for vital in rising}


def _limits(rule: Rule, cohort: _Cohort, protocol: Protocol) -> np.ndarray:
    """The rule's limit for each session code, after that session's patient overrides."""
    overrides = protocol.overrides.items()
    overridden = {patient: limits[rule.id] for patient, limits in overrides if rule.id in limits}
    per_session = cohort.patient.map(overridden) if overridden else pd.Series(np.nan, index=cohort.rows.ids)
    return per_session.fillna(rule.limit).to_numpy(dtype="float64")


def _rule_episodes(
    rule: Rule, readings: _Readings, limits: np.ndarray, baseline: np.ndarray | None
) -> pd.DataFrame:
    """The episodes of one physiological rule over all sessions."""
    level = readings.value if baseline is None else readings.value - baseline[readings.session]
    same = len(limits) and np.all(limits == limits[0])  # no patient override: compare with a scalar
    limit = limits[0] if same else limits[readings.session]
    # The readings in the hysteresis band, then those of them beyond the limit: one pass over all.
    if rule.direction == "low":
        held = np.flatnonzero(level <= limit + rule.hysteresis)
        breach = held[level[held] <= (limit if same else limit[held])]
    else:
        held = np.flatnonzero(level >= limit - rule.hysteresis)
        breach = held[level[held] >= (limit if same else limit[held])]
    first, last = run_bounds(breach, readings.segment_start)
    time = readings.time_at
    # One formula for all kinds: continuous (2 readings + delay), cuff (1 reading), confirm (2 readings);
    # a continuous vital spot-checked in a session alarms on its reading, as a cuff reading does.
    needed = np.full(len(first), 2 if rule.vital in CONTINUOUS or rule.confirm else 1)
    delay = np.full(len(first), round(rule.delay_s * _US))
    if readings.spot is not None and readings.spot.any() and not rule.confirm:
        spot = readings.spot[readings.session_at(first)]
        needed[spot], delay[spot] = 1, 0
    sounds = (last - first + 1 >= needed) & (time(last) - time(first) >= delay)
    first, needed, delay = first[sounds], needed[sounds], delay[sounds]
    onset = np.maximum(time(first) + delay, time(first + needed - 1))
    opens, end = latch(first, held, readings.segment_start)
    start = first[opens]
    peak_of = np.minimum if rule.direction == "low" else np.maximum
    code = readings.session_at(start)
    return pd.DataFrame(
        {
            "code": code,
            "vital": rule.vital,
            "rule": rule.id,
            "priority": rule.priority,
            "kind": "physiological",
            "start": time(start),
            "onset": onset[opens],
            "end": time(end),
            "peak": run_extreme(readings.value, start, end, peak_of),
            "limit": limits[code] + (baseline[code] if baseline is not None else 0.0),
            "n_samples": end - start + 1,
        }
    )


def _signal_loss(
    vital: str, readings: dict[str, _Readings], cohort: _Cohort, protocol: Protocol, now: int | None
) -> pd.DataFrame:
    """Gaps in one continuous vital longer than ``after_s``: between readings, at the end, or all session."""
    r = readings[vital]
    after = round(protocol.signal_loss.after_s * _US)
    # Segment starts that do not start a session: the gaps (of monitored sessions: a spot check's
    # next reading is due by the cuff cadence, not within seconds).
    gap = np.setdiff1d(np.flatnonzero(r.segment_start), r.first_of_session, assume_unique=True)
    gap = gap[~r.spot[r.session_at(gap)]]
    waits = [(r.session_at(gap), r.time_at(gap - 1), r.time_at(gap))]
    if now is not None:
        last = r.last_of_session
        last = last[~r.spot[r.session_at(last)]]
        waits.append((r.session_at(last), r.time_at(last), np.full(len(last), now)))
    never = _never_measured(vital, readings, cohort)
    never_end = cohort.rows.last[never] if now is None else np.full(len(never), now)
    waits.append((never, cohort.rows.first[never], never_end))
    code, start, end = (np.concatenate(parts) for parts in zip(*waits, strict=True))
    lost = _technical(code, start, end, after)
    return lost.assign(vital=vital, rule="signal_loss", priority=protocol.signal_loss.priority)


def _never_measured(vital: str, readings: dict[str, _Readings], cohort: _Cohort) -> np.ndarray:
    """Session codes without a reading of continuous ``vital`` where that means a missing sensor.

    Only when other sessions measure it (so it is part of the clinic's setup) and this session has
    other continuous data (so the monitor was on).
    """
    count = readings[vital].per_session
    if not count.any():
        return np.empty(0, dtype=np.intp)
    other = sum(readings[v].per_session * ~readings[v].spot for v in CONTINUOUS if v != vital)
    return np.flatnonzero((count == 0) & (other > 0))


def _cuff_overdue(sbp: _Readings, cohort: _Cohort, cuff: CuffSettings, now: int | None) -> pd.DataFrame:
    """Waits for an SBP reading longer than ``overdue_factor`` intervals, from the first sample on."""
    n = len(cohort.rows.ids)
    # No SBP in the whole frame: the export has no cuff data at all, nothing is overdue.
    checked = np.arange(n) if len(sbp.time) else np.empty(0, dtype=np.intp)
    # Each wait runs from an anchor (the session's first sample or a reading) to the next reading or the end.
    ends = np.full(len(checked), now) if now is not None else cohort.rows.last[checked]
    code = np.concatenate((checked, sbp.session, checked))
    time = np.concatenate((cohort.rows.first[checked], sbp.time, ends))
    is_end = np.concatenate((np.zeros(len(checked) + len(sbp.time), bool), np.ones(len(checked), bool)))
    order = np.lexsort((is_end, time, code))
    code, time, is_end = code[order], time[order], is_end[order]
    anchor = np.flatnonzero(~is_end[:-1] & (code[:-1] == code[1:]))
    due = _cuff_due(time[anchor], cohort.infusion_end[code[anchor]], cuff, cuff.overdue_factor)
    overdue = _technical(code[anchor], time[anchor], time[anchor + 1], due - time[anchor])
    return overdue.assign(vital="sbp", rule="cuff_overdue", priority=cuff.overdue_priority)


def _technical(
    code: np.ndarray, start: np.ndarray, end: np.ndarray, allowed: np.ndarray | int
) -> pd.DataFrame:
    """Waits from ``start`` to ``end`` longer than ``allowed`` µs; the alarm sounds when it runs out."""
    allowed = np.broadcast_to(allowed, code.shape)
    lost = end - start > allowed
    return pd.DataFrame(
        {
            "code": code[lost],
            "kind": "technical",
            "start": start[lost],
            "onset": start[lost] + allowed[lost],
            "end": end[lost],
            "peak": np.nan,
            "limit": allowed[lost] / _US,
            "n_samples": 0,
        }
    )


def _micros(moment: pd.Timestamp) -> int:
    moment = pd.Timestamp(moment)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment
    return int(moment.as_unit("us").asm8.view("int64"))


def _micros_or_never(times: pd.Series) -> np.ndarray:
    times = pd.to_datetime(times, utc=True).dt.as_unit("us")
    return np.where(times.isna(), NEVER, times.array.asi8)

def alert_keys(alerts: pd.DataFrame) -> pd.Series:
    """The stable identity of each alert episode: session, rule and start of the breach.

    The alert engine recomputes episodes from the vitals; since vitals are append-only, an
    episode's start never moves, so every screen derives the same key for the same episode.
    """
    start = alerts["start"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return alerts["session_id"].astype("str") + "|" + alerts["rule"].astype("str") + "|" + start
