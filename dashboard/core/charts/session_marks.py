"""What is drawn over a session's panels besides its traces, and the time axis they share:
refused values (artifacts) and the readings staff charted by hand, each marked so that a reader
never mistakes them for what the monitor measured.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.model import vitals_table

HOVER_WHEN = "%{customdata} · %{x:.1f} min<extra></extra>"
HAND_CHARTED = "Charted by hand"


def minutes_from(times: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return ((times - origin).dt.total_seconds() / 60).to_numpy(dtype=float)


def clock_text(times: pd.Series, tz: str) -> np.ndarray:
    return times.dt.tz_convert(tz).dt.strftime("%H:%M:%S").to_numpy(dtype=object)


def label(vital: str) -> str:
    return {"sbp": "SBP", "dbp": "DBP", "map": "MAP", "hr": "HR", "spo2": "SpO2", "rr": "RR"}.get(
        vital, vitals_table()[vital].label if vital in vitals_table() else vital
    )


def add_artifacts(
    fig: go.Figure,
    artifacts: pd.DataFrame | None,
    panel_vitals: tuple[str, ...],
    origin: pd.Timestamp,
    tz: str,
    y_range: tuple[float, float],
    row: int,
) -> None:
    """Refused values as hollow markers, pinned to the axis edge when off-scale (hover gives the value)."""
    if artifacts is None:
        return
    own = artifacts.loc[artifacts["vital"].isin(panel_vitals)]
    if own.empty:
        return
    value = own["value"].astype(float)
    shown = value.clip(y_range[0], y_range[1]).fillna(y_range[0])
    text = [
        html.escape(f"Artifact (not alerted): {label(v)} {val:g} — {reason}")
        for v, val, reason in zip(own["vital"], value, own["reason"].fillna(""), strict=True)
    ]
    fig.add_trace(
        go.Scatter(
            x=minutes_from(own["timestamp"], origin),
            y=shown.to_numpy(dtype=float),
            customdata=clock_text(own["timestamp"], tz),
            text=text,
            name="Artifact (excluded)",
            legendgroup="artifact",
            showlegend=row == 2,
            mode="markers",
            marker={"symbol": "circle-open", "size": 10, "color": "#444", "line": {"width": 2}},
            cliponaxis=False,
            hovertemplate="%{text}<br>%{customdata}<extra></extra>",
        ),
        row=row,
        col=1,
    )


def add_hand_charted(
    fig: go.Figure,
    vitals: pd.DataFrame,
    times: pd.Series | None,
    panel_vitals: tuple[str, ...],
    origin: pd.Timestamp,
    tz: str,
    row: int,
) -> None:
    """The values staff typed in as large open diamonds over their trace: a hand-charted BP from
    a stand-alone cuff is told apart from the monitor's at a glance (and on hover)."""
    if times is None or times.empty:
        return
    charted = vitals.loc[vitals["timestamp"].isin(times)]
    for vital in panel_vitals:
        own = charted.loc[charted[vital].notna()] if vital in charted else charted.iloc[:0]
        if own.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=minutes_from(own["timestamp"], origin),
                y=own[vital].to_numpy(dtype=float),
                customdata=clock_text(own["timestamp"], tz),
                name=HAND_CHARTED,
                legendgroup="hand",
                showlegend=not any(trace.name == HAND_CHARTED for trace in fig.data),
                mode="markers",
                marker={"symbol": "diamond-open", "size": 13, "color": "#111", "line": {"width": 2}},
                hovertemplate=f"{HAND_CHARTED}: {label(vital)} %{{y:.0f}}<br>{HOVER_WHEN}",
            ),
            row=row,
            col=1,
        )
