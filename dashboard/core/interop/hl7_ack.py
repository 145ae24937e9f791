"""The ACK a listener answers every message with, built from whatever the message's header holds.

python-hl7's ``create_ack`` indexes MSH-9.2, MSH-11 and MSH-12 directly and raises on a header
that ends early; a sender that gets no answer resends forever. So the ACK is written here from
fields read defensively (``hl7_fields.field``), with the standard delimiters and every copied
text escaped, and its reasons in MSA-3 and ERR segments that gateways show their operators.
"""

from __future__ import annotations

import datetime
import uuid

import hl7

from dashboard.core.interop.hl7_fields import ERROR_TEXT, REQUIRED_FIELD_MISSING, MessageRejected, field
from dashboard.core.problems import Problem

DEFAULT_VERSION = "2.6"
DEFAULT_PROCESSING_ID = "P"
MAX_ERR_SEGMENTS = 20
MAX_MSA_TEXT = 80
_SEVERITY = {"fatal": "E", "error": "E", "artifact": "W", "warning": "W", "info": "I"}
_ESCAPES = {"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\", "\r": " ", "\n": " "}


def acknowledgement(
    message: hl7.Message | None, rejected: MessageRejected | None = None, problems: tuple[Problem, ...] = ()
) -> hl7.Message:
    """AA (``rejected`` None), else AE/AR with the reason; ERR segments list what was left out.

    ``message`` None (nothing parsable to copy a header from) gives an ACK with empty MSA-2.
    """
    code = "AA" if rejected is None else rejected.ack
    segments = [_header(message), _join("MSA", code, escape(_copied(message, 10)), _reason(rejected))]
    errors = [] if rejected is None else [(rejected.code, "E", rejected.reason)]
    errors += [(REQUIRED_FIELD_MISSING, _SEVERITY.get(p.level, "W"), problem_text(p)) for p in problems]
    for error_code, severity, text in errors[:MAX_ERR_SEGMENTS]:
        condition = "^".join((str(error_code), ERROR_TEXT.get(error_code, ""), "HL70357"))
        segments.append(_join("ERR", "", "", condition, severity, "", "", "", escape(text)))
    return hl7.parse("\r".join(segments))


def problem_text(problem: Problem) -> str:
    """A problem as one line of an ERR segment: where, what, what was expected."""
    where = f"segment {problem.line} " if problem.line is not None else ""
    return f"{where}{problem.column}: {problem.message}; expected {problem.expected}"


def escape(text: str) -> str:
    """Text made safe for one HL7 field in the standard delimiters ``|^~\\&``."""
    return "".join(_ESCAPES.get(character, character) for character in text)


def _header(message: hl7.Message | None) -> str:
    """MSH of the ACK: sender and receiver swapped, trigger, processing id and version copied."""
    msh_fields = [
        _hd(message, 5),
        _hd(message, 6),
        _hd(message, 3),
        _hd(message, 4),
        datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S"),
        "",
        "^".join(("ACK", escape(_copied(message, 9, 2)), "ACK")),
        uuid.uuid4().hex[:20],
        escape(_copied(message, 11) or DEFAULT_PROCESSING_ID),
        escape(_copied(message, 12) or DEFAULT_VERSION),
    ]
    return "MSH|^~\\&|" + "|".join(msh_fields)


def _hd(message: hl7.Message | None, number: int) -> str:
    """A hierarchic designator (namespace^universal id^type) copied component by component."""
    parts = [escape(_copied(message, number, component)) for component in (1, 2, 3)]
    return "^".join(parts).rstrip("^")


def _copied(message: hl7.Message | None, number: int, component: int = 1) -> str:
    if message is None:
        return ""
    try:
        return field(message.segment("MSH"), number, component)
    except KeyError:
        return ""


def _reason(rejected: MessageRejected | None) -> str:
    return "" if rejected is None else escape(rejected.reason[:MAX_MSA_TEXT])


def _join(kind: str, *values: str) -> str:
    """A segment from field texts already escaped (or built of escaped components)."""
    return "|".join((kind, *values)).rstrip("|")
