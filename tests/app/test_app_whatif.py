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


# --- adopting the edited protocol for live monitoring -------------------------------------------


def test_an_adopted_protocol_changes_live_alerts_at_the_next_refresh_and_is_audited(tmp_path, monkeypatch):
    from tests.live_app import open_app, start_chair, store_in

    store = next(store_in(tmp_path, monkeypatch))
    start_chair(store, "S1", "Chair 1", sbp=150.0)  # under the shipped caution limit of 160
    chairs = open_app("app_pages/chairs.py", user="dr.b")
    assert not store.open_alerts()["rule"].eq("sbp_high_caution").any()
    assert any("the shipped default" in c.value for c in chairs.caption)  # captions are escaped markdown

    at = open_app("app_pages/whatif.py", user="dr.b")
    at.session_state["rules_editor"] = {
        "edited_rows": {_rule_row("sbp_high_caution"): {"limit": 140.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    next(b for b in at.button if b.label == "Adopt for live monitoring").click().run()
    assert store.current_protocol() is None  # refused: no reason given
    at.text_input(key="adopt_reason").input("clinic lowers the SBP caution limit to 140")
    next(b for b in at.button if b.label == "Adopt for live monitoring").click().run()
    assert not at.exception
    (change,) = store.protocol_changes().to_dict("records")
    assert (change["user"], change["reason"]) == ("dr.b", "clinic lowers the SBP caution limit to 140")
    audited = store.audit_log().query("action == 'protocol_changed'")
    assert audited[["user", "detail"]].values.tolist() == [[change["user"], change["reason"]]]

    chairs.run()  # the next refresh of the Chairs page
    assert store.open_alerts()["rule"].eq("sbp_high_caution").any()
    assert any(f"version {change['id'][:8]}, adopted" in c.value for c in chairs.caption)


def test_the_review_re_runs_under_a_version_adopted_before(tmp_path, monkeypatch):
    from dashboard.core.analysis.protocol import load_protocol
    from tests.live_app import open_app, store_in

    store = next(store_in(tmp_path, monkeypatch))
    strict = load_protocol().with_rules(load_protocol().rules_frame().assign(
        limit=lambda f: f["limit"].where(f["id"] != "sbp_high_caution", 120.0)))  # fmt: skip
    store.record_protocol_change(user="dr.b", toml_text=strict.to_toml(), reason="trial of a strict limit")
    at = open_app("app_pages/whatif.py", user="dr.b")
    before = _medium_tile(at).split(" → ")[0]
    next(b for b in at.button if b.label == "Re-run this review under that version").click().run()
    assert not at.exception
    assert int(_medium_tile(at).split(" → ")[0]) > int(before)
