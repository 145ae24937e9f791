"""The canonical data model: every input format is converted into these frames at the edge.

Frames are plain pandas DataFrames with fixed column sets so that loaders, alert rules,
summaries, charts and storage all speak one language. Timestamps are always
``datetime64[us, UTC]``: microsecond resolution keeps surrogate dates such as MIMIC's
year 2704 representable, and UTC inside avoids the naive-local-time trap of monitor exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from dashboard.core import reference
from dashboard.core.problems import Problem

TIMESTAMP_DTYPE = "datetime64[us, UTC]"


def utc_times(micros: np.ndarray) -> pd.DatetimeIndex:
    """int64 µs since the epoch (the arrays the core computes on) as the model's UTC timestamps."""
    return pd.DatetimeIndex(np.asarray(micros).view("datetime64[us]"), dtype=TIMESTAMP_DTYPE)


@dataclass(frozen=True)
class Vital:
    """One vital sign: its unit, how it is measured and the physiologically possible range."""

    name: str
    label: str
    unit: str
    kind: str  # "continuous" (1-5 s samples) or "cuff" (episodic NIBP readings)
    plausible_min: float
    plausible_max: float


@cache
def vitals_table() -> dict[str, Vital]:
    """The vitals of the model, read from ``data/vitals.toml`` (order = column order)."""
    table = reference.toml("vitals.toml")["vital"]
    return {name: Vital(name=name, **spec) for name, spec in table.items()}


VITALS: tuple[str, ...] = tuple(vitals_table())
CONTINUOUS: tuple[str, ...] = tuple(v for v, spec in vitals_table().items() if spec.kind == "continuous")
CUFF: tuple[str, ...] = tuple(v for v, spec in vitals_table().items() if spec.kind == "cuff")

# Vitals, wide form: one row per sample time; cuff columns are empty on most rows.
VITALS_COLUMNS: tuple[str, ...] = ("session_id", "timestamp", *VITALS)

# Cells refused as physiologically impossible: kept here (and charted hollow), never alerted on.
ARTIFACT_COLUMNS: tuple[str, ...] = ("session_id", "timestamp", "vital", "value", "reason", "file", "line")

# Side effects, interventions and infusion markers.
EVENT_COLUMNS: tuple[str, ...] = (
    "session_id",
    "timestamp",
    "event",  # canonical name from data/vocabulary.csv, or the name as given when unknown
    "category",  # side_effect | intervention | infusion_marker | note | unknown
    "severity",  # mild | moderate | severe | <NA>
    "ctcae_grade",  # Int64 1-5 or <NA>
    "scale",  # e.g. CADSS, CADSS-6, NRS, or <NA>
    "score",  # float or <NA>
    "note",  # free text, always plain text
)

SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "patient_id",
    "chair",
    "infusion_start",
    "infusion_end",
    "planned_minutes",
    "dose_mg_per_kg",
    "weight_kg",
    "indication",
)

# One row per alert episode.
ALERT_COLUMNS: tuple[str, ...] = (
    "session_id",
    "vital",  # hr | sbp | dbp | map | spo2 | rr
    "rule",  # rule id from the protocol, e.g. sbp_high_critical, signal_loss
    "priority",  # high | medium | low
    "kind",  # physiological | technical
    "start",  # first sample of the breach (or the last good sample before a loss)
    "onset",  # when the alarm sounded: start + persistence delay (or the confirming reading)
    "end",  # last sample still in alarm (or the first sample after a loss)
    "peak",  # worst value during the episode (NaN for technical alerts)
    "limit",  # the limit that applied (after per-patient overrides)
    "n_samples",
)

# One row per report of a bedside monitor's own alarm (IHE PCD-04, ``interop.hl7_alarms``): each
# phase (start, continue, end) is a row. Never merged with the dashboard's alerts (ALERT_COLUMNS).
DEVICE_ALARM_COLUMNS: tuple[str, ...] = (
    "session_id",  # the session its monitor was assigned to, <NA> when none was
    "monitor_id",  # the monitor's first identifier (bed, EUI-64, sender)
    "alarm_id",  # the same for every report of one alarm
    "at",  # when the monitor says it happened, UTC
    "event_code",  # MDC_EVT_* number, e.g. 196648 (MDC_EVT_HI)
    "event",  # the monitor's own text, e.g. "** RR High" (plain text)
    "vital",  # hr | sbp | dbp | map | spo2 | rr | <NA> when not one of ours
    "value",  # the value that raised it, NaN if none was sent
    "phase",  # start | continue | update | end | ...
    "state",  # active | inactive | latched | ...
    "inactivation",  # enabled | audio-paused | alarm-off | ...
    "priority",  # high | medium | low | none (IEC 60601-1-8, from PH / PM / PL / PN)
    "kind",  # physiological | technical | advisory (SP / ST / SA)
)

