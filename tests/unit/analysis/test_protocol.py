"""The alert protocol: the shipped default, round trips, edits, overrides and readable errors."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from dashboard.core.analysis.protocol import Protocol, ProtocolError, load_protocol
from dashboard.core.model import VITALS

DEFAULT_TEXT = resources.files("dashboard.core").joinpath("data/protocol_default.toml").read_text("utf-8")


def _rule(rules: list, rule_id: str):
    return next(rule for rule in rules if rule.id == rule_id)


def _edited(change: str, old: str | None = None) -> str:
    """The default protocol text with ``old`` replaced by ``change`` (or ``change`` appended)."""
    if old is None:
        return DEFAULT_TEXT + "\n" + change + "\n"
    assert old in DEFAULT_TEXT
    return DEFAULT_TEXT.replace(old, change, 1)


def _error(text: str | bytes | Path) -> str:
    with pytest.raises(ProtocolError) as caught:
        load_protocol(text)
    return str(caught.value)


def test_shipped_default_loads_with_a_rule_for_every_vital_it_watches():
    protocol = load_protocol()
    assert len(protocol.rules) == len(tomllib.loads(DEFAULT_TEXT)["rule"])
    assert {rule.vital for rule in protocol.rules} == set(VITALS) - {"map"}
    assert protocol.signal_loss.after_s == 30 and protocol.cuff.interval_min == 5


def test_every_default_rule_cites_its_row_of_the_clinical_reference():
    for rule in load_protocol().rules:
        assert rule.source and re.search(r"\([A-K]\d+", rule.source), rule.id


def test_default_limits_are_the_derived_defaults_of_the_clinical_reference():
    rules = load_protocol().rules
    assert _rule(rules, "sbp_high_critical").limit == 180
    assert _rule(rules, "sbp_high_caution").limit == 160
    assert _rule(rules, "spo2_low_critical").limit == 90
    assert _rule(rules, "hr_high_critical").delay_s == 15


def test_to_toml_round_trips_through_load_protocol():
    with_overrides = _edited('[overrides."P 003"]\nsbp_high_caution = 170\nhr_low_caution = 45.5')
    protocol = load_protocol(with_overrides)
    assert protocol.overrides == {"P 003": {"sbp_high_caution": 170, "hr_low_caution": 45.5}}
    assert load_protocol(protocol.to_toml()) == protocol
    assert load_protocol(load_protocol().to_toml()) == load_protocol()


def test_protocol_loads_from_a_path_a_path_string_and_uploaded_bytes(tmp_path):
    file = tmp_path / "clinic.toml"
    file.write_text(_edited('name = "Clinic A"', old='name = "IV ketamine 0.5 mg/kg over 40 min (default)"'))
    assert load_protocol(file).name == "Clinic A"
    assert load_protocol(str(file)).name == "Clinic A"
    assert load_protocol(file.read_bytes()).name == "Clinic A"


INVALID = [
    pytest.param(
        _edited('vital = "temp"', old='vital = "rr"'),
        "rule rr_high_critical: field vital: 'temp' is not a vital",
        id="unknown-vital",
    ),
    pytest.param(
        _edited('id = "sbp_high_critical"', old='id = "sbp_high_caution"'),
        "rule sbp_high_critical: field id: defined more than once",
        id="duplicate-rule-id",
    ),
    pytest.param(
        _edited("limit = 190", old="limit = 160"),
        "rule sbp_high_caution: field limit: 190 is more extreme than 180 of the high-priority rule "
        "sbp_high_critical",
        id="caution-above-critical",
    ),
    pytest.param(
        _edited("limit = 88", old="limit = 95"),
        "rule spo2_low_caution: field limit: 88 is more extreme than 90",
        id="low-caution-below-critical",
    ),
    pytest.param(
        _edited("hysteresis = -1", old="hysteresis = 5"),
        "rule sbp_high_critical: field hysteresis: Input should be greater than or equal to 0",
        id="negative-hysteresis",
    ),
    pytest.param(
        _edited("limt = 180", old="limit = 180"),
        "rule sbp_high_critical: field limt: is not a setting",
        id="misspelt-field",
    ),
    pytest.param(
        _edited("confirm = false\ndelay_s = 10", old="confirm = false"),
        "rule sbp_high_critical: field delay_s: sbp is a cuff reading",
        id="delay-on-cuff-vital",
    ),
    pytest.param(
        _edited('[overrides."P003"]\nsbp_hihg_caution = 170'),
        "overrides P003: sbp_hihg_caution is not a rule or start limit of this protocol",
        id="override-unknown-rule",
    ),
    pytest.param(
        _edited('[overrides."P003"]\nsbp_high_caution = 185'),
        "overrides P003: rule sbp_high_caution: field limit: 185 is more extreme than 180",
        id="override-caution-above-critical",
    ),
    pytest.param(
        _edited('[overrides."P003"]\nsbp_high_caution = "high"'),
        "overrides P003 sbp_high_caution: Input should be a valid number",
        id="override-not-a-number",
    ),
    pytest.param(
        _edited("after_s = 0", old="after_s = 30"),
        "[signal_loss] field after_s: Input should be greater than 0",
        id="no-signal-loss-time",
    ),
    pytest.param(
        _edited('id = "signal_loss"', old='id = "rr_low_caution"'),
        "rule signal_loss: field id: reserved for the technical alert",
        id="reserved-rule-id",
    ),
    pytest.param("name = = 1\nx", "protocol: not valid TOML: ", id="not-toml"),
    pytest.param(b"\xff\xfe\x00binary", "protocol: not a text file", id="binary-upload"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_each_invalid_protocol_names_the_rule_and_field(text, message):
    error = _error(text)
    assert message in error
    assert "pydantic" not in error and "Traceback" not in error


def test_confirm_on_a_continuous_vital_is_refused():
    text = _edited("delay_s = 15\nconfirm = true", old="delay_s = 15")
    assert "rule hr_high_critical: field confirm: hr is continuous" in _error(text)


def test_invalid_toml_names_the_line():
    line = DEFAULT_TEXT.splitlines().index("[baseline]") + 1
    assert f"line {line}" in _error(DEFAULT_TEXT.replace("\n[baseline]\n", "\n[baseline\n", 1))


def test_missing_file_is_a_protocol_error_naming_the_file(tmp_path):
    assert _error(tmp_path / "nowhere.toml").startswith("nowhere.toml: cannot read the file")


def test_protocol_error_is_a_value_error_with_one_message_per_problem():
    text = _edited("hysteresis = -1", old="hysteresis = 5").replace('vital = "rr"', 'vital = "temp"', 1)
    with pytest.raises(ValueError) as caught:
        load_protocol(text)
    assert len(caught.value.messages) == 2


def test_rules_frame_has_one_editable_row_per_rule_and_with_rules_applies_an_edit():
    protocol = load_protocol()
    table = protocol.rules_frame()
    assert list(table["id"]) == [rule.id for rule in protocol.rules]
    assert {"id", "vital", "direction", "limit", "priority", "hysteresis", "delay_s", "confirm"} <= set(table)
    table.loc[table["id"] == "sbp_high_caution", "limit"] = 150.0
    edited = protocol.with_rules(table)
    assert _rule(edited.rules, "sbp_high_caution").limit == 150
    assert _rule(protocol.rules, "sbp_high_caution").limit == 160
    assert edited.cuff == protocol.cuff and edited.overrides == protocol.overrides


def test_with_rules_refuses_an_edit_that_makes_caution_more_extreme_than_critical():
    table = load_protocol().rules_frame()
    table.loc[table["id"] == "sbp_high_caution", "limit"] = 190.0
    with pytest.raises(ProtocolError, match="rule sbp_high_caution: field limit: 190"):
        load_protocol().with_rules(table)


def test_with_rules_reports_an_emptied_limit_cell():
    table = load_protocol().rules_frame()
    table.loc[table["id"] == "hr_high_caution", "limit"] = None
    with pytest.raises(ProtocolError, match="rule hr_high_caution: field limit: Field required"):
        load_protocol().with_rules(table)


def test_rules_for_a_patient_applies_only_that_patients_overrides():
    protocol = load_protocol(_edited('[overrides."P003"]\nsbp_high_caution = 170'))
    assert _rule(protocol.rules_for("P003"), "sbp_high_caution").limit == 170
    assert _rule(protocol.rules_for("P004"), "sbp_high_caution").limit == 160
    assert _rule(protocol.rules_for(None), "sbp_high_caution").limit == 160


def test_thresholds_give_the_fixed_limits_of_one_vital_for_lines_and_bands():
    protocol = load_protocol(_edited('[overrides."P003"]\nsbp_high_caution = 170'))
    assert {(r.direction, r.priority, r.limit) for r in protocol.thresholds("sbp")} == {
        ("high", "high", 180),
        ("high", "medium", 160),
        ("low", "high", 90),
        ("low", "medium", 99),
    }
    assert 170 in {r.limit for r in protocol.thresholds("sbp", patient_id="P003")}


def test_protocol_is_a_plain_model_usable_without_toml():
    protocol = Protocol.model_validate(
        {
            "name": "minimal",
            "baseline": {"window_min": 10},
            "cuff": {"interval_min": 5, "interval_after_min": 15, "overdue_factor": 1.5},
            "signal_loss": {"after_s": 20},
            "rules": [
                {"id": "hr_fast", "vital": "hr", "direction": "high", "limit": 130, "priority": "high"}
            ],
        }
    )
    assert protocol.rules[0].hysteresis == 0 and protocol.rules[0].delay_s == 0
    assert load_protocol(protocol.to_toml()) == protocol


def test_the_default_protocol_has_the_references_start_limits():
    start = load_protocol().start
    assert (start.sbp_max, start.dbp_max, start.sbp_min, start.hr_min, start.hr_max) == (140, 90, 90, 50, 150)


def test_a_protocol_file_written_before_start_limits_keeps_the_shipped_ones():
    text = load_protocol().to_toml()
    without = text[: text.index("[start]")] + text[text.index("[[rule]]") :]
    assert "[start]" not in without
    assert load_protocol(without).start == load_protocol().start


def test_start_limits_are_the_clinics_to_set_and_survive_export():
    text = load_protocol().to_toml().replace("sbp_max = 140", "sbp_max = 150")
    assert load_protocol(load_protocol(text).to_toml()).start.sbp_max == 150


def test_the_default_protocol_has_discharge_criteria_and_older_files_keep_them():
    discharge = load_protocol().discharge
    assert (discharge.min_recovery_min, discharge.stable_min, discharge.sbp_max, discharge.cadss6_below) == (
        60,
        10,
        160,
        4,
    )
    assert discharge.by_hand == ("Alert and oriented", "Escort present to take the patient home")
    text = load_protocol().to_toml()
    without = text[: text.index("[discharge]")] + text[text.index("[[rule]]") :]
    assert load_protocol(without).discharge == discharge


def test_discharge_criteria_are_the_clinics_to_set_and_survive_export():
    text = load_protocol().to_toml().replace("min_recovery_min = 60", "min_recovery_min = 80")
    assert load_protocol(load_protocol(text).to_toml()).discharge.min_recovery_min == 80
    assert "[discharge] field minutes" in _error(text.replace("min_recovery_min = 80", "minutes = 80"))


def test_a_patients_own_start_limit_overrides_the_clinics():
    text = load_protocol().to_toml() + '\n[overrides."P07"]\nstart_sbp_max = 150\nsbp_high_caution = 165\n'
    protocol = load_protocol(text)
    assert protocol.start_for("P07").sbp_max == 150 and protocol.start_for("P08").sbp_max == 140
    assert protocol.start_for("P07").dbp_max == 90  # the others stay the clinic's
    assert load_protocol(protocol.to_toml()).start_for("P07").sbp_max == 150


def test_an_override_naming_no_rule_or_start_limit_is_refused_with_what_is_known():
    text = load_protocol().to_toml() + '\n[overrides."P07"]\nstart_sbp_maximum = 150\n'
    with pytest.raises(ProtocolError, match="start_sbp_maximum is not a rule or start limit"):
        load_protocol(text)
