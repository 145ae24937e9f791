"""Event names as staff write them map to one canonical name; nothing unknown is lost."""

from __future__ import annotations

import pandas as pd

from dashboard.core.vocabulary import canonical_events, canonical_severity, vocabulary


def _events(*names: str) -> list[tuple[str, str]]:
    frame = canonical_events(pd.Series(names, dtype="str"))
    return list(zip(frame["event"], frame["category"], strict=True))


def test_case_spaces_hyphens_and_underscores_do_not_matter():
    assert _events("Nausea", " NAUSEA ", "light-headed", "Light Headed", "INFUSION_START") == [
        ("nausea", "side_effect"),
        ("nausea", "side_effect"),
        ("dizziness", "side_effect"),
        ("dizziness", "side_effect"),
        ("infusion_start", "infusion_marker"),
    ]


def test_aliases_map_to_the_canonical_intervention():
    assert _events("Zofran", "midazolam", "rate reduction") == [
        ("ondansetron", "intervention"),
        ("benzodiazepine", "intervention"),
        ("rate_reduced", "intervention"),
    ]


def test_unknown_names_are_kept_as_written_with_category_unknown():
    assert _events("Vent Setting 1") == [("Vent Setting 1", "unknown")]


def test_every_vocabulary_entry_maps_to_itself():
    names = list(vocabulary())
    assert _events(*names) == [(name, vocabulary()[name].category) for name in names]


def test_severity_words_and_ctcae_grades_read_as_the_same_scale():
    frame = canonical_severity(pd.Series(["Mild", "grade 2", "G3", "4", "moderate", None], dtype="str"))
    assert frame["severity"].tolist()[:5] == ["mild", "moderate", "severe", "severe", "moderate"]
    assert frame["ctcae_grade"].tolist()[:4] == [pd.NA, 2, 3, 4]


def test_unreadable_severity_is_missing_for_the_caller_to_report():
    frame = canonical_severity(pd.Series(["awful", "grade 9"], dtype="str"))
    assert frame["severity"].isna().all()
    assert frame["ctcae_grade"].isna().all()
