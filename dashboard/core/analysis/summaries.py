"""Per-session summary: one row per session with what a reviewer reads before opening the chart.

Everything is computed with group-bys over all sessions at once (2,000 sessions, no loop per
session). Baselines come from ``baseline.session_baselines`` and alert counts from
``alerts.alert_counts``, so the summary never disagrees with the alert engine or the chart.
"""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pandas as pd

from dashboard.core import reference
from dashboard.core.analysis.alerts import alert_counts
from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.analysis.protocol import Protocol
from dashboard.core.analysis.session_arrays import SessionArrays, session_arrays
from dashboard.core.model import SEVERITIES, Dataset, utc_times

_MINUTE = pd.Timedelta(minutes=1)
SUMMARY_BASELINES = ("sbp", "dbp", "hr")  # the vitals whose baselines a summary reports


def summarize_sessions(
    dataset: Dataset,
    alerts: pd.DataFrame,
    protocol: Protocol,
    baselines: pd.DataFrame | None = None,
    rows: SessionArrays | None = None,
) -> pd.DataFrame:
    """One row per session (sessions frame first, then sessions that only have vitals).

    - ``start`` is the infusion start, else the first vitals sample (README: Sessions);
      ``duration_min`` the monitored span; ``n_readings`` the cuff SBP readings.
    - Baselines use the protocol's baseline window; rises are peak minus baseline.
    - ``minutes_above_caution_sbp`` holds each cuff SBP until the next reading (the last one
      until monitoring ends) and counts the time at or above the protocol's lowest high SBP
      limit (160 by default), after the patient's overrides.
    - ``alerts_high/medium/low`` count physiological episodes, the alarm burden a clinician
      weighs; ``alerts_technical`` counts signal loss and overdue cuff readings, whatever their
      priority, because they say how well the session was monitored, not how the patient did.
    - ``side_effects`` lists each side effect with its worst severity, ``interventions`` each
      intervention, both in order of first occurrence ("" when none was charted).
    - ``max_ctcae_htn_grade`` is the CTCAE v5 hypertension grade of the highest reading (0-3;
      grade 4 is a clinical judgement no reading can give).
    - ``infusion_number`` numbers a patient's sessions 1..N by start.

    ``baselines`` and the vitals' ``rows`` may be passed when the caller has them already (see
    ``pipeline.analyse``).
    """
    sessions = dataset.sessions
    rows = session_arrays(dataset.vitals) if rows is None else rows
    ids = pd.Index(pd.concat([sessions["session_id"], rows.ids.to_series()]).unique(), name="session_id")
    info = sessions.drop_duplicates("session_id").set_index("session_id").reindex(ids)
    per_session = pd.DataFrame(
        {
            "first": utc_times(rows.first),
            "last": utc_times(rows.last),
            "n_readings": rows.count("sbp"),
            "min_spo2": rows.reduce("spo2", np.fmin),
            **{f"peak_{vital}": rows.reduce(vital, np.fmax) for vital in ("sbp", "dbp", "hr")},
        },
        index=rows.ids,
    ).reindex(ids)
    start = info["infusion_start"].fillna(per_session["first"])
    if baselines is None:
        baselines = session_baselines(rows, sessions, protocol.baseline.window_min, SUMMARY_BASELINES)
    baseline = baselines.reindex(ids)
    peak = per_session.rename(columns=lambda column: column.removeprefix("peak_"))
    cuff = _cuff_sbp(rows)
    summary = pd.DataFrame(
        {
            "patient_id": info["patient_id"],
            "chair": info["chair"],
            "indication": info["indication"],
            "infusion_number": _infusion_numbers(info["patient_id"], start),
            "start": start,
            "duration_min": (per_session["last"] - per_session["first"]) / _MINUTE,
            "n_readings": per_session["n_readings"].fillna(0).astype("int64"),
            "baseline_sbp": baseline["sbp"],
            "baseline_dbp": baseline["dbp"],
            "baseline_hr": baseline["hr"],
            "peak_sbp": peak["sbp"],
            "peak_dbp": peak["dbp"],
            "peak_hr": peak["hr"],
            "min_spo2": per_session["min_spo2"],
            "max_sbp_rise": peak["sbp"] - baseline["sbp"],
            "max_dbp_rise": peak["dbp"] - baseline["dbp"],
            "time_to_peak_sbp_min": (_peak_times(cuff).reindex(ids) - start) / _MINUTE,
            "minutes_above_caution_sbp": _minutes_at_or_above(
                cuff, _caution_limits(protocol, info["patient_id"])
            ),
            "max_ctcae_htn_grade": ctcae_hypertension_grade(peak["sbp"], peak["dbp"]),
        },
        index=ids,
    )
    summary = summary.join(alert_counts(alerts, ids.to_series()))
    summary["side_effects"] = _side_effect_list(dataset.events).reindex(ids, fill_value="")
    summary["interventions"] = _intervention_list(dataset.events).reindex(ids, fill_value="")
    return summary.reset_index()


@cache
def ctcae_bands() -> pd.DataFrame:
    """The CTCAE v5 hypertension grade bands (``data/ctcae_hypertension.csv``)."""
    bands = pd.read_csv(io.StringIO(reference.text("ctcae_hypertension.csv")))
    return bands.sort_values("grade", ignore_index=True)


