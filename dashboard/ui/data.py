"""The app's data: which sessions the review reads (the clinic's records in the store, uploaded
files or the sample data), under which protocol, cached on their content.

Pages never load or analyse anything themselves; they call ``current()`` and get the same
cached ``Analysis`` on every rerun. The clinic's records are read as of a moment (the store's
``record_version`` when they were first read) and re-read only when the analyst asks: a review
that shifted under the analyst with every monitor reading would be neither fast nor reviewable.

Loaded datasets and analyses are cached with ``st.cache_resource`` (shared, not copied): with
2,000 sessions at 1 Hz the vitals frame holds millions of rows, and ``st.cache_data`` would
pickle a copy of it on every rerun. The cache keys are content digests (file bytes, or the store,
the days and the record version; protocol TOML, import settings), so the same files uploaded
twice are loaded once. Cached objects are read-only by convention.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.core.analysis.pipeline import Analysis, analyse, compare_protocols
from dashboard.core.analysis.protocol import Protocol, load_protocol
from dashboard.core.interop.review_files import load_review_files
from dashboard.core.live.clinic_record import clinic_record
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.model import Dataset
from dashboard.core.settings import SAMPLE_DIR
from dashboard.ui import live

_KEEP_DATASETS = 4  # loaded datasets kept in memory, most recently used first

# Where the review's sessions come from, in the order they are offered.
CLINIC, FILES, SAMPLE = "Clinic records", "Uploaded files", "Sample data"
CLINIC_RECORDS = "the clinic's records"  # ``Current.source`` of the clinic's records

# session_state keys shared by the pages
SOURCE = "review_source"  # CLINIC, FILES or SAMPLE; absent = the clinic's records if the store has any
RECORD_DATES = "record_dates"  # (first, last) day the clinic's sessions started, in the clinic's zone
RECORD_AS_OF = "record_as_of"  # the store's record_version the clinic's records were read at
PARTS = "dataset_parts"  # tuple of (file name, bytes) uploaded, or absent for the sample data
CONTENT = "dataset_digest"  # digest of PARTS, computed once at upload (hashing 400 MB takes a second)
SELECTED = "selected_session"
PROTOCOL = "protocol_toml"  # the active protocol's TOML; absent = the shipped default
TIMEZONE = "timezone"
DAYFIRST = "dayfirst"

Part = tuple[str, bytes]


@dataclass(frozen=True)
class Current:
    """What every page shows: the analysis, where its files came from and the clinic's time zone."""

    analysis: Analysis
    source: str
    key: str
    timezone: str


def sources() -> list[str]:
    """The sources there are now: the clinic's records once the store holds a session, uploaded
    files once some were loaded, and always the sample data."""
    return [
        *([CLINIC] if live.store_has_sessions() else []),
        *([FILES] if PARTS in st.session_state else []),
        SAMPLE,
    ]


def source() -> str:
    """The source chosen, else the first there is (the clinic's records when the store has any)."""
    there = sources()
    chosen = st.session_state.get(SOURCE)
    return chosen if chosen in there else there[0]


def current() -> Current:
    """The review's sessions (``source()``) analysed under the active protocol."""
    settings = load_settings()
    origin = source()
    if origin == CLINIC:
        key, dataset, what = _clinic_records(settings)
    else:
        uploaded = origin == FILES
        parts = st.session_state[PARTS] if uploaded else sample_parts()
        key = _key(st.session_state[CONTENT] if uploaded else _digest(parts), settings)
        dataset = _load(key, lambda progress: load_review_files(parts, settings, progress))
        what = "uploaded files" if uploaded else "the bundled sample data (simulated)"
    protocol = active_protocol()
    analysis = _analyse(key, protocol.to_toml(), dataset, protocol)
    return Current(analysis=analysis, source=what, key=key, timezone=settings.timezone)


def live_sessions(loaded: Current) -> frozenset[str]:
    """The reviewed sessions still open in the store (their record is still growing)."""
    if loaded.source != CLINIC_RECORDS:
        return frozenset()
    return frozenset(live.store().active_sessions()["session_id"])


