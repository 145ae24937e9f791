"""Where the tests find the app, the repository and the real-data folder beside it."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "dashboard" / "app.py")
REALDATA = REPO.parent / "shared" / "realdata"  # real exports and messages written by others
