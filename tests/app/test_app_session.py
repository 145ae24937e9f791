"""The Session detail page through AppTest: the chosen session's numbers, chart, tables and report."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.paths import APP


def _open(session_id: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if session_id:
        at.session_state["selected_session"] = session_id
    at.run()
    at.switch_page("app_pages/session.py").run()
    return at


def test_detail_opens_on_the_selected_session_with_its_numbers():
    at = AppTest.from_file(APP, default_timeout=60).run()
    summary = next(df.value for df in at.dataframe if "session_id" in df.value.columns).set_index(
        "session_id"
    )
    at.session_state["selected_session"] = "P01-S2"
    at.switch_page("app_pages/session.py").run()
    assert not at.exception
    assert at.selectbox(key="session_picker").value == "P01-S2"
    peak = next(m for m in at.metric if m.label.startswith("Peak SBP"))
    assert peak.value == f"{summary.loc['P01-S2', 'peak_sbp']:.0f}"


def test_detail_draws_one_chart_with_threshold_shapes():
    at = _open()
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert any((s.get("name") or "").startswith("limit:") for s in spec["layout"]["shapes"])


def test_choosing_another_session_changes_the_numbers():
    at = _open("P01-S1")
    first = [m.value for m in at.metric]
    at.selectbox(key="session_picker").set_value("P02-S1").run()
    assert not at.exception
    assert at.session_state["selected_session"] == "P02-S1"
    assert [m.value for m in at.metric] != first


def test_report_download_is_offered():
    at = _open()
    assert any("report" in b.label for b in at.get("download_button"))
