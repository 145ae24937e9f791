"""``python -m dashboard validate | alerts | summarize | simulate | feed | ingest | hl7-listen``,
``monitor | chair | staff | session | backup | export``.

This parser lists every command; each command's options and run live in a module of this package.
The store commands' modules are imported only by the command that runs, so that ``validate``
does not load SQLAlchemy or the HL7 stack.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from dashboard.cli.file_commands import (
    EXIT_UNUSABLE,
    add_alerts_arguments,
    add_simulate_arguments,
    add_summarize_arguments,
    add_validate_arguments,
)
from dashboard.core.analysis.protocol import ProtocolError


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
        "dashboard.cli.feed_command",
        "add_feed_arguments",
        "replay sample sessions into the store as live chairs",
    ),
    "ingest": (
        "dashboard.cli.ingest_command",
        "add_ingest_arguments",
        "follow growing monitor CSV exports into the store",
    ),
    "hl7-listen": (
        "dashboard.cli.hl7_command",
        "add_hl7_arguments",
        "receive monitor vitals and alarms as HL7 v2 (ORU^R01, ORU^R40) over MLLP",
    ),
    "monitor": (
        "dashboard.cli.monitor_command",
        "add_monitor_arguments",
        "list the monitors that send, or assign one to a session",
    ),
    "chair": (
        "dashboard.cli.chair_command",
        "add_chair_arguments",
        "set up, remove and list the clinic's chairs and their monitors",
    ),
    "staff": (
        "dashboard.cli.staff_command",
        "add_staff_arguments",
        "give staff their roles (the staff table), or list them",
    ),
    "session": (
        "dashboard.cli.session_command",
        "add_session_arguments",
        "check a patient in on a free chair (start a session), or end a session",
    ),
    "backup": (
        "dashboard.cli.backup_command",
        "add_backup_arguments",
        "copy the SQLite store to a checked backup file while it is in use, or check a backup",
    ),
    "export": (
        "dashboard.cli.export_command",
        "add_export_arguments",
        "export the stored sessions of a range of days as canonical CSVs or FHIR R4 Bundles",
    ),
}


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Ketamine infusion session monitor: validate exports, compute alerts and summaries. "
        "Decision support only, not a medical device.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_validate_arguments(
        commands.add_parser("validate", help="check files and list every problem with its line")
    )
    add_alerts_arguments(commands.add_parser("alerts", help="write one row per alert episode as CSV"))
    add_summarize_arguments(commands.add_parser("summarize", help="write one row per session as CSV"))
    add_simulate_arguments(
        commands.add_parser("simulate", help="write simulated sessions (seeded) as CSV files")
    )
    for name, (module, add_arguments, what) in _STORE_COMMANDS.items():
        command = commands.add_parser(name, help=what)
        if list(argv[:1]) == [name]:  # the store stack is imported only by the command that runs
            getattr(importlib.import_module(module), add_arguments)(command)
    return parser