def record_span(timezone: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day a stored session started, in the clinic's zone (None: no session)."""
    span = live.store().started_span()
    if span is None:
        return None
    first, last = (moment.tz_convert(timezone).date() for moment in span)
    return first, last


def record_is_stale() -> bool:
    """Whether the store holds entries newer than the clinic's records being reviewed."""
    as_of = st.session_state.get(RECORD_AS_OF)
    return as_of is not None and live.store().record_version() != as_of


def reload_records() -> None:
    st.session_state.pop(RECORD_AS_OF, None)


def _clinic_records(settings: LoadSettings) -> tuple[str, Dataset, str]:
    """The stored sessions started on the chosen days, read as of ``RECORD_AS_OF``."""
    store = live.store()
    as_of = st.session_state.setdefault(RECORD_AS_OF, store.record_version())
    first, last = st.session_state.get(RECORD_DATES) or (None, None)
    since = None if first is None else pd.Timestamp(first).tz_localize(settings.timezone)
    until = None if last is None else pd.Timestamp(last).tz_localize(settings.timezone) + pd.Timedelta(days=1)
    key = _key(f"clinic|{live.store_url()}|{since}|{until}|{as_of}", settings)

    dataset = _load(key, lambda _progress: clinic_record(store, since=since, until=until))
    return key, dataset, CLINIC_RECORDS


def load_settings() -> LoadSettings:
    return LoadSettings(
        timezone=st.session_state.get(TIMEZONE, "UTC"), dayfirst=st.session_state.get(DAYFIRST, False)
    )


def load_uploads(parts: Sequence[Part], on_progress: Callable[[int, int, str], None]) -> None:
    """Load uploaded files once (showing progress), then make them the review's sessions."""
    parts = tuple(parts)
    content = _digest(parts)
    settings = load_settings()
    _load(_key(content, settings), lambda progress: load_review_files(parts, settings, progress),
          on_progress)  # fmt: skip
    st.session_state[PARTS] = parts
    st.session_state[CONTENT] = content
    choose(FILES)


def choose(origin: str) -> None:
    """Review ``origin``'s sessions from now on (the session picked in another source is dropped)."""
    if st.session_state.get(SOURCE) != origin:
        st.session_state.pop(SELECTED, None)
    st.session_state[SOURCE] = origin


def use_sample_data() -> None:
    for key in (PARTS, CONTENT):
        st.session_state.pop(key, None)
    choose(SAMPLE)


def active_protocol() -> Protocol:
    return _protocol(st.session_state.get(PROTOCOL))


def protocol_of(toml_text: str | None) -> Protocol:
    """A protocol from its TOML (None: the shipped default), parsed once per text."""
    return _protocol(toml_text)


def compare(loaded: Current, edited: Protocol) -> pd.DataFrame:
    """Alerts per session under the active and the edited protocol (cached per protocol pair)."""
    analysis = loaded.analysis
    return _compare(loaded.key, analysis.protocol.to_toml(), edited.to_toml(), analysis, edited)


def sample_parts() -> tuple[Part, ...]:
    return tuple((path.name, path.read_bytes()) for path in sorted(SAMPLE_DIR.glob("*.csv")))


def _key(content: str, settings: LoadSettings) -> str:
    """The same bytes read with another time zone or date order are another dataset."""
    return hashlib.sha256(f"{content}|{settings!r}".encode()).hexdigest()


def _digest(parts: Sequence[Part]) -> str:
    digest = hashlib.sha256()
    for name, data in parts:
        digest.update(name.encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _load(
    key: str, read: Callable[[Callable | None], Dataset], on_progress: Callable | None = None
) -> Dataset:
    """The dataset ``read`` makes, read once per ``key`` and shared by all browser sessions.

    Not an ``st.cache_resource`` function itself: a progress bar updated from inside a cached
    function cannot be replayed, so the cache is a small shared LRU held by one.
    """
    loaded, lock = _datasets()
    with lock:
        if key in loaded:
            loaded.move_to_end(key)
            return loaded[key]
    if on_progress is None:
        with st.spinner("Reading sessions…"):
            dataset = read(None)
    else:
        dataset = read(on_progress)
    with lock:
        loaded[key] = dataset
        while len(loaded) > _KEEP_DATASETS:
            loaded.popitem(last=False)
    return dataset


@st.cache_resource
def _datasets() -> tuple[OrderedDict[str, Dataset], threading.Lock]:
    return OrderedDict(), threading.Lock()


@st.cache_resource(max_entries=8, show_spinner="Computing alerts and summaries…")
def _analyse(key: str, protocol_toml: str, _dataset: Dataset, _protocol: Protocol) -> Analysis:
    return analyse(_dataset, _protocol)


@st.cache_data(max_entries=16, show_spinner="Comparing protocols…")
def _compare(
    key: str, current_toml: str, edited_toml: str, _analysis: Analysis, _edited: Protocol
) -> pd.DataFrame:
    return compare_protocols(_analysis, _edited)


@st.cache_data(max_entries=16, show_spinner=False)
def _protocol(toml_text: str | None) -> Protocol:
    return load_protocol(toml_text)


@dataclass(frozen=True)
class SessionData:
    """One session's rows of every frame, and the rules that applied to its patient."""

    session: pd.Series
    vitals: pd.DataFrame
    events: pd.DataFrame
    artifacts: pd.DataFrame
    alerts: pd.DataFrame
    summary: pd.Series
    rules: pd.DataFrame


def session_data(loaded: Current, session_id: str) -> SessionData:
    """Slices of one session, found through a cached row index (no scan of millions of rows per rerun)."""
    analysis = loaded.analysis
    index = _row_index(loaded.key, analysis.protocol.to_toml(), analysis)
    dataset = analysis.dataset

    def rows(frame: pd.DataFrame, name: str) -> pd.DataFrame:
        return frame.iloc[index[name].get(session_id, [])]

    session = rows(dataset.sessions, "sessions")
    patient = session["patient_id"].iloc[0] if len(session) else None
    rules = analysis.protocol.rules_for(None if pd.isna(patient) else patient)
    summary = rows(analysis.summary, "summary")
    return SessionData(
        session=session.iloc[0] if len(session) else pd.Series({"session_id": session_id}),
        vitals=rows(dataset.vitals, "vitals"),
        events=rows(dataset.events, "events"),
        artifacts=rows(dataset.artifacts, "artifacts"),
        alerts=rows(analysis.alerts, "alerts"),
        summary=summary.iloc[0] if len(summary) else pd.Series(dtype=object),
        rules=pd.DataFrame([rule.model_dump() for rule in rules]),
    )


@st.cache_resource(max_entries=8, show_spinner=False)
def _row_index(key: str, protocol_toml: str, _analysis: Analysis) -> dict[str, dict[str, object]]:
    dataset = _analysis.dataset
    frames = {
        "sessions": dataset.sessions,
        "vitals": dataset.vitals,
        "events": dataset.events,
        "artifacts": dataset.artifacts,
        "alerts": _analysis.alerts,
        "summary": _analysis.summary,
    }
    return {name: frame.groupby("session_id", sort=False).indices for name, frame in frames.items()}
