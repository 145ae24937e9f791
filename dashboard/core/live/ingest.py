"""Follow CSV exports that a monitor keeps appending to, storing each new complete row once.

Each poll reads a file from the byte offset stored with the rows already ingested, up to its
last newline (a row still being written waits for the next poll), and hands the loaders the
file's header followed by the new lines, so every format the loaders accept can be followed.
Rows and the new offset are committed together: a watcher killed at any moment resumes where
the stored rows end. Bad rows are reported with their line in the file and skipped; they never
stop the watch. Reports name files and lines only, never the patient.

When the store cannot be reached (``store.outage``) the watch waits with backoff and polls
again once it answers: each poll starts from the offset the store holds, so a batch whose commit
was lost is read again and one that was committed is not (``ingest_batch`` stores a batch only
if the offset it started from is still the stored one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from dashboard.core.loading.csvlayout import sniff
from dashboard.core.loading.loaders import load_file
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.model import EVENT_COLUMNS, VITALS_COLUMNS, empty_frame
from dashboard.core.problems import Problem, UnusableFileError
from dashboard.core.roles import Actor
from dashboard.core.store import IngestPosition, Store
from dashboard.core.store.outage import Outage, unreachable

INGEST_USER = "ingest"
INGEST = Actor.service(INGEST_USER)  # a device feed: it may store readings (and their notes) only
# Headers are kept as latin-1 text: it maps every byte to one character, so the exact bytes
# of any encoding come back when the header is prepended to the next lines.
_HEADER_CODEC = "latin-1"


@dataclass(frozen=True)
class NewLines:
    """The complete lines a file gained since ``before``, behind its header (``prefix``)."""

    prefix: bytes
    body: bytes
    before: IngestPosition | None
    after: IngestPosition


class Watcher:
    """Polls the CSV files of one folder into the store."""

    def __init__(
        self,
        store: Store,
        folder: Path,
        settings: LoadSettings,
        report: Callable[[Problem], None],
        pattern: str = "*.csv",
    ) -> None:
        self.store, self.folder, self.settings, self.report, self.pattern = (
            store,
            folder,
            settings,
            report,
            pattern,
        )

    def poll(self) -> int:
        """Ingest what every file gained since the last poll; returns the rows stored."""
        return sum(self._ingest(path) for path in sorted(self.folder.glob(self.pattern)) if path.is_file())

    def _ingest(self, path: Path) -> int:
        key = str(path.resolve())
        position = self.store.ingest_position(key)
        try:
            new = new_lines(path, position, self.report)
            if new is None:
                return 0
            vitals, events = self._parse(path.name, new)
        except UnusableFileError as error:
            self.report(error.problem)
            return 0
        stored = self.store.ingest_batch(key, new.before, new.after, vitals, events, user=INGEST)
        return len(vitals) + len(events) if stored else 0

    def _parse(self, name: str, new: NewLines) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Vitals and events of the new lines; problems reported with their line in the file."""
        vitals, events = empty_frame(VITALS_COLUMNS), empty_frame(EVENT_COLUMNS)
        if not new.body.strip():
            return vitals, events
        loaded = load_file(new.prefix + new.body, name, self.settings)
        header_lines = new.prefix.count(b"\n")
        lines_before = new.after.lines - new.body.count(b"\n")
        for problem in loaded.problems:
            if problem.line is not None and problem.line > header_lines:
                problem = replace(problem, line=lines_before + problem.line - header_lines)
            self.report(problem)
        if loaded.kind == "sessions":
            self.report(_warning(name, "is a sessions file, not followed", "vitals or events exports"))
        if loaded.kind == "vitals":
            return loaded.frame, events
        return vitals, (loaded.frame if loaded.kind == "events" else events)


def new_lines(
    path: Path, position: IngestPosition | None, report: Callable[[Problem], None]
) -> NewLines | None:
    """The complete lines after ``position`` (None when there are none yet)."""
    before = position
    if position is not None and path.stat().st_size < position.offset:
        report(
            _warning(
                path.name,
                "is shorter than the part already stored (replaced or truncated)",
                "an export that only grows; reading it again from the start",
            )
        )
        position = None
    offset = 0 if position is None else position.offset
    with path.open("rb") as file:
        file.seek(offset)
        data = file.read()
    complete = data[: data.rfind(b"\n") + 1]
    if not complete:
        return None
    if position is None:
        header_lines = sniff(complete, path.name).header_line
        cut = _end_of_line(complete, header_lines)
        prefix, body, lines = complete[:cut], complete[cut:], header_lines
        if not body.strip():  # the header is only trusted once rows follow it
            return None
    else:
        prefix, body, lines = position.header.encode(_HEADER_CODEC), complete, position.lines
    after = IngestPosition(
        offset=offset + len(complete), lines=lines + body.count(b"\n"), header=prefix.decode(_HEADER_CODEC)
    )
    return NewLines(prefix=prefix, body=body, before=before, after=after)


def watch(
    store: Store,
    folder: Path,
    settings: LoadSettings,
    report: Callable[[Problem], None],
    interval_s: float = 2.0,
    on_poll: Callable[[int], None] = lambda stored: None,
    keep_going: Callable[[], bool] = lambda: True,
    outage: Outage | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Poll ``folder`` every ``interval_s`` seconds while ``keep_going()``; an unreachable store
    is waited out (``outage``: one log line when it starts, one when it ends)."""
    watcher, outage = Watcher(store, folder, settings, report), outage or Outage("ingest")
    while keep_going():
        try:
            stored = watcher.poll()
        except Exception as error:
            if not unreachable(error):
                raise
            sleep(outage.failed(error))
            continue
        outage.recovered()
        on_poll(stored)
        sleep(interval_s)


def _end_of_line(data: bytes, lines: int) -> int:
    """Byte index just after the ``lines``-th newline."""
    cut = 0
    for _ in range(lines):
        cut = data.index(b"\n", cut) + 1
    return cut


def _warning(file: str, message: str, expected: str) -> Problem:
    return Problem(file=file, line=None, column=None, message=message, expected=expected, level="warning")
