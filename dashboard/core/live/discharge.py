"""Recovery and discharge: the protocol's discharge criteria (``[discharge]``) judged on a
session's data after the infusion stops, each as met, not met or to be confirmed by hand, with
its reason as staff read it ("SBP back under 160 for 10 min: not yet, 168 at 10:42").

A vital is "back" when every reading since the infusion stopped, for ``stable_min`` minutes, is
within the margin of the baseline or under the caution limit (and not under the low limit): a
run of such readings that spans the time, so one good cuff reading is not enough. "Ready for
discharge" is the first time every criterion judged from the data was met at once (as the
REMS form asks, G2); what only staff can judge is ticked at discharge. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from dashboard.core.analysis.protocol import DischargeCriteria
from dashboard.core.store.discharge_rows import BY_HAND, MET, NOT_MET

CADSS6 = "CADSS-6"
LABELS = {"sbp": "SBP", "dbp": "DBP", "hr": "HR"}


@dataclass(frozen=True)
class Criterion:
    """One discharge criterion: ``state`` is ``MET``, ``NOT_MET`` or ``BY_HAND``; ``since`` is when
    its current stretch of being met began (None unless met from the data)."""

    key: str
    label: str
    state: str
    reason: str
    since: pd.Timestamp | None = None


@dataclass(frozen=True)
class DischargeCheck:
    """The criteria of one session in recovery, and when those judged from the data were first all met."""

    stopped_at: pd.Timestamp
    criteria: tuple[Criterion, ...]
    ready_at: pd.Timestamp | None

    @property
    def ready(self) -> bool:
        """Whether every criterion judged from the data is met now (the by-hand ones aside)."""
        return all(c.state != NOT_MET for c in self.criteria) and self.ready_at is not None


def infusion_stopped_at(events: pd.DataFrame) -> pd.Timestamp | None:
    """The time of the session's latest infusion_stop marker (current entries), None if none."""
    stops = events.loc[events["event"] == "infusion_stop", "timestamp"]
    return stops.max() if len(stops) else None


def evaluate_discharge(
    vitals: pd.DataFrame,
    events: pd.DataFrame,
    baseline: dict,
    criteria: DischargeCriteria,
    now: pd.Timestamp,
    tz: str = "UTC",
) -> DischargeCheck | None:
    """The discharge criteria of one session at ``now``; None while the infusion has not stopped.

    ``vitals`` and ``events`` are the session's rows in the model (current entries), ``baseline``
    maps vitals to the session's baseline values (NaN or missing when unknown).
    """
    stopped = infusion_stopped_at(events)
    if stopped is None:
        return None
    judged: list[tuple[Criterion, pd.Series | None]] = [_recovery_time(stopped, criteria, now, tz)]
    after = vitals.loc[vitals["timestamp"] >= stopped]
    for vital in LABELS:
        if _limits(criteria, vital) != (None, None, None):
            judged.append(_vital_back(vital, after, baseline.get(vital), criteria, tz))
    judged.append(_dissociation(events, stopped, criteria, tz))
    judged += [(Criterion(f"by_hand_{i}", text, BY_HAND, "confirm by hand"), None)
               for i, text in enumerate(criteria.by_hand, start=1)]  # fmt: skip
    steps = [step for _, step in judged if step is not None]
    return DischargeCheck(stopped, tuple(c for c, _ in judged), _first_all_met(steps))


def confirmed(check: DischargeCheck, ticked: set[str]) -> tuple[Criterion, ...]:
    """The criteria as recorded at discharge: a by-hand one ticked by staff (its key in ``ticked``)
    is met, "confirmed by hand"; one left unticked stays unconfirmed, so it needs a reason."""
    return tuple(
        replace(c, state=MET, reason="confirmed by hand") if c.state == BY_HAND and c.key in ticked else c
        for c in check.criteria
    )


def unmet(criteria: tuple[Criterion, ...]) -> list[str]:
    """The labels of the criteria not met (or not confirmed): each needs the discharge's reason."""
    return [c.label for c in criteria if c.state != MET]


def records(criteria: tuple[Criterion, ...]) -> list[dict]:
    """The criteria as the store records them with a discharge."""
    return [{"key": c.key, "label": c.label, "state": c.state, "reason": c.reason} for c in criteria]


# --- the criteria ------------------------------------------------------------------------------


def _recovery_time(
    stopped: pd.Timestamp, criteria: DischargeCriteria, now: pd.Timestamp, tz: str
) -> tuple[Criterion, pd.Series]:
    due = stopped + pd.Timedelta(minutes=criteria.min_recovery_min)
    label = (
        f"{criteria.min_recovery_min:g} min in recovery since the infusion stopped at {_clock(stopped, tz)}"
    )
    if now >= due:
        met = Criterion("recovery_time", label, MET, f"yes, since {_clock(due, tz)}", due)
        return met, pd.Series([False, True], index=pd.DatetimeIndex([stopped, due]))
    so_far = (now - stopped) / pd.Timedelta(minutes=1)
    reason = f"not yet, {max(so_far, 0):.0f} of {criteria.min_recovery_min:g} min; met at {_clock(due, tz)}"
    return Criterion("recovery_time", label, NOT_MET, reason), pd.Series(
        [False], index=pd.DatetimeIndex([stopped])
    )


