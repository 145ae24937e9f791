"""The architecture we hold to: the core is usable, and testable, without Streamlit."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import dashboard.core
from tests.paths import REPO as ROOT


def test_importing_every_core_module_never_imports_streamlit() -> None:
    modules = sorted(m.name for m in pkgutil.walk_packages(dashboard.core.__path__, "dashboard.core."))
    modules = [m for m in modules if ".migrations" not in m]  # Alembic scripts, run by Alembic only
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert len(modules) > 30
    assert result.stdout.strip() == "[]"
