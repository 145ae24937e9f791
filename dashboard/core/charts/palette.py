"""Colours and labels every figure shares, so one priority, severity or event reads the same on every page.

A nurse across the room must see red and yellow at once, so alarm colours follow IEC 60601-1-8
(high red, medium yellow, low cyan) and are used for nothing else. Side-effect severities have
their own orange-to-brown scale, apart from the alarm colours.
"""

from __future__ import annotations

PRIORITY_COLOURS: dict[str, str] = {"high": "#e3000f", "medium": "#ffd200", "low": "#00bcd4"}
SEVERITY_COLOURS: dict[str, str] = {"mild": "#f2a33a", "moderate": "#d9661f", "severe": "#8b1a1a"}


def readable(name: object) -> str:
    """An event or side-effect code as words (``nausea_vomiting`` -> ``nausea vomiting``)."""
    return str(name).replace("_", " ")