def _vital_back(
    vital: str, after: pd.DataFrame, base: float | None, criteria: DischargeCriteria, tz: str
) -> tuple[Criterion, pd.Series]:
    """Back for ``stable_min`` minutes: a run of good readings, ending at the latest, that spans it."""
    high, low, margin = _limits(criteria, vital)
    base = None if base is None or pd.isna(base) else float(base)
    label = f"{LABELS[vital]} back {_bound_text(high, margin, base)} for {criteria.stable_min:g} min"
    readings = after.loc[after[vital].notna(), ["timestamp", vital]]
    times, values = readings["timestamp"].reset_index(drop=True), readings[vital].reset_index(drop=True)
    ok = pd.Series(True, index=values.index)
    if high is not None or (margin is not None and base is not None):
        under = values < high if high is not None else pd.Series(False, index=values.index)
        near = values <= base + margin if margin is not None and base is not None else False
        ok &= under | near
    if low is not None:
        ok &= values >= low
    run_start = times.where(ok).groupby((~ok).cumsum()).transform("min")
    met = ok & (times - run_start >= pd.Timedelta(minutes=criteria.stable_min))
    steps = pd.Series(met.to_numpy(), index=pd.DatetimeIndex(times))
    if readings.empty:
        return Criterion(vital, label, NOT_MET, "no reading since the infusion stopped"), steps
    latest = f"{values.iloc[-1]:.0f} at {_clock(times.iloc[-1], tz)}"
    if low is not None and values.iloc[-1] < low:
        latest += f", under {low:g}"
    if met.iloc[-1]:
        since = times[met & ~met.shift(fill_value=False)].iloc[-1]
        return Criterion(vital, label, MET, f"yes, since {_clock(since, tz)} ({latest})", since), steps
    if not ok.iloc[-1]:
        return Criterion(vital, label, NOT_MET, f"not yet, {latest}"), steps
    confirm_at = run_start.iloc[-1] + pd.Timedelta(minutes=criteria.stable_min)
    back = _clock(run_start.iloc[-1], tz)
    reason = f"not yet, back since {back}; a reading from {_clock(confirm_at, tz)} on confirms it"
    return Criterion(vital, label, NOT_MET, reason), steps


def _dissociation(
    events: pd.DataFrame, stopped: pd.Timestamp, criteria: DischargeCriteria, tz: str
) -> tuple[Criterion, pd.Series | None]:
    """The latest CADSS-6 score since the stop below the cut-off; without one, judged by hand."""
    below = criteria.cadss6_below
    if below is None:
        return Criterion("dissociation", "Dissociation resolved", BY_HAND, "confirm by hand"), None
    label = f"Dissociation resolved ({CADSS6} below {below:g})"
    scored = events.loc[
        (events["scale"] == CADSS6) & events["score"].notna() & (events["timestamp"] >= stopped)
    ]
    if scored.empty:
        logged = events.loc[events["event"] == "dissociation", "timestamp"]
        seen = f"dissociation logged at {_clock(logged.max(), tz)}, " if len(logged) else ""
        reason = f"confirm by hand ({seen}no {CADSS6} score since the infusion stopped)"
        return Criterion("dissociation", label, BY_HAND, reason), None
    scored = scored.sort_values("timestamp", kind="stable")
    good = scored["score"] < below
    steps = pd.Series(good.to_numpy(), index=pd.DatetimeIndex(scored["timestamp"]))
    last = scored.iloc[-1]
    latest = f"{last['score']:g} at {_clock(last['timestamp'], tz)}"
    if good.iloc[-1]:
        return Criterion("dissociation", label, MET, f"yes, {latest}", last["timestamp"]), steps
    return Criterion("dissociation", label, NOT_MET, f"not yet, {latest}"), steps


def _first_all_met(steps: list[pd.Series]) -> pd.Timestamp | None:
    """The first time every step series (True from each time it says so) is True at once."""
    if not steps:
        return None
    times = pd.DatetimeIndex(sorted(set().union(*(s.index for s in steps))))
    states = pd.concat(
        [s.groupby(level=0).last().reindex(times).ffill().fillna(False).astype(bool) for s in steps], axis=1
    )
    together = times[states.all(axis=1).to_numpy()]
    return together[0] if len(together) else None


def _limits(criteria: DischargeCriteria, vital: str) -> tuple[float | None, float | None, float | None]:
    return tuple(getattr(criteria, f"{vital}_{end}", None) for end in ("max", "min", "margin"))  # type: ignore[return-value]


def _bound_text(high: float | None, margin: float | None, base: float | None) -> str:
    """The bound in a label: "under 160", or "to at most 170 (baseline 150 + 20)" when the
    baseline's margin allows more (a low limit is named only when a reading is under it)."""
    near = base + margin if margin is not None and base is not None else None
    if near is not None and (high is None or near >= high):
        return f"to at most {near:g} (baseline {base:g} + {margin:g})"
    return f"under {high:g}" if high is not None else "in range"


def _clock(at: pd.Timestamp, tz: str) -> str:
    return at.tz_convert(tz).strftime("%H:%M")
