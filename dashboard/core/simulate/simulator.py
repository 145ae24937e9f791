"""Seeded simulator of IV ketamine sessions, for the sample data, the statistical tests and the benchmarks.

Same seed, same output: every draw comes from one numpy Generator in a fixed order. The numbers
and their sources are in ``data/simulation.toml``; this module draws patients, schedules their
courses and the hidden per-session response, and the vitals and events modules turn that plan
into what a monitor and a nurse would have recorded.

``python -m dashboard.core.simulate [OUT_DIR]`` (``__main__``) regenerates the committed ``sample_data/``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from dashboard.core import reference
from dashboard.core.export.canonical_csv import write_dataset
from dashboard.core.model import (
    Dataset,
)
from dashboard.core.simulate.simulated_events import simulate_events
from dashboard.core.simulate.simulated_vitals import simulate_vitals

__all__ = ["simulate_cohort", "simulate_sessions", "simulation_params", "write_dataset"]

DEFAULT_START = "2026-03-02T08:00:00Z"  # a Monday


@cache
def simulation_params() -> dict[str, Any]:
    """The simulator's parameters from ``data/simulation.toml``."""
    return reference.toml("simulation.toml")


def simulate_cohort(
    n_patients: int = 8,
    infusions_per_patient: int = 6,
    seed: int = 0,
    sample_interval_s: float = 5,
    start: str = DEFAULT_START,
    demo_cases: bool = True,
) -> Dataset:
    """A clinic's cohort: every patient gets a full course, two infusions a week.

    With ``demo_cases`` the rare situations a demo must show are planted rather than left to
    chance (in 48 sessions a 1 % outlier is more likely absent than present): if no session drew
    a hypertensive outlier, the highest-risk early infusion becomes one (peak SBP 182-200, then
    treated); one session has moderate nausea treated with ondansetron; and one patient's BP
    response falls steadily over the course.
    """
    if n_patients < 1 or infusions_per_patient < 1:
        raise ValueError("simulate_cohort needs at least one patient and one infusion per patient")
    rng = np.random.default_rng(seed)
    courses = np.full(n_patients, infusions_per_patient)
    return _simulate(courses, rng, sample_interval_s, start, demo_cases)


def simulate_sessions(
    n_sessions: int, seed: int = 0, sample_interval_s: float = 1, start: str = DEFAULT_START
) -> Dataset:
    """``n_sessions`` sessions spread over patients with courses of 1-6 infusions (benchmarks, tests).

    No demo cases are planted, so cohort statistics are those of the published sources.
    """
    if n_sessions < 1:
        raise ValueError(f"simulate_sessions needs at least one session, got {n_sessions}")
    rng = np.random.default_rng(seed)
    courses = _course_lengths(n_sessions, rng)
    return _simulate(courses, rng, sample_interval_s, start, demo_cases=False)


def _simulate(
    courses: np.ndarray, rng: np.random.Generator, interval_s: float, start: str, demo_cases: bool
) -> Dataset:
    params = simulation_params()
    plan = _session_plan(courses, rng, pd.Timestamp(start), params, demo_cases)
    vitals, treated = simulate_vitals(plan, interval_s, rng, params)
    events = simulate_events(plan, treated, rng, params, demo_cases)
    return Dataset.of(vitals, events, _sessions_frame(plan, events))


def _course_lengths(n_sessions: int, rng: np.random.Generator) -> np.ndarray:
    """Course lengths (one per patient) adding up to exactly ``n_sessions``."""
    session = simulation_params()["session"]
    weights = np.asarray(session["course_length_weights"], dtype=float)
    drawn = rng.choice(session["course_lengths"], size=n_sessions, p=weights / weights.sum())
    total = np.cumsum(drawn)
    n_patients = int(np.searchsorted(total, n_sessions)) + 1
    courses = drawn[:n_patients].copy()
    courses[-1] -= total[n_patients - 1] - n_sessions
    return courses[courses > 0]


