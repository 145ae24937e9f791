"""An MLLP server that stores the vitals monitors send (``python -m dashboard hl7-listen`` runs it).

Monitors and device gateways send HL7 v2 ORU^R01 (IHE PCD-01) over MLLP and wait for an ACK
before sending the next message. The answer is AA only once the readings are committed, so an
AA is a promise that the values are in the store; AE (the message was understood but cannot
be stored: no session for that bed, no usable value, the store is down) and AR (not an
ORU^R01, not HL7, a broken frame) carry the reason in MSA-3 and ERR segments, which gateways
show to their operators. No frame stops the server or the connection it came on.

A frame sent again because its ACK was lost (the same bytes) is acknowledged again without
being stored twice. Logs name message control ids, beds and sessions, never a patient.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections import OrderedDict

import hl7
from hl7.mllp import HL7StreamReader, HL7StreamWriter, InvalidBlockError, start_hl7_server
from sqlalchemy.exc import SQLAlchemyError

from dashboard.core.interop.hl7_oru import (
    INTERNAL_ERROR,
    REQUIRED_FIELD_MISSING,
    SEGMENT_SEQUENCE_ERROR,
    UNKNOWN_KEY,
    MessageRejected,
    parse_message,
    read_oru,
    wide_vitals,
)
from dashboard.core.problems import Problem
from dashboard.core.store import EntryError, Store

LISTENER_USER = "hl7-listener"
DEFAULT_PORT = 2575
MAX_FRAME_BYTES = 1 << 20  # a PCD-01 message is a few kB; a waveform batch may be far larger
MAX_ERR_SEGMENTS = 20
RECENT_FRAMES = 10_000
# Template for answering a frame that holds no usable MSH (nothing to copy the header from).
_NO_HEADER = "MSH|^~\\&|||||||ORU^R01||P|2.6"
_ERROR_TEXT = {
    SEGMENT_SEQUENCE_ERROR: "Segment sequence error",
    REQUIRED_FIELD_MISSING: "Required field missing",
    102: "Data type error",
    200: "Unsupported message type",
    UNKNOWN_KEY: "Unknown key identifier",
    INTERNAL_ERROR: "Application internal error",
}
_SEVERITY = {"fatal": "E", "error": "E", "artifact": "W", "warning": "W"}

log = logging.getLogger(__name__)


class Hl7Listener:
    """Turns MLLP frames into stored vitals and ACKs; one instance serves every connection."""

    def __init__(self, store: Store, timezone: str = "UTC") -> None:
        self.store = store
        self.timezone = timezone
        self._recent: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    async def start(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> asyncio.Server:
        """Listen on ``host:port`` (port 0: any free port, see ``server.sockets``)."""
        return await start_hl7_server(
            self.serve_connection, host, port, limit=MAX_FRAME_BYTES, encoding="utf-8"
        )

    async def serve_connection(self, reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        """Answer every frame on one connection until the sender closes it."""
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    break  # the sender closed the connection (mid-frame or between frames)
                except InvalidBlockError:
                    ack = _ack(
                        None, MessageRejected("AR", SEGMENT_SEQUENCE_ERROR, "frame does not start with <VT>")
                    )
                except ValueError:
                    reason = f"frame longer than {MAX_FRAME_BYTES} bytes"
                    ack = _ack(None, MessageRejected("AR", SEGMENT_SEQUENCE_ERROR, reason))
                else:
                    ack = await asyncio.to_thread(self.acknowledge, block)
                writer.writemessage(ack)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def acknowledge(self, block: bytes) -> hl7.Message:
        """Store one frame's readings and answer it (blocking: called in a worker thread)."""
        message, result = None, None
        try:
            message = parse_message(block)
            result = read_oru(message, self.timezone)
            digest = hashlib.sha256(block).digest()
            if self._seen(digest):
                log.info("message %s: resent, already stored", result.control_id)
                return _ack(message, None, result.problems)
            if result.readings.empty:
                errors = [p for p in result.problems if p.level == "error"] or list(result.problems)
                reason = "no usable vital sign in the message" + (f": {_text(errors[0])}" if errors else "")
                raise MessageRejected("AE", REQUIRED_FIELD_MISSING, reason)
            session_id = self._session(result.sources)
            rows = self.store.add_vitals(wide_vitals(result.readings, session_id), user=LISTENER_USER)
            self._remember(digest)
            # no session id in the log: session ids often carry the patient pseudonym
            log.info("message %s: %d vitals rows stored", result.control_id, rows)
            return _ack(message, None, result.problems)
        except MessageRejected as rejected:
            problems = () if result is None else result.problems
            log.warning("message answered %s: %s", rejected.ack, rejected.reason)
            return _ack(message, rejected, problems)
        except (SQLAlchemyError, EntryError) as error:
            log.error("store refused a message: %s", error)
            reason = "the store could not save the readings (nothing was stored); send the message again"
            return _ack(message, MessageRejected("AE", INTERNAL_ERROR, reason))

    def _session(self, sources: tuple[str, ...]) -> str:
        for key in sources:
            session_id = self.store.session_for(key)
            if session_id is not None:
                return session_id
        if not sources:
            reason = "the message names no bed (PV1-3) or device (OBX-18, MSH-3)"
        else:
            reason = f"no open session is assigned to bed or device {', '.join(sources)}"
        raise MessageRejected("AE", UNKNOWN_KEY, reason)

    def _seen(self, digest: bytes) -> bool:
        with self._lock:
            return digest in self._recent

    def _remember(self, digest: bytes) -> None:
        with self._lock:
            self._recent[digest] = None
            while len(self._recent) > RECENT_FRAMES:
                self._recent.popitem(last=False)


def _ack(
    message: hl7.Message | None, rejected: MessageRejected | None, problems: tuple[Problem, ...] = ()
) -> hl7.Message:
    """AA (``rejected`` None), else AE/AR with the reason; ERR segments list what was left out."""
    source = message if message is not None else hl7.parse(_NO_HEADER)
    ack = source.create_ack("AA" if rejected is None else rejected.ack)
    if message is None:
        ack.segment("MSA").assign_field("", 2)
    errors = [] if rejected is None else [(rejected.code, "E", rejected.reason)]
    errors += [(REQUIRED_FIELD_MISSING, _SEVERITY[p.level], _text(p)) for p in problems]
    if rejected is not None:
        ack.segment("MSA").assign_field(ack.escape(rejected.reason[:80]), 3)
    for code, severity, text in errors[:MAX_ERR_SEGMENTS]:
        err = ack.create_segment([ack.create_field(["ERR"])])
        for component, value in enumerate((str(code), _ERROR_TEXT.get(code, ""), "HL70357"), start=1):
            err.assign_field(value, 3, 1, component)
        err.assign_field(severity, 4)
        err.assign_field(ack.escape(text), 8)
        ack.append(err)
    return ack


def _text(problem: Problem) -> str:
    where = f"segment {problem.line} " if problem.line is not None else ""
    return f"{where}{problem.column}: {problem.message}; expected {problem.expected}"
