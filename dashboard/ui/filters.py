"""Review filters: the widgets, and the pure selection they drive (tested without Streamlit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

ALERT_CHOICES: tuple[str, ...] = ("All sessions", "With alerts", "High-priority alerts", "Without alerts")
_PHYSIOLOGICAL = ["alerts_high", "alerts_medium", "alerts_low"]


@dataclass(frozen=True)
class Filters:
    dates: tuple[dt.date, dt.date] | None = None
    patients: tuple[str, ...] = ()
    chairs: tuple[str, ...] = ()
    indications: tuple[str, ...] = ()
    alerts: str = ALERT_CHOICES[0]


def apply(summary: pd.DataFrame, filters: Filters, timezone: str) -> pd.DataFrame:
    """The sessions that pass every filter; an empty choice list means no filter on that column."""
    keep = pd.Series(True, index=summary.index)
    if filters.dates is not None:
        day = summary["start"].dt.tz_convert(timezone).dt.date
        keep &= (day >= filters.dates[0]) & (day <= filters.dates[1])
    for column, chosen in (
        ("patient_id", filters.patients),
        ("chair", filters.chairs),
        ("indication", filters.indications),
    ):
        if chosen:
            keep &= summary[column].isin(chosen)
    alerts = summary[_PHYSIOLOGICAL].sum(axis=1)
    keep &= {
        "With alerts": alerts > 0,
        "High-priority alerts": summary["alerts_high"] > 0,
        "Without alerts": alerts == 0,
    }.get(filters.alerts, True)
    return summary.loc[keep]


def show(summary: pd.DataFrame, timezone: str, scope: str) -> Filters:
    """Filter widgets in one row, their options taken from the loaded sessions.

    The widgets' keys carry ``scope`` (the loaded data's key): after a new load every filter starts
    open again, its date range covering the new sessions, instead of keeping the last data's.
    """
    days = summary["start"].dropna().dt.tz_convert(timezone).dt.date
    when, patient, chair, indication, alerts = st.columns([1.6, 1, 1, 1, 1.2])
    key = scope[:16]
    dates = None
    if len(days):
        span = (days.min(), days.max())
        picked = when.date_input(
            "Dates", value=span, min_value=span[0], max_value=span[1], key=f"f_dates_{key}"
        )
        # a half-picked range, or the whole span (which keeps sessions without a start), is no filter
        dates = tuple(picked) if len(picked) == 2 and tuple(picked) != span else None
    return Filters(
        dates=dates,
        patients=tuple(
            patient.multiselect("Patient", _options(summary, "patient_id"), key=f"f_patient_{key}")
        ),
        chairs=tuple(chair.multiselect("Chair", _options(summary, "chair"), key=f"f_chair_{key}")),
        indications=tuple(
            indication.multiselect("Indication", _options(summary, "indication"), key=f"f_ind_{key}")
        ),
        alerts=alerts.selectbox("Alerts", ALERT_CHOICES, key=f"f_alerts_{key}"),
    )


def hidden_note(summary: pd.DataFrame, shown: pd.DataFrame, filters: Filters) -> str | None:
    """What the filters hide, said plainly ("Filters hide 1,886 of 2,000 sessions: dates, patient."),
    None when every session is shown."""
    hidden = len(summary) - len(shown)
    if not hidden:
        return None
    active = [name for name, on in (("dates", filters.dates is not None), ("patient", filters.patients),
              ("chair", filters.chairs), ("indication", filters.indications),
              ("alerts", filters.alerts != ALERT_CHOICES[0])) if on]  # fmt: skip
    shown_count = f"{hidden:,} of {len(summary):,}"
    return f"Filters hide {shown_count} sessions: {', '.join(active)}. Exports carry the rest."


def _options(summary: pd.DataFrame, column: str) -> list[str]:
    return sorted(summary[column].dropna().astype(str).unique())
