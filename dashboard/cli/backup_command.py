"""``python -m dashboard backup --out FILE [--force] | --check FILE``: a consistent copy of the SQLite
session store while the app, ``feed`` and ``hl7-listen`` keep writing, and the check of a copy
without restoring it (``core.store.backup``).

Exit 0: done (the report on stdout); 1: the checked file has problems; 2: refused or failed, with
one line on stderr (a PostgreSQL store: the ``pg_dump`` line to use). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.cli.chair_command import EXIT_REFUSED, add_store_options
from dashboard.core.store.backup import BackupError, BackupReport, backup_store, check_backup

EXIT_PROBLEMS = 1


def add_backup_arguments(parser: argparse.ArgumentParser) -> None:
    """Back up the store to a new file, or check a backup file."""
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--out", type=Path, metavar="FILE", help="the new backup file (checked before it gets the name)"
    )
    what.add_argument(
        "--check",
        type=Path,
        metavar="FILE",
        help="check a backup file (integrity, schema revision, counts) without restoring it",
    )
    parser.add_argument("--force", action="store_true", help="replace --out FILE if it exists")
    add_store_options(parser)
    parser.set_defaults(run=run_backup)


def run_backup(args: argparse.Namespace) -> int:
    try:
        if args.check is not None:
            report = check_backup(args.check)
        else:
            report = backup_store(args.out, args.database, force=args.force, progress=_ProgressLine())
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REFUSED
    for line in _lines(report):
        print(line)
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    return EXIT_PROBLEMS if report.problems else 0


def _lines(report: BackupReport) -> list[str]:
    if report.snapshot_at is None:
        return report.lines()
    taken = f"Backed up as of {report.snapshot_at:%Y-%m-%d %H:%M:%S} UTC in {report.seconds:.1f} s"
    return [taken, *report.lines()]


class _ProgressLine:
    """Every tenth of a copy that takes several steps, on stderr."""

    def __init__(self) -> None:
        self.shown = 0

    def __call__(self, copied: int, total: int) -> None:
        if copied == total and not self.shown:
            return  # copied in one step: nothing to follow
        tenth = copied * 10 // max(total, 1)
        if tenth > self.shown:
            print(f"backup: {copied:,} of {total:,} pages", file=sys.stderr)
            self.shown = tenth
