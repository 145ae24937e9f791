"""The Chairs page as a wall screen (``?view=wall``): every live chair at once, read from 3 m.

No sidebar, no header, no buttons: one line on top (when the board was last updated, the
protocol, the free chairs, the decision-support notice), then a grid of tiles filling the window
without scrolling. Its columns come from ``core.live.wall_layout`` as CSS media queries on the
window's aspect ratio (the server never knows the window); every size in a tile is a multiple
of a unit ``--u``, the largest that gives each cell ``CELL_UNITS`` (``unit_px``): 10.8 px for 12
chairs at 1920x1080, 16.2 px for 20 chairs at 3840x2160 (fonts 1.5 times as large). Font sizes
for 12 chairs at 1920x1080, for a 55-inch screen
(0.63 mm a pixel) read from 3 m, where 20 minutes of arc, the usual minimum for reading a
character, is a capital letter 17.5 mm high (about 28 px, a font of 40 px):

- chair name and priority word (HIGH, MEDIUM, LOW): ``NAME_U`` 4.4 -> 47.5 px, bold
- the numbers HR, SpO2, BP: ``NUMBER_U`` 4.2 -> 45.4 px, bold
- the worst alert's text: ``ALERT_U`` 2.6 -> 28 px (read closer, as are the rest)
- patient, phase, minutes: ``INFO_U`` 2.2 -> 23.8 px; number labels and ages 2.0 and 1.7

The alarm colour fills the whole tile; an unacknowledged high-priority alert flashes its border
(``chair_tiles``). The page is dark, as central stations are: red, yellow and cyan tiles stand
out and an empty chair does not. Only static CSS goes to the page; chair names, patients and
alert texts are escaped markdown.
"""

from __future__ import annotations

import math

import streamlit as st

from dashboard.core.export import NOT_A_DEVICE
from dashboard.core.live.follower import LiveSnapshot
from dashboard.core.live.overview import NO_ALERT, chair_facts
from dashboard.core.live.wall_layout import column_breakpoints
from dashboard.ui import chair_tiles, live
from dashboard.ui.components import plain

VIEW = "wall"  # ?view=wall
NAME_U = 4.4
NUMBER_U = 4.2
ALERT_U = 2.6
INFO_U = 2.2
LABEL_U = 2.0
AGE_U = 1.7
TOP_VMIN = 2.0  # the line above the board (vmin): last updated, protocol, free chairs
TOP = f"{3.6 * TOP_VMIN + 3:g}vmin"  # the line's height with the page's margins
CELL_UNITS = (44.4, 29.9)  # a tile's cell is at least this many units wide and high
BOARD = "wall-board"
_BACKGROUND, _EMPTY_TILE, _LIGHT = "#0e1117", "#1f2630", "#f2f2f2"

