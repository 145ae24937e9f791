"""Export: what leaves the app, safe to open in a spreadsheet, a browser or an analyst's hands.

Modules:

- ``safe_csv``: formula-safe CSV (``to_safe_csv``), the one way a CSV for people is written
- ``session_report``: one session as a printable, self-contained HTML page, and the not-a-device notice
- ``pseudonymise``: analyst exports with patient ids replaced by keyed, stable pseudonyms
- ``canonical_csv``: a dataset written as the canonical CSV files the loaders read back
"""

from dashboard.core.export.canonical_csv import to_arrow, write_dataset
from dashboard.core.export.pseudonymise import (
    KEY_FILE,
    pseudonym_key,
    pseudonymise,
    pseudonymised_export,
    pseudonyms,
    session_pseudonyms,
)
from dashboard.core.export.safe_csv import FORMULA_STARTS, formula_safe, neutralise_formulas, to_safe_csv
from dashboard.core.export.session_report import NOT_A_DEVICE, session_report_html

__all__ = [
    "FORMULA_STARTS",
    "KEY_FILE",
    "formula_safe",
    "NOT_A_DEVICE",
    "neutralise_formulas",
    "pseudonym_key",
    "pseudonymise",
    "pseudonymised_export",
    "pseudonyms",
    "session_pseudonyms",
    "session_report_html",
    "to_arrow",
    "to_safe_csv",
    "write_dataset",
]
