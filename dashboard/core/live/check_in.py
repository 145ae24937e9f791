"""Checking a patient in on a free chair: the dose plan, the patient's history, the session.

What staff check before the start is computed here, once, for the Chairs page and
``python -m dashboard session start`` alike: weight x dose gives the total dose, and the total
over the planned minutes the rate (0.5 mg/kg x 72 kg = 36 mg over 40 min = 54 mg/h); the
patient's history (infusion number in the course, last weight, the last session's peak BP, side
effects and interventions) comes from the store. Checking in records the session with the plan
and the protocol version in force, and assigns the chair's monitors, whose held pre-infusion
readings join the session as its baseline (``monitor_assignment``). A plan left incomplete at
check-in is completed later (``change_plan``): signing needs the dose and the weight.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import pandas as pd

from dashboard.core.live.monitor_assignment import assign_monitor
from dashboard.core.roles import Actor
from dashboard.core.store import EntryError, Store

# Plausible entries; outside them the number was mistyped (kg for lb, mg for mg/kg, hours for minutes).
WEIGHT_KG = (10.0, 400.0)
DOSE_MG_PER_KG = (0.01, 5.0)
PLANNED_MINUTES = (1.0, 480.0)
SIDE_EFFECT, INTERVENTION = "side_effect", "intervention"


@dataclass(frozen=True)
class DosePlan:
    """What is given: the inputs, and the total and rate they make (None where an input is missing)."""

    weight_kg: float | None
    dose_mg_per_kg: float | None
    planned_minutes: float | None
    total_dose_mg: float | None
    rate_mg_per_h: float | None


@dataclass(frozen=True)
class PatientHistory:
    """What staff want to see of a patient's course before a new infusion."""

    patient_id: str
    infusion_number: int
    last_session_id: str | None = None
    last_weight_kg: float | None = None
    peak_sbp: float | None = None
    peak_dbp: float | None = None
    side_effects: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckIn:
    """A session opened by check-in, and what was shown for it."""

    session_id: str
    chair: str
    plan: DosePlan
    history: PatientHistory
    attached: dict[str, int] = field(default_factory=dict)  # monitor id -> held readings that joined


def dose_plan(
    weight_kg: float | None, dose_mg_per_kg: float | None, planned_minutes: float | None
) -> DosePlan:
    """The total dose (weight x dose) and rate (total over the planned minutes), refusing an
    implausible entry with what was expected."""
    weight = _checked(weight_kg, WEIGHT_KG, "weight", "kg")
    dose = _checked(dose_mg_per_kg, DOSE_MG_PER_KG, "dose", "mg/kg")
    minutes = _checked(planned_minutes, PLANNED_MINUTES, "planned time", "min")
    total = round(weight * dose, 2) if weight is not None and dose is not None else None
    rate = round(total / minutes * 60, 2) if total is not None and minutes is not None else None
    return DosePlan(weight, dose, minutes, total, rate)


def patient_history(store: Store, patient_id: str, before: datetime | None = None) -> PatientHistory:
    """The patient's course so far from the store (sessions started before ``before``, if given)."""
    earlier = store.patient_sessions(patient_id, before=before)
    if earlier.empty:
        return PatientHistory(patient_id, infusion_number=1)
    last = earlier.iloc[-1]
    weights = earlier["weight_kg"].dropna()
    vitals = store.session_vitals(last["session_id"])
    events = store.session_events(last["session_id"])
    return PatientHistory(
        patient_id,
        infusion_number=len(earlier) + 1,
        last_session_id=last["session_id"],
        last_weight_kg=float(weights.iloc[-1]) if len(weights) else None,
        peak_sbp=_peak(vitals["sbp"]),
        peak_dbp=_peak(vitals["dbp"]),
        side_effects=_named(events, SIDE_EFFECT),
        interventions=_named(events, INTERVENTION),
    )


