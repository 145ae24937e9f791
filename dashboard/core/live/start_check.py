"""The pre-infusion check: the patient's vitals just before the start against the protocol's
start limits (``[start]``: 140/90 as a general guide before dosing, clinical reference C1, C2).

The values judged are the protocol's baseline of the session if the infusion started now: the
median of each vital over the baseline window up to now, as the session's baseline will be.
Outside a limit the infusion may still start, but only with a reason that is recorded with the
start (the clinician's judgement, audited like every entry).
"""

from __future__ import annotations

import pandas as pd

from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.analysis.protocol import Protocol, StartLimits
from dashboard.core.model import vitals_table

CHECKED = ("sbp", "dbp", "hr", "spo2")


def pre_infusion_values(vitals: pd.DataFrame, session_id: str, now: pd.Timestamp, protocol: Protocol) -> dict:
    """The session's baseline if its infusion started ``now`` (vital -> value, NaN when none)."""
    sessions = pd.DataFrame({"session_id": [session_id], "infusion_start": [now]})
    baseline = session_baselines(vitals, sessions, protocol.baseline.window_min, of=CHECKED)
    return baseline.iloc[0].to_dict() if len(baseline) else dict.fromkeys(CHECKED, float("nan"))


def start_limit_breaches(values: dict, limits: StartLimits) -> list[str]:
    """Each value outside its start limit, as staff read it: "Systolic BP 152 is above 140"."""
    breaches = []
    for vital in CHECKED:
        value = values.get(vital)
        if value is None or pd.isna(value):
            continue
        label = vitals_table()[vital].label
        high, low = getattr(limits, f"{vital}_max", None), getattr(limits, f"{vital}_min", None)
        if high is not None and value > high:
            breaches.append(f"{label} {value:.0f} is above the start limit {high:g}")
        if low is not None and value < low:
            breaches.append(f"{label} {value:.0f} is below the start limit {low:g}")
    return breaches


def missing_readings(values: dict, limits: StartLimits) -> list[str]:
    """The checked vitals with a start limit but no reading in the window: nothing to judge."""
    limited = [
        v for v in CHECKED if any(getattr(limits, f"{v}_{end}", None) is not None for end in ("max", "min"))
    ]
    return [vitals_table()[v].label for v in limited if pd.isna(values.get(v, float("nan")))]
