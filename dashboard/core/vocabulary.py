"""Free-text event names -> canonical names and categories from ``data/vocabulary.csv``.

Staff and devices write "Nauseous", "light-headed", "Zofran" or "INFUSION_START"; summaries,
charts and alert overlays need one name per concept. Unknown names are kept as written with
category ``unknown`` so nothing a nurse charted disappears.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from dashboard.core import reference

UNKNOWN = "unknown"
_SEVERITY_WORDS = {"mild": "mild", "moderate": "moderate", "severe": "severe"}
# CTCAE grade -> the model's severity; grades 4-5 (life-threatening, death) are at least severe.
_GRADE_SEVERITY = {1: "mild", 2: "moderate", 3: "severe", 4: "severe", 5: "severe"}


@dataclass(frozen=True)
class Term:
    """One concept of the vocabulary."""

    event: str
    category: str
    label: str


@cache
def _rows() -> tuple[dict[str, str], ...]:
    return tuple(reference.csv_rows("vocabulary.csv"))


@cache
def vocabulary() -> dict[str, Term]:
    """Canonical event name -> term, in file order."""
    return {row["event"]: Term(row["event"], row["category"], row["label"]) for row in _rows()}


@cache
def _names() -> dict[str, str]:
    """Normalised canonical name or alias -> canonical name."""
    return {
        _key(alias): row["event"]
        for row in _rows()
        for alias in [row["event"], *filter(None, row["aliases"].split("|"))]
    }


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("_", " ").replace("-", " ").split())


def canonical_events(names: pd.Series) -> pd.DataFrame:
    """Columns ``event`` (canonical, or the name as written when unknown) and ``category``."""
    text = names.astype("str").str.strip()
    keys = text.str.casefold().str.replace(r"[\s_\-]+", " ", regex=True).str.strip()
    event = keys.map(_names()).fillna(text).astype("str")
    categories = {name: term.category for name, term in vocabulary().items()}
    category = keys.map(_names()).map(categories).fillna(UNKNOWN).astype("str")
    return pd.DataFrame({"event": event, "category": category}, index=names.index)


def canonical_severity(values: pd.Series) -> pd.DataFrame:
    """Columns ``severity`` (mild/moderate/severe) and ``ctcae_grade`` from words or CTCAE grades.

    "Moderate", "grade 2", "G2" and "2" all read as moderate; what cannot be read is <NA> in both
    (the caller reports it).
    """
    key = values.astype("str").str.strip().str.casefold()
    word = key.map(_SEVERITY_WORDS)
    grade = pd.to_numeric(key.str.replace(r"^(?:ctcae\s*)?(?:grade|g)\s*", "", regex=True), errors="coerce")
    grade = grade.where(grade.isin(list(_GRADE_SEVERITY))).astype("Int64")
    severity = word.fillna(grade.map(_GRADE_SEVERITY)).astype("str")
    return pd.DataFrame({"severity": severity, "ctcae_grade": grade}, index=values.index)
