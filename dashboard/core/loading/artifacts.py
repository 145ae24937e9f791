"""Physiologically impossible values -> artifacts: emptied in the vitals, listed, reported, never alerted on.

The rules are vectorised masks driven by ``data/vitals.toml`` (plausible ranges) plus the cuff
rules: SBP must be above DBP, MAP must lie between them, and a cuff reading is one oscillometric
measurement, so one impossible value makes the whole reading an artifact. They run as numpy
masks rather than pandera checks: on a 39,000-row file pandera's per-check overhead cost more
than reading the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from dashboard.core.model import ARTIFACT_COLUMNS, CUFF, VITALS, conform, empty_frame, utc_times, vitals_table
from dashboard.core.problems import Problem


@dataclass(frozen=True)
class ArtifactCells:
    """One file's artifacts as arrays, one entry per cell: the artifacts of many files become one
    frame in one conversion (``artifact_frame``), not one small frame per file."""

    session_id: np.ndarray  # text per cell
    timestamp: np.ndarray  # datetime64[us] (UTC) per cell
    vital: np.ndarray  # index into VITALS
    value: np.ndarray
    reason: np.ndarray  # index into _REASONS
    line: np.ndarray
    file: str


def split_artifacts(
    vitals: pd.DataFrame, lines: np.ndarray, file: str, flagged: np.ndarray | None = None
) -> tuple[pd.DataFrame, ArtifactCells, list[Problem]]:
    """Empty impossible cells, list them as artifacts and report each (level artifact).

    ``lines`` gives each row's line (1-D) or each cell's line (rows x VITALS, for long-form
    files); ``flagged`` marks cells the source system itself marked as errors (MIMIC ``error=1``).
    """
    values = vitals[list(VITALS)].to_numpy(dtype="float64", copy=True)

    def keys(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        found = vitals.iloc[rows]
        return found["session_id"].to_numpy(dtype=object), found["timestamp"].to_numpy("datetime64[us]")

    artifacts, problems = refuse_artifacts(values, lines, file, keys, flagged)
    if not problems:
        return vitals, artifacts, problems
    cleaned = vitals.copy()
    cleaned[list(VITALS)] = values
    return cleaned, artifacts, problems


def refuse_artifacts(
    values: np.ndarray,
    lines: np.ndarray,
    file: str,
    keys: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    flagged: np.ndarray | None = None,
) -> tuple[ArtifactCells, list[Problem]]:
    """Artifacts and problems of ``values`` (rows x VITALS), whose impossible cells are emptied in place.

    ``keys(rows)`` gives the session ids and times (datetime64[us], UTC) of those rows: the careful
    path has them in pandas, the fast path in the file's slot of the load's buffer.
    """
    reasons = _artifact_reasons(values, flagged)
    rows, cols = _cells(reasons)
    if rows.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return ArtifactCells(
            empty.astype(object), empty.view("datetime64[us]"), empty, empty, empty, empty, file
        ), []
    cell_lines = np.broadcast_to(lines.reshape(len(lines), -1), values.shape)[rows, cols]
    codes = reasons[rows, cols]
    sessions, times = keys(rows)
    artifacts = ArtifactCells(sessions, times, cols, values[rows, cols], codes, cell_lines, file)
    problems = [
        _artifact_problem(file, values, r, c, code, int(line))
        for r, c, code, line in zip(rows, cols, codes, cell_lines, strict=True)
    ]
    values[rows, cols] = np.nan
    return artifacts, problems


def artifact_frame(cells: Sequence[ArtifactCells]) -> pd.DataFrame:
    """Artifacts of many files as one frame of ``model.ARTIFACT_COLUMNS``, in the order given."""
    cells = [part for part in cells if len(part.line)]
    if not cells:
        return empty_artifacts()
    joined = {
        name: np.concatenate([getattr(part, name) for part in cells])
        for name in ("session_id", "timestamp", "vital", "value", "reason", "line")
    }
    frame = pd.DataFrame(
        {
            "session_id": joined["session_id"],
            "timestamp": utc_times(joined["timestamp"]),
            "vital": np.asarray(VITALS, dtype=object)[joined["vital"]],
            "value": joined["value"],
            "reason": np.asarray(_REASONS, dtype=object)[joined["reason"]],
            "file": np.repeat([part.file for part in cells], [len(part.line) for part in cells]),
            "line": joined["line"],
        }
    )
    return conform(frame, ARTIFACT_COLUMNS)


# Reason codes (index into _REASONS); the first rule that hits a cell gives its reason.
_REASONS = (
    "",
    "zero reading",
    "below plausible range",
    "above plausible range",
    "SBP not above DBP",
    "MAP outside DBP-SBP",
    "same cuff reading as an impossible value",
    "marked as error in source",
)
_ZERO, _LOW, _HIGH, _SBP_DBP, _MAP, _SAME_CUFF, _FLAGGED = range(1, 8)


def _artifact_reasons(values: np.ndarray, flagged: np.ndarray | None) -> np.ndarray:
    """Reason code per cell (0 = plausible). Cuff rules run on cuff rows only: a few per hundred."""
    table = vitals_table()
    low = np.array([table[v].plausible_min for v in VITALS])
    high = np.array([table[v].plausible_max for v in VITALS])
    reasons = np.zeros(values.shape, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        rows, cols = _cells((values < low) | (values > high))
        found = values[rows, cols]
        reasons[rows, cols] = np.where(found == 0, _ZERO, np.where(found < low[cols], _LOW, _HIGH))
        cuff = [VITALS.index(v) for v in CUFF]
        readings = np.flatnonzero(_any_per_row(~np.isnan(values[:, cuff])))
        sbp, dbp, mean = (values[readings, VITALS.index(v)] for v in ("sbp", "dbp", "map"))
        cuff_reasons = reasons[readings][:, cuff]
        pair = [CUFF.index("sbp"), CUFF.index("dbp")]
        cuff_reasons[:, pair] = np.where(
            cuff_reasons[:, pair] == 0, (sbp <= dbp)[:, None] * _SBP_DBP, cuff_reasons[:, pair]
        )
    mean_col = CUFF.index("map")
    outside = (cuff_reasons[:, mean_col] == 0) & (sbp > dbp) & ((mean < dbp) | (mean > sbp))
    cuff_reasons[outside, mean_col] = _MAP
    present = ~np.isnan(values[readings][:, cuff])
    same = (cuff_reasons == 0) & present & (cuff_reasons > 0).any(axis=1)[:, None]
    cuff_reasons[same] = _SAME_CUFF
    reasons[np.ix_(readings, cuff)] = cuff_reasons
    if flagged is not None:
        reasons[(reasons == 0) & flagged & ~np.isnan(values)] = _FLAGGED
    return reasons


def _cells(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each non-zero cell, row by row, like ``np.nonzero``.

    Rows with any such cell are found first: on a file's column-major 39,000 x 6 values that is a
    pass per column, and ``np.nonzero`` of the whole array cost more than the rules themselves.
    """
    rows = np.flatnonzero(_any_per_row(mask))
    row, col = np.divmod(np.flatnonzero(mask[rows]), mask.shape[1])
    return rows[row], col


