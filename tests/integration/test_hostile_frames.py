"""Random, truncated and broken MLLP frames: the listener answers each message it can find with
an ACK, or closes the connection cleanly when the sender stops mid-frame, and stays up for the
next sender. A sender that gets no answer resends forever; a listener that falls over stops
every monitor in the clinic.
"""

from __future__ import annotations

import socket
from pathlib import Path

import hl7
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.store import open_store
from tests.factories import alarm_message, listening, oru_message

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "hl7"
START, END = b"\x0b", b"\x1c\r"
REAL = [oru_message(), alarm_message(), *(p.read_bytes() for p in sorted(SAMPLES.glob("*.hl7")))]
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def hostile_listener(tmp_path_factory):
    """One listener (SQLite store) for all the examples: it must outlive every one of them."""
    with open_store(f"sqlite:///{tmp_path_factory.mktemp('hl7') / 'store.db'}") as store:
        store.start_session("S1", user="nurse.a")
        store.assign_bed("Bed 4", "S1", user="nurse.a")
        with listening(store) as port:
            yield port


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    """Random bytes, or a real message cut short, with bytes changed or delimiters doubled."""
    kind = draw(st.sampled_from(["random", "cut", "mutated", "two"]))
    if kind == "random":
        return draw(st.binary(max_size=600))
    message = draw(st.sampled_from(REAL))
    if kind == "cut":
        return message[: draw(st.integers(0, len(message)))]
    if kind == "two":
        return message + b"\r" + draw(st.sampled_from(REAL))[: draw(st.integers(0, 300))]
    at = draw(st.integers(0, len(message)))
    return (
        message[:at]
        + draw(st.sampled_from([b"|", b"^", b"\r", b"MSH|", b"\x00", b"\xff", b"~~"]))
        + message[at:]
    )


def send(port: int, data: bytes) -> list[bytes]:
    """Send ``data``, say we are done, and read every reply until the listener closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as client:
        client.sendall(data)
        client.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    return [reply for reply in received.split(END) if reply.strip()]


def is_ack(reply: bytes) -> bool:
    ack = hl7.parse(reply.lstrip(START).decode())
    return str(ack.segment("MSA")(1)) in ("AA", "AE", "AR")


@FUZZ
@given(payload=payloads(), framing=st.sampled_from(["whole", "truncated", "unframed"]))
def test_every_frame_gets_acks_or_a_clean_close_and_the_listener_stays_up(hostile_listener, payload, framing):
    data = {"whole": START + payload + END, "truncated": START + payload, "unframed": payload + END}[framing]
    replies = send(hostile_listener, data)
    assert all(is_ack(reply) for reply in replies)
    if framing == "whole" and not {0x0B, 0x1C} & set(payload):
        assert replies, "a whole frame must be answered"
    (answer,) = send(hostile_listener, START + oru_message(control_id="ALIVE") + END)
    assert is_ack(answer)


def test_a_sender_that_stops_mid_frame_gets_a_clean_close(hostile_listener):
    assert send(hostile_listener, START + oru_message()[:30]) == []
