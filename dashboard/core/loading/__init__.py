"""Loading: real exports -> the canonical model, every rejected row or cell reported with its line.

Modules in the order a file's bytes flow through them:

- ``sources``: where the bytes come from (path, bytes, upload) and what to call the file
- ``textbytes``: bytes -> text (gzip, BOMs, UTF-8 / Latin-1 / UTF-16; binary files refused)
- ``csvlayout``: the header line, the delimiter and the decimal mark, found before any row is read
- ``csvread``: rows -> raw columns with editor line numbers (Arrow for clean files, ``csv`` otherwise)
- ``columns``: which header means which canonical field (``data/aliases.csv``)
- ``kinds``: which kind of file (vitals, events, sessions) the header describes
- ``timestamps``: every export's time forms -> UTC
- ``rows``: what every kind shares: the mapped columns, the session, the times
- ``validation``: pandera schemas; failures become line-numbered problems
- ``artifacts``: physiologically impossible values, emptied and listed, never alerted on
- ``fast_vitals``: the fast path: canonical wide vitals straight from Arrow into the buffer
- ``careful_vitals``: the careful path: any vitals layout, wide or long, every problem by line
- ``records_file``: event logs and session tables
- ``assemble``: frames of one kind as one frame, in (session, time) order
- ``vitals_buffer``: one preallocated set of vitals columns per load, a slot per file
- ``loaders``: the public API: ``load_file``, ``load_dataset``, ``load_paths`` -> ``Dataset``
"""

from dashboard.core.loading.loaders import LoadedFile, complete_sessions, load_dataset, load_file, load_paths
from dashboard.core.loading.timestamps import LoadSettings

__all__ = ["LoadSettings", "LoadedFile", "complete_sessions", "load_dataset", "load_file", "load_paths"]
