"""One tile per live chair, coloured by its worst open alert or monitor alarm, readable across the room.

Colours are the IEC 60601-1-8 alarm colours of the charts (high red, medium yellow, low cyan)
and are used for nothing else. A tile in alarm is filled with its colour; its numbers sit on a
white panel so they stay legible, and a stale number is greyed and labelled STALE. The styling
is one static style sheet keyed on container keys (``st-key-...`` classes); no user text ever
goes into HTML: chair names, patient ids and acknowledgement reasons are escaped markdown.

A tile with a high-priority alert nobody has acknowledged yet flashes its border at 2 Hz with a
50 % duty cycle (IEC 60601-1-8 high priority: 1.4-2.8 Hz, 20-60 %; clinical reference I2), its
key ending ``-flash``; the flashing stops with the acknowledgement (the tile stays red while the
alert is open). The monitor's own alarms do not flash here: they are acknowledged on the monitor.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.core.charts import PRIORITY_COLOURS
from dashboard.core.live.overview import NO_ALERT, alert_texts, device_alarm_texts, tile_alerts
from dashboard.ui.components import plain

COLUMNS = 3
FLASH_HZ = 2.0  # IEC 60601-1-8 high-priority visual signal: 1.4-2.8 Hz, duty 20-60 % (reference I2)
FLASH = "high-alarm-flash"  # the CSS animation's name
PRIORITY_WORDS = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW"}
_TEXT_ON = {"high": "#ffffff", "medium": "#1a1a1a", "low": "#1a1a1a"}

_STYLE = "\n".join(
    [
        "<style>",
        *(
            f'div[class*="st-key-tile-{p}-"] {{background: {colour}; border: 4px solid {colour}; '
            f"border-radius: 0.6rem; padding: 0.6rem;}}\n"
            f'div[class*="st-key-tile-{p}-"] :is(p, h3, span, small, li) {{color: {_TEXT_ON[p]};}}'
            for p, colour in PRIORITY_COLOURS.items()
        ),
        f'div[class*="st-key-tile-{NO_ALERT}-"] {{border: 2px solid #c8c8c8; border-radius: 0.6rem; '
        "padding: 0.6rem;}",
        'div[class*="st-key-vitals-"] {background: #ffffff; border-radius: 0.4rem; padding: 0.3rem 0.5rem;}',
        'div[class*="st-key-vitals-"] :is(p, span, small, div) {color: #1a1a1a;}',
        'div[class*="st-key-tile-"] button :is(p, span) {color: #1a1a1a !important;}',
        'div[class*="st-key-stale-"] [data-testid="stMetricValue"] * {color: #a0a0a0 !important; '
        "font-style: italic;}",
        'div[class*="st-key-stale-"] [data-testid="stMetricDelta"] * {color: #5a5a5a !important; '
        "font-weight: 700;}",
        f"@keyframes {FLASH} {{0% {{border-color: var(--flash-on, #1a1a1a);}} "
        f"50%, 100% {{border-color: {PRIORITY_COLOURS['high']};}}}}",
        f'div[class*="st-key-tile-high-"][class*="-flash"] '
        f"{{animation: {FLASH} {1 / FLASH_HZ:g}s step-end infinite;}}",
        "</style>",
    ]
)


def style() -> None:
    """The tiles' style sheet (static text: goes to the page head, takes no space)."""
    st.html(_STYLE)


def show(
    facts: pd.DataFrame,
    open_alerts: pd.DataFrame,
    device_alarms: pd.DataFrame,
    timezone: str,
    on_open: Callable[[str], None] | None,
) -> None:
    """The tiles in urgency order, ``COLUMNS`` to a row; ``on_open(session_id)`` for a tile's button.

    A tile first lists its monitor's own active alarms, each marked MONITOR, then the worst open
    alert of each vital (``overview.tile_alerts``); the live session page lists them all. The
    lines of every tile come from one pass over the alerts, and tiles are plain dicts: a sort
    and a pandas row per tile cost more than drawing the twelve tiles.
    """
    lines = tile_lines(open_alerts, device_alarms)
    flashing = flashing_sessions(open_alerts)
    tiles = facts.to_dict("records")
    for start in range(0, len(tiles), COLUMNS):
        row = enumerate(tiles[start : start + COLUMNS], start)
        for column, (n, tile) in zip(st.columns(COLUMNS), row, strict=False):
            with column:
                text = "  \n".join(lines.get(tile["session_id"], ["No active alert"]))
                _tile(n, tile, text, tile["session_id"] in flashing, timezone, on_open)


def tile_lines(open_alerts: pd.DataFrame, device_alarms: pd.DataFrame) -> dict[str, list[str]]:
    """Each session's tile lines (markdown): its monitor's own active alarms, marked MONITOR, then
    the worst open alert of each vital, worst first."""
    lines: dict[str, list[str]] = {}
    for alarm in device_alarms.assign(text=device_alarm_texts(device_alarms)).itertuples():
        label = " ".join(filter(None, ["MONITOR", PRIORITY_WORDS.get(alarm.priority)]))
        lines.setdefault(alarm.session_id, []).append(f"**{label}** {plain(alarm.text)}")
    shown = tile_alerts(open_alerts)
    for alert in shown.assign(text=alert_texts(shown)).itertuples():
        lines.setdefault(alert.session_id, []).append(_alert_line(alert))
    return lines