def ctcae_hypertension_grade(sbp: pd.Series, dbp: pd.Series) -> pd.Series:
    """CTCAE v5 hypertension grade: the higher of the SBP and the DBP band; <NA> without either reading."""
    bands = ctcae_bands()
    grades = [_band(sbp, bands["sbp_from"], bands["grade"]), _band(dbp, bands["dbp_from"], bands["grade"])]
    return pd.concat(grades, axis=1).max(axis=1).astype("Int64")


def _band(values: pd.Series, lower_bounds: pd.Series, grades: pd.Series) -> pd.Series:
    """The grade of the band each value falls in (bands given by their lower bounds, ascending)."""
    band = np.searchsorted(lower_bounds.to_numpy(), values.to_numpy(dtype=float), side="right") - 1
    return pd.Series(grades.to_numpy()[np.clip(band, 0, None)], index=values.index).where(values.notna())


def _cuff_sbp(rows: SessionArrays) -> pd.DataFrame:
    """Cuff SBP readings in time order, each with the time it stays the latest reading (the
    session's last one until monitoring ends)."""
    sbp = rows.values["sbp"]
    at = np.flatnonzero(~np.isnan(sbp))
    session, time = rows.session[at], rows.time[at]
    last_reading = np.append(session[1:] != session[:-1], True)
    held_until = np.where(last_reading, rows.last[session], np.append(time[1:], 0))
    return pd.DataFrame(
        {
            "session_id": rows.ids[session],
            "timestamp": utc_times(time),
            "sbp": sbp[at],
            "held_min": (held_until - time) / 60e6,
        }
    )


def _peak_times(cuff: pd.DataFrame) -> pd.Series:
    """Time of each session's highest SBP reading (the first, if it was reached twice)."""
    first_peak = cuff.groupby("session_id", observed=True)["sbp"].idxmax()
    return cuff.loc[first_peak].set_index("session_id")["timestamp"]


def _caution_limits(protocol: Protocol, patients: pd.Series) -> pd.Series:
    """Per session: the lowest high SBP limit of the protocol, after the patient's overrides."""
    rules = [rule for rule in protocol.rules if rule.vital == "sbp" and rule.direction == "high"]
    if not rules:
        return pd.Series(np.nan, index=patients.index)
    caution = min(rules, key=lambda rule: rule.limit)
    overridden = {
        patient: limits[caution.id] for patient, limits in protocol.overrides.items() if caution.id in limits
    }
    return patients.map(overridden).astype(float).fillna(caution.limit)


def _minutes_at_or_above(cuff: pd.DataFrame, limits: pd.Series) -> pd.Series:
    above = cuff["sbp"] >= _per_row(limits, cuff["session_id"])
    minutes = cuff["held_min"].where(above, 0.0).groupby(cuff["session_id"], observed=True).sum()
    return minutes.reindex(limits.index, fill_value=0.0)


def _per_row(per_session: pd.Series, session_ids: pd.Series) -> pd.Series:
    """``per_session`` (indexed by session id) looked up for each row (empty frames included)."""
    return pd.Series(per_session.reindex(session_ids).array, index=session_ids.index)


def _infusion_numbers(patients: pd.Series, start: pd.Series) -> pd.Series:
    return start.groupby(patients).rank(method="first").reindex(patients.index).astype("Int64")


def worst_side_effects(events: pd.DataFrame) -> pd.DataFrame:
    """One row per session and side effect: when it was first charted and its worst severity.

    ``severity`` is <NA> when the side effect was charted without one. Summaries and cohort
    incidences both read side effects through this, so they always agree.
    """
    effects = events.loc[events["category"] == "side_effect"]
    rank = effects["severity"].map({name: i for i, name in enumerate(SEVERITIES)})
    worst = (
        effects.assign(rank=rank)
        .groupby(["session_id", "event"])
        .agg(first=("timestamp", "min"), rank=("rank", "max"))
        .reset_index()
    )
    return worst.assign(severity=worst.pop("rank").map(dict(enumerate(SEVERITIES))))


def _side_effect_list(events: pd.DataFrame) -> pd.Series:
    """Per session: "dissociation (moderate); nausea (mild)", worst severity, in order of first occurrence."""
    worst = worst_side_effects(events)
    label = worst["event"].astype(str) + (" (" + worst["severity"] + ")").fillna("")
    return _join_in_order(worst.assign(label=label))


def _intervention_list(events: pd.DataFrame) -> pd.Series:
    given = events.loc[events["category"] == "intervention"]
    first = given.groupby(["session_id", "event"]).agg(first=("timestamp", "min")).reset_index()
    return _join_in_order(first.assign(label=first["event"]))


def _join_in_order(items: pd.DataFrame) -> pd.Series:
    """``label``s of each session joined with "; " in order of ``first`` (one string per session)."""
    ordered = items.sort_values(["session_id", "first", "label"], kind="stable")
    joined = (ordered["label"].astype(str) + "; ").groupby(ordered["session_id"]).sum()
    return joined.astype(str).str.removesuffix("; ")
