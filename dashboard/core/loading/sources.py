"""Where a file's bytes come from: a path, bytes, or an upload's file object, and what to call it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from dashboard.core.problems import UnusableFileError

Source = str | os.PathLike | bytes | BinaryIO
_DATA_SUFFIXES = (".csv", ".gz", ".tsv", ".txt", ".vital")


def read_source(source: Source, name: str | None) -> tuple[bytes, str]:
    """The bytes and the name problems will use: ``name``, else the path as given or the upload's name."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), name or "upload"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            return path.read_bytes(), name or str(source)
        except OSError as error:
            raise UnusableFileError(
                name or str(source), f"cannot be opened ({error.strerror})", "a readable file"
            ) from None
    if getattr(source, "seekable", lambda: False)():
        source.seek(0)  # an upload may have been read before (e.g. by a cached call)
    data = source.read()
    label = name or Path(str(getattr(source, "name", "upload"))).name
    return (data.encode("utf-8") if isinstance(data, str) else bytes(data)), label


def rereadable(source: Source) -> Source:
    """A source that can be read twice (loaders measure a file before they load it): a stream
    that cannot seek is read into bytes once."""
    if isinstance(source, bytes | bytearray | memoryview | str | os.PathLike):
        return source
    if getattr(source, "seekable", lambda: False)():
        return source
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def named(item: object) -> tuple[str, Source]:
    """A source or a (name, source) pair -> (name, source)."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return item[0], item[1]
    if isinstance(item, str | os.PathLike):
        return str(item), item
    return str(getattr(item, "name", "upload")), item


def folder_files(folder: Path) -> list[Path]:
    """The data files of a folder (CSV, gzip, text, and .vital files so they are refused by name)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _DATA_SUFFIXES)
