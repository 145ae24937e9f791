"""Cohort figures: one value per session or per category, never raw readings.

Plotting one value per session keeps 2,000 sessions at a few thousand points in the browser.
Alarm priorities keep their IEC colours (``palette``) so a cohort chart reads like the session
figure. Session ids and patient ids reaching hover text or titles are HTML-escaped because plotly
renders a subset of HTML there. Pure plotly, no Streamlit.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.core.charts.palette import PRIORITY_COLOURS, SEVERITY_COLOURS, readable

_COHORT_LAYOUT = {"plot_bgcolor": "white", "margin": {"l": 60, "r": 20, "t": 50, "b": 100}, "height": 400}
_LEGEND_BELOW = {"orientation": "h", "y": -0.22, "x": 0, "yanchor": "top"}
_BURDEN_LABELS = {"high": "High", "medium": "Medium", "low": "Low", "technical": "Technical"}


def burden_comparison_figure(comparison: pd.DataFrame) -> go.Figure:
    """Cohort alert totals per priority, current beside edited (``compare_protocols`` output)."""
    priorities = [p for p in _BURDEN_LABELS if f"alerts_{p}_current" in comparison]
    labels = [_BURDEN_LABELS[p] for p in priorities]
    fig = go.Figure()
    for version, pattern, opacity in (("current", "", 0.45), ("edited", "/", 1.0)):
        totals = [int(comparison[f"alerts_{p}_{version}"].sum()) for p in priorities]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=totals,
                name=f"{version.capitalize()} protocol",
                text=totals,
                textposition="outside",
                marker={
                    "color": [PRIORITY_COLOURS.get(p, "#888") for p in priorities],
                    "opacity": opacity,
                    "pattern": {"shape": pattern},
                    "line": {"color": "#333", "width": 1},
                },
                hovertemplate="%{x}: %{y} alerts<extra>" + version + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        title="Alerts in the loaded cohort: current vs edited protocol",
        yaxis_title="Alert episodes",
        legend=_LEGEND_BELOW,
        **_COHORT_LAYOUT,
    )
    return fig


def peak_rise_figure(rises: pd.Series, rise_limit: float | None = None) -> go.Figure:
    """Distribution of each session's peak SBP rise from baseline, with the protocol's rise limit."""
    fig = go.Figure(
        go.Histogram(
            x=rises.dropna().to_numpy(dtype=float),
            xbins={"size": 5},
            marker={"color": "#1f3b73", "line": {"color": "white", "width": 1}},
            hovertemplate="rise %{x} mmHg: %{y} sessions<extra></extra>",
        )
    )
    if rise_limit is not None:
        fig.add_vline(
            x=rise_limit,
            line={"color": PRIORITY_COLOURS["medium"], "width": 3, "dash": "dash"},
            name="limit:rise",
            annotation_text=f"rise limit +{rise_limit:g}",
            annotation_position="top right",
        )
    fig.update_layout(
        title="Peak SBP rise from baseline, per session",
        xaxis_title="Peak SBP minus baseline (mmHg)",
        yaxis_title="Sessions",
        bargap=0.05,
        **_COHORT_LAYOUT,
    )
    return fig


def alert_burden_figure(summary: pd.DataFrame) -> go.Figure:
    """Sessions by their number of physiological alerts, coloured by the worst priority reached."""
    counts = summary[["alerts_high", "alerts_medium", "alerts_low"]].fillna(0)
    total = counts.sum(axis=1).astype(int)
    worst = np.select(
        [counts["alerts_high"] > 0, counts["alerts_medium"] > 0, counts["alerts_low"] > 0],
        ["high", "medium", "low"],
        "none",
    )
    table = pd.crosstab(total, worst)
    fig = go.Figure()
    for priority, label in (
        ("none", "No alert"),
        ("low", "Worst: low"),
        ("medium", "Worst: medium"),
        ("high", "Worst: high"),
    ):
        if priority in table:
            fig.add_trace(
                go.Bar(
                    x=table.index.to_numpy(),
                    y=table[priority].to_numpy(),
                    name=label,
                    marker={
                        "color": PRIORITY_COLOURS.get(priority, "#c8c8c8"),
                        "line": {"color": "#555", "width": 0.5},
                    },
                    hovertemplate="%{y} sessions with %{x} alerts<extra>" + label + "</extra>",
                )
            )
    fig.update_layout(
        barmode="stack",
        title="Alert burden: physiological alerts per session",
        xaxis={"title": "Alerts in the session", "dtick": 1},
        yaxis_title="Sessions",
        legend=_LEGEND_BELOW,
        **_COHORT_LAYOUT,
    )
    return fig


def side_effect_figure(incidence: pd.DataFrame) -> go.Figure:
    """Share of sessions with each side effect, stacked by worst severity (``side_effect_incidence``)."""
    ordered = incidence.iloc[::-1]  # most frequent on top
    names = [readable(name) for name in ordered["side_effect"]]
    fig = go.Figure()
    for severity, colour in (*SEVERITY_COLOURS.items(), ("unspecified", "#b0b0b0")):
        fig.add_trace(
            go.Bar(
                y=names,
                x=(ordered[severity] * 100).to_numpy(dtype=float),
                orientation="h",
                name=severity,
                marker={"color": colour},
                hovertemplate="%{y}: %{x:.0f} % of sessions<extra>" + severity + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        title="Side-effect incidence, by worst severity",  # fits a half-width column; x says "% of sessions"
        xaxis={"title": "% of sessions", "ticksuffix": " %"},
        legend=_LEGEND_BELOW | {"traceorder": "normal"},
        **_COHORT_LAYOUT,
    )
    fig.update_yaxes(automargin=True)
    return fig


def patient_course_figure(course: pd.DataFrame, patient_id: str) -> go.Figure:
    """One patient's infusions 1..N: peak and baseline SBP above, alerts and side effects below."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.55, 0.45])
    x = course["infusion_number"].to_numpy()
    for column, name, colour, dash in (
        ("peak_sbp", "Peak SBP", "#1f3b73", "solid"),
        ("baseline_sbp", "Baseline SBP", "#7f7f7f", "dot"),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=course[column].to_numpy(dtype=float),
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": dash},
                marker={"size": 8},
                customdata=course["session_id"].map(html.escape).to_numpy(dtype=object),
                hovertemplate=f"{name} %{{y:.0f}} mmHg<br>infusion %{{x}} (%{{customdata}})<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for priority in ("low", "medium", "high"):
        fig.add_trace(
            go.Bar(
                x=x,
                y=course[f"alerts_{priority}"].to_numpy(),
                name=f"{priority} alerts",
                marker={"color": PRIORITY_COLOURS[priority], "line": {"color": "#555", "width": 0.5}},
                hovertemplate=f"%{{y}} {priority} alerts<extra></extra>",
            ),
            row=2,
            col=1,
        )
    effects = course["side_effects"].fillna("")
    fig.add_trace(
        go.Scatter(
            x=x,
            y=effects.str.split("; ").map(len).where(effects != "", 0).to_numpy(),
            name="side effects",
            mode="markers",
            marker={"symbol": "triangle-up", "size": 12, "color": SEVERITY_COLOURS["moderate"]},
            customdata=effects.map(lambda text: html.escape(text or "none")).to_numpy(dtype=object),
            hovertemplate="side effects: %{customdata}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.update_layout(
        barmode="stack",
        title=f"Course of patient {html.escape(str(patient_id))} across infusions",
        legend={"orientation": "h", "y": -0.25, "x": 0, "yanchor": "top"},
        **(_COHORT_LAYOUT | {"height": 460}),
    )
    fig.update_yaxes(title_text="SBP (mmHg)", row=1, col=1)
    fig.update_yaxes(title_text="Count", row=2, col=1)
    fig.update_xaxes(title_text="Infusion number", dtick=1, row=2, col=1)
    return fig
