"""Timestamps of every export form -> ``datetime64[us, UTC]``, vectorised.

Monitor exports write time as ISO 8601 with or without an offset, epoch seconds, seconds or
minutes from the start of a recording, locale-dependent spreadsheet forms (``15/05/2016
12:50:56``, ``23-09-2023 10:05:24.480``, ``2021-05-05 02:41:00 PM``), or C's ``ctime`` form
(``Wed Sep 15 12:06:59 2021``, as GE S/5 collectors write it). Naive times are local clock times of
the clinic (``LoadSettings.timezone``). Microsecond resolution keeps MIMIC's surrogate years
(2704, 2896) representable. ISO text takes pyarrow's parser, which is ~10x faster than
pandas' per-element ISO inference on millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.core.model import TIMESTAMP_DTYPE


@dataclass(frozen=True)
class LoadSettings:
    """How to read times a file leaves ambiguous."""

    timezone: str = "UTC"  # zone of naive clock times in files (IANA name, e.g. "Europe/Oslo")
    dayfirst: bool = False  # 03/02/2026 is 3 February (True) or March 2 (False)
    elapsed_origin: str | None = None  # start time for files that give only elapsed seconds/minutes


class MissingOriginError(ValueError):
    """Elapsed times cannot be placed on the clock without ``LoadSettings.elapsed_origin``."""


# Spreadsheet and monitor-software forms beside ISO 8601; the date part decides day/month order.
_DAY_FIRST_DATES = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_MONTH_FIRST_DATES = ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y")
_CLOCKS = ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")
# Forms whose order is not in doubt: ISO dates on a 12-hour clock (ISO 8601 itself has no AM/PM)
# and C's ctime (a space in a format matches any run of blanks, so "Sep  5" reads too).
_FIXED_FORMS = ("%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %I:%M %p", "%a %b %d %H:%M:%S %Y")
_EPOCH_MIN_S = 1e8  # numbers this large are clock times (after 1973), smaller ones are elapsed
_EPOCH_MS_MIN = 1e11  # ... and this large they are milliseconds
_MAX_ABS_US = 2**62  # beyond this datetime64[us] overflows
_SAMPLE = 1000
_EARLIEST = pd.Timestamp("0001-01-01", tz="UTC")
_LATEST = pd.Timestamp("9999-12-31T23:59:59.999999", tz="UTC")
_PROBE = 64


def parse_timestamps(values: pd.Series, kind: str, scale: float, settings: LoadSettings) -> pd.Series:
    """Parse one timestamp column; NaT marks each value that could not be read.

    ``kind`` is ``epoch`` (seconds x ``scale`` since 1970 UTC), ``elapsed`` (seconds x ``scale``
    since ``settings.elapsed_origin``) or ``auto`` (text forms; numbers are epoch when large,
    else elapsed seconds). Raises MissingOriginError for elapsed times without an origin.
    Times outside the calendar years 1-9999 (ISO 8601 reads "-1" as the year -1) are not readable:
    no clock wrote them, and no export could write them back.
    """
    stamps = _parse(values, kind, scale, settings)
    return stamps.where((stamps >= _EARLIEST) & (stamps <= _LATEST))


def _parse(values: pd.Series, kind: str, scale: float, settings: LoadSettings) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):  # already parsed by the CSV reader
        return values.astype(TIMESTAMP_DTYPE)
    if pd.api.types.is_datetime64_dtype(values.dtype):  # ISO without offset, parsed by the CSV reader
        return _localise(values, settings)
    numbers = _as_numbers(values)
    if kind == "auto" and numbers is not None:
        finite = np.abs(numbers[np.isfinite(numbers)])
        typical = float(np.median(finite)) if finite.size else 0.0
        kind = "epoch" if typical >= _EPOCH_MIN_S else "elapsed"
        scale = 0.001 if typical >= _EPOCH_MS_MIN else 1.0
    if kind == "auto":
        return _parse_text(values, settings)
    numbers = numbers if numbers is not None else pd.to_numeric(values, errors="coerce").to_numpy(float)
    if kind == "epoch":
        return _from_epoch_us(numbers * scale * 1e6, values.index)
    if settings.elapsed_origin is None:
        raise MissingOriginError("no start time (elapsed origin) is set")
    origin = _parse_text(pd.Series([settings.elapsed_origin]), settings).iloc[0]
    if pd.isna(origin):
        raise MissingOriginError(f"the elapsed origin {settings.elapsed_origin!r} is not a readable time")
    return _from_epoch_us(_us(origin) + numbers * scale * 1e6, values.index)


def join_date_time(date: pd.Series, time: pd.Series) -> pd.Series:
    """One text column from separate Date and Time columns (VSCapture)."""
    return date.astype("str").str.cat(time.astype("str"), sep=" ")


def _us(moment: pd.Timestamp) -> float:
    return float(moment.to_datetime64().astype("datetime64[us]").astype(np.int64))


def _as_numbers(values: pd.Series) -> np.ndarray | None:
    """Float values when the column is numeric or every text cell is a number, else None."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    numbers = _cast(_arrow_text(values), pa.float64())
    return None if numbers is None else numbers.to_numpy(zero_copy_only=False)


