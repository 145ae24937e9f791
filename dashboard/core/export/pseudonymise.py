"""Pseudonymised exports for analysts: patient ids replaced by stable keyed hashes.

A plain hash of a patient id can be reversed by hashing every plausible id, so the pseudonym is
an HMAC-SHA256 under a secret key: the same key gives the same pseudonym in every export (an
analyst can join exports made months apart), another key gives unrelated ones, and without the
key nobody can go back. The key comes from ``DASHBOARD_PSEUDONYM_KEY``, else from a key file in
the data folder that is made (random, readable by its owner only) the first time one is needed.

Session ids often embed the patient id (``P01-S3``): that part is replaced, so the infusion
number stays readable (``pt-…-S3``); a session id that does not contain its patient's id is
replaced whole, since it may be a record number of its own. Free-text notes are left out: they
can name people. This is pseudonymisation, not anonymisation: dates, times and values remain.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import re
import secrets
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from dashboard.core import settings
from dashboard.core.export.safe_csv import to_safe_csv

KEY_FILE = "pseudonym.key"
MIN_KEY_BYTES = 16
DIGEST_CHARS = 16  # 64 bits: no collision expected below billions of ids
FREE_TEXT_COLUMNS: tuple[str, ...] = ("note",)


def pseudonym_key(data_dir: Path | None = None) -> bytes:
    """The key: ``DASHBOARD_PSEUDONYM_KEY``, else the key file in ``data_dir`` (default: the
    ``DASHBOARD_DATA_DIR`` folder), created on first use. Raises ValueError for a short key."""
    text = settings.pseudonym_key_text()
    if text is None:
        folder = data_dir or settings.data_dir()
        text = _key_file(folder / KEY_FILE)
    key = text.strip().encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"the pseudonym key ({settings.PSEUDONYM_KEY_ENV} or {KEY_FILE}) is {len(key)} bytes long; "
            f"expected at least {MIN_KEY_BYTES} (e.g. the output of: python -c 'import secrets; "
            "print(secrets.token_hex(32))')"
        )
    return key


def _key_file(path: Path) -> str:
    """Read the key file, or create it once (O_EXCL: two processes starting together agree)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text("utf-8")
    key = secrets.token_hex(32)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    return key


def pseudonyms(values: pd.Series, key: bytes, prefix: str) -> pd.Series:
    """``prefix`` + keyed hash of each value (hashed once per distinct value); missing stays missing."""
    distinct = values.dropna().astype("str").unique()
    table = {
        value: prefix + hmac.new(key, f"{prefix}{value}".encode(), hashlib.sha256).hexdigest()[:DIGEST_CHARS]
        for value in distinct
    }
    return values.astype("str").map(table).where(values.notna()).astype("str")


def session_pseudonyms(sessions: pd.DataFrame, key: bytes) -> pd.Series:
    """session_id -> its pseudonym: the embedded patient id replaced, else the whole id hashed.

    The patient id counts as embedded only as a whole token (``P01`` in ``P01-S3``, not ``1`` in
    ``101``), so a short patient id never rewrites an unrelated part of the session id.
    """
    table = sessions.dropna(subset="session_id").drop_duplicates("session_id")
    ids = table["session_id"].astype("str")
    patients = table["patient_id"]
    replaced = [
        _token(patient).sub(alias, session) if isinstance(patient, str) and patient else None
        for session, patient, alias in zip(ids, patients, pseudonyms(patients, key, "pt-"), strict=True)
    ]
    mapped = pd.Series(replaced, index=ids.to_numpy(), dtype="object")
    whole = pseudonyms(ids, key, "ses-").set_axis(ids.to_numpy())
    return mapped.where(mapped.notna() & (mapped != ids.to_numpy()), whole).astype("str")


def _token(patient: str) -> re.Pattern:
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(patient)}(?![0-9A-Za-z])")


def pseudonymise(frame: pd.DataFrame, sessions: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """``frame`` with patient and session ids replaced and free-text columns left out."""
    out = frame.drop(columns=[c for c in FREE_TEXT_COLUMNS if c in frame.columns])
    if "session_id" in out.columns:
        known = session_pseudonyms(sessions, key)
        unknown = pseudonyms(out["session_id"], key, "ses-")  # a session missing from ``sessions``
        out["session_id"] = out["session_id"].map(known).fillna(unknown).astype("str")
    if "patient_id" in out.columns:
        out["patient_id"] = pseudonyms(out["patient_id"], key, "pt-")
    return out


def pseudonymised_export(frames: Mapping[str, pd.DataFrame], sessions: pd.DataFrame, key: bytes) -> bytes:
    """A zip of formula-safe CSVs, one per entry of ``frames`` (file name -> frame), pseudonymised."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in frames.items():
            archive.writestr(name, to_safe_csv(pseudonymise(frame, sessions, key)))
    return buffer.getvalue()
