"""``python -m dashboard monitor list | assign MONITOR_ID SESSION_ID``: the monitors that send,
and giving one a session (``core.live.monitor_assignment``)."""

from __future__ import annotations

import argparse
import sys

from dashboard.core.live.monitor_assignment import assign_monitor, monitor_list
from dashboard.core.store import EntryError, open_store


def add_monitor_arguments(parser: argparse.ArgumentParser) -> None:
    """List the monitors that send, or assign one to an open session (its held readings join it)."""
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="monitors assigned to sessions, and those sending with none")
    assign = actions.add_parser("assign", help="send a monitor's readings (held ones too) to an open session")
    assign.add_argument(
        "monitor_id", metavar="MONITOR_ID", help="as `monitor list` shows it (bed, EUI-64, ...)"
    )
    assign.add_argument("session_id", metavar="SESSION_ID", help="an open session")
    assign.add_argument("--user", required=True, help="who assigns it (kept in the audit log)")
    for action in (listing, assign):
        action.add_argument(
            "--database", metavar="URL", help="store URL (default: DASHBOARD_DATABASE_URL or local file)"
        )
    listing.set_defaults(run=run_monitor_list)
    assign.set_defaults(run=run_monitor_assign)


def run_monitor_list(args: argparse.Namespace) -> int:
    with open_store(args.database) as store:
        monitors = monitor_list(store)
    if monitors.empty:
        print("no monitor has sent anything yet")
    for row in monitors.itertuples():
        if isinstance(row.session_id, str):
            print(f"{row.monitor_id}\tsession {row.session_id}")
        else:
            last = f"{row.last_reading:%Y-%m-%d %H:%M:%S} UTC"
            print(f"{row.monitor_id}\tsending, no session: {row.readings} readings held, last {last}")
    return 0


def run_monitor_assign(args: argparse.Namespace) -> int:
    with open_store(args.database) as store:
        try:
            attached = assign_monitor(store, args.monitor_id, args.session_id, user=args.user)
        except EntryError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(f"{args.monitor_id} -> {args.session_id}: {attached} held readings attached")
    return 0
