"""HL7 v2 messages written by monitor vendors and other projects (``tests/samples/hl7/``, each
with its source in ``SOURCES.md``), sent to the listener as a monitor or gateway would send them.

What a person reading each message expects: its vitals stored under its own bed's session, the
monitor's alarms stored as the monitor's, and every message answered, whatever it holds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hl7
import pandas as pd
import pytest

from dashboard.core.interop.hl7_alarms import read_alarms
from dashboard.core.interop.hl7_frames import parse_message
from dashboard.core.interop.hl7_oru import read_oru, wide_vitals
from dashboard.core.interop.mllp_listener import Hl7Listener
from dashboard.core.live.monitor_assignment import assign_monitor
from dashboard.core.store import open_store
from tests.factories import listening

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "hl7"
MLLP_SEND = Path(sys.executable).with_name("mllp_send")  # python-hl7's own MLLP client
NURSE = "nurse.a"
MESSAGES = sorted(SAMPLES.glob("*.hl7"))


@pytest.fixture
def store(database_url):
    with open_store(database_url) as store:
        yield store


def mllp_send(port: int, path: Path) -> list[hl7.Message]:
    """Send a file's messages with ``mllp_send --loose`` (one frame each); the ACKs it prints."""
    sent = subprocess.run(
        [str(MLLP_SEND), "--loose", "-f", str(path), "-p", str(port), "127.0.0.1"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    frames = sent.stdout.decode().split("\x1c")
    return [hl7.parse(frame.strip("\x0b\r\n")) for frame in frames if "MSA" in frame]


def vitals_of(path: Path, timezone: str = "UTC", as_type: bytes = b"") -> pd.DataFrame:
    data = path.read_bytes()
    if as_type:
        data = data.replace(data.split(b"|")[8], as_type, 1)
    return wide_vitals(read_oru(parse_message(data), timezone).readings, "S1")


# --- every message is answered -------------------------------------------------------------------


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.name)
def test_every_third_party_message_gets_an_ack_naming_it(store, path):
    ack = Hl7Listener(store).acknowledge(path.read_bytes())
    assert str(ack.segment("MSA")(1)) in ("AA", "AE", "AR")
    sent = path.read_text("utf-8", errors="replace").replace("\n", "\r").split("\r")[0].split("|")
    if sent[0] == "MSH" and len(sent) > 9:
        assert str(ack.segment("MSA")(2)) == sent[9]


# --- VitalServer (VitalDB's own specification, section 8) ---------------------------------------


def test_vitalserver_example_8_1_over_a_socket_is_stored_with_its_values(store):
    """Sent with python-hl7's mllp_send; VitalServer writes local clock times (Seoul here)."""
    store.start_session("S1", user=NURSE)
    store.assign_bed("OR-3", "S1", user=NURSE)
    with listening(store, "Asia/Seoul") as port:
        (ack,) = mllp_send(port, SAMPLES / "vitalserver_8_1_numeric.hl7")
    assert (str(ack.segment("MSA")(1)), str(ack.segment("MSA")(2))) == ("AA", "42")
    (row,) = store.session_vitals("S1").to_dict("records")
    assert (row["hr"], row["spo2"], row["sbp"], row["dbp"]) == (72, 98, 118, 74)
    assert row["timestamp"] == pd.Timestamp("2025-03-23T05:30:00Z")
    assert "body temperature is not in the model" in ack.segment("ERR").extract_field(1, 8)


def test_a_monitor_sending_before_check_in_joins_its_session_once_assigned(store):
    """The message is AA while no session has the monitor; assigning it brings the readings in."""
    with listening(store, "Asia/Seoul") as port:
        (ack,) = mllp_send(port, SAMPLES / "vitalserver_8_1_numeric.hl7")
    assert str(ack.segment("MSA")(1)) == "AA"
    assert store.held_monitors()["monitor_id"].tolist() == ["OR-3"]
    store.start_session("S1", user=NURSE, at=pd.Timestamp("2025-03-23T05:35:00Z").to_pydatetime())
    assert assign_monitor(store, "OR-3", "S1", user=NURSE) == 1
    assert store.session_vitals("S1")[["hr", "spo2", "sbp", "dbp"]].values.tolist() == [[72, 98, 118, 74]]
    assert store.held_monitors().empty


def test_the_korean_edition_with_a_degree_sign_unit_reads_the_same():
    english, korean = (
        vitals_of(SAMPLES / name)
        for name in ("vitalserver_8_1_numeric.hl7", "vitalserver_8_1_numeric_ko.hl7")
    )
    pd.testing.assert_frame_equal(english, korean)


def test_vitalserver_waveforms_are_skipped_and_its_event_becomes_a_note():
    result = read_oru(parse_message((SAMPLES / "vitalserver_8_2_waveform_abbreviated.hl7").read_bytes()))
    assert result.readings[["vital", "value"]].values.tolist() == [["hr", 72.0]]
    assert result.notes["note"].tolist() == ["Induction Start"]
    assert not [p for p in result.problems if "WAV" in p.message]


# --- PCD-01 from monitors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ge_b40_vsp_pcd01.hl7", {"hr": 68, "spo2": 97}),
        ("mindray_vs900_pcd01_demo.hl7", {"spo2": 100, "hr": 80, "sbp": 166, "dbp": 100, "map": 122}),
        ("mindray_vs900_pcd01_hapi_example.hl7", {"spo2": 99, "hr": 94, "sbp": 147, "dbp": 90, "map": 109}),
        ("continua_pcd01_nibp_hapi.hl7", {"sbp": 120, "dbp": 80, "map": 100}),
    ],
)
def test_monitor_observations_give_the_values_a_reader_sees(name, expected):
    vitals = vitals_of(SAMPLES / name)
    got = {vital: vitals[vital].dropna().tolist() for vital in expected}
    assert got == {vital: [value] for vital, value in expected.items()}


