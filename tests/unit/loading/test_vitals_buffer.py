"""Many vitals files loaded into one buffer: every row of every file arrives once, in (session,
time) order, whichever path each file took and however its lines end."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest

import dashboard.core.loading.loaders as loaders
from dashboard.core.loading.loaders import load_dataset, load_file
from dashboard.core.loading.vitals_buffer import VitalsBuffer

HEADER = "session_id,timestamp,hr,sbp,dbp,map,spo2,rr\n"


def _rows(session: str, hrs: list[int]) -> str:
    return "".join(
        f"{session},2026-03-02T09:00:{second:02d}Z,{hr},,,,98,14\n" for second, hr in enumerate(hrs)
    )


def test_fast_and_careful_files_mixed_give_every_row_once_in_session_order() -> None:
    fast = HEADER + _rows("B", [70, 71])
    careful = (
        HEADER
        + _rows("A", [60, 61])
        + "A,not a time,62,,,,98,14\n"
        + '"C",2026-03-02T09:00:00Z,80,,,,98,14\n'
    )
    dataset = load_dataset(vitals=[("fast.csv", fast.encode()), ("careful.csv", careful.encode())])
    vitals = dataset.vitals
    assert vitals["session_id"].tolist() == ["A", "A", "B", "B", "C"]
    assert vitals["hr"].tolist() == [60, 61, 70, 71, 80]
    assert list(vitals["session_id"].cat.categories) == ["A", "B", "C"]
    assert [(p.file, p.line) for p in dataset.problems if p.level == "error"] == [("careful.csv", 4)]


def test_a_file_with_carriage_return_line_ends_loads_every_row() -> None:
    text = (HEADER + _rows("A", [60, 61, 62])).replace("\n", "\r")
    assert load_file(text.encode(), "mac.csv").frame["hr"].tolist() == [60, 61, 62]


def test_a_file_that_grew_after_it_was_measured_is_refused_by_name(tmp_path, monkeypatch) -> None:
    path = tmp_path / "growing.csv"
    path.write_text(HEADER + _rows("A", [60]))
    measure = loaders._measure

    def measure_then_grow(*args):
        measured = measure(*args)
        path.write_text(HEADER + _rows("A", [60, 61, 62]))
        return measured

    monkeypatch.setattr(loaders, "_measure", measure_then_grow)
    problems = load_dataset(vitals=[path]).problems
    assert [(p.file, p.level, p.message) for p in problems] == [
        (str(path), "fatal", "grew while it was being loaded")
    ]


def test_frame_shares_the_buffers_values_without_a_copy() -> None:
    buffer = VitalsBuffer([2])
    slot = buffer.slot(0)
    slot.session[:] = 0
    slot.time[:] = [0, 1_000_000]
    slot.values[:] = 1.0
    buffer.filled(0, 2, pd.Index(["A"], dtype="str"))
    frame = buffer.frame()
    assert np.shares_memory(frame["hr"].to_numpy(), slot.values)
    assert frame["timestamp"].tolist() == [pd.Timestamp(0, tz="UTC"), pd.Timestamp(1, unit="s", tz="UTC")]


class _Stream(io.RawIOBase):
    """An upload that can be read once, front to back (a pipe, a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._data.readinto(buffer)


def test_a_stream_that_cannot_seek_is_measured_and_loaded_all_the_same() -> None:
    text = (HEADER + _rows("A", [60, 61])).encode()
    assert load_file(_Stream(text), "pipe.csv").frame["hr"].tolist() == [60, 61]
    assert load_dataset(vitals=[("pipe.csv", _Stream(text))]).vitals["hr"].tolist() == [60, 61]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode(),
        lambda text: b"\xef\xbb\xbf" + text.encode(),  # UTF-8 with a byte-order mark
        lambda text: text.replace("\n", "\r\n").encode(),  # Windows line ends
        lambda text: text.replace("\n", "\r").encode(),  # old Mac line ends
        lambda text: text.rstrip("\n").encode(),  # no line end after the last row
        lambda text: ("VitalSignsCapture v1.005\n\n" + text).encode(),  # preamble above the header
        lambda text: text.replace("A,", "Ä,").encode("latin-1"),  # Latin-1
        lambda text: gzip.compress(text.encode()),
        lambda text: text.encode("utf-16"),
    ],
)
def test_a_file_on_disk_is_measured_as_it_loads_whatever_its_encoding_and_line_ends(tmp_path, encode) -> None:
    data = encode(HEADER + _rows("A", [60, 61, 62]))
    path = tmp_path / "v.csv"
    path.write_bytes(data)
    from_disk = load_dataset(vitals=[path])
    assert [p for p in from_disk.problems if p.level == "fatal"] == []
    assert from_disk.vitals["hr"].tolist() == [60, 61, 62]
    pd.testing.assert_frame_equal(from_disk.vitals, load_file(data, "v.csv").frame)