def check_in(
    store: Store,
    patient_id: str,
    chair: str,
    *,
    user: str | Actor,
    weight_kg: float | None = None,
    dose_mg_per_kg: float | None = None,
    planned_minutes: float | None = None,
    indication: str | None = None,
    at: datetime | None = None,
) -> CheckIn:
    """Open a session for ``patient_id`` on the free ``chair`` and bring in its monitors.

    Refuses (``EntryError``) an unknown or busy chair, a patient already checked in and an
    implausible entry; nothing is stored then.
    """
    plan = dose_plan(weight_kg, dose_mg_per_kg, planned_minutes)
    patient_id = (patient_id or "").strip()
    history = patient_history(store, patient_id)
    indication = (indication or "").strip() or None
    values = {**asdict(plan), "indication": indication}
    session_id, monitors = store.check_in_session(patient_id, chair.strip(), values, user=user, at=at)
    attached = {monitor: assign_monitor(store, monitor, session_id, user=user) for monitor in monitors}
    return CheckIn(session_id, chair.strip(), plan, history, attached)


def change_plan(
    store: Store,
    session_id: str,
    *,
    user: str | Actor,
    reason: str | None = None,
    weight_kg: float | None = None,
    dose_mg_per_kg: float | None = None,
    planned_minutes: float | None = None,
) -> DosePlan:
    """Complete or correct the session's plan: the inputs given replace the recorded ones, the
    total and rate follow. Changing a recorded value needs ``reason`` (``store.change_dose_plan``)."""
    recorded = store.session_plan(session_id)
    given = {"weight_kg": weight_kg, "dose_mg_per_kg": dose_mg_per_kg, "planned_minutes": planned_minutes}
    plan = dose_plan(**{key: recorded[key] if value is None else value for key, value in given.items()})
    store.change_dose_plan(session_id, asdict(plan), user=user, reason=reason)
    return plan


def plan_lines(plan: DosePlan) -> list[str]:
    """The dose plan as lines of plain text, for the command line and the check-in form."""
    if plan.total_dose_mg is None:
        return ["Total dose: needs weight and dose"]
    total = _num(plan.total_dose_mg)
    lines = [f"Total dose: {_num(plan.dose_mg_per_kg)} mg/kg x {_num(plan.weight_kg)} kg = {total} mg"]
    if plan.rate_mg_per_h is None:
        return [*lines, "Rate: needs the planned minutes"]
    minutes, rate = _num(plan.planned_minutes), _num(plan.rate_mg_per_h)
    return [*lines, f"Rate: {total} mg over {minutes} min = {rate} mg/h"]


def history_lines(history: PatientHistory) -> list[str]:
    """The patient's history as lines of plain text (the values are the store's, not escaped here)."""
    lines = [f"Infusion {history.infusion_number} of the course"]
    if history.last_session_id is None:
        return [*lines, "No earlier session in the store"]
    weight = f"{_num(history.last_weight_kg)} kg" if history.last_weight_kg is not None else "not recorded"
    peak = (
        f"{_num(history.peak_sbp)}/{_num(history.peak_dbp)} mmHg"
        if history.peak_sbp is not None
        else "no BP reading"
    )
    return [
        *lines,
        f"Last weight: {weight}",
        f"Last session ({history.last_session_id}): peak BP {peak}",
        f"Side effects: {', '.join(history.side_effects) or 'none logged'}",
        f"Interventions: {', '.join(history.interventions) or 'none logged'}",
    ]


def _checked(value: float | None, bounds: tuple[float, float], what: str, unit: str) -> float | None:
    if value is None or pd.isna(value):
        return None
    low, high = bounds
    if not low <= float(value) <= high:
        raise EntryError(
            f"{what} {_num(value)} {unit} is outside {_num(low)}-{_num(high)} {unit}: check the entry"
        )
    return float(value)


def _peak(values: pd.Series) -> float | None:
    peak = values.max()
    return None if pd.isna(peak) else float(peak)


def _named(events: pd.DataFrame, category: str) -> tuple[str, ...]:
    """Each event of ``category`` once, in order, with its worst severity: ``nausea (moderate)``."""
    rows = events.loc[events["category"] == category]
    names: dict[str, str] = {}
    for row in rows.itertuples():
        text = f"{row.event} ({row.severity})" if isinstance(row.severity, str) else row.event
        previous = names.get(row.event)
        if previous is None or _severity_rank(text) > _severity_rank(previous):
            names[row.event] = text
    return tuple(names.values())


def _severity_rank(text: str) -> int:
    return next(
        (rank for rank, word in enumerate(("mild", "moderate", "severe"), 1) if f"({word})" in text), 0
    )


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
