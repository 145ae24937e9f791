"""Cohort charts of the Review page, over the filtered sessions: one value per session, never readings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import charts
from dashboard.core.analysis import cohort
from dashboard.core.analysis.pipeline import Analysis
from dashboard.ui.components import MISSING


def show(analysis: Analysis, shown: pd.DataFrame) -> None:
    events = analysis.dataset.events
    sessions = analysis.dataset.sessions
    in_view = shown["session_id"]
    rise = next(
        (r.limit for r in analysis.protocol.rules if r.vital == "sbp" and r.direction == "rise"), None
    )
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.peak_rise_figure(shown["max_sbp_rise"], rise), theme=None, key="c_rise")
        with st.expander("Distribution table"):
            st.dataframe(cohort.peak_rise_distribution(shown).round(1), width="stretch", placeholder=MISSING)
    with right:
        incidence = cohort.side_effect_incidence(
            events.loc[events["session_id"].isin(in_view)], sessions.loc[sessions["session_id"].isin(in_view)]
        )
        st.plotly_chart(charts.side_effect_figure(incidence), theme=None, key="c_effects")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.alert_burden_figure(shown), theme=None, key="c_burden")
        with st.expander("Alert burden table"):
            st.dataframe(
                cohort.alert_burden(shown).round(2), hide_index=True, width="stretch", placeholder=MISSING
            )
    with right:
        patients = sorted(shown["patient_id"].dropna().astype(str).unique())
        if patients:
            patient = st.selectbox("Patient course", patients, key="c_patient")
            course = cohort.patient_course(shown, patient)
            st.plotly_chart(charts.patient_course_figure(course, patient), theme=None, key="c_course")
