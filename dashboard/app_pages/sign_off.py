"""Sign-off: the clinician's queue of discharged or ended sessions not yet signed, each with what
still blocks its signature (a missing weight or dose is completed here), and the signed sessions,
where a later change is an addendum with its reason."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import data, discharge_view, identity, live, plan_form, sign_off_view

st.title("Sign-off")
store = live.store()
timezone = data.load_settings().timezone
queue = store.sessions_to_sign()
st.subheader(f"To sign ({len(queue)})")
sign_off_view.queue_table(queue, timezone)
user = identity.ask()
if user is not None and len(queue):
    names = sign_off_view.labels(queue)
    session_id = st.selectbox("Session to sign", list(names), format_func=names.get, key="to_sign")
    row = queue.set_index("session_id").loc[session_id]
    sign_off_view.how_it_ended(store, session_id, row, timezone)
    if {"dose", "weight"} & set(row["missing"]):
        st.markdown("**Dose plan** (the weight and the dose are required to sign)")
        plan_form.dose_plan_form(store, session_id, user, key="sign-off")
    discharge_view.sign_off(store, session_id, user)

signed = store.signed_sessions()
st.subheader("Signed")
st.caption(f"The {len(signed)} latest signatures, newest first. A signed session changes by addenda only.")
sign_off_view.signed_table(signed, timezone)
if user is not None and len(signed):
    with st.expander("Add an addendum to a signed session", icon=":material/post_add:"):
        sign_off_view.addendum_form(store, signed, user)
