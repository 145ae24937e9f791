"""Small Streamlit pieces every page shares: the notice, CSV downloads, clinic-time and plain text,
the session caption and tiles, and the import settings (the tables are in ``tables``).

User text (notes, names, chairs) is only ever shown through ``plain`` (markdown escaped),
st.dataframe or markdown-free widgets, never as HTML.
"""

from __future__ import annotations

import re
import zoneinfo

import pandas as pd
import streamlit as st

from dashboard.core import settings
from dashboard.core.export import NOT_A_DEVICE, to_safe_csv
from dashboard.ui import data

MISSING = "–"  # a missing value in a table (every st.dataframe's placeholder; Streamlit would write "None")


def sidebar_notice() -> None:
    with st.sidebar:
        st.warning(NOT_A_DEVICE, icon=":material/info:")
        st.caption(f"Data folder ({settings.DATA_DIR_ENV}): {plain(settings.data_dir())}")


def csv_download(where, label: str, frame: pd.DataFrame, file_name: str, **layout) -> None:
    """A formula-safe CSV of ``frame``, built only when clicked and downloaded without a rerun."""
    where.download_button(
        label,
        data=lambda: to_safe_csv(frame),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        **layout,
    )


def local_times(frame: pd.DataFrame, timezone: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Timestamps shown in the clinic's time zone (the model keeps UTC)."""
    out = frame.copy()
    for column in columns:
        if column in out:
            out[column] = out[column].dt.tz_convert(timezone).dt.tz_localize(None)
    return out


def plain(text: object) -> str:
    """User text made safe for Streamlit's markdown (captions, alerts, labels): no links, images,
    emphasis or colour directives, just the characters."""
    return _MARKDOWN.sub(r"\\\g<0>", str(text))


_MARKDOWN = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>~$:=]")


def live_note(summary: pd.DataFrame, live: frozenset[str]) -> str:
    """", 2 of them live (still recording)" when reviewed sessions are still open, else nothing."""
    count = int(summary["session_id"].isin(live).sum())
    return f", {count} of them live (still recording)" if count else ""


def session_caption(view: data.SessionData, timezone: str) -> str:
    """Who, where and when, as plain text."""
    session, summary = view.session, view.summary
    start = summary.get("start")
    when = (
        start.tz_convert(timezone).strftime("%Y-%m-%d %H:%M") + f" ({timezone})"
        if not _missing(start)
        else ""
    )
    parts = [
        f"Patient {session.get('patient_id')}" if not _missing(session.get("patient_id")) else "",
        f"infusion {int(summary['infusion_number'])}" if not _missing(summary.get("infusion_number")) else "",
        str(session.get("chair")) if not _missing(session.get("chair")) else "",
        str(session.get("indication")) if not _missing(session.get("indication")) else "",
        when,
    ]
    return " · ".join(plain(part) for part in parts if part)


def baseline_of(summary: pd.Series) -> dict[str, float]:
    return {vital: summary.get(f"baseline_{vital}") for vital in ("sbp", "dbp", "hr")}


def session_metrics(summary: pd.Series) -> None:
    """Peaks with their rise from baseline (red when up), lowest SpO2 and alert counts, as tiles."""
    tiles = st.columns(6)
    for tile, vital, label in (
        (tiles[0], "sbp", "Peak SBP (mmHg)"),
        (tiles[1], "dbp", "Peak DBP (mmHg)"),
        (tiles[2], "hr", "Peak HR (/min)"),
    ):
        peak, base = summary.get(f"peak_{vital}"), summary.get(f"baseline_{vital}")
        tile.metric(
            label,
            "–" if _missing(peak) else f"{peak:.0f}",
            delta=None if _missing(peak) or _missing(base) else f"{peak - base:+.0f} vs {base:.0f}",
            delta_color="inverse",
            border=True,
        )
    spo2 = summary.get("min_spo2")
    tiles[3].metric("Lowest SpO2 (%)", "–" if _missing(spo2) else f"{spo2:.0f}", border=True)
    high, medium, low = (int(summary.get(f"alerts_{p}", 0) or 0) for p in ("high", "medium", "low"))
    tiles[4].metric("Alerts H/M/L", f"{high}/{medium}/{low}", border=True)
    tiles[5].metric("Technical alerts", int(summary.get("alerts_technical", 0) or 0), border=True)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def import_settings() -> None:
    """Time zone of naive clock times and day/month order; kept in session state across pages."""
    zones = sorted(zoneinfo.available_timezones())
    current_zone = st.session_state.get(data.TIMEZONE, "UTC")
    st.selectbox(
        "Clinic time zone (for times written without an offset, and for display)",
        zones,
        index=zones.index(current_zone),
        key="w_timezone",
        on_change=_keep,
        args=("w_timezone", data.TIMEZONE),
    )
    st.checkbox(
        "Dates are day-first (03/02/2026 is 3 February)",
        value=st.session_state.get(data.DAYFIRST, False),
        key="w_dayfirst",
        on_change=_keep,
        args=("w_dayfirst", data.DAYFIRST),
    )


def _keep(widget_key: str, state_key: str) -> None:
    # Widget state is dropped when its page is left; the setting must outlive the page.
    st.session_state[state_key] = st.session_state[widget_key]
