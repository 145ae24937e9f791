"""Which kind of file (vitals, events, sessions) a header describes, or why it describes none.

MIMIC-III ``inputevents`` is refused here: it holds drug infusion *segments* split at every rate
change, with carrier-solution rows and several drugs per stay, and which drug marks "the"
session is a choice the file cannot make. ``icustays`` reads as a sessions file (``icustay_id``,
``subject_id``); its ICU admission times are not infusion times and are not used.
"""

from __future__ import annotations

from dashboard.core.loading.columns import ColumnMap, normalise
from dashboard.core.loading.csvlayout import Layout
from dashboard.core.model import SESSION_COLUMNS, VITALS
from dashboard.core.problems import UnusableFileError

KINDS = ("vitals", "events", "sessions")
_TIME_EXPECTED = "a time column such as timestamp, time, datetime, charttime, unix_time or elapsed_s"
_NEEDS = {
    "vitals": "a vital column (e.g. hr, sbp, spo2) or vital and value columns",
    "events": "an event column",
    "sessions": "a session_id column",
}


def file_kind(columns: ColumnMap, layout: Layout, kind: str | None) -> str:
    """The kind asked for (checked against the columns) or sniffed; UnusableFileError when none fits."""
    if kind not in (None, *KINDS):
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    kind = kind or _sniff_kind(columns, layout)
    if not _fits(kind, columns):
        raise UnusableFileError(
            layout.name,
            f"was loaded as {kind} but lacks their columns (columns: {_listed(layout.header)})",
            _NEEDS[kind],
        )
    if kind != "sessions" and "timestamp" not in columns.chosen:
        raise UnusableFileError(
            layout.name, f"has no timestamp column (columns: {_listed(layout.header)})", _TIME_EXPECTED
        )
    return kind


def _fits(kind: str, columns: ColumnMap) -> bool:
    targets = set(columns.chosen)
    if kind == "vitals":
        return {"vital", "value"} <= targets or bool(targets & set(VITALS))
    return ("event" if kind == "events" else "session_id") in targets


def _sniff_kind(columns: ColumnMap, layout: Layout) -> str:
    targets = set(columns.chosen)
    names = {normalise(name) for name in layout.header}
    if {"starttime", "endtime"} <= names and names & {"rate", "amount"}:
        raise UnusableFileError(
            layout.name,
            "is a drug-infusion table (MIMIC-III inputevents: segments split at every rate change), "
            "not an event log",
            "an events file (session_id,timestamp,event) with infusion_start / infusion_stop rows "
            "for the session drug",
        )
    for kind in ("events", "vitals"):
        if _fits(kind, columns):
            return kind
    if "session_id" in targets and targets & set(SESSION_COLUMNS[1:]) and "timestamp" not in targets:
        return "sessions"
    raise UnusableFileError(
        layout.name,
        f"has no known vital, event or session column (columns: {_listed(layout.header)})",
        "vitals (e.g. hr, sbp, spo2), events (event) or sessions (session_id, infusion_start) columns",
    )


def _listed(header: tuple[str, ...]) -> str:
    return ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
