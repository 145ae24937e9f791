"""``python -m dashboard ingest``: follow growing monitor CSV exports (``core.live.ingest``)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from dashboard.cli.file_commands import add_settings_arguments, load_settings
from dashboard.core.live.ingest import watch
from dashboard.core.store import open_store
from dashboard.core.store.outage import Outage, retrying


def add_ingest_arguments(parser: argparse.ArgumentParser) -> None:
    """Follow the CSV exports in a folder that a monitor keeps appending to; store new rows once."""
    parser.add_argument("--watch", required=True, metavar="DIR", help="folder of CSV files to follow")
    parser.add_argument(
        "--interval", type=float, default=2.0, metavar="SECONDS", help="poll interval (default 2)"
    )
    add_settings_arguments(parser)
    parser.add_argument(
        "--database", metavar="URL", help="store URL (default: DASHBOARD_DATABASE_URL or local file)"
    )
    parser.set_defaults(run=run_ingest)


def run_ingest(args: argparse.Namespace) -> int:
    folder = Path(args.watch)
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    outage = Outage("ingest")
    with retrying(lambda: open_store(args.database), outage) as store:
        try:
            watch(
                store, folder, load_settings(args),
                report=lambda problem: print(problem, file=sys.stderr, flush=True),
                interval_s=args.interval,
                on_poll=lambda stored: stored and print(f"stored {stored} new rows", flush=True),
                outage=outage,
            )  # fmt: skip
        except KeyboardInterrupt:
            print("stopped; the next run resumes after the last stored row", file=sys.stderr)
    return 0
