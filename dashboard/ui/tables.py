"""Every table the pages show, each with its column configuration: labels with units, formats, tints.

A table's column config says what a column means (unit, alarm colour, help text), so it lives with
the table and nowhere else. User text (notes, file names, problem messages) reaches the screen
only as st.dataframe cells, never through markdown or HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.problems import Problem, problem_groups, problem_kind, problems_frame
from dashboard.ui.components import MISSING, csv_download, local_times

_CLOCK = "HH:mm:ss"  # within one session the date is in the caption
_GROUP_COLUMNS = {
    "file": st.column_config.TextColumn("File", width="medium"),
    "level": st.column_config.TextColumn("Level", width="small"),
    "column": st.column_config.TextColumn("Column", width="small"),
    "kind": st.column_config.TextColumn("Kind of problem", width="large"),
    "count": st.column_config.NumberColumn("Rows", format="%d", width="small"),
    "first_lines": st.column_config.TextColumn("First lines", width="small"),
    "example": st.column_config.TextColumn("First of them", width="large"),
}
_PROBLEM_COLUMNS = {
    "file": st.column_config.TextColumn("File", width="medium"),
    "line": st.column_config.NumberColumn("Line", format="%d", width="small"),
    "column": st.column_config.TextColumn("Column", width="small"),
    "message": st.column_config.TextColumn("What was wrong", width="large"),
    "expected": st.column_config.TextColumn("Expected", width="medium"),
    "level": st.column_config.TextColumn("Level", width="small"),
}


def validation_report(problems: list[Problem], files: list[str]) -> None:
    """A status line per file; the problems grouped by file and kind, with counts and their first
    lines; every problem row by row behind a switch; all of them as a CSV download. File names and
    cell values are user text, so they are shown only as table cells or widget options."""
    table = problems_frame(problems)
    status = file_status(table, files)
    unusable = int((status["result"] == "could not be used").sum())
    if unusable:
        st.error(f"{unusable} of {len(files)} file(s) could not be used; the reason is in the table.")
    elif table.empty:
        st.success(f"{len(files)} file(s) read without problems.", icon=":material/check_circle:")
    st.dataframe(
        status, hide_index=True, width="stretch", height=min(38 + 35 * len(status), 300), placeholder=MISSING
    )
    if table.empty:
        return
    groups = problem_groups(table)
    st.caption(
        f"{len(table)} problem(s) of {len(groups)} kind(s); valid rows were kept, every rejected row or "
        "cell is listed."
    )
    st.dataframe(
        groups,
        hide_index=True,
        width="stretch",
        column_config=_GROUP_COLUMNS,
        height=min(38 + 35 * len(groups), 400),
        placeholder=MISSING,
        key="problem_groups",
    )
    every, download = st.columns([3, 1], vertical_alignment="center")
    csv_download(download, "Every problem (CSV)", table, "validation_problems.csv", width="stretch")
    if not every.toggle(f"Show every problem, row by row ({len(table)})", key="w_every_problem"):
        return
    labels = [f"{g.file} · {g.level} · {g.column or 'no column'} · {g.kind} ({g.count})"
              for g in groups.itertuples()]  # fmt: skip
    chosen = st.selectbox("Problems of", ["every kind", *labels], key="w_problem_kind")
    shown = table
    if chosen in labels:
        group = groups.iloc[labels.index(chosen)]
        shown = table.loc[
            (table["file"] == group["file"])
            & (table["level"] == group["level"])
            & (table["column"].fillna("") == group["column"])
            & (table["message"].map(problem_kind) == group["kind"])
        ]
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=_PROBLEM_COLUMNS,
        height=min(38 + 35 * len(shown), 400),
        placeholder=MISSING,
        key="every_problem",
    )


def file_status(table: pd.DataFrame, files: list[str]) -> pd.DataFrame:
    """One row per file: read or not (and why), and how many problems of each level it had."""
    names = pd.Index([*files, *sorted(set(table["file"]) - set(files))], name="file")
    counts = pd.crosstab(table["file"], table["level"]).reindex(index=names, fill_value=0)
    fatal = table.loc[table["level"] == "fatal"].drop_duplicates("file").set_index("file")
    reason = (fatal["message"] + "; expected " + fatal["expected"]).reindex(names)
    status = pd.DataFrame(
        {
            "result": reason.notna().map({True: "could not be used", False: "read"}),
            "errors": counts.get("error", 0),
            "artifacts": counts.get("artifact", 0),
            "warnings": counts.get("warning", 0),
            "reason": reason.fillna(""),
        },
        index=names,
    )
    return status.reset_index()


def alerts_table(alerts: pd.DataFrame, timezone: str) -> None:
    shown = local_times(alerts, timezone, ("start", "onset", "end"))
    shown["minutes"] = (alerts["end"] - alerts["start"]).dt.total_seconds() / 60
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_order=("priority", "rule", "vital", "kind", "onset", "end", "minutes", "peak", "limit"),
        column_config={
            "priority": st.column_config.TextColumn(
                "Priority", help="high = red, medium = yellow, low = cyan"
            ),
            "rule": st.column_config.TextColumn("Rule", width="medium"),
            "vital": "Vital",
            "kind": "Kind",
            "onset": st.column_config.DatetimeColumn("Alarm at", format=_CLOCK, help="breach start + delay"),
            "end": st.column_config.DatetimeColumn("Until", format=_CLOCK),
            "minutes": st.column_config.NumberColumn("Breach (min)", format="%.1f"),
            "peak": st.column_config.NumberColumn("Worst value", format="%.0f"),
            "limit": st.column_config.NumberColumn("Limit", format="%.0f"),
        },
        placeholder=MISSING,
    )


def alert_history_table(history: pd.DataFrame, timezone: str) -> None:
    """The dashboard's alerts and the monitor's own alarms (kind ``device``), oldest first."""
    if history.empty:
        st.caption("No alert and no monitor alarm so far.")
        return
    st.dataframe(
        local_times(history, timezone, ("start", "end")),
        hide_index=True,
        width="stretch",
        column_order=("start", "end", "kind", "priority", "alert", "reports"),
        column_config={
            "start": st.column_config.DatetimeColumn("From", format=_CLOCK),
            "end": st.column_config.DatetimeColumn("Until", format=_CLOCK, help="empty: still going"),
            "kind": st.column_config.TextColumn(
                "Kind", help="device = the bedside monitor's own alarm; the others are the dashboard's"
            ),
            "priority": st.column_config.TextColumn(
                "Priority", help="high = red, medium = yellow, low = cyan"
            ),
            "alert": st.column_config.TextColumn("Alert", width="large"),
            "reports": st.column_config.NumberColumn("Samples / reports", format="%d"),
        },
        placeholder=MISSING,
    )


def events_table(events: pd.DataFrame, timezone: str) -> None:
    """The event log; optional columns nobody filled in (grade, scale, score) are left out."""
    shown = local_times(events, timezone, ("timestamp",))
    optional = [c for c in ("ctcae_grade", "scale", "score") if shown[c].notna().any()]
    text = ["event", "category", "severity", "scale", "note"]
    shown[text] = shown[text].fillna("")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_order=("timestamp", "event", "category", "severity", *optional, "note"),
        column_config={
            "timestamp": st.column_config.DatetimeColumn("Time", format=_CLOCK),
            "event": "Event",
            "category": "Category",
            "severity": "Severity",
            "ctcae_grade": st.column_config.NumberColumn("CTCAE grade", format="%d"),
            "scale": "Scale",
            "score": st.column_config.NumberColumn("Score", format="%g"),
            "note": st.column_config.TextColumn("Note", width="large"),
        },
        placeholder=MISSING,
    )


_SUMMARY_COLUMNS: dict[str, object] = {
    "session_id": st.column_config.TextColumn("Session", pinned=True),
    "patient_id": "Patient",
    "infusion_number": st.column_config.NumberColumn("Infusion #", format="%d"),
    "start": st.column_config.DatetimeColumn("Start", format="YYYY-MM-DD HH:mm"),
    "chair": "Chair",
    "indication": "Indication",
    "alerts_high": st.column_config.NumberColumn("High alerts", format="%d", help="red: act now"),
    "alerts_medium": st.column_config.NumberColumn("Medium alerts", format="%d", help="yellow: check soon"),
    "alerts_low": st.column_config.NumberColumn("Low alerts", format="%d", help="cyan: be aware"),
    "alerts_technical": st.column_config.NumberColumn(
        "Technical alerts", format="%d", help="signal loss, cuff reading overdue"
    ),
    "baseline_sbp": st.column_config.NumberColumn("Baseline SBP (mmHg)", format="%.0f"),
    "peak_sbp": st.column_config.NumberColumn("Peak SBP (mmHg)", format="%.0f"),
    "max_sbp_rise": st.column_config.NumberColumn("SBP rise (mmHg)", format="%+.0f"),
    "peak_dbp": st.column_config.NumberColumn("Peak DBP (mmHg)", format="%.0f"),
    "baseline_hr": st.column_config.NumberColumn("Baseline HR (/min)", format="%.0f"),
    "peak_hr": st.column_config.NumberColumn("Peak HR (/min)", format="%.0f"),
    "min_spo2": st.column_config.NumberColumn("Min SpO2 (%)", format="%.0f"),
    "max_ctcae_htn_grade": st.column_config.NumberColumn(
        "CTCAE HTN grade", format="%d", help="CTCAE v5 hypertension grade of the highest reading"
    ),
    "minutes_above_caution_sbp": st.column_config.NumberColumn("Min ≥ caution SBP", format="%.0f"),
    "side_effects": st.column_config.TextColumn("Side effects", width="medium"),
    "interventions": st.column_config.TextColumn("Interventions", width="medium"),
    "time_to_peak_sbp_min": st.column_config.NumberColumn("Time to peak SBP (min)", format="%.0f"),
    "duration_min": st.column_config.NumberColumn("Monitored (min)", format="%.0f"),
    "n_readings": st.column_config.NumberColumn("Cuff readings", format="%d"),
}
_ALERT_TINTS: dict[str, str] = {"alerts_high": "#ffc9c9", "alerts_medium": "#fff1a8", "alerts_low": "#c4f1f8"}


def summary_table(summary: pd.DataFrame, timezone: str, key: str) -> str | None:
    """The per-session table, alert cells tinted in their alarm colour; returns the clicked session."""
    shown = local_times(summary, timezone, ("start",))
    styled = shown.style
    for column, tint in _ALERT_TINTS.items():
        if column in shown:
            styled = styled.map(
                lambda n, tint=tint: f"background-color: {tint}" if n > 0 else "", subset=[column]
            )
    state = st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(shown), 460),
        column_order=[c for c in _SUMMARY_COLUMNS if c in shown],
        column_config=_SUMMARY_COLUMNS,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        placeholder=MISSING,
    )
    rows = state.selection.rows
    return str(shown["session_id"].iloc[rows[0]]) if rows else None


def rules_editor(rules: pd.DataFrame, key: str) -> pd.DataFrame:
    """The protocol's rules as an editable table: limits, delay, hysteresis and confirmation."""
    return st.data_editor(
        rules,
        key=key,
        hide_index=True,
        height=35 * (len(rules) + 1) + 15,  # every rule in view; with an exact fit Chromium lost edits
        width="stretch",
        disabled=["id", "vital", "direction", "priority", "source"],
        column_config={
            "id": "Rule",
            "vital": "Vital",
            "direction": st.column_config.TextColumn("Direction", help="high, low, or rise from baseline"),
            "limit": st.column_config.NumberColumn("Limit", format="%g", required=True),
            "priority": "Priority",
            "hysteresis": st.column_config.NumberColumn("Hysteresis", min_value=0, format="%g"),
            "delay_s": st.column_config.NumberColumn(
                "Delay (s)", min_value=0, format="%g", help="continuous vitals: breach must persist this long"
            ),
            "confirm": st.column_config.CheckboxColumn(
                "Confirm", help="cuff vitals: wait for a second reading"
            ),
            "source": st.column_config.TextColumn("Source", width="large"),
        },
        placeholder=MISSING,
    )


