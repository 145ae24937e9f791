"""``python -m dashboard staff set LOGIN [--role ROLE ...] | list``: the staff table of roles
(``store.staff_rows``), for clinics whose identity provider sends no roles claim. It is how the
first lead is given the role: on the app's page only a lead edits the table, and the command
line is trusted (whoever has a shell on the server can write the database anyway)."""

from __future__ import annotations

import argparse

from dashboard.cli.chair_command import act, add_store_options
from dashboard.core.roles import GRANTS, ROLES
from dashboard.core.store import open_store


def add_staff_arguments(parser: argparse.ArgumentParser) -> None:
    """Give a login its roles (each change kept and audited with its user), or list the table."""
    actions = parser.add_subparsers(dest="action", required=True)
    setting = actions.add_parser("set", help="give a login exactly these roles (none: take every role away)")
    setting.add_argument("login", metavar="LOGIN", help="the e-mail, user name or name the provider reports")
    setting.add_argument(
        "--role", action="append", default=[], choices=ROLES + GRANTS, help="repeat for several"
    )
    listing = actions.add_parser("list", help="each login and its roles")
    add_store_options(setting, user="who changes it (kept in the audit log)")
    add_store_options(listing)
    setting.set_defaults(run=run_staff_set)
    listing.set_defaults(run=run_staff_list)


def run_staff_set(args: argparse.Namespace) -> int:
    done = f"{args.login}: {' '.join(args.role) or 'no role'}"
    return act(args.database, lambda store: store.set_staff(args.login, args.role, user=args.user), done)


def run_staff_list(args: argparse.Namespace) -> int:
    with open_store(args.database) as store:
        staff = store.staff()
    if staff.empty:
        print("no login holds a role yet: python -m dashboard staff set LOGIN --role lead --user NAME")
    for row in staff.itertuples():
        print(f"{row.login}\t{row.roles}")
    return 0
