"""Event logs and session tables -> canonical events and sessions frames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.loading.rows import Rows, session_ids, times
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.loading.validation import enforce_schema, events_schema, sessions_schema, to_numbers
from dashboard.core.model import TIMESTAMP_DTYPE
from dashboard.core.problems import Problem
from dashboard.core.vocabulary import UNKNOWN, canonical_events, canonical_severity

_SEVERITY = "mild, moderate, severe or a CTCAE grade 1-5"


def load_events(rows: Rows, settings: LoadSettings) -> tuple[pd.DataFrame, list[Problem]]:
    """Names through the vocabulary (unknown ones kept, with a warning); severities from words or grades."""
    problems = list(rows.problems)
    names = canonical_events(_text(rows, "event"))
    severity = canonical_severity(_text(rows, "severity"))
    problems += _unreadable(rows, "severity", severity["severity"].notna(), _SEVERITY)
    graded = canonical_severity(_text(rows, "ctcae_grade"))
    problems += _unreadable(rows, "ctcae_grade", graded["ctcae_grade"].notna(), "a CTCAE grade 1-5")
    candidate = pd.DataFrame(
        {
            "session_id": session_ids(rows),
            "timestamp": times(rows, "timestamp", settings),
            "event": names["event"],
            "category": names["category"],
            "severity": severity["severity"].fillna(graded["severity"]),
            "ctcae_grade": graded["ctcae_grade"].fillna(severity["ctcae_grade"]),
            "scale": _text(rows, "scale"),
            "score": _numbers(rows, "score", "a score >= 0", problems),
            "note": _text(rows, "note"),
        }
    )
    frame, keep, rejected = enforce_schema(candidate, events_schema(), rows.lines, rows.file, rows.describe)
    lines = rows.lines[keep]
    unknown = np.flatnonzero(frame["category"].to_numpy() == UNKNOWN)
    warnings = [
        Problem(
            rows.file,
            int(lines[i]),
            rows.header("event"),
            f"{frame['event'].iloc[i]!r} is not in the event vocabulary; kept as an unknown event",
            "an event name or alias from data/vocabulary.csv",
            level="warning",
        )
        for i in unknown
    ]
    return frame, problems + rejected + warnings


def load_sessions(rows: Rows, settings: LoadSettings) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per session; a repeated session id keeps its first row."""
    problems = list(rows.problems)
    starts, ends = (times(rows, target, settings) for target in ("infusion_start", "infusion_end"))
    for target, parsed in (("infusion_start", starts), ("infusion_end", ends)):
        problems += _unreadable(rows, target, parsed.notna(), "a time such as 2026-03-02T09:10:00Z")
    backwards = (ends < starts).to_numpy()
    problems += [
        Problem(rows.file, int(rows.lines[i]), rows.header("infusion_end"),
                "infusion ends before it starts; both times left empty", "infusion_end after infusion_start")
        for i in np.flatnonzero(backwards)
    ]  # fmt: skip
    candidate = pd.DataFrame(
        {
            "session_id": session_ids(rows),
            "patient_id": _text(rows, "patient_id"),
            "chair": _text(rows, "chair"),
            "infusion_start": starts.where(~backwards),
            "infusion_end": ends.where(~backwards),
            "planned_minutes": _numbers(rows, "planned_minutes", "minutes > 0", problems),
            "dose_mg_per_kg": _numbers(rows, "dose_mg_per_kg", "mg/kg > 0", problems),
            "weight_kg": _numbers(rows, "weight_kg", "kg, 1-400", problems),
            "indication": _text(rows, "indication"),
        }
    ).astype({"infusion_start": TIMESTAMP_DTYPE, "infusion_end": TIMESTAMP_DTYPE})
    repeated = candidate["session_id"].duplicated().to_numpy() & candidate["session_id"].notna().to_numpy()
    column = rows.describe("session_id", 0)[0]
    problems += [
        Problem(
            rows.file,
            int(rows.lines[i]),
            column,
            f"session {sid!r} appears again; row skipped",
            "one row per session",
        )
        for i, sid in zip(np.flatnonzero(repeated), candidate["session_id"][repeated], strict=True)
    ]
    candidate = candidate.loc[~repeated].reset_index(drop=True)
    frame, _, rejected = enforce_schema(
        candidate, sessions_schema(), rows.lines[~repeated], rows.file, rows.describe
    )
    return frame, problems + rejected


def _text(rows: Rows, target: str) -> pd.Series:
    if target not in rows.frame:
        return pd.Series(np.nan, index=rows.frame.index, dtype="str")
    text = rows.frame[target].astype("str").str.strip()
    return text.where(text != "")


def _numbers(rows: Rows, target: str, expected: str, problems: list[Problem]) -> np.ndarray:
    if target not in rows.frame:
        return np.full(len(rows.frame), np.nan)
    numbers, bad = to_numbers(
        rows.frame[target], rows.lines, rows.file, rows.header(target), expected, rows.decimal
    )
    problems += bad
    return numbers


def _unreadable(rows: Rows, target: str, read: pd.Series, expected: str) -> list[Problem]:
    """An error for each cell that holds something but could not be read."""
    if target not in rows.frame:
        return []
    written = rows.frame[target]
    failed = np.flatnonzero(written.notna().to_numpy() & ~read.to_numpy())
    return [
        Problem(rows.file, int(rows.lines[i]), rows.header(target),
                f"{written.iloc[i]!r} could not be read; cell left empty", expected)
        for i in failed
    ]  # fmt: skip
