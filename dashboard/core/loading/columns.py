"""Which header (or long-form vital name) means which canonical field, from data tables.

``data/aliases.csv`` maps column names of real exports (``HR (bpm)``, ``Solar8000/NIBP_SBP``,
``NOM_PULS_OXIM_SAT_O2``, MIMIC's ``icustay_id``...) to the model; ``data/vital_names.csv`` adds
the values a long-form file uses in its vital column (MIMIC-III itemids). Supporting a new
monitor is a data change. Decisions held in the tables:

- ``PULSE`` (oximeter pulse rate) and other secondary rates are HR of a worse rank: used only
  when the file has no ECG heart-rate column, never mixed into it.
- Arterial-line pressures (``ABPSys``, itemids 51/220050...) are ignored with a warning: the
  model's SBP/DBP/MAP are cuff readings with cuff semantics (confirmation, overdue alarms).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pandas as pd

from dashboard.core import reference
from dashboard.core.model import VITALS
from dashboard.core.problems import Problem

IGNORE = "ignore"
_UNITS = re.compile(r"[(\[].*?[)\]]")


@dataclass(frozen=True)
class Alias:
    """What one column name means."""

    target: str  # canonical field, or "ignore"
    kind: str  # timestamp columns: auto | epoch | elapsed
    scale: float  # numbers x scale = canonical unit (seconds for epoch/elapsed times)
    rank: int  # when several columns give one target, the lowest rank is used
    note: str  # why a known column is ignored (reported once per file)


@dataclass(frozen=True)
class ColumnMap:
    """The header of one file resolved against the alias table."""

    chosen: dict[str, tuple[str, Alias]]  # target -> (header name, alias)
    problems: list[Problem]  # one warning per kind of column left out
    # The file's other time columns, best first: read when the chosen one turns out unreadable.
    spare_times: tuple[tuple[str, Alias], ...] = ()


def normalise(name: str) -> str:
    """``Heart Rate(/min)`` -> ``heart_rate``; ``Intellivue/NIBP_SYS`` -> ``nibp_sys``; `` RR`` -> ``rr``."""
    bare = _UNITS.sub(" ", str(name)).rsplit("/", 1)[-1]
    return re.sub(r"[^0-9a-z]+", "_", bare.casefold()).strip("_")


@cache
def column_aliases() -> dict[str, Alias]:
    """Normalised column name -> alias."""
    return {
        normalise(row["alias"]): Alias(
            target=row["target"],
            kind=row["kind"] or "auto",
            scale=float(row["scale"] or 1),
            rank=int(row["rank"] or 1),
            note=row["note"],
        )
        for row in reference.csv_rows("aliases.csv")
    }


@cache
def vital_names() -> dict[str, Alias]:
    """Normalised long-form vital name (track, itemid) -> alias whose target is a vital or ignore."""
    names = {name: a for name, a in column_aliases().items() if a.target in VITALS or a.note}
    for row in reference.csv_rows("vital_names.csv"):
        names[normalise(row["alias"])] = Alias(row["vital"], "", 1.0, int(row["rank"] or 1), row["note"])
    return names


def map_columns(header: Iterable[str], file: str, time_column: str | None = None) -> ColumnMap:
    """Pick one column per target (best rank, then leftmost; ``time_column`` for the timestamp when
    given) and say once what was left out."""
    found: dict[str, list[tuple[int, int, str, Alias]]] = {}
    unknown: list[str] = []
    noted: dict[str, list[str]] = {}
    for position, name in enumerate(header):
        alias = column_aliases().get(normalise(name))
        if alias is None:
            unknown.append(name)
        elif alias.target == IGNORE:
            if alias.note:
                noted.setdefault(alias.note, []).append(name)
        else:
            found.setdefault(alias.target, []).append((alias.rank, position, name, alias))
    chosen = {target: min(options)[2:] for target, options in found.items()}
    if time_column is not None:
        chosen["timestamp"] = next(option[2:] for option in found["timestamp"] if option[2] == time_column)
    spare = {
        target: [option[2:] for option in sorted(options) if option[2] != chosen[target][0]]
        for target, options in found.items()
    }
    shadowed = [
        f"{name} (the file's {chosen[target][0]} is used for {target})"
        for target, options in spare.items()
        for name, _ in options
    ]
    problems = [
        _warning(file, f"columns not used: {', '.join(names)}", note) for note, names in noted.items()
    ]
    if shadowed:
        problems.append(
            _warning(
                file, f"columns not used: {'; '.join(shadowed)}", "one source column per field of the model"
            )
        )
    if unknown:
        problems.append(
            _warning(file, f"columns not in the model, ignored: {', '.join(unknown)}", "columns of the model")
        )
    return ColumnMap(chosen=chosen, problems=problems, spare_times=tuple(spare.get("timestamp", ())))


def map_vital_names(names: pd.Series, file: str, column: str) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Long-form vital names -> (vital or NaN, rank), with one warning per reason a name is not used."""
    unique = sorted(pd.Series(names.dropna().unique()).astype(str))
    aliases = {name: vital_names().get(normalise(name)) for name in unique}
    used = {name: a for name, a in aliases.items() if a is not None and a.target in VITALS}
    left_out: dict[str, list[str]] = {}
    for name, alias in aliases.items():
        if name not in used:
            left_out.setdefault(alias.note if alias else "", []).append(name)
    problems = [
        _warning(file, f"{column} values not used: {', '.join(values)}", note, column)
        if note
        else _warning(
            file,
            f"{column} values not in the model, ignored: {', '.join(values)}",
            "vitals of the model",
            column,
        )
        for note, values in left_out.items()
    ]
    text = names.astype("str")
    vital = text.map({name: a.target for name, a in used.items()})
    rank = text.map({name: a.rank for name, a in used.items()})
    return vital, rank, problems


def _warning(file: str, message: str, expected: str, column: str | None = None) -> Problem:
    return Problem(file=file, line=None, column=column, message=message, expected=expected, level="warning")