def test_mindrays_cuff_pressure_codes_are_cuff_pressures():
    vitals = vitals_of(SAMPLES / "mindray_vs900_pcd01_demo.hl7")
    cuff = vitals.dropna(subset=["sbp"]).iloc[0]
    assert (cuff["timestamp"], cuff["sbp"], cuff["dbp"]) == (pd.Timestamp("2020-02-12T12:50:08Z"), 166, 100)


def test_philips_mdil_codes_and_units_name_their_vitals():
    """The Efficia export, a query answer (ORF^R04), sent as the ORU^R01 it otherwise matches."""
    vitals = vitals_of(SAMPLES / "philips_efficia_orf_r04_numerics.hl7", as_type=b"ORU^R01").set_index(
        "timestamp"
    )
    assert vitals.loc["2014-05-10T12:44:30Z", ["sbp", "dbp"]].tolist() == [122, 85]
    assert vitals.loc["2014-05-10T12:45:00Z", ["spo2", "map", "hr", "rr"]].tolist() == [98, 98, 80, 20]


def test_the_device_no_reading_markers_of_a_mindray_are_not_readings(store):
    ack = Hl7Listener(store).acknowledge((SAMPLES / "mindray_xh80x_pcd01_sentinel.hl7").read_bytes())
    assert str(ack.segment("MSA")(1)) == "AE"
    reasons = [segment.extract_field(1, 8) for segment in ack if str(segment[0]) == "ERR"]
    assert sum("the device's 'no reading' marker" in reason for reason in reasons[1:]) == 3  # [0]: refusal


# --- PCD-04 alarms -----------------------------------------------------------------------------


def alarm(name: str) -> dict:
    (report,) = read_alarms(parse_message((SAMPLES / name).read_bytes())).alarms.to_dict("records")
    return report


def test_ge_murals_advisory_keeps_its_words_phase_priority_and_type():
    report = alarm("ge_mural_pcd04_advisory.hl7")
    assert report["event"] == "HYPERTENSION-Alert Recheck BP"
    assert report["event_code"] == "MDCX_EVT_ALERT_ADVISORY"
    assert (report["phase"], report["state"], report["priority"], report["kind"]) == (
        "update", "active", "medium", "advisory",
    )  # fmt: skip
    assert report["at"] == pd.Timestamp("2021-01-20T08:23:26.275Z")


def test_draegers_watchdog_is_a_no_priority_advisory_with_draegers_attribute_codes():
    report = alarm("draeger_pcd04_watchdog.hl7")
    assert (report["event_code"], report["event"]) == ("258047", "Heartbeat-useless")
    assert (report["phase"], report["state"], report["priority"], report["kind"]) == (
        "start", "active", "none", "advisory",
    )  # fmt: skip


def test_a_template_with_placeholder_values_stores_no_made_up_priority():
    report = alarm("draeger_pcd04_alarm_placeholders.hl7")
    assert (report["event_code"], report["event"]) == ("196650", "PVC/min > #")
    assert pd.isna(report["priority"]) and pd.isna(report["kind"])


def test_an_alarm_message_without_its_obr_is_answered_ae_with_the_reason(store):
    ack = Hl7Listener(store).acknowledge((SAMPLES / "mindray_pcd04_test_fragment.hl7").read_bytes())
    assert str(ack.segment("MSA")(1)) == "AE"
    assert "no usable alarm" in str(ack.segment("MSA")(3))
