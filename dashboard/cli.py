"""Command line: ``python -m dashboard validate | alerts | summarize | simulate``.

Exit codes of ``validate`` let scripts gate an import: 0 clean, 1 problems found (each
printed as ``FILE:LINE: column COL: ...``), 2 a file could not be used at all. Progress for
long runs goes to stderr so that stdout stays clean for the problem list.
"""

from __future__ import annotations

import argparse
import glob
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from dashboard.core.analysis.pipeline import Analysis, analyse
from dashboard.core.analysis.protocol import ProtocolError, load_protocol
from dashboard.core.export.exports import to_safe_csv
from dashboard.core.loading.loaders import load_dataset, load_paths
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.model import Dataset
from dashboard.core.problems import Problem
from dashboard.core.simulate.simulator import simulate_sessions, write_dataset

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2
COUNTED_LEVELS = ("fatal", "error", "artifact")  # warnings are shown but keep a file "clean"


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(argv).parse_args(argv)
    try:
        return args.run(args)
    except ProtocolError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNUSABLE


# Commands that run against the session store: (module, function adding their options, help).
_STORE_COMMANDS: dict[str, tuple[str, str, str]] = {
    "feed": (
        "dashboard.core.live.feed",
        "add_feed_arguments",
        "replay sample sessions into the store as live chairs",
    ),
    "ingest": (
        "dashboard.core.live.ingest",
        "add_ingest_arguments",
        "follow growing monitor CSV exports into the store",
    ),
    "hl7-listen": (
        "dashboard.core.interop.mllp_listener",
        "add_hl7_arguments",
        "receive monitor vitals as HL7 v2 ORU^R01 over MLLP",
    ),
}


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Ketamine infusion session monitor: validate exports, compute alerts and summaries. "
        "Decision support only, not a medical device.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check files and list every problem with its line")
    validate.add_argument("files", nargs="+", help="CSV files or glob patterns (vitals, events or sessions)")
    _add_settings(validate)
    validate.set_defaults(run=_validate)

    for name, run, what in (
        ("alerts", _alerts, "one row per alert episode"),
        ("summarize", _summarize, "one row per session"),
    ):
        command = commands.add_parser(name, help=f"write {what} as CSV")
        command.add_argument("--vitals", nargs="+", required=True, metavar="F", help="vitals CSVs or globs")
        command.add_argument("--events", nargs="*", default=[], metavar="F", help="events CSVs or globs")
        command.add_argument("--sessions", nargs="*", default=[], metavar="F", help="sessions CSVs or globs")
        command.add_argument("--protocol", metavar="F", help="protocol TOML (default: the shipped protocol)")
        command.add_argument("--out", required=True, metavar="F", help="output CSV")
        _add_settings(command)
        command.set_defaults(run=run)

    simulate = commands.add_parser("simulate", help="write simulated sessions (seeded) as CSV files")
    simulate.add_argument("--sessions", type=int, required=True, metavar="N", help="number of sessions")
    simulate.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    simulate.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="continuous sample interval in seconds (default 1)",
    )
    simulate.add_argument("--per-file", type=int, default=10, metavar="N", help="sessions per vitals file")
    simulate.add_argument("--out", required=True, metavar="DIR", help="output folder")
    simulate.set_defaults(run=_simulate)

    for name, (module, add_arguments, what) in _STORE_COMMANDS.items():
        command = commands.add_parser(name, help=what)
        if list(argv[:1]) == [name]:  # the store stack is imported only by the command that runs
            getattr(importlib.import_module(module), add_arguments)(command)
    return parser


def _add_settings(command: argparse.ArgumentParser) -> None:
    command.add_argument("--timezone", default="UTC", help="time zone of naive timestamps (default UTC)")
    command.add_argument("--dayfirst", action="store_true", help="read 01/02/2026 as 1 February")


def _settings(args: argparse.Namespace) -> LoadSettings:
    return LoadSettings(timezone=args.timezone, dayfirst=args.dayfirst)


def _validate(args: argparse.Namespace) -> int:
    dataset = load_paths(_expand(args.files), _settings(args), on_progress=_progress)
    _print_problems(dataset.problems, sys.stdout)
    levels = {problem.level for problem in dataset.problems}
    if "fatal" in levels:
        return EXIT_UNUSABLE
    return EXIT_PROBLEMS if levels & set(COUNTED_LEVELS) else EXIT_CLEAN


def _alerts(args: argparse.Namespace) -> int:
    return _analyse_and_write(args, lambda analysis: analysis.alerts)


def _summarize(args: argparse.Namespace) -> int:
    return _analyse_and_write(args, lambda analysis: analysis.summary)


def _analyse_and_write(args: argparse.Namespace, pick: Callable[[Analysis], pd.DataFrame]) -> int:
    protocol = load_protocol(Path(args.protocol) if args.protocol else None)
    dataset = load_dataset(
        vitals=_expand(args.vitals),
        events=_expand(args.events),
        sessions=_expand(args.sessions),
        settings=_settings(args),
        on_progress=_progress,
    )
    _report_counts(dataset)
    Path(args.out).write_bytes(to_safe_csv(pick(analyse(dataset, protocol))))
    print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_UNUSABLE if any(p.level == "fatal" for p in dataset.problems) else EXIT_CLEAN


def _simulate(args: argparse.Namespace) -> int:
    dataset = simulate_sessions(args.sessions, seed=args.seed, sample_interval_s=args.interval)
    paths = write_dataset(dataset, Path(args.out), sessions_per_file=args.per_file)
    print(f"wrote {len(paths)} files to {args.out}", file=sys.stderr)
    return EXIT_CLEAN


def _expand(patterns: Sequence[str]) -> list[str]:
    """Expand globs the shell left alone (quoted, or on Windows); a plain missing path stays,
    so that the loader reports it by name."""
    files: list[str] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        files.extend(matches or [pattern])
    return files


def _progress(done: int, total: int, name: str) -> None:
    if total > 1:
        print(f"[{done}/{total}] {name}", file=sys.stderr, flush=True)


def _print_problems(problems: list[Problem], stream) -> None:
    for problem in problems:
        stream.write(f"{problem}\n")


def _report_counts(dataset: Dataset) -> None:
    if dataset.problems:
        by_level: dict[str, int] = {}
        for problem in dataset.problems:
            by_level[problem.level] = by_level.get(problem.level, 0) + 1
        counts = ", ".join(f"{n} {level}" for level, n in sorted(by_level.items()))
        print(f"input problems: {counts} (run `python -m dashboard validate` to list them)", file=sys.stderr)
    print(
        f"loaded {dataset.vitals['session_id'].nunique()} sessions, {len(dataset.vitals)} vitals rows, "
        f"{len(dataset.events)} events",
        file=sys.stderr,
    )