def _any_per_row(mask: np.ndarray) -> np.ndarray:
    """``mask.any(axis=1)`` as one pass per column: on column-major arrays numpy's own reduction
    across a row is about six times slower."""
    return np.logical_or.reduce([mask[:, column] for column in range(mask.shape[1])])


def _artifact_problem(file: str, values: np.ndarray, row: int, col: int, code: int, line: int) -> Problem:
    vital = vitals_table()[VITALS[col]]
    label = short_label(vital.name)
    value = f"{values[row, col]:g}"
    sbp, dbp = (f"{values[row, VITALS.index(v)]:g}" for v in ("sbp", "dbp"))
    plausible = f"{label} between {vital.plausible_min:g} and {vital.plausible_max:g} {vital.unit}"
    message, expected = {
        _ZERO: (f"{label} 0 is a zero reading (probe off or disconnected)", plausible),
        _LOW: (f"{label} {value} is below the plausible minimum", plausible),
        _HIGH: (f"{label} {value} is above the plausible maximum", plausible),
        _SBP_DBP: (
            f"{label} {value} is part of a cuff reading {sbp}/{dbp} with SBP not above DBP",
            "SBP above DBP",
        ),
        _MAP: (f"MAP {value} is outside the reading's DBP-SBP ({dbp}-{sbp})", "DBP <= MAP <= SBP"),
        _SAME_CUFF: (
            f"{label} {value} belongs to a cuff reading with an impossible value",
            "a plausible cuff reading",
        ),
        _FLAGGED: (
            f"{label} {value} is marked as an error in the source record",
            "values not marked as errors",
        ),
    }[code]
    return Problem(file, line, vital.name, f"{message}; excluded from alerts", expected, level="artifact")


def empty_artifacts() -> pd.DataFrame:
    return _empty_artifacts().copy()


@cache
def _empty_artifacts() -> pd.DataFrame:
    return empty_frame(ARTIFACT_COLUMNS)


def short_label(vital: str) -> str:
    """HR, SBP, DBP, MAP, SpO2, RR: how staff write the vitals in messages."""
    return "SpO2" if vital == "spo2" else vital.upper()
