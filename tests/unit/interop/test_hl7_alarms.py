"""IHE PCD-04 alarms (ORU^R40): each phase of a monitor's own alarm is one report, with its
event, the value that raised it, its priority and type, and the identity its phases share."""

from __future__ import annotations

import math

import hl7
import pandas as pd
import pytest

from dashboard.core.interop.hl7_alarms import read_alarms
from dashboard.core.interop.hl7_fields import MessageRejected
from tests.factories import alarm_message, oru_message


def alarms_of(data: bytes, timezone: str = "UTC"):
    return read_alarms(hl7.parse(data.decode()), timezone)


def test_an_alarm_start_gives_its_event_value_priority_type_and_state():
    (report,) = alarms_of(alarm_message()).alarms.to_dict("records")
    assert report["event_code"] == "196648"
    assert report["event"] == "** RR High"
    assert (report["vital"], report["value"]) == ("rr", 30.0)
    assert (report["phase"], report["state"], report["inactivation"]) == ("start", "active", "enabled")
    assert (report["priority"], report["kind"]) == ("medium", "physiological")
    assert report["at"] == pd.Timestamp("2026-03-02T09:00:00Z")


def test_the_phases_of_one_alarm_share_its_identity():
    start, end = (alarms_of(alarm_message(phase)).alarms.iloc[0] for phase in ("start", "end"))
    assert start["alarm_id"] == end["alarm_id"] == "ALM-1^Mon"
    assert (end["phase"], end["state"]) == ("end", "inactive")


@pytest.mark.parametrize(
    ("flag", "priority"), [("PH", "high"), ("PM", "medium"), ("PL", "low"), ("PN", "none")]
)
def test_priority_comes_from_the_abnormal_flags(flag, priority):
    assert alarms_of(alarm_message(priority=flag)).alarms.iloc[0]["priority"] == priority


def test_an_explicit_priority_attribute_wins_over_the_flags():
    message = (
        alarm_message(priority="PL") + b"\rOBX|6|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|1.0.0.0.6|PH||||||F"
    )
    assert alarms_of(message).alarms.iloc[0]["priority"] == "high"


def test_a_technical_alarm_without_a_value_is_kept_with_no_vital():
    message = (
        alarm_message()
        .replace(
            b"196648^MDC_EVT_HI^MDC|1.0.0.0.1|** RR High", b"196782^MDC_EVT_LEAD_OFF^MDC|1.0.0.0.1|Leads Off"
        )
        .replace(b"H~PM~SP", b"A~PL~ST")
        .replace(b"|NM|151562^MDC_RESP_RATE^MDC|1.0.0.0.2|30|", b"|ST|0^MDC_NONE^MDC|1.0.0.0.2||")
    )
    report = alarms_of(message).alarms.iloc[0]
    assert (report["event"], report["kind"], report["priority"]) == ("Leads Off", "technical", "low")
    assert pd.isna(report["vital"]) and math.isnan(report["value"])


def test_the_event_may_come_as_a_coded_value():
    message = alarm_message().replace(
        b"OBX|1|ST|196648^MDC_EVT_HI^MDC|1.0.0.0.1|** RR High",
        b"OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|1.0.0.0.1|196674^MDC_EVT_LO_VAL_LT_LIM^MDC",
    )
    report = alarms_of(message).alarms.iloc[0]
    assert (report["event_code"], report["event"]) == ("196674", "MDC_EVT_LO_VAL_LT_LIM")


def test_naive_times_are_clock_times_of_the_clinic():
    report = alarms_of(alarm_message(at="20260302100000"), "Europe/Berlin").alarms.iloc[0]
    assert report["at"] == pd.Timestamp("2026-03-02T09:00:00Z")


def test_a_group_without_a_time_is_reported_not_stored():
    result = alarms_of(alarm_message(at=""))
    assert result.alarms.empty
    (problem,) = result.problems
    assert (problem.line, problem.level) == (4, "error")
    assert "no usable time" in problem.message


def test_a_group_without_an_event_is_reported():
    message = b"\r".join(s for s in alarm_message().split(b"\r") if not s.startswith(b"OBX|1|"))
    (problem,) = alarms_of(message).problems
    assert "names no MDC_EVT_* event" in problem.message


def test_two_alarm_groups_in_one_message_are_two_reports():
    second = b"\r".join(alarm_message(alarm_id="ALM-2").split(b"\r")[3:]).replace(
        b"** RR High", b"** SpO2 Low"
    )
    result = alarms_of(alarm_message() + b"\r" + second)
    assert result.alarms["alarm_id"].tolist() == ["ALM-1^Mon", "ALM-2^Mon"]
    assert result.alarms["event"].tolist() == ["** RR High", "** SpO2 Low"]


def test_the_bed_names_the_monitor_and_the_patient_is_not_read():
    result = alarms_of(alarm_message())
    assert result.source.monitor_id == "CHAIR-3"
    assert "P01" not in repr(result)


def test_an_observation_message_is_not_an_alarm_message():
    with pytest.raises(MessageRejected) as rejected:
        alarms_of(oru_message())
    assert rejected.value.ack == "AR"
