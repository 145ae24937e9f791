"""Benchmark: ``python -m dashboard summarize`` end to end against a plain pyarrow parse.

Generates N simulated sessions (1 Hz HR/SpO2/RR, a cuff reading every 5 min, 65 minutes each,
10 sessions per vitals file), then times
  1. ``pyarrow.csv.read_csv`` of the same files (the floor: reading bytes into columns), and
  2. ``python -m dashboard summarize`` as a user runs it (load, validate, alerts, summary, write),
and prints both, the ratio and the summarize run's peak memory.
Targets on the 2-core reference machine for 2,000 sessions (7.8 M rows): ratio <= 5, peak < 3 GB.

``--times`` writes the times as real monitor exports do instead of ISO with a ``Z``: ``naive``
(``2026-03-02 09:00:00``, local clock times), ``dayfirst`` (``02/03/2026 09:00:00``) or ``epoch``
(seconds); summarize is then told the clinic's ``--timezone`` (and ``--dayfirst``).

    python -m benchmarks.bench_core --sessions 2000 [--times naive]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.csv as pacsv

from benchmarks.time_shapes import SHAPES, rewrite_times
from dashboard.core.simulate.simulator import simulate_sessions, write_dataset

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data", type=Path, default=Path("/tmp/bench_core_data"), help="generated files go here"
    )
    parser.add_argument("--times", choices=["utc", *SHAPES], default="utc", help="how files write times")
    parser.add_argument(
        "--timezone", default="Europe/Oslo", help="the clinic's zone, for --times naive/dayfirst"
    )
    args = parser.parse_args()

    folder = args.data / f"n{args.sessions}_seed{args.seed}"
    vitals = ensure_data(folder, args.sessions, args.seed)
    settings: list[str] = []
    if args.times != "utc":
        zone = "UTC" if args.times == "epoch" else args.timezone
        folder = rewrite_times(
            folder, folder.with_name(f"{folder.name}_{args.times}_{zone.replace('/', '-')}"), args.times, zone
        )
        vitals = sorted(folder.glob("vitals_*.csv"))
        settings = ["--timezone", zone, *(["--dayfirst"] if args.times == "dayfirst" else [])]
    rows = sum(count_rows(path) for path in vitals)
    print(f"data: {args.sessions} sessions, {len(vitals)} vitals files, {rows:,} rows in {folder}")

    parse_s = time_plain_parse(vitals)
    print(f"pyarrow.csv.read_csv of the vitals files: {parse_s:.2f} s")

    summarize_s, peak_mb = time_summarize(folder, vitals, settings)
    print(f"python -m dashboard summarize end to end: {summarize_s:.2f} s, peak RSS {peak_mb:,.0f} MB")
    print(
        f"ratio summarize / plain parse: {summarize_s / parse_s:.1f}x (target <= 5x); "
        f"peak memory {'under' if peak_mb < 3072 else 'OVER'} 3 GB"
    )


def ensure_data(folder: Path, sessions: int, seed: int) -> list[Path]:
    """Generate the data once; later runs reuse it so that only the measured steps are timed."""
    if not (folder / "sessions.csv").exists():
        started = time.perf_counter()
        write_dataset(
            simulate_sessions(sessions, seed=seed, sample_interval_s=1), folder, sessions_per_file=10
        )
        print(f"generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return sorted(folder.glob("vitals_*.csv"))


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1


def time_plain_parse(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        pacsv.read_csv(path)
    return time.perf_counter() - started


def time_summarize(folder: Path, vitals: list[Path], settings: list[str]) -> tuple[float, float]:
    """Run the CLI as a child process so that its peak memory is measured on its own; ``settings``
    are its timestamp options."""
    command = [
        sys.executable,
        "-m",
        "dashboard",
        "summarize",
        "--vitals",
        *map(str, vitals),
        "--events",
        str(folder / "events.csv"),
        "--sessions",
        str(folder / "sessions.csv"),
        "--out",
        str(folder / "summary.csv"),
        *settings,
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024


if __name__ == "__main__":
    main()
