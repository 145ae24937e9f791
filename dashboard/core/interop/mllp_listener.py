"""An MLLP server that stores what monitors send (``python -m dashboard hl7-listen`` runs it).

Monitors and device gateways send HL7 v2 over MLLP and wait for an ACK before sending the next
message. What it does with one frame, in order:

1. split the frame into its messages (``hl7_frames``): each is handled and answered on its own,
   so no reading of one message is ever filed under another message's bed;
2. ORU^R01 (IHE PCD-01, VitalServer): the readings (``hl7_oru``) go to the session the bed or
   device is assigned to; with none assigned they are held for that monitor (``store.monitors``)
   and answered AA all the same: nothing a monitor sends is lost;
3. ORU^R40 (IHE PCD-04): the monitor's own alarms (``hl7_alarms``), stored with the monitor and
   its session when it has one;
4. anything else is answered AR with the reason; a message that cannot be stored, AE.

Before any of this, the allow-list (``hl7_allow``): a message from an address or a monitor the
listener does not hear (``--allow``, the monitors configured on chairs; with neither, this machine
only) is answered AR with the reason, logged with the peer's address and control id only, and
stores nothing, not even as held readings or device alarms.

AA is sent only once the message is committed, so an AA is a promise that it is in the store.
While the store cannot be reached (``store.outage``) every message is answered AE "store
unavailable" at once, so the sender keeps it and sends it again; the outage is logged once when
it starts and once when it ends, not per message.
AE and AR carry the reason in MSA-3 and ERR segments (``hl7_ack``), which gateways show to their
operators. No frame stops the server or the connection it came on, and every message gets an
answer. A message sent again because its ACK was lost (the same bytes) is acknowledged again
without being stored twice. Logs name message control ids and monitors, never a patient.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import hl7
from hl7.mllp import HL7StreamReader, HL7StreamWriter, InvalidBlockError, start_hl7_server
from sqlalchemy.exc import SQLAlchemyError

from dashboard.core.interop import hl7_alarms, hl7_oru
from dashboard.core.interop.hl7_ack import acknowledgement, problem_text
from dashboard.core.interop.hl7_allow import AllowList, Refusal, describe, printable, refusal, source_names
from dashboard.core.interop.hl7_fields import (
    INTERNAL_ERROR,
    REQUIRED_FIELD_MISSING,
    SEGMENT_SEQUENCE_ERROR,
    UNKNOWN_KEY,
    UNSUPPORTED_MESSAGE_TYPE,
    MessageRejected,
    message_type,
)
from dashboard.core.interop.hl7_frames import parse_message, split_messages
from dashboard.core.interop.hl7_identity import MessageSource, message_source
from dashboard.core.model import DEVICE_ALARM_COLUMNS, conform
from dashboard.core.roles import Actor
from dashboard.core.store import EntryError, Store
from dashboard.core.store.outage import Outage, unreachable

LISTENER_USER = "hl7-listener"
LISTENER = Actor.service(LISTENER_USER)  # a device: it may store readings and alarms only
STORE_UNAVAILABLE = "store unavailable: nothing was stored; send the message again"
ANSWERING_AE = "answering every message AE 'store unavailable' until it answers"
DEFAULT_PORT = 2575
MAX_FRAME_BYTES = 1 << 20  # a PCD-01 message is a few kB; a waveform batch may be far larger
RECENT_MESSAGES = 10_000
CHAIR_MONITORS_MAX_AGE_S = 10.0  # a monitor taken off its chair is refused within this time

log = logging.getLogger(__name__)


class Hl7Listener:
    """Turns MLLP frames into stored readings and alarms and ACKs; one instance serves every connection."""

    def __init__(
        self,
        store: Store,
        timezone: str = "UTC",
        allow: AllowList | None = None,
        outage: Outage | None = None,
    ) -> None:
        self.store = store
        self.outage = outage or Outage("hl7-listen", logger=log, meanwhile=ANSWERING_AE)
        self.timezone = timezone
        self.allow = allow or AllowList()
        self._chair_monitors: frozenset[str] | None = None
        self._chair_monitors_read = 0.0
        self._recent: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()
        self._handlers: dict[tuple[str, str], Callable[[hl7.Message], tuple]] = {
            hl7_oru.ACCEPTED_TYPE: self._store_readings,
            hl7_alarms.ACCEPTED_TYPE: self._store_alarms,
        }

    async def start(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> asyncio.Server:
        """Listen on ``host:port`` (port 0: any free port, see ``server.sockets``)."""
        log.info("HL7 listener %s", self.hearing())
        return await start_hl7_server(
            self.serve_connection, host, port, limit=MAX_FRAME_BYTES, encoding="utf-8"
        )

    def hearing(self) -> str:
        """Who this listener hears, in one line (the allow-list and the chairs' monitors now)."""
        return describe(self.allow, self._configured_monitors())

    async def serve_connection(self, reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        """Answer every frame on one connection until the sender closes it."""
        peer = _peer_address(writer)
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    break  # the sender closed the connection (mid-frame or between frames)
                except InvalidBlockError:
                    acks = [_refusal("frame does not start with <VT>")]
                except ValueError:
                    acks = [_refusal(f"frame longer than {MAX_FRAME_BYTES} bytes")]
                else:
                    acks = await asyncio.to_thread(self.acknowledge_frame, block, peer)
                for ack in acks:
                    writer.writemessage(ack)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def acknowledge_frame(self, block: bytes, peer: str | None = None) -> list[hl7.Message]:
        """Each message of one frame stored and answered, in order (blocking: a worker thread)."""
        return [self.acknowledge(text, peer) for text in split_messages(block)]

    def acknowledge(self, text: str | bytes, peer: str | None = None) -> hl7.Message:
        """Store one message from ``peer`` (its IP address; None: handed over in this process) and
        answer it; never raises, whatever the message holds."""
        message = None
        try:
            message = parse_message(text)
            refused = self._not_heard(message, peer)
            if refused is not None:
                # the peer and control id only: nothing the message says of its patient or values
                log.warning(
                    "message %s from %s refused: %s not allowed",
                    printable(_control_id(message)),
                    "(this process)" if peer is None else peer or "(unknown address)",
                    "source address" if refused.rule == "address" else "monitor",
                )
                return acknowledgement(message, MessageRejected("AR", UNKNOWN_KEY, refused.reason))
            handler = self._handlers.get(message_type(message))
            if handler is None:
                raise MessageRejected("AR", UNSUPPORTED_MESSAGE_TYPE, _unsupported(message_type(message)))
            digest = hashlib.sha256(str(message).encode()).digest()
            if self._seen(digest):
                log.info("message %s: resent, already stored", _control_id(message))
                return acknowledgement(message)
            problems = handler(message)
            self._remember(digest)
            self.outage.recovered()
            return acknowledgement(message, None, problems)
        except MessageRejected as rejected:
            log.warning("message %s answered %s: %s", _control_id(message), rejected.ack, rejected.reason)
            return acknowledgement(message, rejected, rejected.problems)
        except (SQLAlchemyError, EntryError) as error:
            if unreachable(error):
                self.outage.failed(error)  # logged when the outage starts, not per message
                return acknowledgement(message, MessageRejected("AE", INTERNAL_ERROR, STORE_UNAVAILABLE))
            log.error("store refused message %s: %s", _control_id(message), type(error).__name__)
            reason = "the store could not save the message (nothing was stored); send it again"
            return acknowledgement(message, MessageRejected("AE", INTERNAL_ERROR, reason))
        except Exception as error:  # noqa: BLE001 - a sender must always get an answer
            log.error("message %s could not be handled: %s", _control_id(message), type(error).__name__)
            reason = f"the message could not be handled ({type(error).__name__}); nothing was stored"
            return acknowledgement(message, MessageRejected("AE", INTERNAL_ERROR, reason))

    def _not_heard(self, message: hl7.Message, peer: str | None) -> Refusal | None:
        """Why ``message`` from ``peer`` is not heard, else None. A refusal the chairs could change
        reads their monitors again first, so a monitor just set on a chair is heard from its next
        message (an address outside the ``--allow`` networks costs no read of the store)."""
        names = source_names(message_source(message))
        refused = refusal(self.allow, peer, names, self._configured_monitors())
        if refused is not None and (refused.rule == "monitor" or not self.allow.networks):
            refused = refusal(self.allow, peer, names, self._configured_monitors(reread=True))
        return refused

    def _configured_monitors(self, reread: bool = False) -> frozenset[str]:
        """The monitor ids set on the clinic's chairs, read again with ``reread`` or when older
        than ``CHAIR_MONITORS_MAX_AGE_S`` (so a monitor taken off its chair is soon refused)."""
        now = time.monotonic()
        with self._lock:
            known, read_at = self._chair_monitors, self._chair_monitors_read
        if known is not None and not reread and now - read_at < CHAIR_MONITORS_MAX_AGE_S:
            return known
        known = frozenset(monitor for ids in self.store.chairs()["monitors"] for monitor in ids)
        with self._lock:
            self._chair_monitors, self._chair_monitors_read = known, now
        return known

    def _store_readings(self, message: hl7.Message) -> tuple:
        """ORU^R01 -> vitals and event notes of the monitor's session, else held for the monitor."""
        result = hl7_oru.read_oru(message, self.timezone)
        if result.readings.empty and result.notes.empty:
            raise _nothing_usable("vital sign", result.problems)
        monitor, session_id = self._session(result.source, result.problems)
        vitals = hl7_oru.wide_vitals(result.readings, session_id or "")
        if session_id is None:
            held = self.store.hold_readings(monitor, vitals, result.notes)
            log.info("message %s: %d rows held for monitor %s (no session)", result.control_id, held, monitor)
            return result.problems
        rows = self.store.add_monitor_readings(session_id, vitals, result.notes, user=LISTENER)
        # no session id in the log: session ids often carry the patient pseudonym
        log.info("message %s: %d vitals rows stored", result.control_id, rows)
        return result.problems

    def _store_alarms(self, message: hl7.Message) -> tuple:
        """ORU^R40 -> the monitor's own alarm reports, with its session when it has one."""
        result = hl7_alarms.read_alarms(message, self.timezone)
        if result.alarms.empty:
            raise _nothing_usable("alarm", result.problems)
        monitor, session_id = self._session(result.source, result.problems)
        alarms = result.alarms.assign(monitor_id=monitor, session_id=session_id)
        count = self.store.add_device_alarms(conform(alarms, DEVICE_ALARM_COLUMNS))
        log.info("message %s: %d device alarm reports from monitor %s", result.control_id, count, monitor)
        return result.problems

    def _session(self, source: MessageSource, problems: tuple) -> tuple[str, str | None]:
        """(monitor id, the open session assigned to any of its identifiers or None)."""
        if not source.identifiers:
            reason = "the message names no bed (PV1-3) or device (OBX-18, OBR-3, MSH-3/4)"
            raise MessageRejected("AE", UNKNOWN_KEY, reason, problems)
        for key in source.identifiers:
            session_id = self.store.session_for(key)
            if session_id is not None:
                return source.monitor_id, session_id
        return source.monitor_id, None

    def _seen(self, digest: bytes) -> bool:
        with self._lock:
            return digest in self._recent

    def _remember(self, digest: bytes) -> None:
        with self._lock:
            self._recent[digest] = None
            while len(self._recent) > RECENT_MESSAGES:
                self._recent.popitem(last=False)


def _nothing_usable(what: str, problems: tuple) -> MessageRejected:
    """AE for a message with nothing to store, its first error (else warning) as the reason."""
    errors = [p for p in problems if p.level == "error"] or list(problems)
    reason = f"no usable {what} in the message" + (f": {problem_text(errors[0])}" if errors else "")
    return MessageRejected("AE", REQUIRED_FIELD_MISSING, reason, problems)


def _refusal(reason: str) -> hl7.Message:
    return acknowledgement(None, MessageRejected("AR", SEGMENT_SEQUENCE_ERROR, reason))


def _unsupported(kind: tuple[str, str]) -> str:
    accepted = " and ".join("^".join(t) for t in (hl7_oru.ACCEPTED_TYPE, hl7_alarms.ACCEPTED_TYPE))
    return f"message type {'^'.join(kind) or '(none in MSH-9)'} is not accepted; expected {accepted}"


def _peer_address(writer: HL7StreamWriter) -> str:
    """The sender's IP address ("" if the socket cannot tell, which no address rule allows)."""
    peername = writer.get_extra_info("peername")
    return str(peername[0]) if isinstance(peername, tuple) and peername else ""


def _control_id(message: hl7.Message | None) -> str:
    if message is None:
        return "(unparsed)"
    try:
        return str(message.segment("MSH")(10)) or "(no MSH-10)"
    except (KeyError, IndexError):
        return "(no MSH-10)"
