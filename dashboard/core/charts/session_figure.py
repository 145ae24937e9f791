"""The one-session figure: stacked vitals panels on a minutes-from-infusion-start axis.

A nurse must read at a glance how far each value is from its limit, so every protocol limit has
a labelled line, caution and critical bands are shaded in their alarm colour (``palette``), alert
episodes are stripes on the panel of their vital, and events sit on a strip above the panels.
Every user-entered text reaching hover text is HTML-escaped because plotly renders a subset of
HTML there. Pure plotly, no Streamlit.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.core.charts.palette import PRIORITY_COLOURS, SEVERITY_COLOURS, readable
from dashboard.core.charts.session_marks import (
    HOVER_WHEN,
    add_artifacts,
    add_hand_charted,
    clock_text,
    label,
    minutes_from,
)
from dashboard.core.model import vitals_table

# Bands stay faint so that alert episodes (strong stripes) are what catches the eye.
_BAND_OPACITY: dict[str, float] = {"high": 0.09, "medium": 0.12, "low": 0.1}
# Episodes are drawn low, medium, high so that red lies on top where they overlap.
_EPISODE_OPACITY: dict[str, float] = {"high": 0.7, "medium": 0.45, "low": 0.45}
_PRIORITY_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2}
_TRACE_STYLE: dict[str, dict] = {
    "sbp": {"color": "#1f3b73", "mode": "lines+markers"},
    "dbp": {"color": "#5b8bd9", "mode": "lines+markers"},
    "map": {"color": "#7f7f7f", "mode": "lines+markers", "dash": "dot"},
    "hr": {"color": "#1b6e3a", "mode": "lines"},
    "spo2": {"color": "#6a3d9a", "mode": "lines"},
    "rr": {"color": "#7a4b2a", "mode": "lines"},
}
# Panels top to bottom after the event strip: title, vitals, and which of the first vital's bands
# are shaded. In the BP panel the SBP-low bands would lie under normal diastolic and mean values and
# make them look alarming at a glance, so only the SBP-high bands are shaded there; every limit
# still has its labelled line.
PANELS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("BP (mmHg)", ("sbp", "dbp", "map"), ("high",)),
    ("HR (/min)", ("hr",), ("high", "low")),
    ("SpO2 (%)", ("spo2",), ("high", "low")),
    ("RR (/min)", ("rr",), ("high", "low")),
)
_EVENT_ROWS: dict[str, str] = {
    "side_effect": "Side effects",
    "intervention": "Interventions",
    "infusion_marker": "Infusion, notes",
    "note": "Infusion, notes",
    "unknown": "Infusion, notes",
}
_GAP_S = 20  # a continuous trace breaks where readings stop for longer than this


def session_figure(
    vitals: pd.DataFrame,
    *,
    rules: pd.DataFrame,
    session: Mapping | None = None,
    baseline: Mapping[str, float] | None = None,
    alerts: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    artifacts: pd.DataFrame | None = None,
    hand_charted: pd.Series | None = None,
    tz: str = "UTC",
) -> go.Figure:
    """One session on stacked panels sharing a minutes-from-infusion-start axis.

    All frames hold one session in the model's columns; ``rules`` has one row per protocol rule
    (``id, vital, direction, limit, priority``); ``hand_charted`` the times of the readings staff
    typed in (marked apart from the monitor's). Clock time in ``tz`` shows on hover.
    """
    session = session or {}
    origin = _origin(vitals, session)
    fig = make_subplots(
        rows=len(PANELS) + 1,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.02,
        row_heights=[0.12, 0.34, 0.2, 0.17, 0.17],
    )
    _shade_infusion(fig, session, origin)
    for row, (_, panel_vitals, shaded) in enumerate(PANELS, start=2):
        y_range = _panel_range(vitals, rules, baseline, panel_vitals)
        _add_bands(fig, rules, panel_vitals[0], y_range, row, shaded)
        _add_limit_lines(fig, rules, baseline, panel_vitals, row)
        _add_baseline(fig, baseline, panel_vitals[0], row)
        for vital in panel_vitals:
            _add_vital_trace(fig, vitals, vital, origin, tz, row)
        add_artifacts(fig, artifacts, panel_vitals, origin, tz, y_range, row)
        add_hand_charted(fig, vitals, hand_charted, panel_vitals, origin, tz, row)
        fig.update_yaxes(range=list(y_range), title_text=PANELS[row - 2][0], row=row, col=1)
    _shade_alerts(fig, alerts, origin)
    _add_events(fig, events, origin, tz)
    fig.update_xaxes(title_text="Minutes from infusion start", row=len(PANELS) + 1, col=1)
    fig.update_yaxes(showticklabels=True, row=1, col=1)
    fig.update_layout(
        height=900,
        margin={"l": 60, "r": 110, "t": 40, "b": 50},
        hovermode="closest",
        legend={"orientation": "h", "y": -0.06},
        plot_bgcolor="white",
    )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(showgrid=True, gridcolor="#e6e6e6")
    fig.update_yaxes(showgrid=True, gridcolor="#eeeeee")
    return fig


def _origin(vitals: pd.DataFrame, session: Mapping) -> pd.Timestamp:
    """Time zero: the infusion start, else the first reading (so the axis is still minutes)."""
    start = session.get("infusion_start")
    if start is not None and not pd.isna(start):
        return pd.Timestamp(start)
    return vitals["timestamp"].min() if len(vitals) else pd.Timestamp(0, tz="UTC")


def _panel_range(
    vitals: pd.DataFrame, rules: pd.DataFrame, baseline: Mapping | None, panel_vitals: tuple[str, ...]
) -> tuple[float, float]:
    """Data and every limit of the panel in view, so a nurse sees how far a value is from red."""
    values = [vitals[v].dropna().to_numpy(dtype=float) for v in panel_vitals if v in vitals]
    limits = _absolute_limits(rules, baseline, panel_vitals)["limit"].to_numpy(dtype=float)
    points = np.concatenate([*values, limits]) if values or len(limits) else np.array([])
    if not len(points):
        return (0.0, 1.0)
    low, high = float(np.nanmin(points)), float(np.nanmax(points))
    pad = max((high - low) * 0.08, 2.0)
    top = high + pad
    if "spo2" in panel_vitals:
        top = min(top, 100.5)
    return (low - pad, top)


def _absolute_limits(
    rules: pd.DataFrame, baseline: Mapping | None, panel_vitals: tuple[str, ...]
) -> pd.DataFrame:
    """Rules of the panel with rise limits turned into absolute values (baseline + rise)."""
    own = rules.loc[rules["vital"].isin(panel_vitals)].copy()
    rise = own["direction"].eq("rise")
    base = own["vital"].map(lambda v: (baseline or {}).get(v, np.nan)).astype(float)
    own.loc[rise, "limit"] = base[rise] + own.loc[rise, "limit"].astype(float)
    return own.loc[own["limit"].notna()]


def _add_bands(
    fig: go.Figure,
    rules: pd.DataFrame,
    vital: str,
    y_range: tuple[float, float],
    row: int,
    directions: tuple[str, ...],
) -> None:
    """Caution/critical bands: each limit's band runs to the next, more severe limit or the axis edge."""
    edges = {"high": y_range[1], "low": y_range[0]}
    for direction, edge in ((d, edges[d]) for d in directions):
        own = rules.loc[rules["vital"].eq(vital) & rules["direction"].eq(direction)]
        own = own.sort_values("limit", ascending=direction == "high")
        limits = own["limit"].astype(float).tolist()
        for i, rule in enumerate(own.itertuples()):
            far = limits[i + 1] if i + 1 < len(limits) else edge
            fig.add_hrect(
                y0=min(rule.limit, far),
                y1=max(rule.limit, far),
                fillcolor=PRIORITY_COLOURS[rule.priority],
                opacity=_BAND_OPACITY[rule.priority],
                line_width=0,
                layer="below",
                name=f"band:{rule.id}",
                row=row,
                col=1,
                exclude_empty_subplots=False,
            )


def _add_limit_lines(
    fig: go.Figure, rules: pd.DataFrame, baseline: Mapping | None, panel_vitals: tuple[str, ...], row: int
) -> None:
    for rule in _absolute_limits(rules, baseline, panel_vitals).itertuples():
        sign = {"high": "≥", "low": "≤", "rise": "≥"}[rule.direction]
        primary = rule.vital == panel_vitals[0]
        fig.add_hline(
            y=rule.limit,
            line={
                "color": PRIORITY_COLOURS[rule.priority],
                "width": 1.8 if primary else 1.2,
                "dash": "dash" if primary else "dot",
            },
            name=f"limit:{rule.id}",
            annotation_text=f"{label(rule.vital)} {sign}{rule.limit:g}",
            # Secondary vitals (DBP) label inside the plot so their labels never collide with SBP's.
            annotation_position="right" if primary else "bottom right",
            annotation_font={"size": 10, "color": "#333"},
            row=row,
            col=1,
            exclude_empty_subplots=False,
        )


def _add_baseline(fig: go.Figure, baseline: Mapping | None, vital: str, row: int) -> None:
    value = (baseline or {}).get(vital)
    if value is None or pd.isna(value):
        return
    fig.add_hline(
        y=float(value),
        line={"color": "#555", "width": 1, "dash": "dot"},
        name=f"baseline:{vital}",
        annotation_text=f"baseline {float(value):.0f}",
        annotation_position="top left",
        annotation_font={"size": 10, "color": "#555"},
        row=row,
        col=1,
        exclude_empty_subplots=False,
    )


def _add_vital_trace(
    fig: go.Figure, vitals: pd.DataFrame, vital: str, origin: pd.Timestamp, tz: str, row: int
) -> None:
    if vital not in vitals:
        return
    readings = vitals.loc[vitals[vital].notna(), ["timestamp", vital]].sort_values("timestamp")
    if readings.empty:
        return
    x, y, clock = (
        minutes_from(readings["timestamp"], origin),
        readings[vital].to_numpy(dtype=float),
        clock_text(readings["timestamp"], tz),
    )
    style = _TRACE_STYLE[vital]
    if vitals_table()[vital].kind == "continuous":
        x, y, clock = _break_gaps(x, y, clock)
    unit = vitals_table()[vital].unit
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            customdata=clock,
            name=label(vital),
            mode=style["mode"],
            line={"color": style["color"], "width": 1.6, "dash": style.get("dash", "solid")},
            marker={"size": 6, "color": style["color"]},
            connectgaps=False,
            hovertemplate=f"{label(vital)} %{{y:.0f}} {unit}<br>{HOVER_WHEN}",
        ),
        row=row,
        col=1,
    )


