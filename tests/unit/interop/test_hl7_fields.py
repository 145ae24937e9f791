"""Reading HL7 fields defensively: what a sender leaves out reads as empty, never as a crash."""

from __future__ import annotations

import hl7
import pandas as pd
import pytest

from dashboard.core.interop.hl7_fields import field, message_type, repetitions, timestamp


def test_absent_fields_and_components_read_as_empty_text():
    msh = hl7.parse("MSH|^~\\&|Mon").segment("MSH")
    assert (field(msh, 3), field(msh, 9, 2), field(msh, 40, 3, 2)) == ("Mon", "", "")


def test_a_header_without_a_type_has_an_empty_type():
    assert message_type(hl7.parse("MSH|^~\\&|Mon")) == ("", "")
    assert message_type(hl7.parse("MSH|^~\\&|||||||ORU^R40^ORU_R40|1")) == ("ORU", "R40")


def test_repetitions_list_each_non_empty_one():
    obx = hl7.parse("MSH|^~\\&\rOBX|1|NM|x||1|||L~~SP").segment("OBX")
    assert repetitions(obx, 8) == ["L", "SP"]
    assert repetitions(obx, 18) == []


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("20260302090000+0100", "UTC", "2026-03-02T08:00:00Z"),
        ("20260302090000", "Europe/Oslo", "2026-03-02T08:00:00Z"),
        ("202603020900", "UTC", "2026-03-02T09:00:00Z"),
    ],
)
def test_times_become_utc_and_naive_ones_are_read_in_the_clinic_zone(text, zone, expected):
    assert timestamp(text, zone) == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["", "20260302", "2026030209", "20261399120000", "garbage"])
def test_a_time_without_its_time_of_day_or_not_a_time_is_none(text):
    assert timestamp(text, "UTC") is None
