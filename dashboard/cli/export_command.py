"""``python -m dashboard export [--since DATE] [--until DATE] [--patient P] --out DIR [--format csv|fhir]``:
the clinic's stored sessions as files (``Store.recorded_sessions``, ``Store.record_dataset``).

``csv`` writes the canonical ``vitals_NNN.csv``, ``events.csv`` and ``sessions.csv`` that
``summarize`` and the Review page load back, formula-safe as every CSV for people is
(``export.safe_csv``); ``fhir`` writes one FHIR R4 transaction Bundle per session,
``<session id>.json`` (``interop.fhir.session_bundle``). Sessions are chosen by the day they
started, in UTC: the project has no clinic time-zone setting. Progress and refusals go to stderr
and name no session and no patient, since session ids carry the patient's id.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from dashboard.cli.chair_command import EXIT_REFUSED, add_store_options
from dashboard.core.export import formula_safe, write_dataset
from dashboard.core.interop.fhir import session_bundle
from dashboard.core.store import Store, open_store
from dashboard.core.store.engine import database_url

FORMATS: tuple[str, ...] = ("csv", "fhir")
FHIR_BLOCK = 25  # sessions read from the store at a time for the FHIR export: memory stays flat
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class Refusal(Exception):
    """Why nothing was exported, as one line for stderr."""


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The sessions to export (by start day and patient), the folder and the format."""
    parser.description = (
        "Export the stored sessions started in a range of days. DATE is YYYY-MM-DD, a calendar "
        "day in UTC (the project has no clinic time-zone setting); both days are included."
    )
    parser.add_argument(
        "--since", metavar="DATE", help="first day of session starts, UTC (default: the first)"
    )
    parser.add_argument("--until", metavar="DATE", help="last day of session starts, included, UTC")
    parser.add_argument("--patient", metavar="P", help="only this patient's sessions (pseudonymous id)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (created if needed)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="csv: canonical vitals/events/sessions CSVs (default); fhir: a FHIR R4 transaction Bundle "
        "per session, <session id>.json",
    )
    add_store_options(parser)
    parser.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    try:
        since, until = start_day(args.since, "--since"), start_day(args.until, "--until", next_day=True)
        if since is not None and until is not None and since >= until:
            raise Refusal(f"--until {args.until} is before --since {args.since}")
        with opened_store(args.database) as store:
            sessions = store.recorded_sessions(since, until, args.patient)
            if sessions.empty:
                raise Refusal(f"no stored session to export {_chosen(args)}")
            _progress(f"exporting {_sessions(len(sessions))} as {args.format}")
            files = (write_fhir if args.format == "fhir" else write_csv)(store, sessions, Path(args.out))
    except Refusal as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    live = int(sessions["live"].sum())
    still = f" ({live} not ended yet, exported as they stand)" if live else ""
    print(f"exported {_sessions(len(sessions))}{still} to {args.out}: {files} {args.format} files")
    return 0


def start_day(text: str | None, option: str, next_day: bool = False) -> pd.Timestamp | None:
    """``YYYY-MM-DD`` as midnight UTC (of the next day for an included last day); None if not given."""
    if text is None:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        day = pd.Timestamp(date.fromisoformat(text)).tz_localize("UTC")
    except ValueError:
        raise Refusal(f"{option} {text!r} is not a date: expected YYYY-MM-DD, e.g. 2026-03-31") from None
    return day + pd.Timedelta(days=1) if next_day else day


def opened_store(database: str | None) -> Store:
    """The store to export from; an unreadable URL, a missing SQLite file (an export never creates
    a store) or a database that cannot be opened is refused."""
    try:
        text = database_url(database)
        url = make_url(text)
    except ArgumentError:
        raise Refusal(
            "the store URL (--database or DASHBOARD_DATABASE_URL) is not a database URL: expected e.g. "
            "postgresql://user@host/clinic or sqlite:////path/to/store.sqlite3"
        ) from None
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        where = f"at {url.database}" if url.database else "in an in-memory database"
        raise Refusal(f"there is no store {where}: nothing to export")
    try:
        return open_store(text)
    except (SQLAlchemyError, ImportError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise Refusal(
            f"cannot open the store at {url.render_as_string(hide_password=True)}: {reason}"
        ) from None


def write_csv(store: Store, sessions: pd.DataFrame, out: Path) -> int:
    """The sessions as the canonical CSV files, formula-safe; returns the number of files."""
    dataset = store.record_dataset(sessions["session_id"].tolist(), listed=sessions)
    _progress(f"read {len(dataset.vitals)} vitals rows and {len(dataset.events)} events; writing CSV")
    return len(write_dataset(formula_safe(dataset), out))


def write_fhir(store: Store, sessions: pd.DataFrame, out: Path) -> int:
    """One transaction Bundle per session, read from the store a block of sessions at a time."""
    out.mkdir(parents=True, exist_ok=True)
    rows = {row["session_id"]: row for row in sessions.to_dict("records")}
    ids, names = list(rows), file_names(rows)
    for start in range(0, len(ids), FHIR_BLOCK):
        block = ids[start : start + FHIR_BLOCK]
        record = store.record_dataset(block, listed=sessions)
        for done, session_id in enumerate(block, start=start + 1):
            row = rows[session_id]
            patient = row["patient_id"] if isinstance(row["patient_id"], str) else None
            bundle = session_bundle(record.vitals, record.events, session_id, patient_id=patient, session=row)
            (out / names[session_id]).write_text(json.dumps(bundle), encoding="utf-8")
            _progress(f"[{done}/{len(ids)}] bundles written")
    return len(rows)


def file_names(session_ids: Iterable[str]) -> dict[str, str]:
    """Session id -> ``<id>.json`` with every character but letters, digits, ``. _ -`` made ``_``;
    ids that become the same name (ignoring case, as Windows and macOS do) get ``-2``, ``-3``..."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for session_id in session_ids:
        stem = _UNSAFE_IN_NAME.sub("_", session_id).strip("._") or "session"
        name, number = f"{stem}.json", 1
        while name.lower() in taken:
            number += 1
            name = f"{stem}-{number}.json"
        taken.add(name.lower())
        names[session_id] = name
    return names


def _chosen(args: argparse.Namespace) -> str:
    days = {
        (True, True): f"started from {args.since} to {args.until} (UTC)",
        (True, False): f"started on or after {args.since} (UTC)",
        (False, True): f"started up to {args.until} (UTC)",
        (False, False): "in the store",
    }[(args.since is not None, args.until is not None)]
    return days + (" for the patient given" if args.patient else "")


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