def _arrow_text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as Arrow strings (zero-copy for pandas' Arrow-backed ``str``)."""
    array = (
        values.array if isinstance(values.array, pd.arrays.ArrowStringArray) else values.astype("str").array
    )
    return pa.array(array)


def _cast(text: pa.Array | pa.ChunkedArray, target: pa.DataType) -> pa.Array | pa.ChunkedArray | None:
    """Arrow's vectorised parse of a whole column, retried once without blanks; None when a cell fails.

    The retry trims the first cells before the whole column: trimming millions of cells only to
    find that the column is of another form (naive times tried as zoned ones) costs a parse."""
    parsed = _try_cast(text, target)
    if parsed is not None or _try_cast(pc.utf8_trim_whitespace(text.slice(0, _PROBE)), target) is None:
        return parsed
    return _try_cast(pc.utf8_trim_whitespace(text), target)


def _try_cast(text: pa.Array | pa.ChunkedArray, target: pa.DataType) -> pa.Array | pa.ChunkedArray | None:
    try:
        pc.cast(text.slice(0, _PROBE), target)  # fail fast: a failing cast of a whole column is slow
        return pc.cast(text, target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def _from_epoch_us(micros: np.ndarray, index: pd.Index) -> pd.Series:
    finite = np.isfinite(micros) & (np.abs(micros) < _MAX_ABS_US)
    ints = np.where(finite, np.round(np.where(finite, micros, 0)), 0).astype(np.int64)
    stamps = pd.Series(ints.view("datetime64[us]"), index=index).dt.tz_localize("UTC")
    return stamps.where(finite)


def _parse_text(values: pd.Series, settings: LoadSettings) -> pd.Series:
    """ISO 8601 through Arrow when the whole column allows it, else the best-fitting pandas format."""
    arrow = _arrow_text(values)
    aware = _cast(arrow, pa.timestamp("us", tz="UTC"))
    if aware is not None:
        return pd.Series(aware.to_pandas(), index=values.index).astype(TIMESTAMP_DTYPE)
    naive = _cast(arrow, pa.timestamp("us"))
    if naive is not None:
        return _localise(pd.Series(naive.to_pandas(), index=values.index), settings)
    text = values.astype("str").str.strip()
    sample = _sample(text.dropna())
    best, most = "ISO8601", -1
    for form in _candidate_formats(settings.dayfirst):  # the first that reads the most of the sample
        read = int(_parse_with(sample, form, settings).notna().sum())
        if read > most:
            best, most = form, read
        if most == len(sample):
            break  # no later form can read more
    return _parse_with(text, best, settings)


def _candidate_formats(dayfirst: bool) -> tuple[str, ...]:
    first, second = (
        (_DAY_FIRST_DATES, _MONTH_FIRST_DATES) if dayfirst else (_MONTH_FIRST_DATES, _DAY_FIRST_DATES)
    )
    dated = tuple(f"{date} {clock}" for dates in (first, second) for date in dates for clock in _CLOCKS)
    return ("ISO8601", *_FIXED_FORMS, *dated)


def _sample(text: pd.Series) -> pd.Series:
    """Values spread over the whole column, so a day > 12 late in a file still decides the order."""
    if len(text) <= _SAMPLE:
        return text
    return text.iloc[np.linspace(0, len(text) - 1, _SAMPLE).astype(int)]


def _parse_with(text: pd.Series, form: str, settings: LoadSettings) -> pd.Series:
    if form != "ISO8601":
        return _localise(pd.to_datetime(text, format=form, errors="coerce"), settings)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    if settings.timezone == "UTC":
        return parsed.astype(TIMESTAMP_DTYPE)
    naive = ~text.str.contains(r"(?:[zZ]|[+-]\d\d(?::?\d\d)?)$", regex=True, na=False)
    local = _localise(parsed.where(naive).dt.tz_convert(None), settings)
    return parsed.where(~naive, local).astype(TIMESTAMP_DTYPE)


def _localise(naive: pd.Series, settings: LoadSettings) -> pd.Series:
    """Clock times in the clinic's zone -> UTC; times that do not exist or repeat at a DST change -> NaT."""
    local = naive.astype("datetime64[us]").dt.tz_localize(
        settings.timezone, ambiguous="NaT", nonexistent="NaT"
    )
    return local.dt.tz_convert("UTC").astype(TIMESTAMP_DTYPE)
