"""What every HL7 v2 message reader needs: reading a field defensively, HL7 times, and the
rejection (with its ACK code and HL7 table 0357 error code) that the listener answers with.

Real senders leave out trailing fields and components, so every read here answers "" for
what is absent instead of raising: a short MSH must still be answered, never crash the reader.
"""

from __future__ import annotations

import re

import hl7
import pandas as pd
from hl7.datatypes import parse_datetime

from dashboard.core.problems import Problem

MIN_TIME_DIGITS = 12  # YYYYMMDDHHMM: a reading needs a time of day, not only a date

# HL7 table 0357 (message error condition codes) used in the ACK's ERR segment.
SEGMENT_SEQUENCE_ERROR = 100
REQUIRED_FIELD_MISSING = 101
DATA_TYPE_ERROR = 102
UNSUPPORTED_MESSAGE_TYPE = 200
UNSUPPORTED_EVENT_CODE = 201
UNKNOWN_KEY = 204
INTERNAL_ERROR = 207
ERROR_TEXT = {
    SEGMENT_SEQUENCE_ERROR: "Segment sequence error",
    REQUIRED_FIELD_MISSING: "Required field missing",
    DATA_TYPE_ERROR: "Data type error",
    UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    UNSUPPORTED_EVENT_CODE: "Unsupported event code",
    UNKNOWN_KEY: "Unknown key identifier",
    INTERNAL_ERROR: "Application internal error",
}


class MessageRejected(ValueError):
    """A message that cannot be used, with the ACK code (AR or AE) and HL7 error code to answer,
    and the problems found on the way (they go into the ACK's ERR segments)."""

    def __init__(self, ack: str, code: int, reason: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(reason)
        self.ack, self.code, self.reason, self.problems = ack, code, reason, problems


def field(segment: hl7.Segment, number: int, component: int = 1, repetition: int = 1) -> str:
    """A field or component as text, "" when absent (HL7 leaves out trailing empties)."""
    try:
        return str(segment.extract_field(1, number, repetition, component)).strip()
    except (IndexError, KeyError, ValueError, TypeError):
        return ""


def whole_field(segment: hl7.Segment, number: int) -> str:
    """A field's whole text with its components (an identifier such as OBR-3), "" when absent."""
    try:
        return str(segment(number)).strip() if len(segment) > number else ""
    except (IndexError, KeyError, ValueError, TypeError):
        return ""


def repetitions(segment: hl7.Segment, number: int, component: int = 1) -> list[str]:
    """Each repetition's ``component`` of a field (OBX-8 ``L~SP``, OBX-18 device list), non-empty."""
    try:
        count = len(segment(number)) if len(segment) > number else 0
    except (IndexError, TypeError):
        return []
    values = (field(segment, number, component, repetition) for repetition in range(1, count + 1))
    return [value for value in values if value]


def segments(message: hl7.Message, kind: str) -> list[hl7.Segment]:
    """The message's segments of one type, in order."""
    return [segment for segment in message if str(segment[0]) == kind]


def message_type(message: hl7.Message) -> tuple[str, str]:
    """MSH-9 as (message code, trigger event), "" for what is absent."""
    msh = message.segment("MSH")
    return field(msh, 9, 1), field(msh, 9, 2)


def timestamp(text: str, timezone: str) -> pd.Timestamp | None:
    """An HL7 DTM with at least a minute -> UTC; naive times are clock times in ``timezone``."""
    digits = re.match(r"\d*", text).group()
    if len(digits) < MIN_TIME_DIGITS:
        return None
    try:
        moment = pd.Timestamp(parse_datetime(text))
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return None if pd.isna(moment) else moment.tz_convert("UTC")
