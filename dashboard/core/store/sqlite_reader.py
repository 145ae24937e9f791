"""A SQLite store's vitals read by ADBC in a process of its own (why: ``arrow_reads``' docstring).

The parent sends the session ids on the child's standard input (not its command line, which other
users of the machine can list) and gets the columns back as an uncompressed Arrow file in a
temporary folder, memory-mapped: the child's buffers cross without a copy through Python. The
child opens the store read-only in intent (only SELECTs) and exits; a child that fails reports one
line on its standard error and the parent logs its exit status only, never the ids.

    python -m dashboard.core.store.sqlite_reader PATH OUT [--with-ids] [--block N]   (ids: JSON on stdin)
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[3]  # where ``dashboard`` is importable from
TIMEOUT_S = 600  # a clinic's years of readings take seconds; a hung child is not waited on for ever


def read_in_child(path: str, session_ids: list[str], with_ids: bool, block: int):
    """The sessions' vitals of the SQLite store at ``path``, as ``read_vitals_table`` gives them,
    read in a child process; None if the child could not read them (the caller falls back)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with tempfile.TemporaryDirectory(prefix="vitals-read-") as folder:
        out = Path(folder) / "vitals.arrow"
        command = [sys.executable, "-m", __name__, path, str(out), f"--block={block}",
                   *(["--with-ids"] if with_ids else [])]  # fmt: skip
        try:
            done = subprocess.run(command, input=json.dumps(session_ids).encode(), capture_output=True,
                                  cwd=ROOT, timeout=TIMEOUT_S, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            log.warning("reading the vitals took over %d s: reading them through SQLAlchemy", TIMEOUT_S)
            return None
        if done.returncode != 0 or not out.exists():
            status = done.returncode
            log.warning("the vitals reader exited with status %d: reading through SQLAlchemy", status)
            return None
        with pa.memory_map(str(out)) as source:
            return ipc.open_file(source).read_all()  # the mapping outlives the file's name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("out", type=Path)
    parser.add_argument("--with-ids", action="store_true")
    parser.add_argument("--block", type=int, help="sessions per query (arrow_reads.BLOCK)")
    args = parser.parse_args()

    import pyarrow as pa
    import pyarrow.ipc as ipc

    from dashboard.core.store.arrow_reads import read_blocks

    table = read_blocks("sqlite", args.path, json.load(sys.stdin), args.with_ids, args.block)
    if table is None:
        return 1
    table = table.unify_dictionaries()  # an IPC file holds one dictionary per column; blocks had one each
    with pa.OSFile(str(args.out), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