PRIORITIES: tuple[str, ...] = ("high", "medium", "low")
SEVERITIES: tuple[str, ...] = ("mild", "moderate", "severe")
EVENT_CATEGORIES: tuple[str, ...] = ("side_effect", "intervention", "infusion_marker", "note", "unknown")


@dataclass
class Dataset:
    """Everything loaded for a set of sessions, already in the canonical model.

    ``artifacts`` holds the cells refused as impossible (their vitals cells are empty);
    ``problems`` lists every rejected row or cell and every warning, by file and line.
    """

    vitals: pd.DataFrame
    events: pd.DataFrame
    sessions: pd.DataFrame
    artifacts: pd.DataFrame
    problems: list[Problem]

    @classmethod
    def of(
        cls,
        vitals: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        sessions: pd.DataFrame | None = None,
        artifacts: pd.DataFrame | None = None,
        problems: list[Problem] | None = None,
    ) -> Dataset:
        """A dataset from frames made elsewhere (simulator, FHIR, tests): conformed, absent ones empty."""
        frames = zip(
            (vitals, events, sessions, artifacts),
            (VITALS_COLUMNS, EVENT_COLUMNS, SESSION_COLUMNS, ARTIFACT_COLUMNS),
            strict=True,
        )
        vitals, events, sessions, artifacts = (
            empty_frame(columns) if frame is None else conform(frame, columns) for frame, columns in frames
        )
        return cls(vitals, events, sessions, artifacts, list(problems or []))


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty frame with the model's dtypes, so concatenation never changes a column's type."""
    return pd.DataFrame({column: pd.Series(dtype=_dtype(column, columns)) for column in columns})


def conform(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Order and type a frame's columns as the model says, adding missing ones as empty."""
    missing = pd.Series(None, index=frame.index, dtype=object)
    typed = {
        column: _typed(frame[column] if column in frame.columns else missing, column, columns).array
        for column in columns
    }
    return pd.DataFrame(typed, index=frame.index, columns=list(columns))


def session_categories(ids: pd.Series) -> pd.Series:
    """Session ids as a categorical of sorted text categories, so that code order is id order.

    Vitals hold millions of rows of a few thousand sessions: one code per session keeps
    group-bys, look-ups and order checks over them cheap.
    """
    if is_session_categorical(ids):
        return ids
    if isinstance(ids.dtype, pd.CategoricalDtype) and ids.cat.categories.dtype == "str":
        return ids.cat.reorder_categories(ids.cat.categories.sort_values())
    return ids.astype("str").astype("category")


def is_session_categorical(ids: pd.Series) -> bool:
    """Whether ``ids`` already is what ``session_categories`` makes."""
    if not isinstance(ids.dtype, pd.CategoricalDtype):
        return False
    categories = ids.cat.categories
    return categories.dtype == "str" and categories.is_monotonic_increasing


_DTYPES: dict[str, str] = {
    "timestamp": TIMESTAMP_DTYPE,
    "start": TIMESTAMP_DTYPE,
    "onset": TIMESTAMP_DTYPE,
    "at": TIMESTAMP_DTYPE,
    "end": TIMESTAMP_DTYPE,
    "infusion_start": TIMESTAMP_DTYPE,
    "infusion_end": TIMESTAMP_DTYPE,
    "value": "float64",
    "peak": "float64",
    "limit": "float64",
    "score": "float64",
    "planned_minutes": "float64",
    "dose_mg_per_kg": "float64",
    "weight_kg": "float64",
    "ctcae_grade": "Int64",
    "n_samples": "Int64",
    "line": "Int64",
}


def _typed(values: pd.Series, column: str, columns: tuple[str, ...]) -> pd.Series:
    dtype = _dtype(column, columns)
    return session_categories(values) if dtype is _SESSION_CATEGORY else values.astype(dtype)


# vitals.session_id is categorical (one code per session), every other id column is text.
_SESSION_CATEGORY = pd.CategoricalDtype(pd.Index([], dtype="str"))


def _dtype(column: str, columns: tuple[str, ...] = ()) -> str | pd.CategoricalDtype:
    if column == "session_id" and columns == VITALS_COLUMNS:
        return _SESSION_CATEGORY
    if column in _DTYPES:
        return _DTYPES[column]
    if column in vitals_table():
        return "float64"
    return "str"

def codes_in_order(codes: np.ndarray, stamps: np.ndarray) -> bool:
    """Whether rows are in (session code, time) order; checked on boolean temporaries, which on
    millions of rows cost an eighth of the memory traffic of ``np.diff``."""
    if len(codes) < 2:
        return True
    same = codes[1:] == codes[:-1]
    return bool(np.all(codes[1:] >= codes[:-1]) and np.all(~same | (stamps[1:] >= stamps[:-1])))