_PAGE_STYLE = f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"] {{display: none !important;}}
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{background: {_BACKGROUND};}}
[data-testid="stMainBlockContainer"] {{padding: 0.8vmin 1vmin !important; max-width: none !important;}}
.st-key-wall-top {{gap: 0;}}
.st-key-wall-top :is(p, span, div) {{color: #d8d8d8; font-size: {TOP_VMIN}vmin; line-height: 1.25;}}
.st-key-wall-top [data-testid="stCaptionContainer"] :is(p, span) {{color: #d8d8d8;}}
.st-key-{BOARD} {{display: grid !important;
  grid-template-columns: repeat(var(--wall-columns), minmax(0, 1fr));
  grid-auto-rows: minmax(0, 1fr); gap: 0.8vmin;
  height: calc(100vh - {TOP}) !important; flex: 0 0 auto !important;
  --flash-on: #ffffff;}}
.st-key-{BOARD} > * {{min-width: 0; min-height: 0;}}
.st-key-{BOARD} [data-testid="stMarkdownContainer"] {{margin-bottom: 0;}}
.st-key-{BOARD} div[class*="st-key-tile-"] {{overflow: hidden; gap: calc(var(--u) * 0.5); flex-wrap: nowrap;
  padding: calc(var(--u) * 0.8) calc(var(--u) * 1.2); border-width: calc(var(--u) * 0.8);
  border-style: solid; border-radius: calc(var(--u) * 1);}}
.st-key-{BOARD} div[class*="st-key-tile-{NO_ALERT}-"] {{background: {_EMPTY_TILE}; border-color: #4a5260;}}
.st-key-{BOARD} div[class*="st-key-tile-{NO_ALERT}-"] :is([class*="st-key-wallhead-"],
  [class*="st-key-wallinfo-"]) :is(p, span) {{color: {_LIGHT};}}
.st-key-{BOARD} [class*="st-key-wallhead-"] {{flex-wrap: nowrap; gap: calc(var(--u) * 1);}}
.st-key-{BOARD} [class*="st-key-wallhead-"] p {{font-size: calc(var(--u) * {NAME_U}); font-weight: 700;
  line-height: 1.1; margin: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}}
.st-key-{BOARD} [class*="st-key-wallhead-"] > :first-child {{flex: 1 1 auto; min-width: 0;}}
.st-key-{BOARD} [class*="st-key-wallhead-"] > :last-child {{flex: 0 0 auto; width: auto;}}
.st-key-{BOARD} [class*="st-key-wallinfo-"] p {{font-size: calc(var(--u) * {INFO_U}); line-height: 1.2;
  margin: 0;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}}
.st-key-{BOARD} [class*="st-key-wallinfo-"] > :first-child p {{font-size: calc(var(--u) * {ALERT_U});
  font-weight: 600;}}
.st-key-{BOARD} div[class*="st-key-vitals-"] {{flex-wrap: nowrap; gap: calc(var(--u) * 1.2);
  padding: calc(var(--u) * 0.4) calc(var(--u) * 1);
  margin-top: auto; border-radius: calc(var(--u) * 0.6);}}
.st-key-{BOARD} div[class*="st-key-vitals-"] > * {{flex: 1 1 0; min-width: 0; width: auto;}}
.st-key-{BOARD} div[class*="st-key-vitals-"] > :last-child {{flex-grow: 2.2;}}
.st-key-{BOARD} [data-testid="stMetric"] {{padding: 0;}}
.st-key-{BOARD} [data-testid="stMetricValue"] {{font-size: calc(var(--u) * {NUMBER_U}); font-weight: 700;
  line-height: 1.1;}}
.st-key-{BOARD} [data-testid="stMetricLabel"] :is(p, div) {{font-size: calc(var(--u) * {LABEL_U});
  line-height: 1.15;}}
.st-key-{BOARD} [data-testid="stMetricLabel"] {{min-height: 0; height: auto;}}
.st-key-{BOARD} [data-testid="stMetricDelta"] :is(p, div, span) {{font-size: calc(var(--u) * {AGE_U});
  line-height: 1.1;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}}
.st-key-{BOARD} [data-testid="stMetricDelta"] svg {{display: none;}}
</style>"""


def requested() -> bool:
    """Whether the page was opened as a wall screen (``?view=wall``)."""
    return st.query_params.get("view") == VIEW


def page_style() -> None:
    """The wall's page style (static CSS): no sidebar or header, a dark page, the tiles' sizes."""
    st.html(_PAGE_STYLE)


def grid_style(chairs: int) -> str:
    """The board's columns for ``chairs`` tiles, one CSS media query per window shape
    (``wall_layout.column_breakpoints``): numbers only, never user text."""
    (_, first), *changes = column_breakpoints(chairs)
    rules = [f".st-key-{BOARD} {{{_grid(chairs, first)}}}"]
    rules += [
        f"@media (min-aspect-ratio: {low.numerator}/{low.denominator}) "
        f"{{.st-key-{BOARD} {{{_grid(chairs, columns)}}}}}"
        for low, columns in changes
    ]
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def _grid(chairs: int, columns: int) -> str:
    """The columns, and the unit every size in a tile is a multiple of: the largest that gives each
    cell ``CELL_UNITS`` (10.8 px for 12 chairs at 1920x1080, 16.2 px for 20 at 3840x2160)."""
    rows = math.ceil(chairs / columns)
    width, height = CELL_UNITS
    unit = f"min(calc(100vw / {columns} / {width}), calc((100vh - {TOP}) / {rows} / {height}))"
    return f"--wall-columns: {columns}; --u: {unit};"


def unit_px(chairs: int, columns: int, width: float, height: float) -> float:
    """``--u`` in pixels for a ``width`` x ``height`` window (what the browser computes)."""
    top = (3.6 * TOP_VMIN + 3) * min(width, height) / 100
    cell_width, cell_height = CELL_UNITS
    return min(width / columns / cell_width, (height - top) / math.ceil(chairs / columns) / cell_height)


def board(snap: LiveSnapshot, timezone: str, every: int | None, free: list[str]) -> None:
    """The top line and every live chair's tile, most urgent first."""
    with st.container(key="wall-top"):
        live.last_updated(snap, timezone, every)
        line = [f"{len(snap.sessions)} live"]
        if free:
            line.append("free: " + ", ".join(free))
        if not snap.unassigned_monitors.empty:
            line.append(
                "monitors sending with no session: " + ", ".join(snap.unassigned_monitors["monitor_id"])
            )
        st.caption(plain(" · ".join(line)) + " · " + NOT_A_DEVICE)
    if snap.sessions.empty:
        st.info("No session is live.", icon=":material/airline_seat_recline_normal:")
        return
    facts = chair_facts(snap.sessions, snap.vitals, snap.events, snap.open_alerts, snap.clocks, snap.protocol,
                        snap.device_alarms)  # fmt: skip
    lines = chair_tiles.tile_lines(snap.open_alerts, snap.device_alarms)
    flashing = chair_tiles.flashing_sessions(snap.open_alerts)
    st.html(grid_style(len(facts)))
    with st.container(key=BOARD):
        for n, tile in enumerate(facts.to_dict("records")):
            _tile(n, tile, lines.get(tile["session_id"], []), tile["session_id"] in flashing)


def _tile(n: int, tile: dict, lines: list[str], flashing: bool) -> None:
    attention = tile["attention"]
    with st.container(key=chair_tiles.tile_key(attention, n, flashing)):
        with st.container(key=f"wallhead-{n}", horizontal=True, wrap=False, vertical_alignment="center"):
            st.markdown(plain(chair_tiles.chair_name(tile)))
            st.markdown(
                f"**{chair_tiles.PRIORITY_WORDS[attention]}**" if attention != NO_ALERT else "no alert"
            )
        with st.container(key=f"wallinfo-{n}", gap=None):
            more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
            st.markdown((lines[0] + more) if lines else "No active alert")
            st.markdown(chair_tiles.headline(tile))
        with st.container(key=f"vitals-{n}", horizontal=True, wrap=False):
            chair_tiles.vitals(n, tile, st, st, st)
