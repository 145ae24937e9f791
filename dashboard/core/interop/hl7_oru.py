"""HL7 v2 ORU^R01 messages from monitors and device gateways (IHE PCD-01) -> vitals readings.

What a value means depends on details gateways disagree on, so each rule follows real messages:

- the vital is named by the MDC code in OBX-3 (``150021^MDC_PRESS_BLD_NONINV_SYS^MDC``) or by a
  VitalRecorder track (``TRACK^Intellivue/NIBP_SYS``). The name text of an MDC code is never
  trusted: gateways send invalid codes with a valid-looking name (``1500212^MDC_PRESS_BLD_NONINV_SYS``
  on a diastolic value), and guessing from the name would store a diastolic as systolic;
- the time is OBX-14, else that of the nearest parent OBX (PCD-01 stamps the parent of a metric
  group: ``1.0.1`` stamps ``1.0.1.3``), else OBR-7. Never MSH-7, which is when the message was
  built (in real traffic it can be a month off);
- result status X, D, W (``data/result_status.csv``) mean there is no usable value; device
  sentinels (-100, -999, 8388607) are missing values; NA waveform arrays are not readings.

Where readings come from is the bed (PV1-3) and the devices (OBX-18, MSH-3); which session they
belong to is the store's bed assignment. PID is never read, so no patient identifier travels
further than the socket.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import hl7
import pandas as pd
from hl7.datatypes import parse_datetime

from dashboard.core import reference
from dashboard.core.interop.codes import mdc_codes, status_meanings, units, usable_statuses
from dashboard.core.loading.columns import IGNORE, Alias, normalise, vital_names
from dashboard.core.model import VITALS, VITALS_COLUMNS, conform
from dashboard.core.problems import Problem

ACCEPTED_TYPE = ("ORU", "R01")
NUMERIC_VALUE_TYPES = ("NM", "")  # devices often leave OBX-2 empty on a number
TRACK = "TRACK"  # OBX-3 ``TRACK^Device/Track``: a VitalRecorder track name instead of an MDC code
MIN_TIME_DIGITS = 12  # YYYYMMDDHHMM: a reading needs a time of day, not only a date
READING_COLUMNS: tuple[str, ...] = ("timestamp", "vital", "value", "rank", "segment")

# HL7 table 0357 (message error condition codes) used in the ACK's ERR segment.
SEGMENT_SEQUENCE_ERROR = 100
REQUIRED_FIELD_MISSING = 101
DATA_TYPE_ERROR = 102
UNSUPPORTED_MESSAGE_TYPE = 200
UNKNOWN_KEY = 204
INTERNAL_ERROR = 207

_SEGMENT_ENDS = re.compile(r"\r\n|\n|\r")


class MessageRejected(ValueError):
    """A message that cannot be used, with the ACK code (AR or AE) and HL7 error code to answer."""

    def __init__(self, ack: str, code: int, reason: str) -> None:
        super().__init__(reason)
        self.ack, self.code, self.reason = ack, code, reason


@dataclass(frozen=True)
class OruReadings:
    """The usable readings of one message and what was refused or left out, and why."""

    control_id: str
    sources: tuple[str, ...]  # bed (PV1-3), then device ids (OBX-18, MSH-3): keys of bed assignments
    readings: pd.DataFrame  # READING_COLUMNS, long form, values in the model's units
    problems: tuple[Problem, ...]


def parse_message(block: bytes) -> hl7.Message:
    """One MLLP block -> message. Segments may end in CR (the standard), LF or CRLF (files,
    some gateways); text is UTF-8, else Latin-1 (MSH-18 ``8859/1`` of older devices)."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("latin-1")
    text = _SEGMENT_ENDS.sub("\r", text.strip())
    if not text.startswith("MSH") or len(text) < 8:
        raise MessageRejected("AR", SEGMENT_SEQUENCE_ERROR, "the frame holds no HL7 message (no MSH first)")
    try:
        return hl7.parse(text)
    except (hl7.ParseException, ValueError, IndexError, KeyError) as error:
        raise MessageRejected("AR", DATA_TYPE_ERROR, f"the message cannot be parsed: {error}") from error


