"""MLLP frame bytes -> the HL7 v2 messages in it, each parsed on its own.

A frame is meant to hold one message, but real senders put several in one payload (VitalServer
sends one message per bed, concatenated). Reading them as one message files the first bed's
readings under the last one's PV1, a wrong-patient error; so a frame is split at every segment
that starts ``MSH`` and each message is read, stored and acknowledged alone.
"""

from __future__ import annotations

import re

import hl7

from dashboard.core.interop.hl7_fields import (
    DATA_TYPE_ERROR,
    SEGMENT_SEQUENCE_ERROR,
    UNSUPPORTED_MESSAGE_TYPE,
    MessageRejected,
)

_SEGMENT_ENDS = re.compile(r"\r\n|\n|\r")
_MESSAGE_STARTS = re.compile(r"\r(?=MSH[^\r\w])")  # MSH then its field separator: a new message
_BATCH_HEADERS = ("FHS", "BHS")
MIN_HEADER = len("MSH|^~\\&|")  # python-hl7 misreads a header that stops after the encoding characters


def frame_text(block: bytes) -> str:
    """Frame bytes -> text with segments ended by CR. UTF-8, else Latin-1 (MSH-18 ``8859/1``
    of older devices); CR (the standard), LF or CRLF (files, some gateways) all end a segment."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("latin-1")
    return _SEGMENT_ENDS.sub("\r", text.strip())


def split_messages(block: bytes) -> list[str]:
    """The messages of one frame, in order. A frame that is not a run of messages (empty, a
    batch, text before the first MSH) stays whole, to be refused by ``parse_message``."""
    text = frame_text(block)
    if not text.startswith("MSH"):
        return [text]
    return [part for part in _MESSAGE_STARTS.split(text) if part]


def parse_message(text: str | bytes) -> hl7.Message:
    """One message's text -> message, or ``MessageRejected`` (AR) saying what the frame holds."""
    if isinstance(text, bytes):
        text = frame_text(text)
    if text.startswith(_BATCH_HEADERS):
        reason = f"batches ({'/'.join(_BATCH_HEADERS)}) are not accepted; send each message in its own frame"
        raise MessageRejected("AR", UNSUPPORTED_MESSAGE_TYPE, reason)
    if not text.startswith("MSH") or len(text.split("\r", 1)[0]) < MIN_HEADER:
        raise MessageRejected("AR", SEGMENT_SEQUENCE_ERROR, "the frame holds no HL7 message (no MSH first)")
    try:
        message = hl7.parse(text)
        message.segment("MSH")
    except (hl7.ParseException, ValueError, IndexError, KeyError, TypeError) as error:
        raise MessageRejected("AR", DATA_TYPE_ERROR, f"the message cannot be parsed: {error}") from error
    return message
