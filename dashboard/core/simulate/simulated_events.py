"""Events of simulated sessions as a nurse would chart them: infusion markers, side effects, interventions.

Side effects are drawn per effect type for all sessions at once, at the published incidences
(``data/simulation.toml``); interventions follow the side effects or BP readings that call for them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.model import SEVERITIES
from dashboard.core.vocabulary import vocabulary

_COLUMNS = ("session", "at_s", "event", "severity", "scale", "score", "note", "forced")


def simulate_events(
    plan: pd.DataFrame, treated: pd.DataFrame, rng: np.random.Generator, params: dict, demo_cases: bool
) -> pd.DataFrame:
    """All events of the sessions in ``plan`` in the model's event columns, in time order per session.

    ``treated`` lists the sessions with a high SBP reading (from the vitals simulator); they get
    the infusion adjustment and antihypertensive that the vitals already reflect, and their
    ``infusion_stop`` moves to when the infusion really ended.
    """
    effects = _side_effects(plan, rng, params)
    if demo_cases:
        effects = _ensure_treated_nausea(effects, plan, params)
    bp_events, stop_s = _bp_treatment(plan, treated, rng, params)
    parts = [
        _infusion_markers(plan, stop_s, params["session"]),
        effects,
        _interventions(effects, rng, params["intervention"]),
        bp_events,
    ]
    events = pd.concat([part for part in parts if len(part)], ignore_index=True)
    monitoring_s = params["session"]["monitoring_min"] * 60
    events["at_s"] = np.clip(np.rint(events["at_s"].astype(float)), 0, monitoring_s - 1)
    events = events.sort_values(["session", "at_s"], kind="stable", ignore_index=True)
    session = events["session"].to_numpy()
    return pd.DataFrame(
        {
            "session_id": plan["session_id"].to_numpy()[session],
            "timestamp": plan["monitor_start"].iloc[session].reset_index(drop=True)
            + pd.to_timedelta(events["at_s"], unit="s"),
            "event": events["event"],
            "category": events["event"].map({name: term.category for name, term in vocabulary().items()}),
            "severity": events["severity"],
            "scale": events["scale"],
            "score": events["score"],
            "note": events["note"],
        }
    )


def _frame(**columns) -> pd.DataFrame:
    """An internal event table; missing columns are empty."""
    n = len(next(iter(columns.values())))
    defaults = {"severity": None, "scale": None, "score": np.nan, "note": None, "forced": False}
    return pd.DataFrame({name: columns.get(name, np.full(n, defaults.get(name))) for name in _COLUMNS})


def _infusion_markers(plan: pd.DataFrame, stop_s: np.ndarray, session: dict) -> pd.DataFrame:
    n = len(plan)
    note = f"{session['dose_mg_per_kg']} mg/kg over {session['infusion_min']} min"
    return _frame(
        session=np.tile(np.arange(n), 2),
        at_s=np.concatenate([plan["pre_s"].to_numpy(), stop_s]),
        event=np.repeat(["infusion_start", "infusion_stop"], n),
        note=np.repeat([note, None], n),
    )


def _side_effects(plan: pd.DataFrame, rng: np.random.Generator, params: dict) -> pd.DataFrame:
    """Each side effect type hits a session with its incidence, at one severity, during the infusion."""
    n = len(plan)
    pre_s = plan["pre_s"].to_numpy()
    parts = []
    for spec in params["side_effect"]:
        hit = np.flatnonzero(rng.random(n) < spec["incidence"])
        rank = rng.choice(len(SEVERITIES), size=len(hit), p=spec["severity"])
        onset_s = 60 * rng.uniform(spec["onset_min"][0], spec["onset_min"][1], len(hit))
        scale, score = _scores(spec, plan["dissociation_scale"].to_numpy()[hit], rank, rng)
        parts.append(
            _frame(
                session=hit,
                at_s=pre_s[hit] + onset_s,
                event=np.full(len(hit), spec["name"]),
                severity=np.asarray(SEVERITIES)[rank],
                scale=scale,
                score=score,
            )
        )
    return pd.concat(parts, ignore_index=True)


def _scores(
    spec: dict, scales: np.ndarray, rank: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A scale score matching the severity (e.g. CADSS-6 for dissociation), where the effect is scored."""
    if "scores" not in spec:
        return np.full(len(rank), None), np.full(len(rank), np.nan)
    names = list(spec["scores"])
    ranges = np.asarray([spec["scores"][name] for name in names])  # scale x severity x (low, high)
    which = pd.Series(scales).map({name: i for i, name in enumerate(names)}).to_numpy(dtype=np.int64)
    low, high = ranges[which, rank, 0], ranges[which, rank, 1]
    return scales, rng.integers(low, high + 1).astype(float)


