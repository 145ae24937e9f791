"""The wall view's grid: how many columns of chair tiles a window of a given shape holds best.

A wall screen shows every live chair at once, so the tiles share the window: with ``c`` columns
and ``ceil(n / c)`` rows each tile gets a cell of ``width / c`` by ``height / rows``. A tile's
content (chair name and priority on one line, the worst alert, three numbers side by side) is
laid out for a cell about ``TILE_ASPECT`` times as wide as high; the content is drawn at the
largest size that fits the cell, so the best column count is the one whose cells hold the
largest tile of that shape. 12 chairs on 1920x1080 get 4 columns of 3 rows; 20 chairs on
3840x2160 get 5 columns of 4 rows.

The choice depends only on the window's shape (its width over its height), so the page states it
as CSS media queries on the aspect ratio (``column_breakpoints``): the server never knows the
window's size, the browser applies the rule that matches it.
"""

from __future__ import annotations

import math
from fractions import Fraction

TILE_ASPECT = 1.5  # a tile's content is laid out for a cell 1.5 times as wide as high


def tile_scale(chairs: int, columns: int, width: float, height: float) -> float:
    """The height of the largest ``TILE_ASPECT`` tile that fits a cell of ``columns`` columns."""
    rows = math.ceil(chairs / columns)
    return min(width / columns / TILE_ASPECT, height / rows)


def wall_columns(chairs: int, width: float, height: float) -> int:
    """The number of columns for ``chairs`` tiles in a ``width`` x ``height`` window: the one
    giving the largest tiles, the fewer columns on a tie (rows read more easily than columns).

    >>> wall_columns(12, 1920, 1080), wall_columns(20, 3840, 2160)
    (4, 5)
    """
    if chairs <= 1:
        return 1
    if width <= 0 or height <= 0:
        raise ValueError(f"a window of {width} x {height} holds no tile")
    best, best_scale = 1, -1.0
    for columns in range(1, chairs + 1):
        scale = tile_scale(chairs, columns, width, height)
        if scale > best_scale * (1 + 1e-9):
            best, best_scale = columns, scale
    return best


def column_breakpoints(chairs: int) -> list[tuple[Fraction, int]]:
    """Each window aspect ratio (width / height) from which on ``wall_columns`` chooses a new
    column count, with that count, in increasing order; the first entry is ``(0, columns)``.

    The candidates are the ratios where a column count's tiles stop being limited by their
    width (``c * TILE_ASPECT / rows``) and where two counts give equal tiles; each is checked
    against ``wall_columns`` itself, so the two agree everywhere but on a boundary.
    """
    if chairs <= 1:
        return [(Fraction(0), 1)]
    aspect = Fraction(TILE_ASPECT)
    rows = {c: math.ceil(chairs / c) for c in range(1, chairs + 1)}
    candidates = {c * aspect / rows[c] for c in rows}
    candidates |= {  # width-limited c1 equals height-limited c2: r / (c1 * A) = 1 / rows(c2)
        c1 * aspect / rows[c2] for c1 in rows for c2 in rows
    }
    points = sorted(candidates)
    probes = [points[0] / 2, *((a + b) / 2 for a, b in zip(points, points[1:], strict=False)), points[-1] * 2]
    breakpoints: list[tuple[Fraction, int]] = []
    for low, probe in zip([Fraction(0), *points], probes, strict=True):
        columns = wall_columns(chairs, float(probe), 1.0)
        if not breakpoints or breakpoints[-1][1] != columns:
            breakpoints.append((low, columns))
    return breakpoints
