"""Entry point: ``python -m streamlit run dashboard/app.py`` (from the repository root).

A router only: page setup, the navigation and the notice every page shares. Pages are files so
that AppTest can switch to them; their paths are relative to this file. The app opens on the
Chairs overview when a session is live at the first visit, else on the Review of the sample data.
"""

from __future__ import annotations

import streamlit as st

from dashboard.ui import access, components, identity, live

OPEN_ON_CHAIRS = "open_on_chairs"  # decided once per browser session, so the start page never jumps

st.set_page_config(page_title="Ketamine session monitor", page_icon=":material/monitor_heart:", layout="wide")
access.gate()  # before anything reads data: with a login required, nothing shows until logged in

if OPEN_ON_CHAIRS not in st.session_state:
    st.session_state[OPEN_ON_CHAIRS] = live.anything_live()
chairs_first = st.session_state[OPEN_ON_CHAIRS]
pages = st.navigation(
    {
        "Live": [
            st.Page("app_pages/chairs.py", title="Chairs", icon=":material/grid_view:", default=chairs_first),
            st.Page("app_pages/live_session.py", title="Live session", icon=":material/ecg_heart:"),
            st.Page("app_pages/sign_off.py", title="Sign-off", icon=":material/signature:"),
            st.Page("app_pages/audit.py", title="Audit log", icon=":material/history:"),
            st.Page("app_pages/clinic_setup.py", title="Clinic setup", icon=":material/chair:"),
        ],
        "Review": [
            st.Page(
                "app_pages/review.py", title="Review", icon=":material/table_chart:", default=not chairs_first
            ),
            st.Page("app_pages/session.py", title="Session detail", icon=":material/monitor_heart:"),
            st.Page("app_pages/whatif.py", title="Threshold what-if", icon=":material/tune:"),
        ],
    }
)
components.sidebar_notice()
identity.sidebar()
pages.run()
