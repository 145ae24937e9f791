"""``python -m dashboard feed``: replay sessions into the store as live chairs (``core.live.feed``)."""

from __future__ import annotations

import argparse
import logging
import sys

import pandas as pd

from dashboard.core.live.feed import plan_replay, replay, resume_start, run_tag
from dashboard.core.loading.loaders import load_paths
from dashboard.core.settings import SAMPLE_DIR
from dashboard.core.simulate.simulator import simulate_cohort
from dashboard.core.store import EntryError, open_store
from dashboard.core.store.outage import Outage, retrying


def add_feed_arguments(parser: argparse.ArgumentParser) -> None:
    """Replay sample sessions into the store in real time (or faster), several chairs at once."""
    parser.add_argument("--speed", type=float, default=1.0, metavar="X", help="times faster than real time")
    parser.add_argument(
        "--chairs", type=int, default=6, metavar="N", help="sessions replayed at once (default 6)"
    )
    parser.add_argument(
        "--stagger", type=float, default=0.0, metavar="MIN", help="minutes between chair starts"
    )
    parser.add_argument(
        "--source",
        default=str(SAMPLE_DIR),
        metavar="DIR",
        help="folder of canonical CSVs (default sample_data)",
    )
    parser.add_argument(
        "--simulate", action="store_true", help="simulate a cohort instead of reading --source"
    )
    parser.add_argument("--seed", type=int, default=0, help="simulation seed (with --simulate)")
    parser.add_argument(
        "--database", metavar="URL", help="store URL (default: DASHBOARD_DATABASE_URL or local file)"
    )
    parser.set_defaults(run=run_feed)


def run_feed(args: argparse.Namespace) -> int:
    if args.simulate:
        dataset = simulate_cohort(seed=args.seed, sample_interval_s=1)
    else:
        dataset = load_paths([args.source])
        if dataset.vitals.empty:
            print(f"error: no vitals in {args.source}; use --simulate to generate sessions", file=sys.stderr)
            return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    outage = Outage("feed")
    with retrying(lambda: open_store(args.database), outage) as store:
        now = pd.Timestamp.now(tz="UTC").floor("s")
        key, start = retrying(
            lambda: resume_start(store, dataset, args.speed, args.chairs, args.stagger), outage
        )
        if start is None:
            start = now
        else:
            print(f"resuming the run started {start:%Y-%m-%d %H:%M:%S} UTC (same sessions)", flush=True)
        plan = plan_replay(dataset, start, args.speed, args.chairs, args.stagger, tag=run_tag(key, start))
        already_s = (pd.Timestamp.now(tz="UTC") - start).total_seconds()
        try:
            replay(
                store, plan, on_commit=lambda progress: print(progress, flush=True),
                already_s=already_s, started_at=start, outage=outage,
            )  # fmt: skip
        except EntryError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("stopped; everything reported as committed is stored", file=sys.stderr)
    return 0
