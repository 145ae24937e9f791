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


def show(summary: pd.DataFrame, timezone: str) -> Filters:
    """Filter widgets in one row, their options taken from the loaded sessions."""
    days = summary["start"].dropna().dt.tz_convert(timezone).dt.date
    when, patient, chair, indication, alerts = st.columns([1.6, 1, 1, 1, 1.2])
    dates = None
    if len(days):
        picked = when.date_input(
            "Dates", value=(days.min(), days.max()), min_value=days.min(), max_value=days.max(), key="f_dates"
        )
        dates = tuple(picked) if len(picked) == 2 else None  # half-picked range: no filter yet
    return Filters(
        dates=dates,
        patients=tuple(patient.multiselect("Patient", _options(summary, "patient_id"), key="f_patient")),
        chairs=tuple(chair.multiselect("Chair", _options(summary, "chair"), key="f_chair")),
        indications=tuple(indication.multiselect("Indication", _options(summary, "indication"), key="f_ind")),
        alerts=alerts.selectbox("Alerts", ALERT_CHOICES, key="f_alerts"),
    )


def _options(summary: pd.DataFrame, column: str) -> list[str]:
    return sorted(summary[column].dropna().astype(str).unique())
