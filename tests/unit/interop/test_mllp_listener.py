"""The MLLP listener over a real TCP socket, talking to python-hl7's own MLLP client."""

from __future__ import annotations

import asyncio
import logging

import hl7
import pandas as pd
import psycopg
import pytest
from hl7.mllp import open_hl7_connection
from sqlalchemy.exc import OperationalError

from dashboard.cli.hl7_command import add_hl7_arguments
from dashboard.core.interop.hl7_allow import parse_allow
from dashboard.core.interop.mllp_listener import Hl7Listener
from dashboard.core.store import EntryError, open_store
from tests.factories import acting, alarm_message, bp_obx, hr_obx, oru_message
from tests.paths import REALDATA as SHARED_REALDATA

REALDATA = SHARED_REALDATA / "hl7v2-pcd01"
NURSE = "nurse.a"

# Every real message, the bed or device it names, and what a person reading it expects stored.
REAL_MESSAGES = {
    "ipf_valid-pcd01-request.hl7v2": (
        "0123456789ABCDEF",
        [("2009-08-13T09:57:15+05:00", {"sbp": 120, "dbp": 80, "map": 100})],
    ),
    "ipf_valid-pcd01-request2.hl7v2": ("3 WEST ICU/3001/1", [("2008-12-11T14:45:00Z", {"hr": 60})]),
    "ipf_valid-pcd01-MaximumRequest2.hl7": (
        "B1",
        [("2009-08-13T09:57:15+05:00", {"map": 100}), ("2009-08-13T09:57:25+05:00", {"sbp": 140})],
    ),
    "ipf_valid-bp-continua-wan.hl7v2": (
        "0123456789ABCDEF",
        [("2009-08-13T09:57:15Z", {"sbp": 120, "dbp": 80, "map": 100})],
    ),
    "ipf_valid-oximeter-continua-wan.hl7v2": ("0123456789ABCDEF", [("2009-07-15T07:07:07Z", {"spo2": 80.5})]),
}


@pytest.fixture
def store(database_url):
    with open_store(database_url) as store:
        yield store