def flashing_sessions(open_alerts: pd.DataFrame) -> set[str]:
    """The sessions with a high-priority alert open that nobody has acknowledged: their tiles flash."""
    high = open_alerts.loc[(open_alerts["priority"] == "high") & open_alerts["acknowledged_by"].isna()]
    return set(high["session_id"])


def tile_key(attention: str, n: int, flashing: bool) -> str:
    """The tile's container key: its colour (``tile-high-3``), ``-flash`` while it flashes."""
    return f"tile-{attention}-{n}" + ("-flash" if flashing and attention == "high" else "")


def _tile(
    n: int, tile: dict, alert_lines: str, flashing: bool, timezone: str, on_open: Callable | None
) -> None:
    with st.container(key=tile_key(tile["attention"], n, flashing)):
        st.markdown(f"### {plain(chair_name(tile))}\n{headline(tile)}")
        st.markdown(alert_lines)
        with st.container(key=f"vitals-{n}"):  # BP gets a row of its own: "182/104" must never be cut
            hr, spo2 = st.columns(2)
            vitals(n, tile, hr, spo2, st)
        st.markdown(_side_effect(tile, timezone))
        if on_open and st.button(
            "Open chair", key=f"open-{n}", icon=":material/open_in_new:", width="stretch"
        ):
            on_open(tile["session_id"])


def vitals(n: int, tile: dict, hr, spo2, bp) -> None:
    """HR, SpO2 and the cuff BP of a tile, each where it is given to go (a column or a container)."""
    vital(hr, n, "hr", "HR /min", _number(tile["hr"]), tile["hr_age_s"], tile["hr_stale"])
    vital(spo2, n, "spo2", "SpO2 %", _number(tile["spo2"]), tile["spo2_age_s"], tile["spo2_stale"])
    bp_value = f"{_number(tile['sbp'])}/{_number(tile['dbp'])}" if pd.notna(tile["sbp"]) else "–"
    vital(bp, n, "bp", "BP mmHg", bp_value, tile["sbp_age_s"], tile["sbp_stale"], _cuff_due(tile))


def chair_name(tile: dict) -> str:
    return _text(tile["chair"], "No chair")


def headline(tile: dict) -> str:
    """Patient, phase, infusion minutes (of the planned) once started, and time in the chair."""
    parts = [plain(_text(tile["patient_id"], "no patient id")), f"**{tile['phase']}**"]
    if pd.notna(tile["elapsed_min"]):
        planned = f" / {tile['planned_minutes']:.0f}" if pd.notna(tile["planned_minutes"]) else ""
        parts.append(f"{tile['elapsed_min']:.0f}{planned} min infusion")
    if pd.notna(tile["chair_min"]):
        parts.append(f"{tile['chair_min']:.0f} min in chair")
    return " · ".join(parts)


def _alert_line(alert) -> str:
    line = f"**{PRIORITY_WORDS.get(alert.priority, alert.priority)}** {plain(alert.text)}"
    if isinstance(alert.acknowledged_by, str):
        line += f" · acknowledged by {plain(alert.acknowledged_by)}"
    return line


def vital(column, n: int, vital: str, label: str, value: str, age_s: float, stale: bool, extra: str = ""):
    """A number with its age underneath; a stale one is greyed (keyed container) and says STALE."""
    age = "no reading" if pd.isna(age_s) else _ago(age_s)
    note = " · ".join(filter(None, [f"STALE {age}" if stale else age, extra]))
    target = column.container(key=f"stale-{vital}-{n}") if stale else column
    target.metric(label, value, delta=note, delta_color="off", delta_arrow="off")


def _cuff_due(tile: dict) -> str:
    due_in = (tile["cuff_due"] - tile["clock"]).total_seconds()
    if pd.isna(due_in):
        return ""
    return f"next cuff in {_duration(due_in)}" if due_in >= 0 else f"cuff due {_duration(-due_in)} ago"


def _side_effect(tile: dict, timezone: str) -> str:
    if not isinstance(tile["side_effect"], str):
        return "Side effects: none logged"
    severity = f" ({tile['side_effect_severity']})" if isinstance(tile["side_effect_severity"], str) else ""
    when = tile["side_effect_at"].tz_convert(timezone).strftime("%H:%M")
    return f"Latest side effect: **{plain(tile['side_effect'])}**{plain(severity)} at {when}"


def _ago(seconds: float) -> str:
    return f"{_duration(seconds)} ago"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _number(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.0f}"


def _text(value: object, missing: str) -> str:
    return value if isinstance(value, str) and value else missing
