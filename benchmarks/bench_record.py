"""Benchmark: the Review's time to the summary table on N stored sessions, beside the same sessions
from CSV (issue 13, item 1).

Simulates N sessions (1 Hz HR/SpO2/RR, a cuff reading every 5 min, 65 minutes each), writes them as
canonical CSVs (10 sessions per vitals file) and puts what the loaders read from those files into a
SQLite store (and, with --database, into an empty PostgreSQL database). Then, interleaved over
--rounds, each in a fresh child process, times from the first read to the summary table:
  csv:         ``load_dataset`` of the files + ``analyse``  (the Review on uploaded files)
  sqlite/pg:   ``clinic_record`` (``recorded_sessions`` + ``record_dataset`` + the artifact
               screening the loaders do too) + ``analyse``  (the Review on Clinic records; opening
               the store, which the app does once, is not timed)
and prints each run (read and analysis apart) with its peak RSS, the medians, and whether the
summary tables are equal. Building the data is setup, done once and reused: the vitals go into the
store by ADBC bulk ingest (``add_vitals`` would take minutes for 7.8 M rows), sessions and events
through the store's own API.

    python -m benchmarks.bench_record --sessions 2000 [--rounds 3] [--database postgresql://u@host/db]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SUMMARY_FILE = "summary_{source}.pkl"
FIRST = "-first"  # a store's first read: no columnar copy of its vitals yet


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", help="an empty PostgreSQL database (filled on the first run)")
    parser.add_argument(
        "--data", type=Path, default=Path("/tmp/bench_record_data"), help="generated files go here"
    )
    stores = ["sqlite", "postgresql"]
    measured = ["csv", *stores, *(store + FIRST for store in stores)]
    parser.add_argument("--measure", choices=measured, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    folder = args.data / f"n{args.sessions}_seed{args.seed}"
    sources = {"csv": None, "sqlite": f"sqlite:///{folder / 'store.sqlite3'}"}
    if args.database:
        sources["postgresql"] = args.database
    if args.measure:
        store = args.measure.removesuffix(FIRST)
        print(json.dumps(measure(args.measure, folder, sources[store], args.keep)))
        return

    prepare(folder, args.sessions, args.seed, [url for url in sources.values() if url])
    # Each store twice: its first read (no columnar copy yet, which it writes), then a later one.
    timed = [run for source in sources for run in ([source] if source == "csv" else [source + FIRST, source])]
    runs: dict[str, list[dict]] = {source: [] for source in timed}
    for round_ in range(args.rounds):
        for source in timed:
            run = measure_in_child(source, args, keep=round_ == 0)
            runs[source].append(run)
            print(
                f"round {round_ + 1} {source:>10}: {run['total_s']:6.2f} s to the summary "
                f"(read {run['read_s']:.2f} s, analyse {run['analyse_s']:.2f} s), "
                f"{run['sessions']} sessions, {run['rows']:,} rows, peak RSS {run['peak_mb']:,.0f} MB"
            )
    print(f"medians over {args.rounds} interleaved rounds:")
    for source, done in runs.items():
        median = {
            key: statistics.median(run[key] for run in done) for key in ("total_s", "read_s", "peak_mb")
        }
        print(
            f"  {source:>10}: {median['total_s']:.2f} s to the summary (read {median['read_s']:.2f} s), "
            f"peak RSS {median['peak_mb']:,.0f} MB"
        )
    compare_summaries(folder, timed)


def prepare(folder: Path, sessions: int, seed: int, store_urls: list[str]) -> None:
    """The CSV files, then every store filled with what the loaders read from them (once)."""
    if not (folder / "sessions.csv").exists():
        from dashboard.core.export.canonical_csv import write_dataset
        from dashboard.core.simulate.simulator import simulate_sessions

        started = time.perf_counter()
        dataset = simulate_sessions(sessions, seed=seed, sample_interval_s=1)
        write_dataset(dataset, folder, sessions_per_file=10)
        print(f"simulated and wrote CSVs in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    rows = sum(_count_rows(path) for path in folder.glob("vitals_*.csv"))
    dataset = None
    for url in store_urls:
        stored = _stored_rows(url)
        if stored == rows:
            _end_sessions(url)
            continue
        if stored:
            raise SystemExit(
                f"{_url_mark(url)} holds {stored:,} vitals rows, not {rows:,}: give an empty one"
            )
        dataset = dataset or load_csv(folder)
        started = time.perf_counter()
        fill_store(url, dataset)
        _end_sessions(url)
        print(f"filled {_url_mark(url)} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def load_csv(folder: Path):
    from dashboard.core.loading.loaders import load_dataset

    return load_dataset(
        vitals=sorted(folder.glob("vitals_*.csv")),
        events=[folder / "events.csv"],
        sessions=[folder / "sessions.csv"],
    )


def fill_store(url: str, dataset) -> None:
    """Sessions and events through the store's API; vitals by ADBC bulk ingest, as the store
    keeps them (SQLite: naive UTC text as SQLAlchemy writes it; PostgreSQL: timestamptz)."""
    import pyarrow as pa

    from dashboard.core.model import VITALS_COLUMNS
    from dashboard.core.store import open_store
    from dashboard.core.store.arrow_reads import adbc_uri, connect

    with open_store(url) as store:  # closed before ADBC opens it: two SQLite copies never share a file
        engine_url = store.engine.url
        sqlite = store.engine.dialect.name == "sqlite"
        for row in dataset.sessions.to_dict("records"):
            plan = {key: row[key] for key in ("patient_id", "chair", "planned_minutes", "dose_mg_per_kg",
                                              "weight_kg", "indication", "infusion_start")}  # fmt: skip
            store.start_session(row["session_id"], user="bench", at=row["infusion_start"], **plan)
        store.add_events(dataset.events, user="bench")
    vitals = dataset.vitals.loc[:, list(VITALS_COLUMNS)]
    vitals = vitals.assign(session_id=vitals["session_id"].astype("str"), user="bench")
    stamps = vitals["timestamp"].dt.tz_convert(None)
    now = pd.Timestamp.now(tz="UTC").tz_convert(None) if sqlite else pd.Timestamp.now(tz="UTC")
    if sqlite:
        vitals["timestamp"] = pd.Series(
            stamps.to_numpy().astype("datetime64[us]").astype(str), index=vitals.index
        ).str.replace("T", " ", regex=False)
        now = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    table = pa.Table.from_pandas(vitals.assign(entered_at=now), preserve_index=False)
    with connect(*adbc_uri(engine_url)) as conn, conn.cursor() as cursor:
        cursor.adbc_ingest("vitals", table, mode="append")
        conn.commit()


def _end_sessions(url: str) -> None:
    """Every session ended at its last sample, as a clinic's past sessions are (only ended ones
    are kept in the columnar copy)."""
    from dashboard.core.store import open_store

    with open_store(url) as store:
        for row in store.active_sessions().to_dict("records"):
            store.end_session(row["session_id"], user="bench", reason="benchmark", at=row["last_sample"])


def measure_in_child(source: str, args: argparse.Namespace, keep: bool) -> dict:
    """One timed run in a fresh process, so each starts cold and its peak memory is its own."""
    command = [sys.executable, "-m", "benchmarks.bench_record", "--measure", source, "--data", str(args.data),
               "--sessions", str(args.sessions), "--seed", str(args.seed)]  # fmt: skip
    command += ["--database", args.database] if args.database else []
    command += ["--keep"] if keep else []
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"the {source} run failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(source: str, folder: Path, url: str | None, keep: bool) -> dict:
    from dashboard.core.analysis.pipeline import analyse
    from dashboard.core.analysis.protocol import load_protocol

    protocol = load_protocol(None)
    if source == "csv":
        started = time.perf_counter()
        dataset = load_csv(folder)
    else:
        from dashboard.core.live.clinic_record import clinic_record
        from dashboard.core.store import open_store
        from dashboard.core.store.vitals_snapshot import snapshot_path

        store = open_store(url)
        if source.endswith(FIRST):
            snapshot_path(store.engine).unlink(missing_ok=True)
        started = time.perf_counter()
        dataset = clinic_record(store)  # the Review's read: recorded_sessions, record_dataset, screening
    read = time.perf_counter()
    analysis = analyse(dataset, protocol)
    done = time.perf_counter()
    if keep:
        analysis.summary.to_pickle(folder / SUMMARY_FILE.format(source=source))
    return {
        "total_s": done - started,
        "read_s": read - started,
        "analyse_s": done - read,
        "sessions": len(dataset.sessions),
        "rows": len(dataset.vitals),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def compare_summaries(folder: Path, sources: list[str]) -> None:
    expected = _sorted(pd.read_pickle(folder / SUMMARY_FILE.format(source="csv")))
    for source in sources[1:]:
        got = _sorted(pd.read_pickle(folder / SUMMARY_FILE.format(source=source)))
        try:
            pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_categorical=False)
            print(f"summary table from {source} equals the one from CSV")
        except AssertionError as difference:
            print(f"summary table from {source} DIFFERS from the one from CSV: {difference}")


def _count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1


def _stored_rows(url: str) -> int:
    from dashboard.core.store import open_store

    with open_store(url) as store, store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM vitals").scalar()


def _sorted(summary: pd.DataFrame) -> pd.DataFrame:
    return summary.sort_values("session_id").reset_index(drop=True)


def _url_mark(url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return f"{parsed.get_backend_name()}_{Path(parsed.database or 'memory').name}"


if __name__ == "__main__":
    main()
