"""Whatever bytes arrive, load_file either returns frames in the model or one UnusableFileError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.loading.loaders import load_file
from dashboard.core.model import ARTIFACT_COLUMNS, EVENT_COLUMNS, SESSION_COLUMNS, VITALS_COLUMNS, empty_frame
from dashboard.core.problems import UnusableFileError

COLUMNS = {"vitals": VITALS_COLUMNS, "events": EVENT_COLUMNS, "sessions": SESSION_COLUMNS}
HEADERS = [
    *("session_id", "timestamp", "hr", "sbp", "dbp", "map", "spo2", "rr", "event", "severity", "vital"),
    *("value", "time", "unix_time", "elapsed_s", "patient_id", "infusion_start", "HR (bpm)", "Date", "note"),
]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "-",
            "None",
            "-nan(ind)",
            "-999",
            "8388607",
            "0",
            "72",
            "72,5",
            "101",
            "abc",
            "nausea",
            "P01-S1",
            "2026-03-02T09:00:00Z",
            "2026-03-02 09:00",
            "03/02/2026 09:00:00",
            "1562838865.1",
            "1e400",
            "-1",
            '"quoted, cell"',
            "grade 2",
        ]
    ),  # fmt: skip
    st.text(max_size=12),
)


@st.composite
def csv_text(draw) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8))
    header = draw(st.sampled_from([header, ["timestamp", *header], ["session_id", "timestamp", *header]]))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    width = len(header)
    row = st.one_of(st.lists(CELLS, min_size=width, max_size=width), st.lists(CELLS, max_size=width + 2))
    rows = draw(st.lists(row, max_size=8))
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    return text.encode(encoding, errors="replace")


def _check(data: bytes) -> None:
    try:
        loaded = load_file(data, "prop.csv")
    except UnusableFileError as refused:
        assert refused.problem.level == "fatal"
        return
    # "category": vitals.session_id is categorical, its categories being the file's own sessions
    assert loaded.frame.dtypes.astype(str).equals(empty_frame(COLUMNS[loaded.kind]).dtypes.astype(str))
    assert loaded.artifacts.dtypes.equals(empty_frame(ARTIFACT_COLUMNS).dtypes)
    assert all(p.file == "prop.csv" for p in loaded.problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_unusable_file_error(data):
    _check(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_text())
def test_random_csv_shaped_text_loads_into_the_model_or_is_refused(data):
    _check(data)