def _ensure_treated_nausea(effects: pd.DataFrame, plan: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Demo: at least one moderate nausea, and its anti-emetic given for certain."""
    out = effects.copy()
    nausea = out.index[out["event"] == "nausea"]
    if len(nausea) == 0:
        spec = next(s for s in params["side_effect"] if s["name"] == "nausea")
        onset_s = 60 * sum(spec["onset_min"]) / 2
        row = _frame(
            session=np.array([0]),
            at_s=plan["pre_s"].to_numpy()[:1] + onset_s,
            event=np.array(["nausea"]),
            severity=np.array(["moderate"]),
        )
        out = pd.concat([out, row], ignore_index=True)
        nausea = out.index[-1:]
    serious = nausea[out.loc[nausea, "severity"] != "mild"]
    chosen = serious[0] if len(serious) else nausea[0]
    if out.loc[chosen, "severity"] == "mild":
        out.loc[chosen, "severity"] = "moderate"
    out.loc[chosen, "forced"] = True
    return out


def _interventions(effects: pd.DataFrame, rng: np.random.Generator, specs: list[dict]) -> pd.DataFrame:
    """Treatments that follow a side effect of at least a given severity, with some probability."""
    rank = effects["severity"].map({name: i for i, name in enumerate(SEVERITIES)})
    parts = []
    for spec in specs:
        trigger = effects[
            (effects["event"] == spec["after"]) & (rank >= SEVERITIES.index(spec["min_severity"]))
        ]
        given = (rng.random(len(trigger)) < spec["probability"]) | trigger["forced"].to_numpy(dtype=bool)
        delay_s = 60 * rng.uniform(spec["delay_min"][0], spec["delay_min"][1], len(trigger))
        parts.append(
            _frame(
                session=trigger["session"].to_numpy()[given],
                at_s=(trigger["at_s"].to_numpy() + delay_s)[given],
                event=np.full(int(given.sum()), spec["name"]),
                note=np.full(int(given.sum()), spec["note"] or None),
            )
        )
    return pd.concat(parts, ignore_index=True)


def _bp_treatment(
    plan: pd.DataFrame, treated: pd.DataFrame, rng: np.random.Generator, params: dict
) -> tuple[pd.DataFrame, np.ndarray]:
    """What follows a high SBP reading, and when each session's infusion really stopped.

    A running infusion is paused or slowed; an antihypertensive follows. A paused infusion
    resumes at a reduced rate when the rest of the dose still fits in the monitoring time,
    otherwise it is stopped there. Slower infusions end later than planned.
    """
    spec, session = params["bp_treatment"], params["session"]
    monitoring_s = session["monitoring_min"] * 60
    stop_s = plan["pre_s"].to_numpy() + session["infusion_min"] * 60.0
    n = len(treated)
    sessions = treated["session"].to_numpy()
    act_s = treated["reading_s"].to_numpy() + 60 * spec["act_after_min"]
    left_s = stop_s[sessions] - act_s  # infusion time still to run at the planned rate
    running = (act_s >= plan["pre_s"].to_numpy()[sessions]) & (left_s > 0)
    pause = running & (rng.random(n) < spec["pause_share"])
    resume_s = act_s + 60 * rng.uniform(spec["resume_after_min"][0], spec["resume_after_min"][1], n)
    slow_left_s = left_s / spec["reduced_rate"]
    resumed = pause & (resume_s + slow_left_s < monitoring_s)
    slowed = running & ~pause
    stopped = pause & ~resumed
    stop_s[sessions[resumed]] = (resume_s + slow_left_s)[resumed]
    stop_s[sessions[slowed]] = np.minimum(act_s + slow_left_s, monitoring_s - 1)[slowed]
    stop_s[sessions[stopped]] = act_s[stopped]
    events = pd.concat(
        [
            _frame(session=sessions[resumed], at_s=act_s[resumed], event=_repeat("infusion_paused", resumed)),
            _frame(session=sessions[slowed], at_s=act_s[slowed], event=_repeat("rate_reduced", slowed)),
            _frame(
                session=sessions,
                at_s=treated["treatment_s"].to_numpy(),
                event=_repeat("antihypertensive", n),
                note=_repeat(spec["antihypertensive_note"], n),
            ),
            _frame(
                session=sessions[resumed], at_s=resume_s[resumed], event=_repeat("infusion_resumed", resumed)
            ),
            _frame(session=sessions[resumed], at_s=resume_s[resumed], event=_repeat("rate_reduced", resumed)),
        ],
        ignore_index=True,
    )
    return events, stop_s


def _repeat(value: str, count: int | np.ndarray) -> np.ndarray:
    """``value`` once per session (``count`` sessions, or the True entries of a mask)."""
    return np.full(int(np.sum(count)) if isinstance(count, np.ndarray) else count, value)
