"""Observation codes as data: MDC numbers, Philips MDIL hex codes, VitalServer montypes, track names."""

from __future__ import annotations

import pytest

from dashboard.core.interop.codes import mdc_number, observation_alias, unit_of


@pytest.mark.parametrize(
    ("code", "number"),
    [("0002-4182", "147842"), ("0002-4bb8", "150456"), ("0002-500A", "151562"), ("150021", "150021")],
)
def test_mdil_hex_codes_are_partition_times_65536_plus_code(code, number):
    assert mdc_number(code) == number


@pytest.mark.parametrize(
    ("code", "text", "vital"),
    [
        ("147842", "", "hr"),
        ("0002-4182", "HR", "hr"),
        ("150301", "MDC_PRESS_CUFF_SYS", "sbp"),
        ("150302", "MDC_PRESS_CUFF_DIA", "dbp"),
        ("150303", "MDC_PRESS_CUFF_MEAN", "map"),
        ("ECG_HR", "BeneView/HR", "hr"),
        ("PLETH_SPO2", "BeneView/SpO2", "spo2"),
        ("NIBP_SBP", "BeneView/NIBP_SBP", "sbp"),
        ("NIBP_DBP", "BeneView/NIBP_DBP", "dbp"),
        ("RESP_RR", "BeneView/RR", "rr"),
        ("TRACK", "Intellivue/NIBP_SYS", "sbp"),
        ("XYZ", "Intellivue/PLETH_SAT_O2@100", "spo2"),
    ],
)
def test_every_code_form_names_its_vital(code, text, vital):
    assert observation_alias(code, text).target == vital


def test_a_wrong_mdc_number_is_not_read_by_its_name():
    assert observation_alias("1500212", "MDC_PRESS_BLD_NONINV_SYS") is None


def test_known_montypes_outside_the_model_are_ignored_with_a_reason():
    alias = observation_alias("IABP_SBP", "BeneView/ART_SBP")
    assert (alias.target, "arterial" in alias.note) == ("ignore", True)


def test_mdil_unit_codes_are_read_like_mdc_ones():
    assert unit_of("0004-0aa0", "bpm").vitals == frozenset({"hr"})
    assert unit_of("0004-0f20", "mmHg").factor == 1.0
