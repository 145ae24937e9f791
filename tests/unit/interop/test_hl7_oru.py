"""ORU^R01 (IHE PCD-01) messages -> vitals readings: what a monitor's message is taken to mean."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.interop.hl7_fields import MessageRejected
from dashboard.core.interop.hl7_frames import parse_message
from dashboard.core.interop.hl7_oru import read_oru, wide_vitals
from tests.factories import oru_message
from tests.paths import REALDATA as SHARED_REALDATA

REALDATA = SHARED_REALDATA / "hl7v2-pcd01"


def readings(data: bytes, timezone: str = "UTC"):
    return read_oru(parse_message(data), timezone)


def stored(data: bytes, timezone: str = "UTC") -> pd.DataFrame:
    return wide_vitals(readings(data, timezone).readings, "S1")


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def test_bp_children_take_the_time_stamped_on_their_parent_obx():
    vitals = stored((REALDATA / "ipf_valid-pcd01-request.hl7v2").read_bytes())
    assert vitals[["sbp", "dbp", "map"]].values.tolist() == [[120, 80, 100]]
    assert vitals["timestamp"].tolist() == [at("2009-08-13T09:57:15+05:00")]


def test_without_any_obx_time_the_obr_time_is_used_in_the_clinic_zone():
    data = (REALDATA / "ipf_valid-pcd01-request2.hl7v2").read_bytes()
    vitals = stored(data, timezone="Europe/Oslo")
    assert vitals["timestamp"].tolist() == [at("2008-12-11T14:45:00+01:00")]
    assert vitals["hr"].tolist() == [60]


def test_arterial_line_pressures_are_left_out_with_the_reason():
    result = readings((REALDATA / "ipf_valid-pcd01-request2.hl7v2").read_bytes())
    assert (
        stored((REALDATA / "ipf_valid-pcd01-request2.hl7v2").read_bytes())[["sbp", "dbp", "map"]]
        .isna()
        .all(axis=None)
    )
    assert any("150033" in p.message and "arterial-line" in p.expected for p in result.problems)


def test_an_invalid_seven_digit_code_is_not_read_by_its_systolic_name():
    vitals = stored((REALDATA / "ipf_valid-pcd01-MaximumRequest2.hl7").read_bytes())
    # 1500212^MDC_PRESS_BLD_NONINV_SYS carries 120 and a diastolic 80: neither may become an SBP
    assert vitals["sbp"].dropna().tolist() == [140]


def test_deleted_and_cannot_obtain_results_are_refused_with_their_status():
    result = readings((REALDATA / "ipf_valid-pcd01-MaximumRequest2.hl7").read_bytes())
    vitals = wide_vitals(result.readings, "S1")
    assert vitals["dbp"].isna().all()  # OBX-11 D: the diastolic 70 was deleted by the sender
    refused = [p for p in result.problems if p.column == "OBX-11"]
    assert [(p.line, p.level) for p in refused] == [(12, "error")]
    assert "'D'" in refused[0].message


def test_corrected_and_final_values_are_kept_at_their_own_times():
    vitals = stored((REALDATA / "ipf_valid-pcd01-MaximumRequest2.hl7").read_bytes()).set_index("timestamp")
    assert vitals.loc[at("2009-08-13T09:57:25+05:00"), "sbp"] == 140  # status C, own OBX-14
    assert vitals.loc[at("2009-08-13T09:57:15+05:00"), "map"] == 100  # status F, parent's time


def test_pleth_waveform_array_is_skipped_and_spo2_kept():
    vitals = stored((REALDATA / "ipf_valid-oximeter-continua-wan.hl7v2").read_bytes())
    assert vitals[["spo2"]].values.tolist() == [[80.5]]
    assert vitals[["hr", "sbp", "rr"]].isna().all(axis=None)


def test_time_sync_dtm_observation_is_not_a_reading():
    vitals = stored((REALDATA / "ipf_valid-bp-continua-wan.hl7v2").read_bytes())
    assert len(vitals) == 1
    assert vitals[["sbp", "dbp", "map"]].values.tolist() == [[120, 80, 100]]


def test_segments_may_end_in_cr_lf_or_crlf():
    text = oru_message(
        "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R"
    ).decode()
    frames = [stored(text.replace("\r", end).encode()) for end in ("\r", "\n", "\r\n")]
    assert all(frame.equals(frames[0]) for frame in frames)
    assert frames[0]["hr"].tolist() == [72]


def test_mdc_and_ucum_units_are_both_understood_and_kpa_is_converted():
    vitals = stored(
        oru_message(
            "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1|97|%^%^UCUM|||||R",
            "OBX|2|NM|151562^MDC_RESP_RATE^MDC|1.2|14|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R",
            "OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.3|16|kPa^kPa^UCUM|||||R",
        )
    )
    assert vitals[["spo2", "rr"]].values.tolist() == [[97, 14]]
    assert vitals["sbp"].iloc[0] == pytest.approx(120.0, abs=0.05)


def test_a_unit_that_cannot_belong_to_the_vital_is_refused():
    result = readings(oru_message("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|72|mm[Hg]^mm[Hg]^UCUM|||||R"))
    assert result.readings.empty
    assert [(p.column, p.level) for p in result.problems] == [("OBX-6", "error")]


@pytest.mark.parametrize("sentinel", ["-100", "-999", "8388607"])
def test_device_sentinels_are_missing_values_not_readings(sentinel):
    result = readings(
        oru_message(
            f"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|{sentinel}|/min^/min^UCUM|||||R",
            "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2|98|262688^MDC_DIM_PERCENT^MDC|||||R",
        )
    )
    vitals = wide_vitals(result.readings, "S1")
    assert vitals["hr"].isna().all()
    assert vitals["spo2"].tolist() == [98]
    assert [p.level for p in result.problems if p.column == "OBX-5"] == ["warning"]


def test_vitalrecorder_track_codes_name_the_vital():
    vitals = stored(
        oru_message(
            "OBX|1|NM|TRACK^Intellivue/NIBP_SYS|1|118|mmHg|||||R",
            "OBX|2|NM|TRACK^Intellivue/PLETH_SAT_O2|2|95|%|||||R",
        )
    )
    assert vitals[["sbp", "spo2"]].values.tolist() == [[118, 95]]


def test_ecg_heart_rate_wins_over_oximeter_pulse_rate_at_the_same_time():
    both = stored(
        oru_message(
            "OBX|1|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.1|64|/min^/min^UCUM|||||R",
            "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2|61|/min^/min^UCUM|||||R",
        )
    )
    pulse_only = stored(
        oru_message("OBX|1|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.1|64|/min^/min^UCUM|||||R")
    )
    assert both["hr"].tolist() == [61]
    assert pulse_only["hr"].tolist() == [64]


def test_obx_time_wins_over_the_order_time_and_offsets_become_utc():
    vitals = stored(
        oru_message(
            "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|70|/min^/min^UCUM|||||R|||20260302100005+0100"
        )
    )
    assert vitals["timestamp"].tolist() == [at("2026-03-02T09:00:05Z")]


def test_a_time_with_only_a_date_is_refused():
    result = readings(
        oru_message("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|70|/min|||||R", obr_time="20260302")
    )
    assert result.readings.empty
    assert [p.column for p in result.problems] == ["OBX-14"]


def test_text_where_a_number_belongs_is_refused_with_segment_and_field():
    result = readings(oru_message("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|seventy|/min|||||R"))
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.level) == (5, "OBX-5", "error")
    assert "seventy" in problem.message


def test_bed_then_devices_are_where_the_session_is_looked_up():
    result = readings(
        oru_message(
            "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|70|/min|||||R|||||||AABBCCDDEEFF0011^EUI-64",
            bed="ICU^3001^1",
        )
    )
    assert result.source.identifiers == ("ICU/3001/1", "AABBCCDDEEFF0011", "0011223344556677")


def test_patient_identifiers_are_not_part_of_what_is_read():
    result = readings(oru_message("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|70|/min|||||R"))
    assert "P01" not in repr(result)


def test_an_acknowledgement_is_not_an_observation_message():
    with pytest.raises(MessageRejected) as rejected:
        readings((REALDATA / "ipf_valid-pcd01-response.hl7v2").read_bytes())
    assert (rejected.value.ack, rejected.value.code) == ("AR", 200)
