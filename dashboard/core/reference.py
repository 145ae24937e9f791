"""The one way into ``core/data/``: the tables that hold thresholds, code tables and aliases.

Reference data lives in files so that supporting a new monitor, code or limit is a data change;
reading them through one accessor keeps the package-resource lookup (which works from a wheel
as well as a checkout) in one place. Callers cache what they build from a table.
"""

from __future__ import annotations

import csv
import io
import tomllib
from functools import cache
from importlib import resources
from typing import Any


def text(name: str) -> str:
    """The text of ``data/NAME`` (UTF-8)."""
    return resources.files("dashboard.core").joinpath("data", name).read_text("utf-8")


def toml(name: str) -> dict[str, Any]:
    """``data/NAME`` parsed as TOML."""
    return tomllib.loads(text(name))


def csv_rows(name: str) -> list[dict[str, str]]:
    """``data/NAME`` as one dict per row, keyed by its header."""
    return list(csv.DictReader(io.StringIO(text(name))))


@cache
def missing_values() -> dict[str, list]:
    """``text`` placeholders for any cell and numeric ``numbers`` sentinels for vitals (data file)."""
    return toml("missing_values.toml")
