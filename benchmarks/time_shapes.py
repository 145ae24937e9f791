"""The benchmark corpus rewritten with times as real monitor exports write them.

The simulator writes ISO 8601 UTC times with a ``Z``; bedside monitors and their collectors
mostly write local clock times without an offset, some day-first, some epoch seconds. The loaders
must be fast on those too, so the benchmark measures them on the same sessions.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

SHAPES = {"naive": "%Y-%m-%d %H:%M:%S", "dayfirst": "%d/%m/%Y %H:%M:%S", "epoch": None}
_TIME_COLUMNS = ("timestamp", "infusion_start", "infusion_end")


def rewrite_times(source: Path, target: Path, shape: str, zone: str) -> Path:
    """Every CSV of ``source`` into ``target`` with its UTC times as ``shape`` clock times in
    ``zone`` (once: a folder already written is reused)."""
    done = target / ".complete"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.csv")):
        if path.name == "summary.csv":
            continue
        table = pacsv.read_csv(path)
        for name in _TIME_COLUMNS:
            if name in table.column_names:
                at = table.schema.get_field_index(name)
                table = table.set_column(at, name, _shaped(table.column(name), shape, zone))
        pacsv.write_csv(
            table, target / path.name, pacsv.WriteOptions(quoting_style="none", quoting_header="none")
        )
    done.touch()
    return target


def _shaped(times: pa.ChunkedArray, shape: str, zone: str) -> pa.ChunkedArray:
    """UTC times -> whole seconds written as ``shape`` in ``zone`` (epoch: seconds since 1970)."""
    seconds = times.cast(pa.timestamp("s", tz="UTC"))
    if SHAPES[shape] is None:
        return seconds.cast(pa.int64())
    local = pc.local_timestamp(seconds.cast(pa.timestamp("s", tz=zone)))
    return pc.strftime(local, format=SHAPES[shape])
