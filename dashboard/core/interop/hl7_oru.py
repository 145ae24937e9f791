"""HL7 v2 ORU^R01 messages from monitors and device gateways (IHE PCD-01, VitalServer) -> readings.

What a value means depends on details gateways disagree on, so each rule follows real messages:

- the vital is named in OBX-3 by an MDC code (``150021^MDC_PRESS_BLD_NONINV_SYS^MDC``, or its
  Philips MDIL form ``0002-4182^HR^MDIL``), a VitalServer montype (``NIBP_SBP^BeneView/NIBP_SBP``)
  or a ``device/track`` name: ``codes.observation_alias``. The name text of an MDC code is never
  trusted: gateways send invalid codes with a valid-looking name (``1500212^MDC_PRESS_BLD_NONINV_SYS``
  on a diastolic value), and guessing from the name would store a diastolic as systolic;
- the time is OBX-14, else that of the nearest parent OBX (PCD-01 stamps the parent of a metric
  group: ``1.0.1`` stamps ``1.0.1.3``), else OBR-7. Never MSH-7, which is when the message was
  built (in real traffic it can be a month off);
- result status X, D, W (``data/result_status.csv``) mean there is no usable value; device
  sentinels (-100, -999, 8388607) are missing values; NA waveform arrays and ST texts are not
  readings and are passed over without a word, except a VitalServer ``EVENT`` text, which is an
  event note of the session.

Where readings come from is ``hl7_identity.message_source``; which session they belong to is the
store's bed assignment. PID is never read, so no patient identifier travels further than the socket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import hl7
import pandas as pd

from dashboard.core import reference
from dashboard.core.interop.codes import observation_alias, status_meanings, unit_of, units, usable_statuses
from dashboard.core.interop.hl7_fields import (
    UNSUPPORTED_MESSAGE_TYPE,
    MessageRejected,
    field,
    message_type,
    timestamp,
)
from dashboard.core.interop.hl7_identity import MessageSource, message_source
from dashboard.core.loading.columns import IGNORE, Alias
from dashboard.core.model import VITALS, VITALS_COLUMNS, conform
from dashboard.core.problems import Problem

ACCEPTED_TYPE = ("ORU", "R01")
NUMERIC_VALUE_TYPES = ("NM", "")  # devices often leave OBX-2 empty on a number
NOT_READINGS = ("NA", "ST", "DTM", "TS", "CWE", "CE")  # waveforms, texts, clock sync, coded states
EVENT_CODE = "EVENT"  # VitalServer: ``OBX|n|ST|EVENT^^|...|<text>``, an event marker
READING_COLUMNS: tuple[str, ...] = ("timestamp", "vital", "value", "rank", "segment")
EVENT_NOTE_COLUMNS: tuple[str, ...] = ("timestamp", "note", "segment")


@dataclass(frozen=True)
class OruReadings:
    """The usable readings of one message and what was refused or left out, and why."""

    control_id: str
    source: MessageSource  # bed, devices, sender: what a chair is matched by
    readings: pd.DataFrame  # READING_COLUMNS, long form, values in the model's units
    notes: pd.DataFrame  # EVENT_NOTE_COLUMNS: event markers sent as text
    problems: tuple[Problem, ...]


def read_oru(message: hl7.Message, timezone: str = "UTC") -> OruReadings:
    """The vitals readings of an ORU^R01; naive times are clock times in ``timezone``.

    Raises ``MessageRejected`` (AR) for any other message type.
    """
    kind = message_type(message)
    if kind != ACCEPTED_TYPE:
        raise MessageRejected(
            "AR", UNSUPPORTED_MESSAGE_TYPE, f"message type {'^'.join(kind)} is not accepted; expected ORU^R01"
        )
    control_id = field(message.segment("MSH"), 10)
    where = f"HL7 message {control_id or '(no MSH-10)'}"
    readings, notes, problems, left_out = [], [], [], {}
    for obx in _observations(message):
        segment, value_type = obx["segment"], field(obx["segment"], 2)
        if value_type == "ST" and field(segment, 3) == EVENT_CODE:
            notes.append(_event_note(obx, timezone))
            continue
        name, alias = _identify(segment)
        if value_type in NOT_READINGS and (alias is None or alias.target == IGNORE):
            continue  # a waveform or a text: not a reading, and nothing the sender needs to hear
        if alias is None or alias.target == IGNORE:
            note = alias.note if alias else ""
            left_out.setdefault(note, []).append(f"{name} (segment {obx['number']})")
            continue
        reading = _reading(obx, alias, timezone, where)
        (problems if isinstance(reading, Problem) else readings).append(reading)
    problems += [_left_out(where, note, names) for note, names in left_out.items()]
    return OruReadings(
        control_id=control_id,
        source=message_source(message),
        readings=pd.DataFrame(readings, columns=list(READING_COLUMNS)),
        notes=pd.DataFrame([n for n in notes if n is not None], columns=list(EVENT_NOTE_COLUMNS)),
        problems=tuple(problems),
    )


def wide_vitals(readings: pd.DataFrame, session_id: str) -> pd.DataFrame:
    """Readings -> the model's wide vitals rows; of two sources of one vital at one time (ECG
    and oximeter heart rate) the better-ranked one is kept, as the CSV loaders do."""
    best = readings.sort_values(["rank", "segment"], kind="stable").drop_duplicates(["timestamp", "vital"])
    wide = best.pivot(index="timestamp", columns="vital", values="value").reindex(columns=list(VITALS))
    wide = wide.sort_index().reset_index().assign(session_id=session_id)
    return conform(wide, VITALS_COLUMNS)


def _observations(message: hl7.Message) -> list[dict]:
    """Each OBX with its segment number and the time it inherits (parent OBX, else OBR-7)."""
    observations, order_time, stamped = [], "", {}
    for number, segment in enumerate(message, start=1):
        kind = str(segment[0])
        if kind == "OBR":
            order_time, stamped = field(segment, 7), {}
        elif kind == "OBX":
            sub_id, own = field(segment, 4), field(segment, 14)
            if own:
                stamped[sub_id] = own
            time = own or _parent_time(sub_id, stamped) or order_time
            observations.append({"segment": segment, "number": number, "time": time})
    return observations


def _parent_time(sub_id: str, stamped: dict[str, str]) -> str:
    parts = sub_id.split(".")
    for end in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:end])
        if parent in stamped:
            return stamped[parent]
    return ""


def _identify(obx: hl7.Segment) -> tuple[str, Alias | None]:
    """OBX-3 -> (name to report, what it measures or None)."""
    code, text = field(obx, 3, 1), field(obx, 3, 2)
    return f"{code}^{text}" if text else code, observation_alias(code, text)


def _event_note(obx: dict, timezone: str) -> dict | None:
    """A VitalServer ``EVENT`` text -> an event note at its time (None without text or time)."""
    text, moment = field(obx["segment"], 5), timestamp(obx["time"], timezone)
    if not text or moment is None:
        return None
    return {"timestamp": moment, "note": text, "segment": obx["number"]}


def _reading(obx: dict, alias: Alias, timezone: str, where: str) -> dict | Problem:
    """One vital's OBX -> a reading, or the problem that keeps it out of the store."""
    segment, number, vital = obx["segment"], obx["number"], alias.target

    def problem(column: str, message: str, expected: str, level: str = "error") -> Problem:
        return Problem(where, number, column, f"{vital}: {message}", expected, level)

    status = field(segment, 11)
    if not usable_statuses("hl7v2").get(status, False):
        meaning = status_meanings("hl7v2").get(status, "unknown status")
        usable = "/".join(s for s, ok in usable_statuses("hl7v2").items() if ok and s)
        return problem("OBX-11", f"result status {status!r} ({meaning}) carries no usable value", usable)
    value_type, text = field(segment, 2), field(segment, 5)
    if value_type not in NUMERIC_VALUE_TYPES:
        return problem("OBX-2", f"value type {value_type} is not a single number", "NM")
    try:
        value = float(text)
    except ValueError:
        return problem("OBX-5", f"value {text!r} is not a number", "a number such as 120 or 80.5")
    if value in reference.missing_values()["numbers"]:
        return problem("OBX-5", f"value {text} is the device's 'no reading' marker", "a reading", "warning")
    if not math.isfinite(value):
        return problem("OBX-5", f"value {text!r} is not a finite number", "a number such as 120 or 80.5")
    unit = _unit_factor(segment, vital)
    if unit is None:
        allowed = ", ".join(u for u, spec in units().items() if vital in spec.vitals)
        return problem("OBX-6", f"unit {field(segment, 6, 1)!r} is not a unit of {vital}", allowed)
    moment = timestamp(obx["time"], timezone)
    if moment is None:
        return problem(
            "OBX-14",
            f"no usable time ({obx['time']!r} in OBX-14, its parent OBX or OBR-7)",
            "YYYYMMDDHHMM[SS[.S]][+ZZZZ]",
        )
    reading = {"timestamp": moment, "vital": vital, "value": value * unit, "rank": alias.rank}
    return {**reading, "segment": number}


def _unit_factor(obx: hl7.Segment, vital: str) -> float | None:
    """Factor to the model's unit; none given means the model's unit. None if it cannot apply."""
    code, text = field(obx, 6, 1), field(obx, 6, 2)
    if not code and not text:
        return 1.0
    unit = unit_of(code, text)
    return unit.factor if unit is not None and vital in unit.vitals else None


def _left_out(where: str, note: str, names: list[str]) -> Problem:
    if note:
        return Problem(where, None, "OBX-3", f"observations not used: {', '.join(names)}", note, "warning")
    return Problem(
        where,
        None,
        "OBX-3",
        f"observations not in the model, ignored: {', '.join(names)}",
        "an MDC code (or MDIL hex code) of data/mdc_codes.csv, a montype of "
        "data/vitalserver_montypes.csv, or Device/Track",
        "warning",
    )
