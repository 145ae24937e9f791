"""What staff record on the live session page, each write naming the user.

Entries are append-only: a correction is an amendment linked to the original, a withdrawal
a retraction, both with a reason. Each form carries an entry id made when the form is shown, so
a resubmitted form (a double click, a reconnect) is recorded once. Messages that include user
text go through ``plain``; tables are ``st.dataframe`` (never HTML).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd
import streamlit as st

from dashboard.core.live.chairside import ChartingError, charted_reading
from dashboard.core.live.overview import NOT_STARTED, alert_texts
from dashboard.core.model import PRIORITIES, SEVERITIES
from dashboard.core.roles import Actor
from dashboard.core.store import EntryError, Store
from dashboard.core.vocabulary import vocabulary
from dashboard.ui import identity
from dashboard.ui.components import MISSING, plain

# Score ranges of the scales offered: CADSS-6 is six items scored 0-4 (clinical reference H1, H2).
SCALES: dict[str, float] = {"CADSS-6": 24.0, "NRS 0-10": 10.0}
LOGGABLE = ("side_effect", "intervention", "note")
# Infusion buttons: the event each records and the pump states it is allowed from.
INFUSION_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Start": ("infusion_start", (NOT_STARTED,)),
    "Pause": ("infusion_paused", ("infusing", "infusing, rate reduced")),
    "Resume": ("infusion_resumed", ("paused",)),
    "Reduce rate": ("rate_reduced", ("infusing", "infusing, rate reduced")),
    "Stop": ("infusion_stop", ("infusing", "infusing, rate reduced", "paused")),
}
PRIORITY_RANK = {priority: rank for rank, priority in enumerate(PRIORITIES)}
# The chairside form's fields, in the order a nurse reads them off a stand-alone monitor.
CHARTED: dict[str, str] = {
    "sbp": "SBP mmHg", "dbp": "DBP mmHg", "map": "MAP (optional)",
    "hr": "HR /min", "spo2": "SpO2 %", "rr": "RR /min",
}  # fmt: skip
_CLOCK = "HH:mm:ss"


def entry_id(form: str) -> str:
    """The id the next submission of ``form`` is recorded under (kept until it succeeds)."""
    return st.session_state.setdefault(f"entry_id_{form}", str(uuid.uuid4()))


def recorded(form: str, message: str) -> None:
    st.session_state.pop(f"entry_id_{form}", None)
    st.toast(message, icon=":material/check_circle:")
    st.rerun()


def infusion_controls(
    store: Store, session_id: str, state: str, user: Actor, start_problems: list[str]
) -> None:
    """The pump's state and its buttons. Before the start, ``start_problems`` (the pre-infusion
    check: vitals outside the protocol's start limits, or none to judge) need a reason, which is
    recorded with the start."""
    if not identity.allowed(user, "entry"):
        return
    st.markdown(f"Infusion: **{state}**")
    rate_note = st.text_input("New rate or reason (optional)", key="infusion_note", max_chars=200)
    blocked = state == NOT_STARTED and bool(start_problems)
    if blocked:
        st.warning("**Pre-infusion check:** " + "; ".join(start_problems) + ". Start only with a reason.",
                   icon=":material/warning:")  # fmt: skip
        reason = st.text_input("Reason to start anyway (required)", key="start_reason", max_chars=300)
        blocked = not reason.strip()
        rate_note = f"Started outside the start limits ({'; '.join(start_problems)}): {reason.strip()}"
    elif state == NOT_STARTED:
        st.success(
            "Pre-infusion check: the vitals are within the protocol's start limits.", icon=":material/check:"
        )
    for column, (label, (event, allowed_from)) in zip(
        st.columns(len(INFUSION_ACTIONS)), INFUSION_ACTIONS.items(), strict=True
    ):
        disabled = state not in allowed_from or (event == "infusion_start" and blocked)
        if column.button(label, key=f"infusion_{event}", disabled=disabled, width="stretch"):
            now = pd.Timestamp.now(tz="UTC")
            store.add_event(session_id, now, event, user=user, note=rate_note.strip() or None,
                            entry_id=entry_id("infusion"))  # fmt: skip
            recorded("infusion", f"{label} recorded")


def chart_vitals(store: Store, session_id: str, user: Actor, timezone: str) -> None:
    """A reading off a stand-alone monitor, saved with one click (or Enter); an impossible value
    is refused with the reason and the form keeps what was typed so it can be put right."""
    if not identity.allowed(user, "chart_vitals"):
        return
    form = entry_id("chart")  # new widgets (empty fields) after each saved reading
    with st.form("chart_vitals", enter_to_submit=True, border=True):
        fields = [*st.columns(3), *st.columns(4)]  # the pressure on a row of its own: tablets too
        values = {
            vital: column.number_input(label, value=None, step=1, key=f"chart_{vital}_{form}")
            for column, (vital, label) in zip(fields, CHARTED.items(), strict=False)
        }
        at = fields[-1].time_input("Time (empty = now)", value=None, step=60, key=f"chart_time_{form}")
        if not st.form_submit_button("Save reading", type="primary", icon=":material/save:"):
            return
    try:
        reading = charted_reading(session_id, _stamp(at, timezone), values, pd.Timestamp.now(tz="UTC"))
    except ChartingError as refused:
        st.error("Not saved: " + "; ".join(refused.reasons) + ".", icon=":material/block:")
        st.toast("Reading not saved: the reason is under the form", icon=":material/block:")
        return
    store.add_charted_vitals(reading, user=user, entry_id=form)
    recorded("chart", "Reading saved")


def log_entry(store: Store, session_id: str, user: Actor, timezone: str) -> None:
    """Side effect, intervention or note: vocabulary, severity, optional scale score, free text."""
    if not identity.allowed(user, "entry"):
        return
    terms = {name: term for name, term in vocabulary().items() if term.category in LOGGABLE}
    labels = {name: f"{term.label} ({term.category.replace('_', ' ')})" for name, term in terms.items()}
    with st.form("log_entry", clear_on_submit=True):
        left, middle, right = st.columns([2, 1, 1])
        event = left.selectbox("Entry", list(labels), format_func=labels.get)
        severity = middle.selectbox("Severity", [None, *SEVERITIES], format_func=_or_dash)
        at = right.time_input("Time (empty = now)", value=None, step=60)
        left, right = st.columns(2)
        scale = left.selectbox("Scale", [None, *SCALES], format_func=_or_dash)
        score = right.number_input(
            "Score", min_value=0.0, max_value=max(SCALES.values()), value=None, step=1.0
        )
        note = st.text_area("Note", max_chars=1000, height=80)
        if not st.form_submit_button("Log entry", type="primary", icon=":material/add:"):
            return
    problem = _score_problem(scale, score)
    if problem:
        st.error(problem)
        return
    when = _stamp(at, timezone)
    store.add_event(session_id, when, event, user=user, severity=severity, scale=scale, score=score,
                    note=note.strip() or None, entry_id=entry_id("log"))  # fmt: skip
    recorded("log", f"{terms[event].label} logged")


def acknowledge(store: Store, open_alerts: pd.DataFrame, user: Actor) -> None:
    """Acknowledge an open alert with a reason; everyone sees who and why until it clears."""
    if not identity.allowed(user, "acknowledge"):
        return
    if open_alerts.empty:
        st.caption("No open alert to acknowledge.")
        return
    open_alerts = open_alerts.sort_values("priority", key=lambda p: p.map(PRIORITY_RANK), kind="stable")
    texts = dict(zip(open_alerts["alert_key"], open_alerts["priority"].str.upper() + " " +
                     alert_texts(open_alerts), strict=True))  # fmt: skip
    with st.form("acknowledge", clear_on_submit=True):
        key = st.selectbox("Alert", list(texts), format_func=texts.get)
        reason = st.text_input(
            "Reason (required)", max_chars=300, placeholder="e.g. repeat cuff reading taken"
        )
        if not st.form_submit_button("Acknowledge", icon=":material/done:"):
            return
    if not reason.strip():
        st.error("An acknowledgement needs a reason.")
        return
    store.acknowledge(key, user=user, reason=reason, entry_id=entry_id("ack"))
    recorded("ack", "Alert acknowledged")


def correct(store: Store, events: pd.DataFrame, user: Actor, timezone: str) -> None:
    """Correct (amend) or withdraw (retract) an entry; the original stays in the history."""
    if not identity.allowed(user, "entry"):
        return
    if events.empty:
        st.caption("No entry to correct.")
        return
    rows = events.set_index("id")
    labels = {
        entry: f"{row.timestamp.tz_convert(timezone):%H:%M} {row.event} by {row.user}"
        for entry, row in rows.iterrows()
    }
    with st.form("correct_entry", clear_on_submit=True):
        original = st.selectbox("Entry", list(labels), format_func=labels.get)
        left, right = st.columns(2)
        severity = left.selectbox("Corrected severity", [None, *SEVERITIES], format_func=_or_dash)
        note = right.text_input("Corrected note (empty = unchanged)", max_chars=1000)
        reason = st.text_input("Reason (required)", max_chars=300)
        save, withdraw = st.columns(2)
        amend = save.form_submit_button("Save correction")
        retract = withdraw.form_submit_button("Withdraw entry")
    if not (amend or retract):
        return
    changes = {k: v for k, v in (("severity", severity), ("note", note.strip() or None)) if v is not None}
    try:
        if retract:
            store.retract_event(original, user=user, reason=reason, entry_id=entry_id("correct"))
        else:
            store.amend_event(original, user=user, reason=reason, entry_id=entry_id("correct"), **changes)
    except EntryError as error:
        st.error(plain(error))
        return
    recorded("correct", "Entry withdrawn" if retract else "Correction saved")


def end_session(store: Store, session_id: str, user: Actor, discharged: bool) -> None:
    """End the session (it leaves the board). A discharged one is ended by its sign-off; ending
    one before its discharge (sent to the emergency department, infusion abandoned) needs why."""
    if not identity.allowed(user, "discharge"):
        return
    if discharged:
        st.caption("Discharged: signing it off (here or on the Sign-off page) ends it.")
    else:
        st.caption("Without a discharge, say why it ends: it then waits on the Sign-off page.")
    reason = (
        ""
        if discharged
        else st.text_input("Why it ends without a discharge", max_chars=300, key="end_reason")
    )
    sure = st.checkbox("The patient has left the chair; end this session", key="end_confirm")
    if st.button("End session", disabled=not sure, type="primary", icon=":material/logout:"):
        try:
            store.end_session(session_id, user=user, reason=reason)
        except EntryError as error:
            st.error(plain(error), icon=":material/error:")
            return
        st.session_state.pop("end_confirm", None)
        recorded("end", "Session ended")


def events_table(events: pd.DataFrame, timezone: str) -> None:
    """The session's current entries with who made them; corrections are marked."""
    shown = events.assign(
        timestamp=events["timestamp"].dt.tz_convert(timezone).dt.tz_localize(None),
        corrected=events["amends"].notna(),
    ).sort_values("timestamp", ascending=False)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_order=(
            "timestamp",
            "event",
            "category",
            "severity",
            "scale",
            "score",
            "note",
            "user",
            "corrected",
        ),
        column_config={
            "timestamp": st.column_config.DatetimeColumn("Time", format=_CLOCK),
            "event": "Entry",
            "category": "Category",
            "severity": "Severity",
            "scale": "Scale",
            "score": st.column_config.NumberColumn("Score", format="%g"),
            "note": st.column_config.TextColumn("Note", width="large"),
            "user": "Entered by",
            "corrected": st.column_config.CheckboxColumn(
                "Corrected", help="an amendment of an earlier entry"
            ),
        },
        placeholder=MISSING,
    )


def _score_problem(scale: str | None, score: float | None) -> str | None:
    if (scale is None) != (score is None):
        return "A score needs its scale and a scale needs a score."
    if scale is not None and score > SCALES[scale]:
        return f"{scale} scores go from 0 to {SCALES[scale]:g}."
    return None


def _stamp(at: dt.time | None, timezone: str) -> pd.Timestamp:
    """Now, or today's ``at`` in the clinic's time zone (as UTC)."""
    now = pd.Timestamp.now(tz=timezone)
    if at is None:
        return now.tz_convert("UTC")
    return now.normalize().replace(hour=at.hour, minute=at.minute).tz_convert("UTC")


def _or_dash(value: str | None) -> str:
    return "–" if value is None else value
