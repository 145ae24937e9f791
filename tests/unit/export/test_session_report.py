"""The printable session report: it holds the chart, tables and notice, and cannot run user HTML."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.core.export import session_report_html


def test_report_escapes_every_user_text():
    attack = "<script>alert(1)</script>"
    page = session_report_html(
        title=f"Session {attack}",
        facts={"Patient": attack, "Chair": None},
        figure=go.Figure(),
        tables={"Events": pd.DataFrame({"note": [attack]}), "Alert episodes": pd.DataFrame()},
    )
    assert attack not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4  # <title>, <h1>, facts, table


def test_report_holds_chart_tables_and_the_not_a_device_notice():
    figure = go.Figure(go.Scatter(x=[0, 1], y=[120, 130], name="SBP"))
    page = session_report_html(
        "Session P01-S1",
        {"Peak SBP": "170 mmHg"},
        figure,
        {"Alert episodes": pd.DataFrame({"rule": ["sbp_high_caution"]}), "Events": pd.DataFrame()},
    )
    assert "Plotly.newPlot" in page and "sbp_high_caution" in page
    assert "not a medical device" in page
    assert "<h2>Events</h2><p>None.</p>" in page
