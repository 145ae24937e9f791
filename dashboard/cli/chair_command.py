"""``python -m dashboard chair set NAME [--monitor ID ...] | remove NAME | list``: the clinic's
chairs and the identifiers their monitors send (``store.chair_rows``)."""

from __future__ import annotations

import argparse
import enum
import sys
from collections.abc import Callable
from typing import TypeVar

from dashboard.core.store import EntryError, Store, open_store

BY_HAND = "charted by hand"
EXIT_REFUSED = 2
T = TypeVar("T")


class Refused(enum.Enum):
    """What ``in_store`` returns when the store refused the action (its message is printed)."""

    REFUSED = "refused"


REFUSED = Refused.REFUSED


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
    add_store_options(setting, removing, user="who changes it (kept in the audit log)")
    add_store_options(listing)
    setting.set_defaults(run=run_chair_set)
    removing.set_defaults(run=run_chair_remove)
    listing.set_defaults(run=run_chair_list)


def add_store_options(*parsers: argparse.ArgumentParser, user: str | None = None) -> None:
    """``--database`` on each parser, and a required ``--user`` (its help ``user``) if given."""
    for parser in parsers:
        if user is not None:
            parser.add_argument("--user", required=True, help=user)
        parser.add_argument(
            "--database", metavar="URL", help="store URL (default: DASHBOARD_DATABASE_URL or local file)"
        )


def in_store(database: str | None, action: Callable[[Store], T]) -> T | Refused:
    """``action`` on the store, or ``REFUSED`` after printing why the store refused it."""
    with open_store(database) as store:
        try:
            return action(store)
        except EntryError as error:
            print(f"error: {error}", file=sys.stderr)
            return REFUSED


def act(database: str | None, action: Callable[[Store], object], done: str) -> int:
    """Run a store change and print ``done``, or say why it was refused (exit 2)."""
    if in_store(database, action) is REFUSED:
        return EXIT_REFUSED
    print(done)
    return 0


def run_chair_set(args: argparse.Namespace) -> int:
    done = f"{args.name}: {', '.join(sorted(set(args.monitor))) or BY_HAND}"
    return act(args.database, lambda store: store.set_chair(args.name, args.monitor, user=args.user), done)


def run_chair_remove(args: argparse.Namespace) -> int:
    return act(
        args.database, lambda store: store.remove_chair(args.name, user=args.user), f"{args.name}: removed"
    )


def run_chair_list(args: argparse.Namespace) -> int:
    with open_store(args.database) as store:
        chairs = store.chairs()
    if chairs.empty:
        print("no chair is set up yet: python -m dashboard chair set NAME [--monitor ID ...] --user NAME")
    for chair in chairs.itertuples():
        state = f"busy: session {chair.session_id}" if isinstance(chair.session_id, str) else "free"
        print(f"{chair.chair}\t{', '.join(chair.monitors) or BY_HAND}\t{state}")
    return 0
