"""The public loading API: what a person sees after loading a file, good or bad."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest

from dashboard.core.loading.loaders import complete_sessions, load_dataset, load_file, load_paths
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.model import EVENT_COLUMNS, SESSION_COLUMNS, VITALS_COLUMNS, empty_frame
from dashboard.core.problems import UnusableFileError

HEADER = "session_id,timestamp,hr,sbp,dbp,map,spo2,rr\n"
CLEAN = HEADER + "P01-S1,2026-03-02T09:00:00Z,72,,,,98,14\nP01-S1,2026-03-02T09:00:05Z,73,128,82,97,98,14\n"
TIME_EXPECTED = "expected a time such as 2026-03-02T09:00:00Z, epoch seconds, or dd/mm/yyyy HH:MM:SS"


def _load(text: str | bytes, name: str = "v.csv", **kwargs):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_file(data, name, **kwargs)


def _messages(loaded, level: str | None = None) -> list[str]:
    return [str(p) for p in loaded.problems if level is None or p.level == level]


def _refusal(text: str | bytes, name: str = "v.csv", **kwargs) -> str:
    with pytest.raises(UnusableFileError) as refused:
        _load(text, name, **kwargs)
    assert refused.value.problem.level == "fatal"
    return str(refused.value)


def test_canonical_wide_file_loads_as_is():
    loaded = _load(CLEAN)
    assert loaded.kind == "vitals"
    assert tuple(loaded.frame.columns) == VITALS_COLUMNS
    assert loaded.frame["hr"].tolist() == [72.0, 73.0]
    assert loaded.frame["sbp"].isna().tolist() == [True, False]
    assert str(loaded.frame["timestamp"].dtype) == "datetime64[us, UTC]"
    assert loaded.problems == []


def test_long_form_file_becomes_one_row_per_time():
    text = (
        "session_id,timestamp,vital,value,unit\n"
        "P01-S1,2026-03-02T09:00:05Z,sbp,128,mmHg\n"
        "P01-S1,2026-03-02T09:00:05Z,dbp,82,mmHg\n"
        "P01-S1,2026-03-02T09:00:00Z,hr,72,bpm\n"
    )
    loaded = _load(text)
    assert loaded.frame[["hr", "sbp", "dbp"]].fillna(0).values.tolist() == [[72.0, 0, 0], [0, 128.0, 82.0]]


def test_file_without_session_column_is_one_session_named_after_the_file():
    loaded = _load("timestamp,HR (bpm)\n2026-03-02T09:00:00Z,72\n", name="exports/P07-S2.csv.gz")
    assert loaded.frame["session_id"].tolist() == ["P07-S2"]


def test_upload_file_object_and_path_load_the_same(tmp_path):
    path = tmp_path / "P01.csv"
    path.write_text(CLEAN)
    from_path = load_file(path)
    upload = io.BytesIO(CLEAN.encode())
    upload.name = "P01.csv"
    assert load_file(upload).frame.equals(from_path.frame)


def test_gzip_export_loads(tmp_path):
    path = tmp_path / "v.csv.gz"
    path.write_bytes(gzip.compress(CLEAN.encode()))
    assert len(load_file(path).frame) == 2


def test_vscapture_export_with_preamble_date_time_columns_and_placeholders_loads():
    data = (
        "\ufeffVitalSignsCapture v1.005\r\nDatex AS3 Monitor\r\n"
        "Date,Time,Heart Rate(/min),Systolic BP(mmHg),Diastolic BP(mmHg),Mean BP(mmHg),"
        "SpO2(%),ETCO2(mmHg), RR\r\n"
        "15/05/2016,12:50:56,72,-,-,-,98,35,12,\r\n"
        "15/05/2016,12:51:01,73,121,79,93,None,35,12,\r\n"
    ).encode()
    loaded = load_file(data, "AS3ExportData.csv", settings=LoadSettings(dayfirst=True))
    assert loaded.frame["timestamp"].tolist() == [
        pd.Timestamp("2016-05-15T12:50:56Z"),
        pd.Timestamp("2016-05-15T12:51:01Z"),
    ]
    assert loaded.frame[["hr", "sbp", "spo2", "rr"]].fillna(-1).values.tolist() == [
        [72, -1, 98, 12],
        [73, 121, -1, 12],
    ]
    assert [p.message for p in loaded.problems] == ["columns not in the model, ignored: ETCO2(mmHg)"]


def test_rows_come_out_sorted_by_session_and_time():
    text = (
        HEADER
        + "B,2026-03-02T09:00:00Z,70,,,,,\nA,2026-03-02T09:00:01Z,71,,,,,\nA,2026-03-02T09:00:00Z,72,,,,,\n"
    )
    assert _load(text).frame["hr"].tolist() == [72.0, 71.0, 70.0]


def test_naive_times_use_the_clinic_time_zone_setting():
    loaded = _load("timestamp,hr\n2026-07-01 09:00:00,72\n", settings=LoadSettings(timezone="Europe/Oslo"))
    assert loaded.frame["timestamp"].iloc[0] == pd.Timestamp("2026-07-01T07:00:00Z")


def test_events_file_maps_names_and_keeps_unknown_ones_with_a_warning():
    text = (
        "session_id,timestamp,event,severity,note\n"
        "P01-S1,2026-03-02T09:25:00Z,Nauseous,Moderate,asked for a bowl\n"
        "P01-S1,2026-03-02T09:26:00Z,Zofran,,4 mg IV\n"
        "P01-S1,2026-03-02T09:27:00Z,hiccups,grade 1,\n"
    )
    loaded = _load(text, name="e.csv")
    assert loaded.kind == "events"
    assert tuple(loaded.frame.columns) == EVENT_COLUMNS
    assert loaded.frame["event"].tolist() == ["nausea", "ondansetron", "hiccups"]
    assert loaded.frame["category"].tolist() == ["side_effect", "intervention", "unknown"]
    assert loaded.frame["severity"].tolist()[0::2] == ["moderate", "mild"]
    assert _messages(loaded) == [
        "e.csv:4: column event: 'hiccups' is not in the event vocabulary; kept as an unknown event; "
        "expected an event name or alias from data/vocabulary.csv"
    ]


def test_unreadable_severity_is_reported_and_the_event_kept():
    loaded = _load("session_id,timestamp,event,severity\nS,2026-03-02T09:25:00Z,nausea,awful\n", name="e.csv")
    assert loaded.frame["event"].tolist() == ["nausea"]
    assert _messages(loaded) == [
        "e.csv:2: column severity: 'awful' could not be read; cell left empty; "
        "expected mild, moderate, severe or a CTCAE grade 1-5"
    ]


def test_sessions_file_loads_and_repeated_session_keeps_the_first_row():
    text = (
        "session_id,patient_id,chair,infusion_start,infusion_end,planned_minutes,dose_mg_per_kg,weight_kg\n"
        "P01-S1,P01,Chair 2,2026-03-02T09:10:00Z,2026-03-02T09:50:00Z,40,0.5,72\n"
        "P01-S1,P01,Chair 3,2026-03-02T10:10:00Z,2026-03-02T10:50:00Z,40,0.5,72\n"
    )
    loaded = _load(text, name="s.csv")
    assert loaded.kind == "sessions"
    assert tuple(loaded.frame.columns) == SESSION_COLUMNS
    assert loaded.frame["chair"].tolist() == ["Chair 2"]
    assert _messages(loaded) == [
        "s.csv:3: column session_id: session 'P01-S1' appears again; row skipped; "
        "expected one row per session"
    ]


def test_infusion_that_ends_before_it_starts_loses_both_times():
    text = "session_id,infusion_start,infusion_end\nS,2026-03-02T10:00:00Z,2026-03-02T09:00:00Z\n"
    loaded = _load(text, name="s.csv")
    assert loaded.frame[["infusion_start", "infusion_end"]].isna().all(axis=None)
    assert _messages(loaded) == [
        "s.csv:2: column infusion_end: infusion ends before it starts; both times left empty; "
        "expected infusion_end after infusion_start"
    ]


def test_kind_can_be_forced():
    assert _load(CLEAN, kind="vitals").kind == "vitals"


def test_forcing_a_kind_the_columns_do_not_fit_is_refused():
    assert _refusal(CLEAN, kind="events") == (
        "v.csv: was loaded as events but lacks their columns "
        "(columns: session_id, timestamp, hr, sbp, dbp, map, spo2, rr); "
        "expected an event column"
    )


def test_upload_read_before_is_read_again_from_the_start():
    upload = io.BytesIO(CLEAN.encode())
    upload.read()
    assert len(load_file(upload, "again.csv").frame) == 2


# --- malformed input: the exact message a person reads -------------------------------------


def test_empty_file_is_refused():
    assert _refusal(b"") == "v.csv: is empty; expected a header row and at least one row of readings"


def test_binary_bytes_are_refused():
    assert (
        _refusal(bytes(range(256)) * 4)
        == "v.csv: is a binary file, not a text table; expected a CSV export (text)"
    )


def test_header_only_file_is_refused():
    assert (
        _refusal(HEADER) == "v.csv: has a header but no data rows; expected at least one row below the header"
    )


def test_file_without_timestamp_column_is_refused():
    assert _refusal("session_id,hr\nA,72\n") == (
        "v.csv: has no timestamp column (columns: session_id, hr); "
        "expected a time column such as timestamp, time, datetime, charttime, unix_time or elapsed_s"
    )


def test_file_with_no_known_column_is_refused():
    assert _refusal("foo,bar\n1,2\n") == (
        "v.csv: has no known vital, event or session column (columns: foo, bar); expected vitals "
        "(e.g. hr, sbp, spo2), events (event) or sessions (session_id, infusion_start) columns"
    )


def test_elapsed_only_file_without_origin_is_refused_with_the_fix():
    assert _refusal("elapsed_s,hr\n0,72\n60,73\n") == (
        "v.csv: gives only elapsed time (column elapsed_s) and no start time (elapsed origin) is set; "
        "expected a start time in the load settings (elapsed origin), or a column of clock times"
    )


def test_elapsed_only_file_loads_with_an_origin():
    loaded = _load(
        "elapsed_min,hr\n0,72\n1.5,73\n", settings=LoadSettings(elapsed_origin="2026-03-02T09:00:00Z")
    )
    assert loaded.frame["timestamp"].tolist()[1] == pd.Timestamp("2026-03-02T09:01:30Z")


def test_every_row_ragged_is_refused():
    assert _refusal("timestamp,hr,spo2\n2026-03-02T09:00:00Z,72\n") == (
        "v.csv: has no readable row: row has 2 fields but the header has 3 (first at line 2); "
        "expected 3 fields separated by commas"
    )


def test_unparseable_timestamp_rejects_that_row_only():
    text = (
        HEADER
        + "A,2026-03-02T09:00:00Z,72,,,,,\nA,2026-13-45 25:00,73,,,,,\nA,2026-03-02T09:00:02Z,74,,,,,\n"
    )
    loaded = _load(text)
    assert loaded.frame["hr"].tolist() == [72.0, 74.0]
    assert _messages(loaded) == [
        f"v.csv:3: column timestamp: '2026-13-45 25:00' could not be read; row skipped; {TIME_EXPECTED}"
    ]


def test_missing_session_id_rejects_the_row():
    loaded = _load(HEADER + ",2026-03-02T09:00:00Z,72,,,,,\nA,2026-03-02T09:00:01Z,73,,,,,\n")
    assert loaded.frame["hr"].tolist() == [73.0]
    assert _messages(loaded) == ["v.csv:2: column session_id: missing; row skipped; expected a session id"]


def test_non_numeric_hr_empties_that_cell_and_keeps_the_row():
    loaded = _load(HEADER + "A,2026-03-02T09:00:00Z,72,,,,98,\nA,2026-03-02T09:00:01Z,7O,,,,97,\n")
    assert loaded.frame["spo2"].tolist() == [98.0, 97.0]
    assert np.isnan(loaded.frame["hr"].iloc[1])
    assert _messages(loaded) == [
        "v.csv:3: column hr: '7O' is not a number; cell left empty; expected a number in beats/min"
    ]


def test_ragged_row_is_reported_with_its_line():
    loaded = _load(HEADER + "A,2026-03-02T09:00:00Z,72,,,,98,14\nA,2026-03-02T09:00:01Z,73\n")
    assert len(loaded.frame) == 1
    assert _messages(loaded) == [
        "v.csv:3: row has 3 fields but the header has 8; row skipped; expected 8 fields separated by commas"
    ]


def test_rows_wider_than_the_header_are_kept_with_one_warning_naming_their_lines():
    text = (
        HEADER
        + "A,2026-03-02T09:00:00Z,72,,,,98,14,1,2\n"
        + "A,2026-03-02T09:00:01Z,73,,,,97,14\n"
        + "A,2026-03-02T09:00:02Z,74,,,,96,14,1,2\n"
        + "A,2026-03-02T09:00:03Z,75\n"
    )
    loaded = _load(text)
    assert loaded.frame["hr"].tolist() == [72.0, 73.0, 74.0]
    assert _messages(loaded) == [
        "v.csv: lines 2, 4: 2 more fields than the header's 8; the header's 8 columns were read, "
        "the fields after the last (rr) were not. If the exporter inserted fields mid-row, the "
        "columns after them hold other values: compare them with the monitor; "
        "expected a header naming every field of a row",
        "v.csv:5: row has 3 fields but the header has 8; row skipped; expected 8 fields separated by commas",
    ]


def test_semicolon_file_with_decimal_commas_loads():
    text = "timestamp;HR;SpO2;Temp\n02/03/2026 09:00:00;72,5;98,1;36,6\n"
    loaded = _load(text, settings=LoadSettings(dayfirst=True))
    assert loaded.frame[["hr", "spo2"]].values.tolist() == [[72.5, 98.1]]
    assert loaded.frame["timestamp"].iloc[0] == pd.Timestamp("2026-03-02T09:00:00Z")


def test_latin1_file_loads_with_its_accents():
    text = "session_id,timestamp,event,note\nS,2026-03-02T09:25:00Z,nausea,naus\xe9e l\xe9g\xe8re\n"
    loaded = _load(text.encode("latin-1"), name="e.csv")
    assert loaded.frame["note"].tolist() == ["nausée légère"]


def test_bom_file_loads_its_first_column():
    loaded = _load(b"\xef\xbb\xbf" + CLEAN.encode())
    assert loaded.frame["session_id"].tolist() == ["P01-S1", "P01-S1"]


def test_sbp_not_above_dbp_is_an_artifact():
    loaded = _load(HEADER + "A,2026-03-02T09:00:00Z,72,80,90,,98,14\n")
    assert loaded.frame[["sbp", "dbp"]].isna().all(axis=None)
    assert loaded.artifacts["vital"].tolist() == ["sbp", "dbp"]
    assert _messages(loaded, "artifact") == [
        "v.csv:2: column sbp: SBP 80 is part of a cuff reading 80/90 with SBP not above DBP; "
        "excluded from alerts; expected SBP above DBP",
        "v.csv:2: column dbp: DBP 90 is part of a cuff reading 80/90 with SBP not above DBP; "
        "excluded from alerts; expected SBP above DBP",
    ]


def test_spo2_above_100_is_an_artifact():
    loaded = _load(HEADER + "A,2026-03-02T09:00:00Z,72,,,,101,14\n")
    assert np.isnan(loaded.frame["spo2"].iloc[0])
    assert _messages(loaded) == [
        "v.csv:2: column spo2: SpO2 101 is above the plausible maximum; excluded from alerts; "
        "expected SpO2 between 30 and 100 %"
    ]


def test_zero_hr_is_an_artifact():
    loaded = _load(HEADER + "A,2026-03-02T09:00:00Z,0,,,,98,14\n")
    assert np.isnan(loaded.frame["hr"].iloc[0])
    assert loaded.artifacts[["vital", "value", "line"]].values.tolist() == [["hr", 0.0, 2]]
    assert _messages(loaded) == [
        "v.csv:2: column hr: HR 0 is a zero reading (probe off or disconnected); excluded from alerts; "
        "expected HR between 20 and 300 beats/min"
    ]


def test_placeholders_and_sentinels_are_missing_without_problems():
    text = HEADER + "A,2026-03-02T09:00:00Z,-,None,-nan(ind),,-999,8388607\n"
    loaded = _load(text)
    assert loaded.frame[["hr", "sbp", "dbp", "map", "spo2", "rr"]].isna().all(axis=None)
    assert loaded.problems == []


# --- many files ------------------------------------------------------------------------------


def test_dataset_concatenates_sorts_and_completes_sessions():
    progress = []
    dataset = load_dataset(
        vitals=[("b.csv", HEADER.encode() + b"B,2026-03-02T10:00:00Z,70,,,,,\n"), ("a.csv", CLEAN.encode())],
        events=[("e.csv", b"session_id,timestamp,event\nP01-S1,2026-03-02T09:00:02Z,infusion_start\n")],
        on_progress=lambda done, total, name: progress.append((done, total, name)),
    )
    assert dataset.vitals["session_id"].tolist() == ["B", "P01-S1", "P01-S1"]
    assert progress == [(1, 3, "b.csv"), (2, 3, "a.csv"), (3, 3, "e.csv")]
    starts = dict(zip(dataset.sessions["session_id"], dataset.sessions["infusion_start"], strict=True))
    assert starts == {
        "B": pd.Timestamp("2026-03-02T10:00:00Z"),
        "P01-S1": pd.Timestamp("2026-03-02T09:00:02Z"),
    }


def test_unusable_file_does_not_stop_the_others():
    dataset = load_dataset(vitals=[("empty.csv", b""), ("a.csv", CLEAN.encode())])
    assert len(dataset.vitals) == 2
    assert [(p.file, p.level) for p in dataset.problems] == [("empty.csv", "fatal")]


def test_load_paths_sniffs_each_kind_and_reads_folders(tmp_path):
    (tmp_path / "v.csv").write_text(CLEAN)
    (tmp_path / "e.csv").write_text("session_id,timestamp,event\nP01-S1,2026-03-02T09:00:02Z,nausea\n")
    (tmp_path / "s.csv").write_text("session_id,patient_id\nP01-S1,P01\n")
    (tmp_path / "readme.md").write_text("not data")
    dataset = load_paths([tmp_path])
    assert (len(dataset.vitals), len(dataset.events), len(dataset.sessions)) == (2, 1, 1)
    assert dataset.sessions["patient_id"].tolist() == ["P01"]
    assert dataset.problems == []


def test_complete_sessions_prefers_sessions_file_then_events_then_vitals():
    vitals = load_file(CLEAN.encode(), "v.csv").frame
    events = empty_frame(EVENT_COLUMNS)
    sessions = pd.DataFrame(
        {"session_id": ["P01-S1"], "infusion_end": [pd.Timestamp("2026-03-02T09:50:00Z")]}
    )
    completed = complete_sessions(sessions.reindex(columns=SESSION_COLUMNS), vitals, events)
    row = completed.iloc[0]
    assert row["infusion_start"] == pd.Timestamp("2026-03-02T09:00:00Z")  # first vitals sample
    assert row["infusion_end"] == pd.Timestamp("2026-03-02T09:50:00Z")  # from the sessions file