def _session_plan(
    courses: np.ndarray, rng: np.random.Generator, start: pd.Timestamp, params: dict, demo_cases: bool
) -> pd.DataFrame:
    """One row per session: who, when, where, and the hidden response the vitals will follow."""
    patients = _patients(len(courses), rng, params)
    patient = np.repeat(np.arange(len(courses)), courses)
    number = np.arange(len(patient)) - np.repeat(np.cumsum(courses) - courses, courses) + 1
    plan = patients.iloc[patient].reset_index(drop=True)
    plan["patient"] = patient
    plan["infusion_number"] = number
    plan["course_length"] = courses[patient]
    width = max(2, len(str(len(courses))))
    plan["patient_id"] = [f"P{p + 1:0{width}d}" for p in patient]
    plan["session_id"] = plan["patient_id"] + "-S" + pd.Series(number).astype(str)
    plan = _schedule(plan, rng, start, params["session"])
    if demo_cases:
        plan = _plant_trend(plan, params["demo"])
    plan = _baselines(plan, rng, params["baseline"])
    return _response(plan, rng, params["response"], params["outlier"], demo_cases)


def _patients(n: int, rng: np.random.Generator, params: dict) -> pd.DataFrame:
    patient, base, response = params["patient"], params["baseline"], params["response"]
    age = rng.integers(patient["age"][0], patient["age"][1] + 1, size=n)
    hypertensive = rng.random(n) < patient["hypertensive_share"]
    w_mean, w_sd, w_min, w_max = patient["weight_kg"]
    indication_p = np.asarray(patient["indication_weights"], dtype=float)
    over_45 = age - 45
    return pd.DataFrame(
        {
            "age": age,
            "hypertensive": hypertensive,
            "weight_kg": np.rint(np.clip(rng.normal(w_mean, w_sd, n), w_min, w_max)),
            "indication": rng.choice(patient["indications"], size=n, p=indication_p / indication_p.sum()),
            "dissociation_scale": rng.choice(patient["dissociation_scales"], size=n),
            "sbp_mean": rng.normal(base["sbp"][0], base["sbp"][1], n)
            + base["sbp_per_year_over_45"] * over_45
            + base["sbp_hypertensive_extra"] * hypertensive,
            "dbp_patient": rng.normal(0, base["dbp_from_sbp"][2], n),
            "hr_mean": rng.normal(base["hr"][0], base["hr"][1], n),
            "spo2_mean": rng.normal(base["spo2"][0], base["spo2"][1], n),
            "rr_mean": rng.normal(base["rr"][0], base["rr"][1], n),
            "rise_patient": rng.normal(0, response["sbp_patient_sd"], n),
            "course_slope": rng.normal(0, response["sbp_course_slope_sd"], n),
            "session_sd": np.full(n, float(response["sbp_session_sd"])),
        }
    )


