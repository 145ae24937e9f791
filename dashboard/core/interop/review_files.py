"""Files for the review in any mix: CSV exports through the loaders, FHIR R4 JSON (a Bundle or
Observations, as an EHR sends them) through ``fhir.read_fhir``, merged into one ``Dataset``
with one validation report, so an analyst drops a folder of both and sees every problem by file.

Steps: split the named files by kind (``.json``, or content that opens with ``{``), load the
CSV ones together (``load_paths``), read each FHIR file on its own (an unusable one becomes its
problem, the others still load), then concatenate the frames and complete the sessions table
from everything seen, as the loaders do for CSV alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from dashboard.core.interop.fhir import read_fhir
from dashboard.core.loading.loaders import complete_sessions, load_paths
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.model import Dataset, session_categories
from dashboard.core.problems import Problem, UnusableFileError

Part = tuple[str, bytes]


def is_fhir_json(name: str, data: bytes) -> bool:
    """A JSON document by its name or its first character (FHIR JSON is always an object)."""
    return name.lower().endswith(".json") or data.lstrip()[:1] == b"{"


def load_review_files(
    parts: Sequence[Part], settings: LoadSettings, on_progress: Callable[[int, int, str], None] | None = None
) -> Dataset:
    """CSV and FHIR JSON files as one dataset; a file that cannot be used is a problem, never a stop."""
    fhir = [part for part in parts if is_fhir_json(*part)]
    csv = [part for part in parts if not is_fhir_json(*part)]
    datasets = [load_paths(csv, settings, on_progress=on_progress)] if csv else []
    problems: list[Problem] = []
    for name, data in fhir:
        try:
            datasets.append(read_fhir(data, name))
        except UnusableFileError as error:
            problems.append(error.problem)
    return _merged(datasets, problems)


def _merged(datasets: list[Dataset], problems: list[Problem]) -> Dataset:
    if len(datasets) == 1 and not problems:
        return datasets[0]
    merged = Dataset.of(
        vitals=_stacked([d.vitals for d in datasets], ["session_id", "timestamp"]),
        events=_stacked([d.events for d in datasets], ["session_id", "timestamp"]),
        sessions=_stacked([d.sessions for d in datasets], ["session_id"]),
        artifacts=_stacked([d.artifacts for d in datasets], ["session_id", "timestamp"]),
        problems=[p for d in datasets for p in d.problems] + problems,
    )
    merged.vitals["session_id"] = session_categories(merged.vitals["session_id"])
    given = merged.sessions.drop_duplicates("session_id")  # a session named in two files: the first
    merged.sessions = complete_sessions(given, merged.vitals, merged.events)
    return merged


def _stacked(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame | None:
    frames = [frame.astype({"session_id": "str"}) for frame in frames if len(frame)]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True).sort_values(order, kind="stable", ignore_index=True)
