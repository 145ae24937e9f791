"""``python -m dashboard chair set NAME [--monitor ID ...] | remove NAME | list``: the clinic's
chairs and the identifiers their monitors send (``store.chair_rows``)."""

from __future__ import annotations

import argparse
import sys

from dashboard.core.store import EntryError, open_store

BY_HAND = "charted by hand"


def add_chair_arguments(parser: argparse.ArgumentParser) -> None:
    """Set up, remove and list the chairs (each change is kept and audited with its user)."""
    actions = parser.add_subparsers(dest="action", required=True)
    setting = actions.add_parser("set", help="add a chair or replace its monitors (none: charted by hand)")
    setting.add_argument("name", metavar="NAME", help='the chair\'s name, e.g. "Chair 3"')
    setting.add_argument(
        "--monitor",
        action="append",
        default=[],
        metavar="ID",
        help="an identifier its monitor sends: HL7 bed (CHAIR-3, ICU/3001/1), device EUI-64 or "
        "VitalRecorder code; repeat for several",
    )
    removing = actions.add_parser("remove", help="take a chair out (its history is kept)")
    removing.add_argument("name", metavar="NAME")
    listing = actions.add_parser("list", help="each chair, its monitors, free or busy")
    for action in (setting, removing):
        action.add_argument("--user", required=True, help="who changes it (kept in the audit log)")
    for action in (setting, removing, listing):
        action.add_argument(
            "--database", metavar="URL", help="store URL (default: DASHBOARD_DATABASE_URL or local file)"
        )
    setting.set_defaults(run=run_chair_set)
    removing.set_defaults(run=run_chair_remove)
    listing.set_defaults(run=run_chair_list)


def run_chair_set(args: argparse.Namespace) -> int:
    with open_store(args.database) as store:
        try:
            store.set_chair(args.name, args.monitor, user=args.user)
        except EntryError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(f"{args.name}: {', '.join(sorted(set(args.monitor))) or BY_HAND}")
    return 0


def run_chair_remove(args: argparse.Namespace) -> int:
    with open_store(args.database) as store:
        try:
            store.remove_chair(args.name, user=args.user)
        except EntryError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(f"{args.name}: removed")
    return 0


def run_chair_list(args: argparse.Namespace) -> int:
    with open_store(args.database) as store:
        chairs = store.chairs()
    if chairs.empty:
        print("no chair is set up yet: python -m dashboard chair set NAME [--monitor ID ...] --user NAME")
    for chair in chairs.itertuples():
        state = f"busy: session {chair.session_id}" if isinstance(chair.session_id, str) else "free"
        print(f"{chair.chair}\t{', '.join(chair.monitors) or BY_HAND}\t{state}")
    return 0