def _schedule(
    plan: pd.DataFrame, rng: np.random.Generator, start: pd.Timestamp, session: dict
) -> pd.DataFrame:
    """Monitoring start and chair of each session.

    Patients fill lanes (weekday pair x chair x time slot); a lane takes its next patient once
    the longest course is over, so two sessions never share a chair.
    """
    weekdays = np.asarray(session["course_weekdays"])
    (n_pairs, per_week), n_chairs = weekdays.shape, session["chairs"]
    course_days = 7 * -(-plan["course_length"].max() // per_week)
    n_lanes = n_pairs * n_chairs * session["slots_per_day"]
    lane = plan["patient"].to_numpy() % n_lanes
    block = plan["patient"].to_numpy() // n_lanes
    k = plan["infusion_number"].to_numpy() - 1
    pair, chair, slot = lane % n_pairs, (lane // n_pairs) % n_chairs, lane // (n_pairs * n_chairs)
    day = course_days * block + 7 * (k // per_week) + weekdays[pair, k % per_week]
    jitter = rng.integers(0, session["start_jitter_min"] + 1, size=len(plan))
    minutes = day * 24 * 60 + slot * session["slot_spacing_min"] + jitter
    pre = rng.integers(session["pre_infusion_min"][0], session["pre_infusion_min"][1] + 1, size=len(plan))
    return plan.assign(
        chair=[f"Chair {c + 1}" for c in chair],
        monitor_start=start + pd.to_timedelta(minutes, unit="min"),
        pre_s=pre * 60,
    )


def _plant_trend(plan: pd.DataFrame, demo: dict) -> pd.DataFrame:
    """Demo: the longest-course patient with the steepest slope gets a clearly falling BP response."""
    longest = plan["course_length"] == plan["course_length"].max()
    steepest = plan.loc[longest, "course_slope"].abs().idxmax()
    trend = plan["patient"] == plan.loc[steepest, "patient"]
    out = plan.copy()
    out.loc[trend, "course_slope"] = demo["course_slope"]
    out.loc[trend, "session_sd"] = demo["session_sd"]
    return out


def _baselines(plan: pd.DataFrame, rng: np.random.Generator, base: dict) -> pd.DataFrame:
    """Each session's resting values: the patient's usual values plus day-to-day variation."""
    n = len(plan)
    out = plan.copy()
    for vital, mean_column in (
        ("sbp", "sbp_mean"),
        ("hr", "hr_mean"),
        ("spo2", "spo2_mean"),
        ("rr", "rr_mean"),
    ):
        _, _, session_sd, low, high = base[vital]
        out[f"base_{vital}"] = np.clip(plan[mean_column] + rng.normal(0, session_sd, n), low, high)
    slope, intercept, _ = base["dbp_from_sbp"]
    out["base_dbp"] = slope * out["base_sbp"] + intercept + plan["dbp_patient"]
    return out


def _response(
    plan: pd.DataFrame, rng: np.random.Generator, response: dict, outlier: dict, demo_cases: bool
) -> pd.DataFrame:
    """The hidden rise each session's vitals will follow: size, timing, and hypertensive outliers."""
    n = len(plan)
    over_45 = plan["age"].to_numpy() - 45
    hypertensive = plan["hypertensive"].to_numpy()
    course_position = plan["infusion_number"] - (plan["course_length"] + 1) / 2
    amplitude = (
        response["sbp_amplitude"]
        + response["sbp_per_year_over_45"] * over_45
        + response["sbp_hypertensive_extra"] * hypertensive
        + plan["rise_patient"].to_numpy()
        + rng.normal(0, 1, n) * plan["session_sd"].to_numpy()
        + plan["course_slope"].to_numpy() * course_position.to_numpy()
    )
    risk = (
        np.exp(outlier["risk_per_year_over_45"] * over_45)
        * np.where(hypertensive, outlier["risk_hypertensive"], 1.0)
        * np.where(plan["infusion_number"] <= 3, outlier["risk_first_infusions"], 1.0)
    )
    is_outlier = rng.random(n) < outlier["session_rate"] * risk / risk.mean()
    if demo_cases and not is_outlier.any():
        is_outlier[np.argmax(risk)] = True
    outlier_peak = rng.uniform(outlier["peak_sbp"][0], outlier["peak_sbp"][1], n)
    amplitude = np.where(is_outlier, outlier_peak - plan["base_sbp"].to_numpy(), amplitude)
    peak_mean, peak_sd, peak_min, peak_max = response["peak_min"]
    return plan.assign(
        outlier=is_outlier,
        amp_sbp=amplitude,
        amp_dbp=response["dbp_share_of_sbp"] * amplitude + rng.normal(0, response["dbp_extra_sd"], n),
        amp_hr=rng.uniform(response["hr_rise"][0], response["hr_rise"][1], n),
        peak_min=np.clip(rng.normal(peak_mean, peak_sd, n), peak_min, peak_max),
        tau_min=rng.uniform(response["recovery_tau_min"][0], response["recovery_tau_min"][1], n),
    )


def _sessions_frame(plan: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The sessions as a clinic records them; the infusion end is when it really stopped."""
    session = simulation_params()["session"]
    stops = events.loc[events["event"] == "infusion_stop"].set_index("session_id")["timestamp"]
    return pd.DataFrame(
        {
            "session_id": plan["session_id"],
            "patient_id": plan["patient_id"],
            "chair": plan["chair"],
            "infusion_start": plan["monitor_start"] + pd.to_timedelta(plan["pre_s"], unit="s"),
            "infusion_end": plan["session_id"].map(stops),
            "planned_minutes": session["infusion_min"],
            "dose_mg_per_kg": session["dose_mg_per_kg"],
            "weight_kg": plan["weight_kg"],
            "indication": plan["indication"],
        }
    )

