"""Vitals charted by hand at the chair: what staff typed -> one vitals row, or every reason not.

Many clinics read BP, HR and SpO2 off a stand-alone monitor and chart them every 5-15 minutes.
A typed value passes the same plausibility ranges as the loaders (``data/vitals.toml``), so
that a slip of the finger (``1200`` for ``120``) is refused with the reason instead of raising
or hiding an alert; nothing is stored unless every value given is plausible. A blood pressure
is a pair: systolic above diastolic. The mean pressure, when not read off the device, is
computed as (SBP + 2 x DBP) / 3, the estimate cuff monitors display. Once stored, a charted
reading is a vitals row like the monitor's: alerts, the cuff cadence and the "next BP due"
countdown treat it as a cuff reading.
"""

from __future__ import annotations

import pandas as pd

from dashboard.core.model import VITALS, VITALS_COLUMNS, conform, vitals_table

FUTURE_TOLERANCE = pd.Timedelta(minutes=2)  # clocks differ; a reading from the future is a typo


class ChartingError(ValueError):
    """A charted reading that cannot be stored, with every reason (as staff should read them)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def mean_pressure(sbp: float, dbp: float) -> float:
    """The estimated mean arterial pressure of a cuff reading, rounded as monitors show it."""
    return round((sbp + 2 * dbp) / 3)


def charted_reading(
    session_id: str, at: pd.Timestamp, values: dict[str, float | None], now: pd.Timestamp
) -> pd.DataFrame:
    """The vitals row (``VITALS_COLUMNS``) of one hand-charted reading taken at ``at``.

    ``values`` maps vitals (``sbp``, ``dbp``, ``map``, ``hr``, ``spo2``, ``rr``) to what was
    typed, None for a field left empty. Raises ``ChartingError`` listing every problem.
    """
    given = {vital: float(value) for vital, value in values.items() if value is not None}
    reasons = [f"{vital!r} is not a vital of the model" for vital in given if vital not in VITALS]
    reasons += [_out_of_range(vital, value) for vital, value in given.items() if vital in VITALS]
    reasons = [reason for reason in reasons if reason]
    reasons += _pressure_problems(given)
    if not given:
        reasons.append("no value was entered; expected at least one of BP, HR, SpO2, RR")
    if at > now + FUTURE_TOLERANCE:
        reasons.append(f"the time {at:%H:%M} is in the future; expected the time the reading was taken")
    if reasons:
        raise ChartingError(reasons)
    if "sbp" in given and "dbp" in given and "map" not in given:
        given["map"] = mean_pressure(given["sbp"], given["dbp"])
    row = {"session_id": session_id, "timestamp": at.tz_convert("UTC"), **given}
    return conform(pd.DataFrame([row]), VITALS_COLUMNS)


def _out_of_range(vital: str, value: float) -> str:
    spec = vitals_table()[vital]
    if spec.plausible_min <= value <= spec.plausible_max:
        return ""
    return (
        f"{spec.label} {value:g} {spec.unit} is not possible; expected "
        f"{spec.plausible_min:g}-{spec.plausible_max:g} {spec.unit}"
    )


def _pressure_problems(given: dict[str, float]) -> list[str]:
    """A BP is a pair, systolic above diastolic, with the mean (if typed) between them."""
    sbp, dbp, mean = given.get("sbp"), given.get("dbp"), given.get("map")
    if (sbp is None) != (dbp is None):
        return ["a blood pressure needs both systolic and diastolic"]
    if sbp is None:
        return ["a mean pressure needs the systolic and diastolic it belongs to"] if mean is not None else []
    if sbp <= dbp:
        return [f"systolic {sbp:g} is not above diastolic {dbp:g}; expected SBP > DBP"]
    if mean is not None and not dbp <= mean <= sbp:
        return [f"mean {mean:g} is not between diastolic {dbp:g} and systolic {sbp:g}"]
    return []
