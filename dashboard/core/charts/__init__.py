"""Charts: pure plotly figure builders (no Streamlit), each a function returning a ``go.Figure``.

Modules:

- ``palette``: the IEC 60601-1-8 alarm colours, severity colours and labels every figure shares
- ``session_figure``: one session on stacked vitals panels against its protocol's limits
- ``cohort_figures``: one value per session across a cohort, and one patient's course
"""

from dashboard.core.charts.cohort_figures import (
    alert_burden_figure,
    burden_comparison_figure,
    patient_course_figure,
    peak_rise_figure,
    side_effect_figure,
)
from dashboard.core.charts.palette import PRIORITY_COLOURS, SEVERITY_COLOURS
from dashboard.core.charts.session_figure import session_figure

__all__ = [
    "PRIORITY_COLOURS",
    "SEVERITY_COLOURS",
    "alert_burden_figure",
    "burden_comparison_figure",
    "patient_course_figure",
    "peak_rise_figure",
    "session_figure",
    "side_effect_figure",
]
