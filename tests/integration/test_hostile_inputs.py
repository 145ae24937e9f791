"""Malformed and hostile input: every loader either loads it or refuses it with one clear message,
and whatever loads is exported formula-safe.

Random inputs (hypothesis) go to ``load_file`` with each kind forced, as when a user picks the
kind, and to ``load_protocol`` as an uploaded protocol file. Named inputs are the attacks and
accidents seen in the wild: spreadsheet formulas, HTML, absurd numbers, huge headers and fields,
NUL bytes, other encodings, path-like upload names.
"""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dashboard.core.analysis.protocol import ProtocolError, load_protocol
from dashboard.core.export import FORMULA_STARTS, to_safe_csv
from dashboard.core.loading.kinds import KINDS
from dashboard.core.loading.loaders import load_file, load_paths
from dashboard.core.model import VITALS
from dashboard.core.problems import UnusableFileError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAME = "hostile.csv"
T0 = "2026-03-02T09:00:00Z"
VITALS_HEADER = "session_id,timestamp,hr,sbp,dbp,spo2\n"


# --- random input ---------------------------------------------------------------------------------

LAYOUTS = (
    ("session_id", "timestamp", *VITALS),
    ("session_id", "timestamp", "vital", "value", "unit"),
    ("session_id", "timestamp", "event", "severity", "note"),
    ("session_id", "patient_id", "chair", "infusion_start", "planned_minutes", "weight_kg"),
    ("time", "HR (bpm)", "SpO2", "NIBP_SYS"),
)
GOOD_CELLS = {
    "session_id": ["P01-S1", "P02-S1", "=1+1"],
    "patient_id": ["P01", "@x"],
    "timestamp": [T0, "2026-03-02T09:00:05Z", "2026-03-02 09:00:10", "1772442000", "02/03/2026 09:00:15"],
    "time": ["09:00:00", "0", "12.5"],
    "vital": ["hr", "sbp", "SpO2", "pulse"],
    "event": ["nausea", "infusion_start", "ondansetron", "made-up effect"],
    "severity": ["mild", "severe", "grade 2", ""],
    "note": ["asked for a bowl", "=HYPERLINK(1)", "<b>x</b>", '"a, b"'],
    "unit": ["mmHg", "%", "/min"],
    "chair": ["Chair 1", ""],
    "infusion_start": [T0, ""],
}
JUNK_CELLS = st.one_of(
    st.sampled_from(["", "-", "-1", "1e400", "nan", "inf", "NULL", "12/31/2026", "72,5", '"unclosed',
                     "=cmd", "<script>x</script>", "\x00", "\u202e"]),
    st.text(max_size=20),
)  # fmt: skip
JUNK_NAMES = st.sampled_from(["", " ", '"', "=1+1", "hr", "timestamp", "Date", "x" * 300, "<b>"])


def cells(name: str) -> st.SearchStrategy[str]:
    """Mostly a value such a column holds (numbers for vitals), sometimes junk."""
    good = st.sampled_from(GOOD_CELLS.get(name, ["72", "128", "98", "0", "300", ""]))
    return st.one_of(good, good, good, JUNK_CELLS)