_PRIORITY_LABELS = {
    "high": "High (red)",
    "medium": "Medium (yellow)",
    "low": "Low (cyan)",
    "technical": "Technical",
}


def burden_totals(table: pd.DataFrame) -> None:
    """Cohort totals per priority under both protocols: the alarm-burden trade-off at a glance."""
    tiles = st.columns(len(_PRIORITY_LABELS))
    for tile, (priority, label) in zip(tiles, _PRIORITY_LABELS.items(), strict=True):
        before, after = (
            int(table[f"alerts_{priority}_current"].sum()),
            int(table[f"alerts_{priority}_edited"].sum()),
        )
        tile.metric(
            f"{label} alerts", f"{before} → {after}", delta=after - before, delta_color="off", border=True
        )


def comparison_table(table: pd.DataFrame, changed_only: bool) -> None:
    changes = [c for c in table if c.endswith("_change")]
    shown = table.loc[table[changes].ne(0).any(axis=1)] if changed_only else table
    config: dict[str, object] = {"session_id": st.column_config.TextColumn("Session", pinned=True)}
    for priority, label in _PRIORITY_LABELS.items():
        name = label.split(" ")[0]
        config[f"alerts_{priority}_current"] = st.column_config.NumberColumn(f"{name} now", format="%d")
        config[f"alerts_{priority}_edited"] = st.column_config.NumberColumn(f"{name} edited", format="%d")
        config[f"alerts_{priority}_change"] = st.column_config.NumberColumn(f"{name} change", format="%+d")
    if shown.empty:
        st.info("No session's alert counts change under the edited protocol.")
        return
    st.caption(f"{len(shown)} of {len(table)} sessions shown")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_order=list(config),  # per priority: now, edited, change side by side
        column_config=config,
        height=min(38 + 35 * len(shown), 400),
        placeholder=MISSING,
    )
