"""The live pages' access to the store: one shared follower, the refresh switch, alert toasts.

The store is opened through one ``st.cache_resource`` function per store URL, so every browser
session shares one connection pool and one in-memory copy of the live sessions' rows
(``LiveFollower``), and tests pointing ``DASHBOARD_DATA_DIR`` elsewhere get their own. With
sign-in configured it is opened requiring roles: a write must come from an ``Actor`` holding one.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import settings
from dashboard.core.analysis.protocol import Protocol, load_protocol
from dashboard.core.live.follower import LiveFollower, LiveSnapshot
from dashboard.core.live.overview import alert_texts
from dashboard.core.store import Store, open_store
from dashboard.core.store.engine import database_url
from dashboard.ui import access, components

REFRESH_S = 5
FEED_COMMAND = "python -m dashboard feed"

# session_state keys
SELECTED = "selected_live_session"
REFRESH = "live_refresh"  # False when the user paused the refresh
SEEN_HIGH = "seen_high_alerts"  # alert keys already toasted in this browser session


def follower() -> LiveFollower:
    return _follower(database_url(), access.oidc_configured())


def store() -> Store:
    return follower().store


@st.cache_resource(show_spinner=False)
def _follower(url: str, roles_required: bool) -> LiveFollower:
    return LiveFollower(open_store(url, roles_required=roles_required))


def store_url() -> str:
    """The store's URL (for cache keys; never shown: it may carry a password)."""
    return database_url()


def store_has_sessions() -> bool:
    """Whether the store holds any session, without creating an empty store just to ask."""
    if not settings.configured_database_url() and not settings.sqlite_path().exists():
        return False
    return store().has_sessions()


def anything_live() -> bool:
    """Whether a session is live, without creating an empty store just to ask."""
    if not settings.configured_database_url() and not settings.sqlite_path().exists():
        return False
    return not store().active_sessions().empty


def snapshot() -> LiveSnapshot:
    return follower().snapshot(protocol(), pd.Timestamp.now(tz="UTC"))


def protocol() -> Protocol:
    """The protocol in force for live monitoring: the latest adopted in the store, else the default."""
    return _protocol(store().current_protocol())


@st.cache_data(max_entries=8, show_spinner=False)
def _protocol(toml_text: str | None) -> Protocol:
    return load_protocol(toml_text)


def refresh_every() -> int | None:
    """The live-refresh switch; the fragment's ``run_every`` (None while paused)."""
    st.toggle(
        f"Live refresh (every {REFRESH_S} s)",
        value=st.session_state.get(REFRESH, True),
        key="w_live_refresh",
        on_change=_keep_refresh,
        help="Pause to read or discuss a screen without it changing; the store keeps recording.",
    )
    return REFRESH_S if st.session_state.get(REFRESH, True) else None


def _keep_refresh() -> None:
    # Widget state is dropped when its page is left (and by run_every timers, streamlit#10805).
    st.session_state[REFRESH] = st.session_state["w_live_refresh"]


def last_updated(snap: LiveSnapshot, timezone: str, every: int | None) -> None:
    """When the page last refreshed, whether it refreshes, and the protocol its alerts follow."""
    when = snap.wall_now.tz_convert(timezone).strftime("%H:%M:%S")
    how = f"refreshing every {every} s" if every else "PAUSED, switch live refresh on to update"
    st.caption(
        f"Last updated {when} ({components.plain(timezone)}) · {how} · "
        f"{components.plain(protocol_in_force_text(snap.protocol.name, timezone))}"
    )


def protocol_in_force_text(name: str, timezone: str) -> str:
    """The protocol the live alerts follow, as staff read it: "protocol Clinic limits 2026 (version
    3f2a9c1e, adopted 2026-12-04 10:02 by dr.b)", or "protocol ..., the shipped default"."""
    adopted = store().protocol_in_force()
    if adopted is None:
        return f"protocol {name}, the shipped default"
    at = pd.Timestamp(adopted["changed_at"]).tz_convert(timezone)
    return f"protocol {name} (version {adopted['id'][:8]}, adopted {at:%Y-%m-%d %H:%M} by {adopted['user']})"


def toast_new_high_alerts(snap: LiveSnapshot, chairs: pd.Series) -> None:
    """A toast for each high-priority alert not seen before in this browser session.

    The first refresh only takes note of what is already sounding: the tiles show it.
    """
    alerts = snap.open_alerts
    high = alerts.loc[(alerts["priority"] == "high") & alerts["acknowledged_by"].isna()]
    seen = st.session_state.get(SEEN_HIGH)
    new = high.loc[~high["alert_key"].isin(seen or [])]
    if seen is not None and not new.empty:
        for chair, text in zip(new["session_id"].map(chairs), alert_texts(new), strict=True):
            where = components.plain(chair if isinstance(chair, str) else "A chair")
            st.toast(f"**{where}**: {components.plain(text)}", icon=":material/emergency:", duration="long")
    st.session_state[SEEN_HIGH] = high["alert_key"].tolist()


def no_session_live() -> None:
    st.info(
        "No session is live. To watch the demo, start the feed in a second terminal from the "
        f"repository root: `.venv/bin/{FEED_COMMAND} --speed 10` (replays sample sessions as six live "
        "chairs, ten times faster than real time). Monitor exports are followed with "
        "`.venv/bin/python -m dashboard ingest --watch FOLDER`. This page updates by itself.",
        icon=":material/airline_seat_recline_normal:",
    )


def unassigned_monitors(monitors: pd.DataFrame, timezone: str) -> None:
    """A warning per monitor that sends with no session: its readings are held until assigned."""
    for monitor in monitors.itertuples():
        since = monitor.first_reading.tz_convert(timezone).strftime("%H:%M")
        name = components.plain(monitor.monitor_id)
        st.warning(
            f"**Monitor {name} is sending, no session**: {monitor.readings} readings held since "
            f"{since}. They join the session it is assigned to:",
            icon=":material/monitor_heart:",
        )
        command = f"python -m dashboard monitor assign {monitor.monitor_id} SESSION_ID --user NAME"
        st.code(command, language=None)


def open_alerts_table(open_alerts: pd.DataFrame, timezone: str) -> None:
    """Open alerts, worst first, with who acknowledged them and why (listed until they clear)."""
    if open_alerts.empty:
        st.success("No open alert.", icon=":material/check_circle:")
        return
    shown = components.local_times(open_alerts.assign(alert=alert_texts(open_alerts)), timezone,
                                   ("onset", "acknowledged_at"))  # fmt: skip
    rank = shown["priority"].map({"high": 0, "medium": 1, "low": 2})
    st.dataframe(
        shown.assign(rank=rank).sort_values(["rank", "onset"]),
        hide_index=True,
        width="stretch",
        column_order=(
            "priority",
            "alert",
            "onset",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledged_reason",
        ),
        column_config={
            "priority": st.column_config.TextColumn(
                "Priority", help="high = red, medium = yellow, low = cyan"
            ),
            "alert": st.column_config.TextColumn("Alert", width="medium"),
            "onset": st.column_config.DatetimeColumn("Since", format="HH:mm:ss"),
            "acknowledged_by": "Acknowledged by",
            "acknowledged_at": st.column_config.DatetimeColumn("At", format="HH:mm:ss"),
            "acknowledged_reason": st.column_config.TextColumn("Reason", width="medium"),
        },
        placeholder=components.MISSING,
    )
