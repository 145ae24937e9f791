"""The printable session report: one self-contained HTML page a clinician can file or print.

The page inlines plotly.js so it opens and prints on a machine without internet access, and every
piece of user text in it is HTML-escaped. It carries ``NOT_A_DEVICE``, the notice the app's
sidebar shows too, so a printout says what the screen says.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

NOT_A_DEVICE = (
    "Decision support, not a medical device. Thresholds are the clinic's configurable protocol, "
    "not clinical recommendations; the bedside monitor's own alarms remain the primary safeguard."
)


def session_report_html(
    title: str, facts: Mapping[str, object], figure: go.Figure, tables: Mapping[str, pd.DataFrame]
) -> str:
    """A printable page: title, key facts, the session figure and one table per entry of ``tables``."""
    facts_rows = "".join(
        f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(_text(value))}</td></tr>"
        for key, value in facts.items()
    )
    sections = "".join(
        f"<h2>{html.escape(name)}</h2>"
        + (
            table.to_html(index=False, escape=True, na_rep="", border=0, classes="data")
            if len(table)
            else "<p>None.</p>"
        )
        for name, table in tables.items()
    )
    chart = figure.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; }}
.notice {{ border-left: 4px solid #d9661f; background: #fff4e5; padding: 8px 12px; }}
table {{ border-collapse: collapse; margin-bottom: 16px; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; }}
@media print {{ body {{ margin: 0; }} h2 {{ break-before: auto; }} .data {{ break-inside: auto; }} }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="notice">{html.escape(NOT_A_DEVICE)}</p>
<table>{facts_rows}</table>
{chart}
{sections}
</body></html>
"""


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return str(value)
