"""core.live.wall_layout: the wall view's columns from the chair count and the window."""

from __future__ import annotations

import math

import pytest

from dashboard.core.live.wall_layout import column_breakpoints, tile_scale, wall_columns


@pytest.mark.parametrize(
    ("chairs", "width", "height", "columns"),
    [
        (12, 1920, 1080, 4),  # 4 x 3
        (20, 3840, 2160, 5),  # 5 x 4
        (20, 1920, 1080, 5),
        (6, 1920, 1080, 3),  # 3 x 2
        (4, 1920, 1080, 2),  # 2 x 2
        (2, 1920, 1080, 2),
        (1, 1920, 1080, 1),
        (12, 1080, 1920, 2),  # a screen on its side: 2 x 6
        (12, 1280, 1024, 3),  # 5:4
    ],
)
def test_columns_give_every_chair_the_largest_tile(chairs, width, height, columns):
    assert wall_columns(chairs, width, height) == columns
    best = tile_scale(chairs, columns, width, height)
    assert all(tile_scale(chairs, c, width, height) <= best for c in range(1, chairs + 1))


def test_twelve_chairs_on_full_hd_and_twenty_on_4k_fit_in_rows_that_fill_the_window():
    for chairs, width, height in [(12, 1920, 1080), (20, 3840, 2160)]:
        columns = wall_columns(chairs, width, height)
        assert columns * math.ceil(chairs / columns) >= chairs
        assert math.ceil(chairs / columns) * (width / columns) / 1.5 >= height * 0.8  # rows fill the height


def test_the_choice_depends_only_on_the_windows_shape():
    assert wall_columns(20, 3840, 2160) == wall_columns(20, 1920, 1080) == wall_columns(20, 16, 9)


@pytest.mark.parametrize("chairs", [1, 2, 3, 5, 8, 12, 13, 20, 24])
def test_breakpoints_agree_with_the_choice_between_them(chairs):
    points = column_breakpoints(chairs)
    assert points[0][0] == 0
    assert [p for p, _ in points] == sorted(p for p, _ in points)
    ends = [p for p, _ in points[1:]] + [points[-1][0] * 2 + 1]
    for (low, columns), high in zip(points, ends, strict=True):
        middle = (low + high) / 2
        assert wall_columns(chairs, float(middle), 1.0) == columns


def test_a_window_without_area_is_refused():
    with pytest.raises(ValueError, match="holds no tile"):
        wall_columns(3, 0, 1080)