def exchange(
    store, frames: list[tuple[str, bytes]], replies: int | None = None, allow: tuple[str, ...] = ()
) -> list[hl7.Message]:
    """Send each frame on one connection ("block": MLLP-wrapped by the client; "raw": as is) and
    read ``replies`` ACKs in all (default: one a frame), the listener started with ``--allow allow``."""

    async def run() -> list[hl7.Message]:
        server = await Hl7Listener(store, allow=parse_allow(allow)).start("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await open_hl7_connection("127.0.0.1", port)
            acks = []
            for how, data in frames:
                writer.writeblock(data) if how == "block" else writer.write(data)
                await writer.drain()
            for _ in range(len(frames) if replies is None else replies):
                acks.append(await asyncio.wait_for(reader.readmessage(), timeout=30))
            writer.close()
            await writer.wait_closed()
        return acks

    return asyncio.run(run())


def ack_code(ack: hl7.Message) -> str:
    return str(ack.segment("MSA")(1))


def err_codes(ack: hl7.Message) -> list[str]:
    return [seg.extract_field(1, 3, 1, 1) for seg in ack if str(seg[0]) == "ERR"]


def expected_frame(session_id: str, rows: list[tuple[str, dict]]) -> pd.DataFrame:
    records = [
        {"session_id": session_id, "timestamp": pd.Timestamp(t).tz_convert("UTC"), **v} for t, v in rows
    ]
    return pd.DataFrame(records)


@pytest.mark.parametrize("name", sorted(REAL_MESSAGES))
def test_every_real_message_is_acknowledged_and_stored_exactly(store, name):
    source, rows = REAL_MESSAGES[name]
    store.start_session("S1", user=NURSE)
    store.assign_bed(source, "S1", user=NURSE)
    (ack,) = exchange(store, [("block", (REALDATA / name).read_bytes())])
    assert ack_code(ack) == "AA"
    assert str(ack.segment("MSA")(2)) == str(
        hl7.parse((REALDATA / name).read_text().replace("\r\n", "\r"))[0](10)
    )
    vitals = store.session_vitals("S1")
    expected = expected_frame("S1", rows)
    got = vitals[expected.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected.astype(got.dtypes.to_dict()))
    others = [v for v in ("hr", "sbp", "dbp", "map", "spo2", "rr") if v not in expected.columns]
    assert vitals[others].isna().all(axis=None)


def test_the_real_acknowledgement_file_is_rejected_as_not_an_observation(store):
    (ack,) = exchange(store, [("block", (REALDATA / "ipf_valid-pcd01-response.hl7v2").read_bytes())])
    assert ack_code(ack) == "AR"
    assert err_codes(ack) == ["200"]


def test_malformed_frames_are_answered_and_the_connection_keeps_working(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    acks = exchange(
        store,
        [
            ("raw", b"no start block here\x1c\r"),
            ("block", b"hello, not HL7"),
            ("block", b"MSH"),
            ("block", oru_message().replace(b"ORU^R01^ORU_R01", b"ADT^A01^ADT_A01")),
            ("block", b"\xff\xfe" + oru_message(control_id="BIN")),
            ("block", oru_message(control_id="OK")),
        ],
    )
    assert [ack_code(a) for a in acks] == ["AR", "AR", "AR", "AR", "AR", "AA"]
    assert all(str(a.segment("MSA")(3)) for a in acks[:-1])  # each refusal says why
    assert store.session_vitals("S1")["hr"].tolist() == [72]


def test_a_message_from_an_unassigned_monitor_is_accepted_and_held_for_it(store):
    store.start_session("S1", user=NURSE)
    (ack,) = exchange(store, [("block", oru_message(bed="^^CHAIR-9"))])
    assert ack_code(ack) == "AA"
    assert store.session_vitals("S1").empty
    held = store.held_monitors()
    assert held[["monitor_id", "readings"]].values.tolist() == [["CHAIR-9", 1]]


def test_two_messages_in_one_frame_each_go_to_their_own_beds_session(store):
    for session_id, chair in (("S1", "CHAIR-1"), ("S2", "CHAIR-2")):
        store.start_session(session_id, user=NURSE)
        store.assign_bed(chair, session_id, user=NURSE)
    first = oru_message(bp_obx("150", "95"), bed="^^CHAIR-1", control_id="A")
    second = oru_message(hr_obx("64"), bed="^^CHAIR-2", control_id="B")
    acks = exchange(store, [("block", first + b"\r" + second)], replies=2)
    assert [(ack_code(a), str(a.segment("MSA")(2))) for a in acks] == [("AA", "A"), ("AA", "B")]
    one, two = store.session_vitals("S1"), store.session_vitals("S2")
    assert (one["sbp"].tolist(), one["dbp"].tolist(), one["hr"].isna().all()) == ([150], [95], True)
    assert (two["hr"].tolist(), two["sbp"].isna().all()) == ([64], True)


def test_a_bad_message_beside_a_good_one_in_a_frame_refuses_only_itself(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    bad = oru_message(control_id="BAD").replace(b"ORU^R01^ORU_R01", b"ADT^A01^ADT_A01")
    acks = exchange(store, [("block", bad + b"\r" + oru_message(control_id="OK"))], replies=2)
    assert [ack_code(a) for a in acks] == ["AR", "AA"]
    assert store.session_vitals("S1")["hr"].tolist() == [72]


def test_a_header_that_ends_early_is_answered_and_the_connection_stays_open(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    short = b"MSH|^~\\&|Mon|Ward|||20260302090100||ORU^R01|SHORT\rPV1||O|Bed 4"
    acks = exchange(store, [("block", short), ("block", oru_message(control_id="OK"))])
    assert [ack_code(a) for a in acks] == ["AE", "AA"]
    assert str(acks[0].segment("MSA")(2)) == "SHORT"


def test_a_monitor_alarm_is_stored_with_the_session_of_its_bed(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("CHAIR-3", "S1", user=NURSE)
    acks = exchange(store, [("block", alarm_message()), ("block", alarm_message("end", control_id="R40-2"))])
    assert [ack_code(a) for a in acks] == ["AA", "AA"]
    reports = store.device_alarm_reports("S1")
    assert reports[["monitor_id", "alarm_id", "phase", "priority"]].values.tolist() == [
        ["CHAIR-3", "ALM-1^Mon", "start", "medium"],
        ["CHAIR-3", "ALM-1^Mon", "end", "medium"],
    ]
    assert store.active_device_alarms().empty


def test_an_alarm_from_a_monitor_without_a_session_is_kept_under_the_monitor(store):
    (ack,) = exchange(store, [("block", alarm_message(bed="^^CHAIR-7"))])
    assert ack_code(ack) == "AA"
    (alarm,) = store.active_device_alarms().to_dict("records")
    assert (alarm["monitor_id"], alarm["event"]) == ("CHAIR-7", "** RR High")
    assert pd.isna(alarm["session_id"])


def test_a_message_without_any_usable_value_is_refused_with_the_reason(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    acks = exchange(
        store,
        [("block", oru_message(hr_obx(status="X"))), ("block", oru_message(hr_obx("-999"), control_id="C2"))],
    )
    assert [ack_code(a) for a in acks] == ["AE", "AE"]
    assert "status 'X'" in str(acks[0].segment("MSA")(3))
    assert "no reading" in acks[1].segment("ERR").extract_field(1, 8)
    assert store.session_vitals("S1").empty


def test_a_message_sent_again_after_a_lost_ack_is_stored_once(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    acks = exchange(store, [("block", oru_message()), ("block", oru_message())])
    assert [ack_code(a) for a in acks] == ["AA", "AA"]
    assert store.session_vitals("S1")["hr"].tolist() == [72]


def test_readings_go_to_the_session_the_bed_is_assigned_to_now(store):
    for session_id in ("S1", "S2"):
        store.start_session(session_id, user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    exchange(store, [("block", oru_message(hr_obx("70"), control_id="A"))])
    store.assign_bed("Bed 4", "S2", user=NURSE)
    exchange(store, [("block", oru_message(hr_obx("90"), control_id="B"))])
    assert store.session_vitals("S1")["hr"].tolist() == [70]
    assert store.session_vitals("S2")["hr"].tolist() == [90]


def test_when_the_store_fails_the_sender_is_told_to_send_again(store, monkeypatch):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)

    def down(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(store, "add_monitor_readings", down)
    (ack,) = exchange(store, [("block", oru_message())])
    assert ack_code(ack) == "AE"
    assert err_codes(ack) == ["207"]
    assert "send it again" in ack.segment("ERR").extract_field(1, 8)


def test_while_the_store_is_unreachable_every_message_is_answered_ae_and_the_outage_logged_once(
    store, monkeypatch, caplog
):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    listener, real = Hl7Listener(store), store.add_monitor_readings

    def unreachable(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, psycopg.OperationalError("connection refused"))

    monkeypatch.setattr(store, "add_monitor_readings", unreachable)
    messages = [oru_message(hr_obx(str(60 + n)), control_id=f"M{n}") for n in range(3)]
    with caplog.at_level(logging.INFO, logger="dashboard.core.interop.mllp_listener"):
        acks = [listener.acknowledge(m, None) for m in messages]
        assert [ack_code(a) for a in acks] == ["AE"] * 3, "never AA for a message not stored"
        assert all(str(a.segment("MSA")(3)).startswith("store unavailable") for a in acks)
        assert all(err_codes(a) == ["207"] for a in acks)
        assert store.session_vitals("S1").empty
        monkeypatch.setattr(store, "add_monitor_readings", real)
        resent = [listener.acknowledge(m, None) for m in messages]  # the sender sends them again
    assert [ack_code(a) for a in resent] == ["AA"] * 3
    assert store.session_vitals("S1")["hr"].tolist() == [60, 61, 62]
    outage = [r.getMessage() for r in caplog.records if r.getMessage().startswith("hl7-listen:")]
    assert [line.split(" (")[0].split(" after")[0] for line in outage] == [
        "hl7-listen: store unreachable",
        "hl7-listen: store reachable again",
    ], "the outage is logged once, not per message"


def test_a_sender_that_drops_mid_frame_does_not_stop_the_server(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)

    async def run() -> str:
        server = await Hl7Listener(store).start("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            _, broken = await open_hl7_connection("127.0.0.1", port)
            broken.write(b"\x0b" + oru_message()[:40])
            await broken.drain()
            broken.close()
            reader, writer = await open_hl7_connection("127.0.0.1", port)
            writer.writeblock(oru_message())
            ack = await asyncio.wait_for(reader.readmessage(), timeout=30)
            writer.close()
            return ack_code(ack)

    assert asyncio.run(run()) == "AA"
    assert store.session_vitals("S1")["hr"].tolist() == [72]


def test_the_command_line_defaults_to_loopback_port_2575():
    import argparse

    parser = argparse.ArgumentParser()
    add_hl7_arguments(parser)
    args = parser.parse_args([])
    assert (args.host, args.port, args.timezone, args.allow) == ("127.0.0.1", 2575, "UTC", [])
    assert callable(args.run)
    listed = parser.parse_args(["--allow", "10.1.4.0/24", "CHAIR-3", "--allow", "::1"])
    assert listed.allow == ["10.1.4.0/24", "CHAIR-3", "::1"]


# --- who the listener hears (hl7_allow) ----------------------------------------------------------


def test_a_monitor_on_no_chair_is_refused_and_nothing_of_it_is_stored_once_chairs_have_monitors(store):
    store.set_chair("Chair 3", ["CHAIR-3"], user=NURSE)
    acks = exchange(
        store,
        [
            ("block", oru_message(bed="^^CHAIR-9", control_id="STRANGER")),
            ("block", alarm_message(bed="^^CHAIR-9", control_id="STRANGER-ALARM")),
            ("block", oru_message(bed="^^CHAIR-3", control_id="OURS")),
        ],
    )
    assert [(ack_code(a), str(a.segment("MSA")(2))) for a in acks] == [
        ("AR", "STRANGER"),
        ("AR", "STRANGER-ALARM"),
        ("AA", "OURS"),
    ]
    assert str(acks[0].segment("MSA")(3)).startswith("not allowed: monitor CHAIR-9")
    assert err_codes(acks[0]) == ["204"]
    assert store.held_monitors()["monitor_id"].tolist() == ["CHAIR-3"]  # CHAIR-9 is held nowhere
    assert store.active_device_alarms().empty


def test_a_monitor_set_on_a_chair_is_heard_from_its_next_message(store):
    store.set_chair("Chair 3", ["CHAIR-3"], user=NURSE)
    listener = Hl7Listener(store)
    ours = listener.acknowledge(oru_message(bed="^^CHAIR-3"), "127.0.0.1")  # the chairs read and kept
    before = listener.acknowledge(oru_message(bed="^^CHAIR-9", control_id="BEFORE"), "127.0.0.1")
    store.set_chair("Chair 9", ["CHAIR-9"], user=NURSE)
    after = listener.acknowledge(oru_message(bed="^^CHAIR-9", control_id="AFTER"), "127.0.0.1")
    assert [ack_code(a) for a in (ours, before, after)] == ["AA", "AR", "AA"]
    assert set(store.held_monitors()["monitor_id"]) == {"CHAIR-3", "CHAIR-9"}


def test_a_source_address_not_allowed_is_refused_with_its_address_and_stores_nothing(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    acks = exchange(store, [("block", oru_message()), ("block", alarm_message())], allow=("10.1.4.0/24",))
    assert [ack_code(a) for a in acks] == ["AR", "AR"]
    assert str(acks[0].segment("MSA")(3)) == "not allowed: source address 127.0.0.1; nothing was stored"
    assert store.session_vitals("S1").empty and store.held_monitors().empty
    assert store.active_device_alarms().empty


def test_a_refused_message_beside_a_heard_one_in_a_frame_refuses_only_itself(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    stranger = oru_message(hr_obx("140"), bed="^^CHAIR-9", control_id="STRANGER")
    acks = exchange(store, [("block", stranger + b"\r" + oru_message(control_id="OK"))], 2, ("Bed 4",))
    assert [(ack_code(a), str(a.segment("MSA")(2))) for a in acks] == [("AR", "STRANGER"), ("AA", "OK")]
    assert store.session_vitals("S1")["hr"].tolist() == [72]
    assert store.held_monitors().empty


def test_a_refusal_is_logged_with_the_peer_and_control_id_only(store, caplog):
    """The factory messages carry patient P01 in PID; the refused one an HR of 163."""
    store.set_chair("Chair 3", ["CHAIR-3"], user=NURSE)
    with caplog.at_level("DEBUG"):
        (ack,) = exchange(store, [("block", oru_message(hr_obx("163"), bed="^^CHAIR-9", control_id="X1"))])
    assert ack_code(ack) == "AR"
    logged = [record.getMessage() for record in caplog.records]
    assert [line for line in logged if "refused" in line] == [
        "message X1 from 127.0.0.1 refused: monitor not allowed"
    ]
    assert not any(text in line for line in logged for text in ("P01", "163", "CHAIR-9"))


# --- bed assignments in the store ----------------------------------------------------------------


def test_assigning_a_bed_is_audited_and_unassigning_stops_the_feed(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    assert store.session_for("Bed 4") == "S1"
    store.unassign("Bed 4", user="nurse.b")
    assert store.session_for("Bed 4") is None
    audit = store.audit_log("S1")
    assert audit["action"].tolist() == ["session_started", "bed_assigned", "bed_unassigned"]
    assert audit["user"].tolist()[1:] == [NURSE, "nurse.b"]


def test_a_bed_cannot_be_assigned_to_an_unknown_or_ended_session(store):
    with pytest.raises(EntryError, match="not open"):
        store.assign_bed("Bed 4", "nope", user=NURSE)
    store.start_session("S1", user=NURSE)
    store.end_session("S1", user=NURSE)
    with pytest.raises(EntryError, match="not open"):
        store.assign_bed("Bed 4", "S1", user=NURSE)


def test_an_ended_session_no_longer_receives_its_beds_readings(store):
    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    store.end_session("S1", user=NURSE)
    assert store.session_for("Bed 4") is None
    assert store.bed_assignments().empty


def test_assignments_in_force_are_listed_one_per_bed(store):
    for session_id in ("S1", "S2"):
        store.start_session(session_id, user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    store.assign_bed("Bed 4", "S2", user=NURSE)
    store.assign_bed("AABBCCDDEEFF0011", "S1", user=NURSE)
    current = store.bed_assignments()
    assert current[["bed_or_device_id", "session_id"]].values.tolist() == [
        ["AABBCCDDEEFF0011", "S1"],
        ["Bed 4", "S2"],
    ]


def test_the_assignment_history_cannot_be_rewritten(store):
    from sqlalchemy import text

    store.start_session("S1", user=NURSE)
    store.assign_bed("Bed 4", "S1", user=NURSE)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE bed_assignments SET session_id = NULL"))
    assert store.session_for("Bed 4") == "S1"


def test_the_listener_log_names_no_session_or_patient(store, caplog):
    name = sorted(REAL_MESSAGES)[0]
    source, _ = REAL_MESSAGES[name]
    store.start_session("P77-S4", user=NURSE, patient_id="P77")
    store.assign_bed(source, "P77-S4", user=NURSE)
    with caplog.at_level("DEBUG"):
        (ack,) = exchange(store, [("block", (REALDATA / name).read_bytes())])
    assert ack_code(ack) == "AA"
    assert "vitals rows stored" in caplog.text
    assert "P77" not in caplog.text


def test_held_readings_and_alarms_are_logged_without_the_patient(store, caplog):
    """The factory messages carry patient P01 in PID."""
    with caplog.at_level("DEBUG"):
        acks = exchange(store, [("block", oru_message(bed="^^CHAIR-9")), ("block", alarm_message())])
    assert [ack_code(a) for a in acks] == ["AA", "AA"]
    assert "held for monitor CHAIR-9" in caplog.text and "alarm reports from monitor CHAIR-3" in caplog.text
    assert "P01" not in caplog.text


def test_a_store_requiring_roles_takes_the_listeners_readings_and_alarms_as_a_devices(database_url):
    """With sign-in the app's store requires roles; the listener writes as the device it is."""
    nurse = acting("nurse")
    with open_store(database_url, roles_required=True) as store:
        store.start_session("S1", user=nurse)
        store.assign_bed("CHAIR-3", "S1", user=nurse)
        frames = [("block", oru_message(hr_obx("77"), bed="^^CHAIR-3")), ("block", alarm_message())]
        assert [ack_code(a) for a in exchange(store, frames)] == ["AA", "AA"]
        assert store.session_vitals("S1")["hr"].tolist() == [77.0]
        assert len(store.device_alarm_reports("S1")) == 1
