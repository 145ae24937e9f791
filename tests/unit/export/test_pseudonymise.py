"""Pseudonymised exports: keyed, stable, and leaving no patient id anywhere in the files."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pandas as pd
import pytest

from dashboard.core.export import (
    KEY_FILE,
    pseudonym_key,
    pseudonymise,
    pseudonymised_export,
    session_pseudonyms,
)
from dashboard.core.settings import PSEUDONYM_KEY_ENV

KEY = b"a-test-key-of-32-bytes-exactly!!"
OTHER_KEY = b"another-test-key-of-some-length!"
SESSIONS = pd.DataFrame(
    {
        "session_id": ["P01-S1", "P01-S2", "P02-S1", "101", "ICU-77"],
        "patient_id": ["P01", "P01", "P02", "1", None],
        "chair": ["Chair 1", "Chair 1", "Chair 2", "Chair 3", "Chair 3"],
    }
)
EVENTS = pd.DataFrame(
    {
        "session_id": ["P01-S1", "P02-S1", "101"],
        "event": ["nausea", "anxiety", "headache"],
        "note": ["Mr P01 asked for a bowl", '=HYPERLINK("x")', "P02 said so"],
    }
)


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch):
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)


def test_same_key_gives_the_same_pseudonyms_in_every_export():
    assert pseudonymise(SESSIONS, SESSIONS, KEY).equals(pseudonymise(SESSIONS.copy(), SESSIONS, KEY))


def test_another_key_gives_unrelated_pseudonyms():
    ours = pseudonymise(SESSIONS, SESSIONS, KEY)
    theirs = pseudonymise(SESSIONS, SESSIONS, OTHER_KEY)
    assert not set(ours["patient_id"].dropna()) & set(theirs["patient_id"].dropna())
    assert not set(ours["session_id"]) & set(theirs["session_id"])


def test_one_patient_keeps_one_pseudonym_and_the_infusion_number_stays_readable():
    out = pseudonymise(SESSIONS, SESSIONS, KEY).set_index(SESSIONS["session_id"])
    alias = out.loc["P01-S1", "patient_id"]
    assert out.loc["P01-S2", "patient_id"] == alias
    assert out.loc["P02-S1", "patient_id"] != alias
    assert out.loc["P01-S1", "session_id"] == f"{alias}-S1"
    assert out.loc["P01-S2", "session_id"] == f"{alias}-S2"


def test_session_id_without_its_patient_id_as_a_token_is_replaced_whole():
    aliases = session_pseudonyms(SESSIONS, KEY)
    assert aliases["101"].startswith("ses-")  # patient "1" is in "101" only as a digit, not a token
    assert aliases["ICU-77"].startswith("ses-")  # no patient id known: may be a record number itself


def test_missing_patient_id_stays_missing():
    assert pseudonymise(SESSIONS, SESSIONS, KEY)["patient_id"].isna().tolist() == [False] * 4 + [True]


def test_export_holds_no_patient_or_session_id_and_no_free_text_anywhere():
    data = pseudonymised_export({"summary.csv": SESSIONS, "events.csv": EVENTS}, SESSIONS, KEY)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["events.csv", "summary.csv"]
    text = "".join(archive.read(name).decode() for name in archive.namelist())
    for identifier in ("P01", "P02", "ICU-77", "101"):
        assert identifier not in text
    events = pd.read_csv(io.BytesIO(archive.read("events.csv")))
    assert list(events.columns) == ["session_id", "event"]  # notes can name people: left out
    assert len(events) == 3


def test_export_is_formula_safe():
    sessions = SESSIONS.assign(chair=["=1+1", "Chair 1", "Chair 2", "@SUM(A1)", "Chair 3"])
    data = pseudonymised_export({"summary.csv": sessions}, SESSIONS, KEY)
    summary = pd.read_csv(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read("summary.csv")))
    assert summary["chair"].tolist()[::3] == ["'=1+1", "'@SUM(A1)"]


def test_key_comes_from_the_environment_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "  from-the-environment-0123456789  ")
    assert pseudonym_key(tmp_path) == b"from-the-environment-0123456789"
    assert not (tmp_path / KEY_FILE).exists()


def test_key_file_is_created_once_readable_by_its_owner_only_and_then_reused(tmp_path):
    first = pseudonym_key(tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 32
    assert pseudonym_key(tmp_path / "data") == first


def test_key_file_in_the_data_folder_setting_is_used_by_default(monkeypatch, tmp_path):
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    key = pseudonym_key()
    assert (tmp_path / KEY_FILE).read_text().strip().encode() == key


def test_short_key_is_refused_with_a_message_saying_how_to_make_one(monkeypatch, tmp_path):
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "short")
    with pytest.raises(ValueError, match="at least 16.*secrets.token_hex"):
        pseudonym_key(tmp_path)