@st.composite
def csv_shapes(draw) -> bytes:
    """A known layout or random names; rows of the right width (mostly) or any width; any delimiter,
    line ending, encoding, maybe gzipped."""
    header = list(draw(st.sampled_from(LAYOUTS)))
    if draw(st.integers(0, 3)) == 0:
        header = draw(st.lists(st.one_of(st.sampled_from(header), JUNK_NAMES), min_size=1, max_size=10))
    row = st.tuples(*(cells(name) for name in header)).map(list)
    ragged = st.lists(JUNK_CELLS, max_size=len(header) + 3)
    rows = draw(st.lists(st.one_of(row, row, row, ragged), max_size=12))
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines) + draw(st.sampled_from(["", "\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    return gzip.compress(data) if draw(st.integers(0, 4)) == 0 else data


TOML_KEYS = st.sampled_from(
    ["id", "vital", "direction", "limit", "priority", "hysteresis", "delay_s", "confirm", "source",
     "name", "window_min", "interval_min", "interval_after_min", "overdue_factor", "after_s", "sbp", "x"]
)  # fmt: skip
TOML_VALUES = st.one_of(
    st.sampled_from(['"sbp"', '"high"', '"rise"', '"low"', '"medium"', "nan", "inf", "-inf", "1e400", "-5",
                     "0", "true", "[1, 2]", "{a = 1}", '"""x"""', "'x'", "2026-03-02", "[[1]]"]),
    st.integers().map(str),
    st.floats().map(str),
    st.text(max_size=15),
)  # fmt: skip
TOML_LINES = st.one_of(
    st.sampled_from(["[baseline]", "[cuff]", "[signal_loss]", "[[rule]]", "[overrides.P01]", "[[x]]", "["]),
    st.tuples(TOML_KEYS, TOML_VALUES).map(" = ".join),
    st.text(max_size=30),
)
DEFAULT_LINES = load_protocol().to_toml().splitlines()


@st.composite
def toml_texts(draw) -> str:
    """Random TOML-ish lines, or the shipped protocol with some lines replaced by such lines."""
    lines = draw(st.lists(TOML_LINES, max_size=25)) if draw(st.booleans()) else list(DEFAULT_LINES)
    for _ in range(draw(st.integers(0, 4)) if lines else 0):
        lines[draw(st.integers(0, len(lines) - 1))] = draw(TOML_LINES)
    return "\n".join(lines) + "\n"


def refused_clearly(error: UnusableFileError, name: str) -> None:
    problem = error.problem
    assert (problem.file, problem.line, problem.level) == (name, None, "fatal")
    assert problem.message.strip() and problem.expected.strip()
    assert str(error).startswith(f"{name}: ") and "Traceback" not in str(error)


def load_or_refuse(data: bytes, name: str = NAME, kind: str | None = None, fuzzing: bool = False):
    """The loaded file, or None when it was refused with one clear message (what happened is
    counted in hypothesis's statistics when ``fuzzing``)."""
    try:
        loaded = load_file(data, name, kind=kind)
    except UnusableFileError as error:
        refused_clearly(error, name)
        if fuzzing:
            event("refused: " + " ".join(error.problem.message.split()[:3]))
        return None
    if fuzzing:
        event(f"loaded as {loaded.kind}")
    assert kind in (None, loaded.kind)
    assert all(p.file == name and p.message.strip() for p in loaded.problems)
    assert_export_is_formula_safe(loaded.frame)
    return loaded


def assert_export_is_formula_safe(frame: pd.DataFrame) -> None:
    back = pd.read_csv(io.BytesIO(to_safe_csv(frame)), dtype=str, keep_default_na=False)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    text = back.drop(columns=numeric).stack()
    assert not text.str.startswith(FORMULA_STARTS).any()


@FUZZ
@given(data=st.binary(max_size=3000), kind=st.sampled_from(KINDS))
def test_random_bytes_as_each_kind_load_or_get_one_clear_error(data, kind):
    load_or_refuse(data, kind=kind, fuzzing=True)


@FUZZ
@given(data=csv_shapes(), kind=st.sampled_from([None, *KINDS]))
def test_random_csv_shapes_as_each_kind_load_or_get_one_clear_error(data, kind):
    load_or_refuse(data, kind=kind, fuzzing=True)


def protocol_or_clear_error(data: bytes) -> None:
    try:
        load_protocol(data)
    except ProtocolError as error:
        assert error.messages and all(m.strip() for m in error.messages)
        assert all(line.startswith("protocol: ") for line in str(error).splitlines())
        event("refused: " + ("not TOML" if "not valid TOML" in str(error) else "invalid settings"))
        return
    event("valid protocol")


@FUZZ
@given(toml_texts())
def test_random_protocol_text_gives_a_protocol_or_readable_errors(text):
    protocol_or_clear_error(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_as_a_protocol_file_give_a_protocol_or_readable_errors(data):
    protocol_or_clear_error(data)


# --- named hostile inputs ---------------------------------------------------------------------------

LOADS, REFUSED = "loads", "refused"
EVENTS_HEADER = "session_id,timestamp,event,note\n"
ROW = f"S1,{T0},72,120,80,98\n"


def vitals_file(*session_ids: str, extra: str = "") -> bytes:
    """A clean vitals row per session id, then ``extra`` lines as written."""
    return (VITALS_HEADER + "".join(ROW.replace("S1", sid, 1) for sid in session_ids) + extra).encode()


HOSTILE = {
    "formula cells": (
        LOADS,
        f"{EVENTS_HEADER}=cmd|' /C calc'!A0,{T0},=HYPERLINK(\"http://evil.invalid\"),@SUM(A1)\n".encode(),
    ),
    "<script> in a note": (LOADS, f"{EVENTS_HEADER}S1,{T0},nausea,<script>alert(1)</script>\n".encode()),
    "<script> as a column name": (
        LOADS,
        f"session_id,timestamp,hr,<script>alert(1)</script>\nS1,{T0},72,5\n".encode(),
    ),
    "huge numbers": (LOADS, f"{VITALS_HEADER}S1,{T0},1e308,99999999999999999999999,1e400,-1e400\n".encode()),
    "NaN and inf as text": (LOADS, f"{VITALS_HEADER}S1,{T0},NaN,inf,-Infinity,nan\n".encode()),
    "10,000-column header": (
        LOADS,
        (
            "session_id,timestamp,hr,"
            + ",".join(f"c{i}" for i in range(9997))
            + f"\nS1,{T0},72"
            + ",1" * 9997
            + "\n"
        ).encode(),
    ),
    "a 5 MB field in one row": (REFUSED, f"{EVENTS_HEADER}S1,{T0},nausea,".encode() + b"A" * 5_000_000),
    "one 5 MB line, no line break": (REFUSED, b"A" * 5_000_000),
    "NUL byte in the first 8 kB": (REFUSED, f"{VITALS_HEADER}S1,{T0},72,\x00120,80,98\n".encode()),
    "NUL byte later in a cell": (LOADS, vitals_file(*["S1"] * 300, extra=f"S1,{T0},7\x002,120,80,98\n")),
    "UTF-16 with BOM": (LOADS, vitals_file("S1").decode().encode("utf-16")),
    "UTF-16 without BOM": (REFUSED, vitals_file("S1").decode().encode("utf-16-le")),
    "mixed delimiters": (LOADS, vitals_file("S1", extra=f"S1;{T0};73;121;81;97\nS1\t{T0}\t74\t\t\t98\n")),
    "CSV injection in session ids": (LOADS, vitals_file("=1+1", "@SUM(A1)", "-2+3", "+cmd")),
    "gzip of 50 MB of NUL bytes": (REFUSED, gzip.compress(b"\x00" * 50_000_000)),
    "duplicate column names": (LOADS, f"session_id,timestamp,hr,hr\nS1,{T0},72,80\n".encode()),
    "header only": (REFUSED, VITALS_HEADER.encode()),
    "bidi and zero-width characters in a session id": (LOADS, vitals_file("P01\u202eS1\u200b")),
}


@pytest.mark.parametrize("outcome, data", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_loads_or_gets_one_clear_error_and_exports_formula_safe(outcome, data):
    loaded = load_or_refuse(data)
    assert (LOADS if loaded is not None else REFUSED) == outcome


def test_impossible_numbers_never_reach_the_vitals_as_numbers():
    loaded = load_or_refuse(HOSTILE["huge numbers"][1])
    assert loaded.frame[["hr", "sbp", "dbp", "spo2"]].isna().all().all()
    assert {p.column for p in loaded.problems} == {"hr", "sbp", "dbp", "spo2"}  # each one reported


def test_rows_in_another_delimiter_are_reported_by_line_not_dropped_silently():
    loaded = load_or_refuse(HOSTILE["mixed delimiters"][1])
    assert len(loaded.frame) == 1
    assert [p.line for p in loaded.problems] == [3, 4]


def test_html_is_kept_as_the_characters_typed():
    loaded = load_or_refuse(HOSTILE["<script> in a note"][1])
    assert loaded.frame["note"].tolist() == ["<script>alert(1)</script>"]


def test_path_like_upload_name_is_only_a_label():
    name = "../../etc/passwd"
    data = vitals_file("S1")
    loaded = load_or_refuse(data, name)
    assert loaded.frame["session_id"].tolist() == ["S1"]  # the bytes given, not the file at that path
    dataset = load_paths([(name, data), (name + "-empty", b"")])
    assert [p.file for p in dataset.problems] == [name + "-empty"]


def test_a_deeply_nested_protocol_is_refused_not_a_crash():
    with pytest.raises(ProtocolError, match="nested too deeply"):
        load_protocol(b"a = " + b"[" * 100_000)


def test_unterminated_quote_is_reported_not_swallowing_the_next_rows_silently():
    data = f'{EVENTS_HEADER}S1,{T0},nausea,"never closed\nS1,{T0},anxiety,x\n'.encode()
    loaded = load_or_refuse(data)
    spanning = [p for p in loaded.problems if "runs from line 2 to line 3" in p.message]
    assert len(spanning) == 1 and spanning[0].line == 2
