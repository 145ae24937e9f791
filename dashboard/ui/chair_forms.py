"""Free chairs with their check-in form (Chairs page), and the clinic's chair setup (Clinic setup).

Check-in is two steps: the form's values are first shown back with the total dose, the rate and
the patient's history (``core.live.check_in``), and only "Confirm check-in" opens the session, so
a mistyped weight is seen before anything is stored. Every write names the user from
``identity``; chair names, monitor ids and patient ids are shown through ``plain`` or as table
cells, never as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.core.live.check_in import check_in, dose_plan, history_lines, patient_history, plan_lines
from dashboard.core.roles import Actor
from dashboard.core.store import EntryError, Store
from dashboard.ui import identity
from dashboard.ui.components import MISSING, plain

COLUMNS = 3
BY_HAND = "charted by hand"
PENDING = "pending_check_in_"  # + chair name: the form's values, shown back before confirming
DONE = "chair_setup_done"  # the last setup change, confirmed after the rerun
DEFAULT_DOSE_MG_PER_KG, DEFAULT_MINUTES = 0.5, 40.0  # the usual sub-anaesthetic plan, editable


def free_chairs(chairs: pd.DataFrame) -> pd.DataFrame:
    """The configured chairs without an open session."""
    return chairs.loc[chairs["session_id"].isna()].reset_index(drop=True)


def monitors_text(monitors: tuple[str, ...]) -> str:
    return ", ".join(monitors) if monitors else BY_HAND


def free_tiles(
    store: Store, free: pd.DataFrame, user: Actor | None, on_checked_in: Callable[[str], None]
) -> None:
    """A compact tile per free chair, each with its check-in form (shown once a user is known who
    may check in)."""
    if user is not None and not identity.allowed(user, "check_in"):
        user = None
    rows = free.to_dict("records")
    for start in range(0, len(rows), COLUMNS):
        for column, (n, chair) in zip(
            st.columns(COLUMNS), enumerate(rows[start : start + COLUMNS], start), strict=False
        ):
            with column, st.container(border=True, key=f"free-{n}"):
                st.markdown(
                    f"### {plain(chair['chair'])}\n**Free** · {plain(monitors_text(chair['monitors']))}"
                )
                if user is not None:
                    with st.expander(
                        "Check in a patient", expanded=PENDING + chair["chair"] in st.session_state
                    ):
                        _check_in(store, chair["chair"], n, user, on_checked_in)


def _check_in(store: Store, chair: str, n: int, user: Actor, on_checked_in: Callable[[str], None]) -> None:
    pending = st.session_state.get(PENDING + chair)
    if pending is None:
        _check_in_form(chair, n)
        return
    try:
        plan = dose_plan(pending["weight_kg"], pending["dose_mg_per_kg"], pending["planned_minutes"])
    except EntryError as error:
        st.error(plain(error), icon=":material/error:")
        st.button("Change", key=f"change-{n}", on_click=st.session_state.pop, args=(PENDING + chair, None))
        return
    history = patient_history(store, pending["patient_id"])
    indication = (pending.get("indication") or "").strip() or "not given"
    st.markdown(f"**{plain(pending['patient_id'])}** on {plain(chair)} · indication: {plain(indication)}")
    st.markdown("  \n".join(plain(line) for line in [*plan_lines(plan), *history_lines(history)]))
    if pending["weight_kg"] is None and history.last_weight_kg is not None:  # pre-filled from the course
        st.button(f"Use last weight ({history.last_weight_kg:g} kg)", key=f"last-weight-{n}",
                  on_click=pending.update, kwargs={"weight_kg": history.last_weight_kg})  # fmt: skip
    confirm, change = st.columns([3, 2])  # "Confirm check-in" must read whole on a tile a third wide
    if confirm.button("Confirm check-in", key=f"confirm-{n}", type="primary", width="stretch"):
        try:
            done = check_in(store, pending["patient_id"], chair, user=user, **_plan_inputs(pending))
        except EntryError as error:
            st.error(plain(error), icon=":material/error:")
            return
        st.session_state.pop(PENDING + chair, None)
        on_checked_in(done.session_id)
    change.button(
        "Change",
        key=f"change-{n}",
        on_click=st.session_state.pop,
        args=(PENDING + chair, None),
        width="stretch",
    )


def _check_in_form(chair: str, n: int) -> None:
    with st.form(f"check-in-{n}", border=False):
        patient = st.text_input("Patient id", max_chars=100, key=f"patient-{n}")
        weight, dose, minutes = st.columns(3)
        values = {
            "weight_kg": weight.number_input("Weight (kg)", value=None, min_value=0.0, key=f"weight-{n}"),
            "dose_mg_per_kg": dose.number_input(
                "Dose (mg/kg)", value=DEFAULT_DOSE_MG_PER_KG, min_value=0.0, step=0.05, key=f"dose-{n}"
            ),
            "planned_minutes": minutes.number_input(
                "Planned (min)", value=DEFAULT_MINUTES, min_value=0.0, step=5.0, key=f"minutes-{n}"
            ),
            "indication": st.text_input("Indication", max_chars=100, key=f"indication-{n}"),
        }
        if st.form_submit_button("Check dose and history"):
            if not patient.strip():
                st.error("A patient id is required.", icon=":material/error:")
                return
            st.session_state[PENDING + chair] = {"patient_id": patient.strip(), **values}
            st.rerun()


def _plan_inputs(pending: dict) -> dict:
    return {key: pending[key] for key in ("weight_kg", "dose_mg_per_kg", "planned_minutes", "indication")}


# --- clinic setup -------------------------------------------------------------------------------


def parse_monitor_ids(text: str) -> list[str]:
    """Monitor ids typed one per line or separated by commas (an HL7 bed may contain spaces)."""
    return [part.strip() for part in re.split(r"[\n,]", text or "") if part.strip()]


def chairs_table(chairs: pd.DataFrame) -> None:
    if chairs.empty:
        st.info("No chair is set up yet: add the clinic's chairs below.", icon=":material/chair:")
        return
    shown = chairs.assign(
        monitors=chairs["monitors"].map(monitors_text),
        state=chairs["session_id"].map(lambda s: f"busy: {s}" if isinstance(s, str) else "free"),
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_order=("chair", "monitors", "state", "set_by", "set_at"),
        column_config={
            "chair": "Chair",
            "monitors": st.column_config.TextColumn("Monitor ids", width="medium"),
            "state": "Now",
            "set_by": "Set by",
            "set_at": st.column_config.DatetimeColumn("Set at (UTC)", format="YYYY-MM-DD HH:mm"),
        },
        placeholder=MISSING,
    )


def chair_setup(store: Store, chairs: pd.DataFrame, user: Actor) -> None:
    """Add a chair or change its monitors; remove one. Both audited under ``user``."""
    if not identity.allowed(user, "chair_setup"):
        return
    if DONE in st.session_state:
        st.success(plain(st.session_state.pop(DONE)), icon=":material/check:")
    with st.form("chair-set", border=True):
        st.markdown("**Add a chair, or change a chair's monitors**")
        name = st.text_input("Chair name", max_chars=128, key="setup-name")
        monitors = st.text_area(
            "Monitor ids (one per line; none = charted by hand)",
            key="setup-monitors",
            help="What its monitor sends: an HL7 bed (CHAIR-3, ICU/3001/1), a device EUI-64 or a "
            "VitalRecorder code. `python -m dashboard monitor list` shows what is sending.",
        )
        if st.form_submit_button("Save chair", type="primary"):
            _write(lambda: store.set_chair(name, parse_monitor_ids(monitors), user=user), f"Saved {name}.")
    if chairs.empty:
        return
    with st.form("chair-remove", border=True):
        st.markdown("**Remove a chair** (its history is kept)")
        chosen = st.selectbox("Chair", chairs["chair"].tolist(), key="remove-name")
        if st.form_submit_button("Remove chair"):
            _write(lambda: store.remove_chair(chosen, user=user), f"Removed {chosen}.")


def _write(action: Callable[[], None], done: str) -> None:
    try:
        action()
    except EntryError as error:
        st.error(plain(error), icon=":material/error:")
        return
    st.session_state[DONE] = done  # shown after the rerun that redraws the table
    st.rerun()
