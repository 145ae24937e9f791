"""Loading real exports into the canonical model: the public API of the core's input side.

``load_file`` reads one CSV (path, bytes or an upload's file object) of any supported layout and
returns canonical frames plus every problem found; ``load_dataset`` / ``load_paths`` load many
files and never let one unusable file stop the others.

MIMIC-III tables beside charted vitals:
- ``icustays`` loads as a sessions file: ``icustay_id`` is the session, ``subject_id`` the
  patient. Its ``intime``/``outtime`` are ICU admission times, not infusion times, and are not used.
- ``inputevents`` is refused (kinds.py): it holds drug infusion *segments* split at every rate
  change, with carrier-solution rows and several drugs per stay, and which drug marks "the"
  session is a choice the file cannot make. Convert it to an events file first (infusion_start at
  the first segment's starttime, infusion_stop at the last segment's endtime of the chosen drug's
  linkorderid chain).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from dashboard.core.artifacts import empty_artifacts
from dashboard.core.assemble import concat, concat_vitals, conformed, session_spans, sort_vitals
from dashboard.core.clean_vitals import clean_vitals
from dashboard.core.columns import map_columns
from dashboard.core.csvlayout import sniff
from dashboard.core.kinds import KINDS, file_kind
from dashboard.core.model import (
    ARTIFACT_COLUMNS,
    EVENT_COLUMNS,
    SESSION_COLUMNS,
    VITALS_COLUMNS,
    Dataset,
    conform,
)
from dashboard.core.problems import Problem, UnusableFileError
from dashboard.core.records_file import load_events, load_sessions
from dashboard.core.rows import read_mapped
from dashboard.core.sources import Source, folder_files, named, read_source
from dashboard.core.timestamps import LoadSettings
from dashboard.core.vitals_file import load_vitals

Progress = Callable[[int, int, str], None]
_COLUMNS = {"vitals": VITALS_COLUMNS, "events": EVENT_COLUMNS, "sessions": SESSION_COLUMNS}
DEFAULT_SETTINGS = LoadSettings()
_WORKERS = 2  # files loaded at a time: pyarrow and Arrow compute release the GIL for most of the work


@dataclass
class LoadedFile:
    """One file in the canonical model: ``frame`` has the columns of its ``kind``."""

    kind: str
    frame: pd.DataFrame
    artifacts: pd.DataFrame = field(default_factory=empty_artifacts)
    problems: list[Problem] = field(default_factory=list)


def load_file(
    source: Source,
    name: str | None = None,
    settings: LoadSettings = DEFAULT_SETTINGS,
    kind: str | None = None,
) -> LoadedFile:
    """Load one file; raises UnusableFileError (one clear message) when nothing in it can be used.

    ``kind`` (vitals, events or sessions) is sniffed from the columns when not given; ``name`` is
    what problems call the file (default: the path as given, or the upload's name).
    """
    loaded = _load(source, name, settings, kind)
    if isinstance(loaded, _ArrowVitals):
        frame = conformed(loaded.table.to_pandas(), VITALS_COLUMNS)
        return LoadedFile("vitals", frame, loaded.artifacts, loaded.problems)
    return loaded


@dataclass
class _ArrowVitals:
    """A canonical wide vitals file kept in Arrow, so that many of them reach pandas in one conversion."""

    table: pa.Table
    artifacts: pd.DataFrame
    problems: list[Problem]


def _load(
    source: Source, name: str | None, settings: LoadSettings, kind: str | None, alone: bool = True
) -> LoadedFile | _ArrowVitals:
    """One file; ``alone`` when no other file is read at the same time (pyarrow may use threads)."""
    data, name = read_source(source, name)
    layout = sniff(data, name)
    columns = map_columns(layout.header, name)
    kind = file_kind(columns, layout, kind)
    fast = clean_vitals(layout, columns, use_threads=alone) if kind == "vitals" else None
    if fast is not None:
        table, artifacts, found = fast
        return _ArrowVitals(table, artifacts, _by_line([*columns.problems, *found]))
    rows = read_mapped(layout, columns)
    if kind == "vitals":
        frame, artifacts, problems = load_vitals(rows, settings)
        frame = sort_vitals(frame)
    elif kind == "events":
        (frame, problems), artifacts = load_events(rows, settings), empty_artifacts()
    else:
        (frame, problems), artifacts = load_sessions(rows, settings), empty_artifacts()
    return LoadedFile(
        kind, conformed(frame, _COLUMNS[kind]), conformed(artifacts, ARTIFACT_COLUMNS), _by_line(problems)
    )


def _by_line(problems: list[Problem]) -> list[Problem]:
    """A file's problems in line order (file-level ones first), found order kept within a line."""
    return sorted(problems, key=lambda p: p.line or 0)


def load_dataset(
    vitals: Iterable = (),
    events: Iterable = (),
    sessions: Iterable = (),
    settings: LoadSettings = DEFAULT_SETTINGS,
    on_progress: Progress | None = None,
) -> Dataset:
    """Load files of known kinds; each argument holds sources or (name, source) pairs."""
    jobs = [
        (kind, *named(item))
        for kind, items in zip(KINDS, (vitals, events, sessions), strict=True)
        for item in items
    ]
    return _assemble(jobs, settings, on_progress)


def load_paths(
    paths: Iterable, settings: LoadSettings = DEFAULT_SETTINGS, on_progress: Progress | None = None
) -> Dataset:
    """Load files whose kind is sniffed from their columns.

    Items are paths, folders (every data file in them) or (name, source) pairs such as uploads.
    """
    jobs = []
    for item in paths:
        if isinstance(item, str | os.PathLike) and Path(item).is_dir():
            jobs += [(None, str(file), file) for file in folder_files(Path(item))]
        else:
            jobs.append((None, *named(item)))
    return _assemble(jobs, settings, on_progress)


def complete_sessions(sessions: pd.DataFrame, vitals: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per session seen anywhere, with infusion start and end filled wherever they are knowable.

    Infusion times come from the sessions file, else from infusion_start / infusion_stop events,
    else from the first / last vitals sample.
    """
    return _complete(sessions, session_spans(vitals), events)


def _complete(sessions: pd.DataFrame, span: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    sessions = conform(sessions, SESSION_COLUMNS)
    seen = pd.concat([sessions["session_id"], events["session_id"], span.index.to_series()])
    ids = pd.Index(seen.dropna().unique(), name="session_id").sort_values()
    table = sessions.drop_duplicates("session_id").set_index("session_id").reindex(ids)
    starts = events.loc[events["event"] == "infusion_start"].groupby("session_id")["timestamp"].min()
    stops = events.loc[events["event"] == "infusion_stop"].groupby("session_id")["timestamp"].max()
    table["infusion_start"] = (
        table["infusion_start"].fillna(starts.reindex(ids)).fillna(span["min"].reindex(ids))
    )
    table["infusion_end"] = table["infusion_end"].fillna(stops.reindex(ids)).fillna(span["max"].reindex(ids))
    return conform(table.reset_index(), SESSION_COLUMNS)


def _assemble(
    jobs: list[tuple[str | None, str, Source]], settings: LoadSettings, on_progress: Progress | None
) -> Dataset:
    loaded: dict[str, list[LoadedFile]] = {kind: [] for kind in KINDS}
    arrow: list[pa.Table] = []
    artifacts: list[pd.DataFrame] = []  # of all vitals files, in the order they were given
    problems: list[Problem] = []

    def load(job: tuple[str | None, str, Source]) -> LoadedFile | _ArrowVitals | Problem:
        kind, name, source = job
        try:
            return _load(source, name, settings, kind, alone=len(jobs) == 1)
        except UnusableFileError as error:
            return error.problem

    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        for done, (result, (_, name, _)) in enumerate(zip(pool.map(load, jobs), jobs, strict=True), start=1):
            if isinstance(result, Problem):
                problems.append(result)
            elif isinstance(result, _ArrowVitals):
                arrow.append(result.table)
                artifacts.append(result.artifacts)
                problems += result.problems
            else:
                loaded[result.kind].append(result)
                artifacts += [result.artifacts] if result.kind == "vitals" else []
                problems += result.problems
            if on_progress is not None:
                on_progress(done, len(jobs), name)
    vitals = concat_vitals([f.frame for f in loaded["vitals"]], arrow)
    events = concat([f.frame for f in loaded["events"]], EVENT_COLUMNS)
    events = events.sort_values(["session_id", "timestamp"], kind="stable", ignore_index=True)
    sessions = concat([f.frame for f in loaded["sessions"]], SESSION_COLUMNS)
    completed = _complete(sessions, session_spans(vitals, ordered=True), events)  # concat_vitals sorted them
    return Dataset(vitals, events, completed, concat(artifacts, ARTIFACT_COLUMNS), problems)
