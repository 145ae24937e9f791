"""Entry point: ``python -m streamlit run dashboard/app.py`` (from the repository root).

A router only: page setup, the navigation and the notice every page shares. Pages are files so
that AppTest can switch to them; their paths are relative to this file.
"""

from __future__ import annotations

import streamlit as st

from dashboard.ui import components

st.set_page_config(page_title="Ketamine session review", page_icon=":material/monitor_heart:", layout="wide")

pages = st.navigation(
    [
        st.Page("app_pages/review.py", title="Review", icon=":material/table_chart:", default=True),
        st.Page("app_pages/session.py", title="Session detail", icon=":material/monitor_heart:"),
        st.Page("app_pages/whatif.py", title="Threshold what-if", icon=":material/tune:"),
    ]
)
components.sidebar_notice()
pages.run()