def read_oru(message: hl7.Message, timezone: str = "UTC") -> OruReadings:
    """The vitals readings of an ORU^R01; naive times are clock times in ``timezone``.

    Raises ``MessageRejected`` (AR) for any other message type.
    """
    msh = message.segment("MSH")
    kind = (field(msh, 9, 1), field(msh, 9, 2))
    if kind != ACCEPTED_TYPE:
        raise MessageRejected(
            "AR", UNSUPPORTED_MESSAGE_TYPE, f"message type {'^'.join(kind)} is not accepted; expected ORU^R01"
        )
    control_id = field(msh, 10)
    where = f"HL7 message {control_id or '(no MSH-10)'}"
    readings, problems, left_out = [], [], {}
    for obx in _observations(message):
        name, alias = _identify(obx["segment"])
        if alias is None or alias.target == IGNORE:
            note = alias.note if alias else ""
            left_out.setdefault(note, []).append(f"{name} (segment {obx['number']})")
            continue
        reading = _reading(obx, alias, timezone, where)
        (problems if isinstance(reading, Problem) else readings).append(reading)
    problems += [_left_out(where, note, names) for note, names in left_out.items()]
    return OruReadings(
        control_id=control_id,
        sources=_sources(message),
        readings=pd.DataFrame(readings, columns=list(READING_COLUMNS)),
        problems=tuple(problems),
    )


def wide_vitals(readings: pd.DataFrame, session_id: str) -> pd.DataFrame:
    """Readings -> the model's wide vitals rows; of two sources of one vital at one time (ECG
    and oximeter heart rate) the better-ranked one is kept, as the CSV loaders do."""
    best = readings.sort_values(["rank", "segment"], kind="stable").drop_duplicates(["timestamp", "vital"])
    wide = best.pivot(index="timestamp", columns="vital", values="value").reindex(columns=list(VITALS))
    wide = wide.sort_index().reset_index().assign(session_id=session_id)
    return conform(wide, VITALS_COLUMNS)


def field(segment: hl7.Segment, number: int, component: int = 1, repetition: int = 1) -> str:
    """A field or component as text, "" when absent (HL7 leaves out trailing empties)."""
    try:
        return str(segment.extract_field(1, number, repetition, component)).strip()
    except IndexError:
        return ""


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
    if code == TRACK:
        return text, vital_names().get(normalise(text))
    return f"{code}^{text}" if text else code, mdc_codes().get(code)


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
    timestamp = _timestamp(obx["time"], timezone)
    if timestamp is None:
        return problem(
            "OBX-14",
            f"no usable time ({obx['time']!r} in OBX-14, its parent OBX or OBR-7)",
            "YYYYMMDDHHMM[SS[.S]][+ZZZZ]",
        )
    reading = {"timestamp": timestamp, "vital": vital, "value": value * unit, "rank": alias.rank}
    return {**reading, "segment": number}


def _unit_factor(obx: hl7.Segment, vital: str) -> float | None:
    """Factor to the model's unit; none given means the model's unit. None if it cannot apply."""
    code, text = field(obx, 6, 1), field(obx, 6, 2)
    if not code and not text:
        return 1.0
    unit = units().get(code) or units().get(text)
    return unit.factor if unit is not None and vital in unit.vitals else None


def _timestamp(text: str, timezone: str) -> pd.Timestamp | None:
    digits = re.match(r"\d*", text).group()
    if len(digits) < MIN_TIME_DIGITS:
        return None
    try:
        moment = pd.Timestamp(parse_datetime(text))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return None if pd.isna(moment) else moment.tz_convert("UTC")


def _sources(message: hl7.Message) -> tuple[str, ...]:
    """Keys to find the session by, most specific first: the bed, then each device."""
    beds = [str(segment(3)).strip() for segment in message if str(segment[0]) == "PV1" and len(segment) > 3]
    devices = [
        field(segment, 18, 1, repetition)
        for segment in message
        if str(segment[0]) == "OBX" and len(segment) > 18
        for repetition in range(1, len(segment(18)) + 1)
    ]
    msh = message.segment("MSH")
    sender = field(msh, 3, 2) or field(msh, 3, 1)
    return tuple(dict.fromkeys(key for key in [*beds, *devices, sender] if key))


def _left_out(where: str, note: str, names: list[str]) -> Problem:
    if note:
        return Problem(where, None, "OBX-3", f"observations not used: {', '.join(names)}", note, "warning")
    return Problem(
        where,
        None,
        "OBX-3",
        f"observations not in the model, ignored: {', '.join(names)}",
        "an MDC code of data/mdc_codes.csv or TRACK^Device/Track",
        "warning",
    )