def _break_gaps(x: np.ndarray, y: np.ndarray, clock: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Insert a NaN where readings stop, so a lost signal shows as a gap instead of a straight line."""
    gaps = np.flatnonzero(np.diff(x) * 60 > _GAP_S) + 1
    return np.insert(x, gaps, np.nan), np.insert(y, gaps, np.nan), np.insert(clock, gaps, "")


def _shade_infusion(fig: go.Figure, session: Mapping, origin: pd.Timestamp) -> None:
    end = session.get("infusion_end")
    if end is None or pd.isna(end) or pd.isna(session.get("infusion_start")):
        return
    # One shaded window per row (event strip and every panel); only the strip carries the label.
    label = {
        "annotation_text": "infusion",
        "annotation_position": "top left",
        "annotation_font": {"size": 10, "color": "#31708f"},
    }
    for row in range(1, len(PANELS) + 2):
        fig.add_vrect(
            x0=0,
            x1=(pd.Timestamp(end) - origin).total_seconds() / 60,
            fillcolor="#9ecae1",
            opacity=0.15 if row == 1 else 0.12,
            line_width=0,
            layer="below",
            name="infusion",
            row=row,
            col=1,
            exclude_empty_subplots=False,
            **(label if row == 1 else {}),
        )


def _shade_alerts(fig: go.Figure, alerts: pd.DataFrame | None, origin: pd.Timestamp) -> None:
    """One rectangle per episode, on the panel of its vital, in its priority's alarm colour."""
    if alerts is None or alerts.empty:
        return
    rows = {vital: row for row, (_, vitals, _) in enumerate(PANELS, start=2) for vital in vitals}
    ordered = alerts.sort_values("priority", key=lambda p: p.map(_PRIORITY_ORDER), kind="stable")
    for episode in ordered.itertuples():
        x0 = (episode.start - origin).total_seconds() / 60
        x1 = (episode.end - origin).total_seconds() / 60 if not pd.isna(episode.end) else x0
        fig.add_vrect(
            x0=x0,
            x1=max(x1, x0 + 0.3),  # a single cuff reading still gets a visible stripe
            fillcolor=PRIORITY_COLOURS.get(episode.priority, "#999"),
            opacity=_EPISODE_OPACITY.get(episode.priority, 0.45),
            line_width=0,
            layer="below",
            name=f"alert:{episode.rule}",
            row=rows.get(episode.vital, "all"),
            col=1,
            exclude_empty_subplots=False,
        )


def _add_events(fig: go.Figure, events: pd.DataFrame | None, origin: pd.Timestamp, tz: str) -> None:
    """One marker per event on the event strip; severity sets the colour, category the row."""
    if events is None or events.empty:
        return
    category = events["category"].fillna("unknown").map(_EVENT_ROWS).fillna("Infusion, notes")
    severity = events["severity"].astype(object).where(events["severity"].notna(), None)
    colours = [
        SEVERITY_COLOURS.get(s, "#1f3b73" if c == "Interventions" else "#666")
        for s, c in zip(severity, category, strict=True)
    ]
    symbols = category.map({"Side effects": "triangle-up", "Interventions": "diamond"}).fillna("line-ns-open")
    fig.add_trace(
        go.Scatter(
            x=minutes_from(events["timestamp"], origin),
            y=category.to_numpy(dtype=object),
            # customdata = (clock, hover text); text = the short visible label.
            customdata=np.column_stack(
                [clock_text(events["timestamp"], tz), [_event_hover(row) for row in events.itertuples()]]
            ),
            text=[html.escape(readable(name)) for name in events["event"]],
            textposition=_alternating(category),
            textfont={"size": 10, "color": "#333"},
            name="Events",
            showlegend=False,
            mode="markers+text",
            cliponaxis=False,
            marker={
                "symbol": symbols.tolist(),
                "size": 13,
                "color": colours,
                "line": {"width": 1, "color": "#222"},
            },
            hovertemplate="%{customdata[1]}<br>%{customdata[0]} · %{x:.1f} min<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=["Infusion, notes", "Interventions", "Side effects"],
        range=[-0.6, 2.6],
        row=1,
        col=1,
    )


def _alternating(category: pd.Series) -> list[str]:
    """Labels of successive events on one row alternate above and below, so close events stay readable."""
    nth = category.groupby(category).cumcount()
    return np.where(nth % 2 == 0, "top right", "bottom right").tolist()


def _event_hover(event: tuple) -> str:
    """Name, severity and note as plain text: every part escaped, joined with plotly's <br>."""
    parts = [readable(event.event)]
    if not pd.isna(event.severity):
        parts[0] += f" ({event.severity})"
    if not pd.isna(event.note) and str(event.note):
        parts.append(str(event.note))
    return "<br>".join(html.escape(part) for part in parts)
