"""Vitals of simulated sessions, as the bedside monitor would export them.

Every session is a row of a 2-D array (session x sample), so 2,000 sessions at 1 Hz are a few
numpy operations, never a loop per reading. Values are rounded like a monitor display, and
probe artifacts are left in as raw values (a probe-off zero is a zero) because catching them
is the loaders' job, which the sample data must exercise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def simulate_vitals(
    plan: pd.DataFrame, interval_s: float, rng: np.random.Generator, params: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide vitals for every session of ``plan``, and the sessions whose BP was treated.

    The second frame has one row per session with an SBP reading at or above the treatment
    level: ``session`` (row of ``plan``), ``reading_s`` (that reading) and ``treatment_s``
    (the antihypertensive), both in seconds from monitoring start. The BP falls after it.
    """
    n_samples = int(round(params["session"]["monitoring_min"] * 60 / interval_s))
    t = np.arange(n_samples) * interval_s
    cuff, treated = _cuff_readings(plan, rng, params, interval_s, n_samples)
    continuous = _continuous(plan, rng, params, t, interval_s)
    columns = {name: values.ravel() for name, values in {**continuous, **cuff}.items()}
    start_us = ((plan["monitor_start"] - _EPOCH) // pd.Timedelta(microseconds=1)).to_numpy()
    stamps = start_us[:, None] + np.rint(t * 1e6).astype(np.int64)[None, :]
    vitals = pd.DataFrame(
        {
            "session_id": np.repeat(plan["session_id"].to_numpy(dtype=object), n_samples),
            "timestamp": pd.to_datetime(stamps.ravel(), unit="us", utc=True),
            **columns,
        }
    )
    return vitals, treated


def _response_shape(plan: pd.DataFrame, seconds: np.ndarray, exponent: float) -> np.ndarray:
    """Share of each session's full rise reached ``seconds`` after monitoring start (session x time).

    0 before the infusion, a climb to 1 at the session's peak, then an exponential return
    towards baseline (E1, E2).
    """
    minutes = (seconds - _per_session(plan, "pre_s")) / 60
    peak_min = _per_session(plan, "peak_min")
    rising = np.clip(minutes / peak_min, 0, 1) ** exponent
    return np.where(
        minutes <= peak_min, rising, np.exp(-(minutes - peak_min) / _per_session(plan, "tau_min"))
    )


def _per_session(plan: pd.DataFrame, column: str) -> np.ndarray:
    """A plan column as a (session, 1) array, to broadcast against (session, time) arrays."""
    return plan[column].to_numpy(dtype=float)[:, None]


def _cuff_readings(
    plan: pd.DataFrame, rng: np.random.Generator, params: dict, interval_s: float, n_samples: int
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Cuff SBP/DBP/MAP on the rows where a cycle completed; NaN elsewhere."""
    session, noise, outlier = params["session"], params["noise"], params["outlier"]
    n = len(plan)
    period_s = session["cuff_interval_min"] * 60
    n_cycles = int(n_samples * interval_s // period_s) + 1
    offset = rng.uniform(0, 30, n)  # the first cycle completes within 30 s of monitoring start
    rows = np.rint((offset[:, None] + period_s * np.arange(n_cycles)) / interval_s).astype(np.int64)
    taken = (rows < n_samples) & (rng.random((n, n_cycles)) >= session["cuff_failure_rate"])
    times = rows * interval_s
    error = {vital: rng.normal(0, noise[vital], (n, n_cycles)) for vital in ("sbp", "dbp")}

    def reading(vital: str, shape: np.ndarray) -> np.ndarray:
        return np.rint(
            _per_session(plan, f"base_{vital}") + _per_session(plan, f"amp_{vital}") * shape + error[vital]
        )

    shape = _response_shape(plan, times, params["response"]["rise_exponent"])
    high = taken & (reading("sbp", shape) >= outlier["treatment_at_sbp"])
    is_treated = high.any(axis=1)
    reading_s = np.where(is_treated, times[np.arange(n), high.argmax(axis=1)], np.nan)
    treatment_s = reading_s + 60 * rng.uniform(*params["bp_treatment"]["antihypertensive_after_min"], n)
    since_treatment = np.nan_to_num(np.clip(times - treatment_s[:, None], 0, None))  # 0 when untreated
    shape = shape * np.exp(-since_treatment / outlier["treatment_tau_min"])
    sbp = reading("sbp", shape)
    dbp = np.minimum(reading("dbp", shape), sbp - 15)  # a cuff never reports a pulse pressure this narrow
    readings = {"sbp": sbp, "dbp": dbp, "map": np.rint(dbp + (sbp - dbp) / 3)}
    session_index = np.broadcast_to(np.arange(n)[:, None], rows.shape)[taken]
    cuff = {}
    for vital, values in readings.items():
        column = np.full((n, n_samples), np.nan)
        column[session_index, rows[taken]] = values[taken]
        cuff[vital] = column
    treated = pd.DataFrame(
        {
            "session": np.flatnonzero(is_treated),
            "reading_s": reading_s[is_treated],
            "treatment_s": treatment_s[is_treated],
        }
    )
    return cuff, treated


def _continuous(
    plan: pd.DataFrame, rng: np.random.Generator, params: dict, t: np.ndarray, interval_s: float
) -> dict[str, np.ndarray]:
    """HR, SpO2 and RR for every sample: baseline, the HR rise, slow drift, white noise, artifacts."""
    noise = params["noise"]
    shape = _response_shape(plan, t[None, :], params["response"]["rise_exponent"])
    rise = {"hr": _per_session(plan, "amp_hr") * shape, "spo2": 0.0, "rr": 0.0}
    values = {}
    for vital in ("hr", "spo2", "rr"):
        spec = noise[vital]
        raw = (
            _per_session(plan, f"base_{vital}")
            + rise[vital]
            + _drift(len(plan), t, noise["knot_s"], spec["drift"], rng)
            + rng.normal(0, spec["white"], shape.shape)
        )
        values[vital] = np.clip(np.rint(raw), *spec.get("range", (None, None)))
    _add_probe_artifacts(values["spo2"], interval_s, rng, params["artifacts"])
    return values


def _drift(n: int, t: np.ndarray, knot_s: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Slow random wander: independent knots every ``knot_s`` seconds, linearly interpolated."""
    knots = rng.normal(0, sd, (n, int(t[-1] // knot_s) + 2))
    index = (t // knot_s).astype(np.int64)
    fraction = (t - index * knot_s) / knot_s
    return knots[:, index] * (1 - fraction) + knots[:, index + 1] * fraction


def _add_probe_artifacts(spo2: np.ndarray, interval_s: float, rng: np.random.Generator, spec: dict) -> None:
    """SpO2 as a real probe misbehaves: zeros, a brief drop to ~70 %, a probe-off gap (empty cells)."""
    n, n_samples = spo2.shape
    zero_lengths = rng.integers(spec["zero_samples"][0], spec["zero_samples"][1] + 1, n)
    drop_lengths = np.ceil(rng.uniform(*spec["drop_s"], n) / interval_s).astype(np.int64)
    gap_lengths = np.ceil(rng.uniform(*spec["dropout_s"], n) / interval_s).astype(np.int64)
    for rate, lengths, value in (
        (spec["dropout_rate"], gap_lengths, np.nan),
        (spec["zero_rate"], zero_lengths, 0.0),
        (spec["drop_rate"], drop_lengths, rng.integers(spec["drop_value"][0], spec["drop_value"][1] + 1, n)),
    ):
        hit = np.flatnonzero(rng.random(n) < rate)
        lengths = np.minimum(lengths[hit], n_samples)
        first = rng.integers(0, n_samples - lengths + 1)
        run = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        rows = np.repeat(hit, lengths)
        spo2[rows, np.repeat(first, lengths) + run] = value[rows] if np.ndim(value) else value
