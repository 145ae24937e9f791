"""IHE PCD-04 alarm messages (ORU^R40, Alert Communication Management) -> the monitor's own alarms.

A bedside monitor or alarm manager reports each phase of each of its alarms (start, continue,
update, end) as an OBR group, ``OBR-4 = 196616^MDC_EVT_ALARM``, whose OBX rows carry, in any order:

1. the event: an MDC event code (partition 3, ``196648^MDC_EVT_HI``) in OBX-3, with the monitor's
   own words in OBX-5 (``** RR High``); or the code as a CWE value in OBX-5;
2. the value that raised it: a number named like an ORU^R01 observation (``codes.observation_alias``);
3. its attributes: ``MDC_ATTR_*`` rows (``data/alarm_attributes.csv``: phase, state, inactivation,
   priority, type) and OBX-8 abnormal flags (``L~SP``, ``A~PM~SA``; ``data/alarm_flags.csv``).

One alarm keeps one identity across its phases: OBR-3 (the filler's alarm id, whole: Draeger
puts an instance number first and the unique id second), else OBR-2, else its event and source.
The time is the event row's OBX-14, else OBR-7; never MSH-7, which is when the message was built.
Attributes are matched by their MDC name: vendors number them differently (phase is 68481 in
the IHE examples, 68165 in Draeger's and GE's messages). These reports are stored as they came
and shown beside the dashboard's own alerts, never merged with them: they are the monitor's
judgement, with the monitor's limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import hl7
import pandas as pd

from dashboard.core import reference
from dashboard.core.interop.codes import mdc_number, observation_alias, unit_of
from dashboard.core.interop.hl7_fields import (
    UNSUPPORTED_MESSAGE_TYPE,
    MessageRejected,
    field,
    message_type,
    repetitions,
    timestamp,
    whole_field,
)
from dashboard.core.interop.hl7_identity import MessageSource, message_source
from dashboard.core.loading.columns import IGNORE
from dashboard.core.model import DEVICE_ALARM_COLUMNS
from dashboard.core.problems import Problem

ACCEPTED_TYPE = ("ORU", "R40")
ALARM_GROUP = "196616"  # MDC_EVT_ALARM, OBR-4 of every alarm report
EVENT_PARTITION = 3  # IEEE 11073-10101 partition of events (MDC_EVT_*): codes 196608-262143
EVENT_NAMES = ("MDC_EVT_", "MDCX_EVT_")  # MDCX: a vendor's private event, often with code 0
CODED_VALUE_TYPES = ("CWE", "CE", "CNE")
MAX_ALARM_ID = 255
CODED_ATTRIBUTES = ("priority", "kind")  # only the values of data/alarm_flags.csv
REPORT_COLUMNS: tuple[str, ...] = DEVICE_ALARM_COLUMNS[2:]  # less session_id and monitor_id


@dataclass(frozen=True)
class AlarmReports:
    """The alarm reports of one message and what was refused, and why."""

    control_id: str
    source: MessageSource  # bed, devices, sender: what a chair is matched by
    alarms: pd.DataFrame  # REPORT_COLUMNS, one row per OBR group
    problems: tuple[Problem, ...]


def read_alarms(message: hl7.Message, timezone: str = "UTC") -> AlarmReports:
    """Alarm reports of an ORU^R40 message; naive times are clock times in ``timezone``.

    Raises ``MessageRejected`` (AR) for any other message type.
    """
    if message_type(message) != ACCEPTED_TYPE:
        kind = "^".join(message_type(message))
        raise MessageRejected("AR", UNSUPPORTED_MESSAGE_TYPE, f"message type {kind} is not ORU^R40")
    control_id = field(message.segment("MSH"), 10)
    where = f"HL7 message {control_id or '(no MSH-10)'}"
    reports, problems = [], []
    for number, obr, observations in _groups(message):
        report = _report(obr, observations, timezone)
        if isinstance(report, str):
            problems.append(Problem(where, number, "OBR", report, _EXPECTED, "error"))
        else:
            reports.append(report)
    if not reports and not problems:
        problems.append(Problem(where, None, "OBR-4", "no alarm group in the message", _EXPECTED, "error"))
    return AlarmReports(
        control_id=control_id,
        source=message_source(message),
        alarms=pd.DataFrame(reports, columns=list(REPORT_COLUMNS)),
        problems=tuple(problems),
    )


_EXPECTED = f"an OBR with OBR-4 {ALARM_GROUP}^MDC_EVT_ALARM, an MDC_EVT_* event OBX and OBX-14 or OBR-7"


def _groups(message: hl7.Message) -> list[tuple[int, hl7.Segment, list[hl7.Segment]]]:
    """Each alarm OBR (segment number, segment) with the OBX rows that follow it."""
    groups: list[tuple[int, hl7.Segment, list[hl7.Segment]]] = []
    current: list[hl7.Segment] | None = None
    for number, segment in enumerate(message, start=1):
        kind = str(segment[0])
        if kind == "OBR":
            current = [] if mdc_number(field(segment, 4)) == ALARM_GROUP else None
            if current is not None:
                groups.append((number, segment, current))
        elif kind == "OBX" and current is not None:
            current.append(segment)
    return groups


def _report(obr: hl7.Segment, observations: list[hl7.Segment], timezone: str) -> dict | str:
    """One alarm group -> a report, or why it cannot be one."""
    event = next((found for obx in observations if (found := _event(obx)) is not None), None)
    if event is None:
        return "the alarm group names no MDC_EVT_* event"
    code, text, event_row = event
    moment = timestamp(field(event_row, 14) or field(obr, 7), timezone)
    if moment is None:
        return f"alarm {text}: no usable time in the event's OBX-14 or OBR-7"
    vital, value = _source_value(observations)
    attributes = _attributes(observations)
    alarm_id = whole_field(obr, 3) or whole_field(obr, 2) or f"{code}/{vital or ''}"
    return {
        "alarm_id": alarm_id[:MAX_ALARM_ID],
        "at": moment,
        "event_code": code,
        "event": text,
        "vital": vital,
        "value": value,
        **{name: attributes.get(name) for name in ("phase", "state", "inactivation", "priority", "kind")},
    }


def _event(obx: hl7.Segment) -> tuple[str, str, hl7.Segment] | None:
    """(event code, the monitor's text for it, its row) if this OBX names the event: in OBX-3
    (text in OBX-5), or as the coded OBX-5 of an ``MDC_EVT_ALARM`` row. The code is the MDC
    number, or the name where a vendor's private event has none (``0^MDCX_EVT_ALERT_ADVISORY``)."""
    code, name = mdc_number(field(obx, 3)), field(obx, 3, 2)
    if _is_event(code, name) and code != ALARM_GROUP:
        text = field(obx, 5) if field(obx, 2) not in CODED_VALUE_TYPES else field(obx, 5, 2)
        return _event_code(code, name), text or name or code, obx
    value, value_name = mdc_number(field(obx, 5)), field(obx, 5, 2)
    if field(obx, 2) in CODED_VALUE_TYPES and _is_event(value, value_name) and value != ALARM_GROUP:
        return _event_code(value, value_name), value_name or value, obx
    return None


def _is_event(code: str, name: str) -> bool:
    if code.isdigit() and int(code) >> 16 == EVENT_PARTITION:
        return True
    return name.startswith(EVENT_NAMES)


def _event_code(code: str, name: str) -> str:
    return code if code.isdigit() and int(code) > 0 else name


def _source_value(observations: list[hl7.Segment]) -> tuple[str | None, float]:
    """The vital and value (in the model's unit) that raised the alarm; (None, NaN) if not ours."""
    for obx in observations:
        if field(obx, 2) != "NM":
            continue
        alias = observation_alias(field(obx, 3), field(obx, 3, 2))
        if alias is None or alias.target == IGNORE:
            continue
        try:
            value = float(field(obx, 5))
        except ValueError:
            return alias.target, math.nan
        unit = unit_of(field(obx, 6), field(obx, 6, 2))
        factor = unit.factor if unit is not None and alias.target in unit.vitals else 1.0
        return alias.target, value * factor if math.isfinite(value) else math.nan
    return None, math.nan


def _attributes(observations: list[hl7.Segment]) -> dict[str, str]:
    """Phase, state, inactivation, priority and kind: from MDC_ATTR_* rows, else OBX-8 flags."""
    found: dict[str, str] = {}
    for obx in observations:
        attribute = alarm_attributes().get(field(obx, 3, 2)) or alarm_attributes().get(field(obx, 3))
        if attribute is not None and field(obx, 5):
            value = _attribute_value(attribute, field(obx, 5))
            if value is not None:
                found.setdefault(attribute, value)
    for obx in observations:
        for flag in repetitions(obx, 8):
            if flag in alarm_flags():
                attribute, value = alarm_flags()[flag]
                found.setdefault(attribute, value)
    return found


def _attribute_value(attribute: str, given: str) -> str | None:
    """Priority and kind only as the codes of ``alarm_flags.csv`` (a vendor's ``20`` is not a
    priority: None, so the flags may still say it); phase and states as given, lower case."""
    if attribute in CODED_ATTRIBUTES:
        column, value = alarm_flags().get(given, (attribute, None))
        return value if column == attribute else None
    return given.lower()


@cache
def alarm_attributes() -> dict[str, str]:
    """``MDC_ATTR_*`` name (or code) -> the report column it fills."""
    return {row["name"]: row["attribute"] for row in reference.csv_rows("alarm_attributes.csv")}


@cache
def alarm_flags() -> dict[str, tuple[str, str]]:
    """OBX-8 flag or attribute value (``PH``, ``SP``) -> (column, value): ``("priority", "high")``."""
    return {row["flag"]: (row["attribute"], row["value"]) for row in reference.csv_rows("alarm_flags.csv")}
