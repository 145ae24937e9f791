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

from dashboard.core.loading.artifacts import ArtifactCells, artifact_frame, empty_artifacts
from dashboard.core.loading.assemble import concat, conformed, session_spans
from dashboard.core.loading.careful_vitals import load_vitals
from dashboard.core.loading.columns import ColumnMap, map_columns
from dashboard.core.loading.csvlayout import Layout, sniff
from dashboard.core.loading.csvread import line_count
from dashboard.core.loading.fast_vitals import clean_vitals
from dashboard.core.loading.kinds import KINDS, file_kind
from dashboard.core.loading.records_file import load_events, load_sessions
from dashboard.core.loading.rows import read_mapped
from dashboard.core.loading.sources import Source, folder_files, named, read_source, rereadable
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.loading.vitals_buffer import VitalsBuffer
from dashboard.core.model import (
    EVENT_COLUMNS,
    SESSION_COLUMNS,
    VITALS_COLUMNS,
    Dataset,
    conform,
)
from dashboard.core.problems import Problem, UnusableFileError

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
    source = rereadable(source)
    kind, capacity = _measure(source, name, kind)
    if kind != "vitals":
        return _load(source, name, settings, kind)
    buffer = VitalsBuffer([capacity])
    artifacts, problems = _load(source, name, settings, kind, buffer, 0, alone=True)
    return LoadedFile("vitals", buffer.frame(), artifact_frame([artifacts]), problems)


def _open(source: Source, name: str | None, kind: str | None) -> tuple[Layout, ColumnMap, str]:
    data, name = read_source(source, name)
    layout = sniff(data, name)
    columns = map_columns(layout.header, name)
    return layout, columns, file_kind(columns, layout, kind)


def _measure(source: Source, name: str | None, kind: str | None) -> tuple[str, int]:
    """A file's kind and, for vitals, its lines below the header: the most rows it can give (see
    vitals_buffer)."""
    layout, _, kind = _open(source, name, kind)
    return kind, line_count(layout.body) - 1 if kind == "vitals" else 0


def _load(
    source: Source,
    name: str | None,
    settings: LoadSettings,
    kind: str,
    buffer: VitalsBuffer | None = None,
    number: int = 0,
    alone: bool = True,
) -> LoadedFile | tuple[ArtifactCells, list[Problem]]:
    """One file: events and sessions as a LoadedFile; vitals written into slot ``number`` of
    ``buffer``, returning their artifacts and problems. ``alone`` when no other file is read at
    the same time (pyarrow may use threads)."""
    layout, columns, kind = _open(source, name, kind)
    if kind == "vitals":
        return _load_vitals(layout, columns, settings, buffer, number, alone)
    rows = read_mapped(layout, columns, settings)
    if kind == "events":
        frame, problems = load_events(rows, settings)
    else:
        frame, problems = load_sessions(rows, settings)
    return LoadedFile(kind, conformed(frame, _COLUMNS[kind]), empty_artifacts(), _by_line(problems))


def _load_vitals(
    layout: Layout, columns: ColumnMap, settings: LoadSettings, buffer: VitalsBuffer, number: int, alone: bool
) -> tuple[ArtifactCells, list[Problem]]:
    fast = clean_vitals(layout, columns, buffer.slot(number), use_threads=alone, settings=settings)
    if fast is not None:
        ids, rows, artifacts, found = fast
        buffer.filled(number, rows, ids)
        return artifacts, _by_line([*columns.problems, *found])
    frame, artifacts, problems = load_vitals(read_mapped(layout, columns, settings), settings)
    buffer.put(number, frame, layout.name)
    return artifacts, _by_line(problems)


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
    """Files measured first (kind, lines), then loaded in parallel, vitals straight into one buffer."""
    jobs = [(kind, name, rereadable(source)) for kind, name, source in jobs]
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        measured = list(pool.map(lambda job: _or_problem(_measure, job[2], job[1], job[0]), jobs))
        in_buffer = [n for n, got in enumerate(measured) if isinstance(got, tuple) and got[0] == "vitals"]
        buffer = VitalsBuffer([measured[n][1] for n in in_buffer])
        slot = {job: number for number, job in enumerate(in_buffer)}

        def load(n: int) -> LoadedFile | tuple[ArtifactCells, list[Problem]] | Problem:
            if isinstance(measured[n], Problem):
                return measured[n]
            (kind, _), (_, name, source) = measured[n], jobs[n]
            return _or_problem(_load, source, name, settings, kind, buffer, slot.get(n, 0), len(jobs) == 1)

        loaded: dict[str, list[LoadedFile]] = {kind: [] for kind in KINDS}
        artifacts: list[ArtifactCells] = []  # of all vitals files, in the order they were given
        problems: list[Problem] = []
        # The small, slow-to-validate events and sessions files first, so that they overlap the
        # vitals files instead of finishing last; results are still taken in the order given.
        order = sorted(range(len(jobs)), key=lambda n: n in slot)
        futures = {n: pool.submit(load, n) for n in order}
        for done, result in enumerate((futures[n].result() for n in range(len(jobs))), start=1):
            if isinstance(result, Problem):
                problems.append(result)
            elif isinstance(result, LoadedFile):
                loaded[result.kind].append(result)
                problems += result.problems
            else:
                artifacts.append(result[0])
                problems += result[1]
            if on_progress is not None:
                on_progress(done, len(jobs), jobs[done - 1][1])
    vitals = buffer.frame()
    events = concat([f.frame for f in loaded["events"]], EVENT_COLUMNS)
    events = events.sort_values(["session_id", "timestamp"], kind="stable", ignore_index=True)
    sessions = concat([f.frame for f in loaded["sessions"]], SESSION_COLUMNS)
    completed = _complete(sessions, session_spans(vitals, ordered=True), events)  # buffer.frame() sorts
    return Dataset(vitals, events, completed, artifact_frame(artifacts), problems)


def _or_problem(step, source: Source, name: str | None, *args):
    """``step(source, name, ...)``, or the Problem of a file that cannot be used at all."""
    try:
        return step(source, name, *args)
    except UnusableFileError as error:
        return error.problem
