"""The listener hears only its monitors: a running listener, real sockets, a real store on both
backends. A message from a host or a monitor that is not allowed is answered AR with the reason
and leaves every table of the store as it was; an allowed one beside it is stored as before.
"""

from __future__ import annotations

import socket

import hl7
import pytest
from sqlalchemy import func, inspect, select, table

from dashboard.core.interop.hl7_allow import parse_allow
from dashboard.core.interop.hl7_fields import field
from dashboard.core.store import open_store
from tests.factories import alarm_message, hr_obx, listening, oru_message

START, END = b"\x0b", b"\x1c\r"
NURSE = "nurse.a"


@pytest.fixture
def store(database_url):
    with open_store(database_url) as store:
        yield store


def send(port: int, messages: list[bytes], source: str = "127.0.0.1") -> list[hl7.Message]:
    """Each message in its own frame from the address ``source``, and every ACK until the close."""
    with socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0)) as client:
        client.sendall(b"".join(START + message + END for message in messages))
        client.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    return [hl7.parse(reply.lstrip(START).decode()) for reply in received.split(END) if reply.strip()]


def answers(acks: list[hl7.Message]) -> list[tuple[str, str]]:
    """(MSA-1 code, MSA-3 reason or "") of each ACK."""
    return [(field(ack.segment("MSA"), 1), field(ack.segment("MSA"), 3)) for ack in acks]


def row_counts(store) -> dict[str, int]:
    """Every table of the store and its number of rows."""
    with store.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {
            name: conn.execute(select(func.count()).select_from(table(name))).scalar_one() for name in names
        }


def can_send_from(address: str) -> bool:
    try:
        with socket.socket() as probe:
            probe.bind((address, 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not can_send_from("127.0.0.2"), reason="this host has no 127.0.0.2 to send from")
def test_a_host_not_allowed_is_refused_and_stores_nothing(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    with listening(store, allow=parse_allow(["127.0.0.1"])) as port:
        before = row_counts(store)
        refused = send(
            port, [oru_message(control_id="R01"), alarm_message(bed="^^Bed 4")], source="127.0.0.2"
        )
        assert row_counts(store) == before
        heard = send(port, [oru_message(control_id="OK")], source="127.0.0.1")
    reason = "not allowed: source address 127.0.0.2; nothing was stored"
    assert answers(refused) == [("AR", reason), ("AR", reason)]
    assert answers(heard) == [("AA", "")]
    assert store.session_vitals("S1")["hr"].tolist() == [72]
    assert store.device_alarm_reports("S1").empty


def test_a_monitor_not_allowed_is_refused_and_stores_nothing(store):
    """Chair 3's monitor is configured in the store; CHAIR-9 is on no chair and not in --allow,
    so neither its readings (which would otherwise be held for it) nor its alarms are kept."""
    store.set_chair("Chair 3", ["CHAIR-3"], user=NURSE)
    store.start_session("S1", user=NURSE)
    store.assign_bed("CHAIR-3", "S1", user=NURSE)
    stranger = [oru_message(hr_obx("150"), bed="^^CHAIR-9", control_id="R01"), alarm_message(bed="^^CHAIR-9")]
    with listening(store, allow=parse_allow(["Bed 4"])) as port:
        before = row_counts(store)
        refused = send(port, stranger)
        assert row_counts(store) == before
        heard = send(port, [oru_message(bed="^^CHAIR-3", control_id="C3"), oru_message(control_id="B4")])
    assert [code for code, _ in answers(refused)] == ["AR", "AR"]
    assert all(reason.startswith("not allowed: monitor CHAIR-9") for _, reason in answers(refused))
    assert answers(heard) == [("AA", ""), ("AA", "")]  # Chair 3's from the store, Bed 4 from --allow
    assert store.session_vitals("S1")["hr"].tolist() == [72]
    assert store.held_monitors()["monitor_id"].tolist() == ["Bed 4"]
    assert store.active_device_alarms().empty
