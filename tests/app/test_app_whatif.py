"""The Threshold what-if page through AppTest: editing a limit changes the cohort's alert counts."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.paths import APP


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("app_pages/whatif.py").run()
    return at


def _rule_row(rule_id: str) -> int:
    from dashboard.core.analysis.protocol import load_protocol

    return load_protocol().rules_frame()["id"].tolist().index(rule_id)


def _medium_tile(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label.startswith("Medium"))


def test_whatif_starts_with_no_difference():
    at = _open()
    assert not at.exception
    before, after = _medium_tile(at).split(" → ")
    assert before == after


def test_lowering_a_caution_limit_raises_the_alert_count():
    at = _open()
    at.session_state["rules_editor"] = {
        "edited_rows": {_rule_row("sbp_high_caution"): {"limit": 130.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    before, after = (int(n) for n in _medium_tile(at).split(" → "))
    assert after > before


def test_an_impossible_edit_is_explained_not_crashed():
    at = _open()
    at.session_state["rules_editor"] = {
        "edited_rows": {_rule_row("sbp_high_caution"): {"limit": 200.0}},  # above the critical 180
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert any("not valid" in e.value for e in at.error)
    assert any("sbp_high_caution" in c.value for c in at.code)


def test_edited_protocol_can_be_downloaded_as_toml():
    at = _open()
    assert any("TOML" in b.label for b in at.get("download_button"))
