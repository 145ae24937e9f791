"""The commands that read and write files: ``validate``, ``alerts``, ``summarize``, ``simulate``.

Exit codes of ``validate`` let scripts gate an import: 0 clean, 1 problems found (each
printed as ``FILE:LINE: column COL: ...``), 2 a file could not be used at all. Progress for
long runs goes to stderr so that stdout stays clean for the problem list.
"""

from __future__ import annotations

import argparse
import glob
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from dashboard.core.analysis.pipeline import Analysis, analyse
from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.export import to_safe_csv, write_dataset
from dashboard.core.loading.loaders import load_dataset, load_paths
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.model import Dataset
from dashboard.core.problems import Problem
from dashboard.core.simulate.simulator import simulate_sessions

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2
COUNTED_LEVELS = ("fatal", "error", "artifact")  # warnings are shown but keep a file "clean"


def add_validate_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("files", nargs="+", help="CSV files or glob patterns (vitals, events or sessions)")
    add_settings_arguments(command)
    command.set_defaults(run=_validate)


def add_alerts_arguments(command: argparse.ArgumentParser) -> None:
    _add_table_arguments(command)
    command.set_defaults(run=_alerts)


def add_summarize_arguments(command: argparse.ArgumentParser) -> None:
    _add_table_arguments(command)
    command.set_defaults(run=_summarize)


def add_simulate_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--sessions", type=int, required=True, metavar="N", help="number of sessions")
    command.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    command.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="continuous sample interval in seconds (default 1)",
    )
    command.add_argument("--per-file", type=int, default=10, metavar="N", help="sessions per vitals file")
    command.add_argument("--out", required=True, metavar="DIR", help="output folder")
    command.set_defaults(run=_simulate)


def add_settings_arguments(command: argparse.ArgumentParser) -> None:
    """How to read timestamps; every command that loads CSV files takes the same two options."""
    command.add_argument("--timezone", default="UTC", help="time zone of naive timestamps (default UTC)")
    command.add_argument("--dayfirst", action="store_true", help="read 01/02/2026 as 1 February")


def load_settings(args: argparse.Namespace) -> LoadSettings:
    return LoadSettings(timezone=args.timezone, dayfirst=args.dayfirst)


def _add_table_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--vitals", nargs="+", required=True, metavar="F", help="vitals CSVs or globs")
    command.add_argument("--events", nargs="*", default=[], metavar="F", help="events CSVs or globs")
    command.add_argument("--sessions", nargs="*", default=[], metavar="F", help="sessions CSVs or globs")
    command.add_argument("--protocol", metavar="F", help="protocol TOML (default: the shipped protocol)")
    command.add_argument("--out", required=True, metavar="F", help="output CSV")
    add_settings_arguments(command)


def _validate(args: argparse.Namespace) -> int:
    dataset = load_paths(_expand(args.files), load_settings(args), on_progress=_progress)
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
        settings=load_settings(args),
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
