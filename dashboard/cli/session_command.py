"""``python -m dashboard session start --patient P --chair NAME ... | end ID``: check a patient in
on a free chair (``core.live.check_in``), and end a session.

``start`` prints the plan, the patient's history and, as the last word of its output, the new
session id, so that a script can take it with ``| tail -n1 | awk '{print $NF}'``.
"""

from __future__ import annotations

import argparse

from dashboard.cli.chair_command import EXIT_REFUSED, REFUSED, act, add_store_options, in_store
from dashboard.core.live.check_in import check_in, history_lines, plan_lines


def add_session_arguments(parser: argparse.ArgumentParser) -> None:
    """Start a session by checking a patient in on a free chair, or end one."""
    actions = parser.add_subparsers(dest="action", required=True)
    start = actions.add_parser(
        "start", help="check a patient in on a free chair; prints the new session id last"
    )
    start.add_argument("--patient", required=True, help="the patient's pseudonymous id")
    start.add_argument("--chair", required=True, help="a free chair, as `chair list` shows it")
    start.add_argument("--weight-kg", type=float, help="body weight (kg)")
    start.add_argument("--dose-mg-per-kg", type=float, help="ketamine dose (mg/kg), e.g. 0.5")
    start.add_argument("--planned-minutes", type=float, help="planned infusion time (min), e.g. 40")
    start.add_argument("--indication", help="e.g. TRD")
    end = actions.add_parser("end", help="end an open session")
    end.add_argument("session_id", metavar="ID")
    end.add_argument("--reason", help="why a checked-in session ends without a discharge (then required)")
    add_store_options(start, end, user="who does it (kept in the audit log)")
    start.set_defaults(run=run_session_start)
    end.set_defaults(run=run_session_end)


def run_session_start(args: argparse.Namespace) -> int:
    plan = {"weight_kg": args.weight_kg, "dose_mg_per_kg": args.dose_mg_per_kg,
            "planned_minutes": args.planned_minutes, "indication": args.indication}  # fmt: skip
    done = in_store(
        args.database, lambda store: check_in(store, args.patient, args.chair, user=args.user, **plan)
    )
    if done is REFUSED:
        return EXIT_REFUSED
    for line in [*history_lines(done.history), *plan_lines(done.plan)]:
        print(line)
    for monitor, readings in done.attached.items():
        print(f"Monitor {monitor}: assigned, {readings} held pre-infusion readings attached")
    if not done.attached:
        print("No monitor on this chair: charted by hand")
    print(f"Checked in on {done.chair}: session {done.session_id}")
    return 0


def run_session_end(args: argparse.Namespace) -> int:
    done = f"session {args.session_id} ended"
    return act(
        args.database,
        lambda store: store.end_session(args.session_id, user=args.user, reason=args.reason),
        done,
    )
