"""The architecture we hold to, as tests: imports point one way, and the README's Layout says so.

The layer table below is the rule; the README's Layout section states the same table for people,
and a test holds the two together. A module may import its own folder, the folders its layer
lists, and any third-party package except those a layer is kept free of.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.paths import REPO

DASHBOARD = REPO / "dashboard"
CORE_PACKAGES = ("loading", "analysis", "charts", "export", "simulate", "store", "interop", "live")
ALL_CORE = frozenset({"core", *CORE_PACKAGES})

# Layer -> the layers it may import (besides itself). "core" is the base modules directly in
# dashboard/core/; "dashboard" is app.py and __main__.py.
LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "loading": frozenset({"core"}),
    "analysis": frozenset({"core"}),
    "charts": frozenset({"core", "analysis"}),
    "export": frozenset({"core", "analysis", "charts"}),
    "simulate": frozenset({"core", "export"}),
    "store": frozenset({"core", "analysis"}),
    "interop": frozenset({"core", "loading", "analysis", "store"}),
    "live": frozenset({"core", "loading", "analysis", "simulate", "store", "interop"}),
    "cli": ALL_CORE,
    "ui": ALL_CORE,
    "app_pages": ALL_CORE | {"ui"},
    "dashboard": frozenset({"cli", "ui"}),
}
# Layers that hold data logic only: no UI, storage, network or HL7 in them or below them.
PURE_LAYERS = ("core", "loading", "analysis", "charts")
KEPT_OUT_OF_PURE = ("streamlit", "sqlalchemy", "alembic", "asyncio", "socket", "hl7")
KEPT_OUT_TRANSITIVELY = ("streamlit", "sqlalchemy", "alembic", "hl7")  # pandas itself imports socket
MIGRATION_SCRIPTS = DASHBOARD / "core" / "store" / "migrations" / "versions"  # named by Alembic's order
MAX_LINES = 450
MAX_BASE_MODULES = 8


def modules() -> list[Path]:
    return sorted(p for p in DASHBOARD.rglob("*.py") if "__pycache__" not in p.parts)


def layer_of(path: Path) -> str:
    parts = path.relative_to(DASHBOARD).parts
    if parts[0] == "core":
        return parts[1] if len(parts) > 2 else "core"
    return parts[0] if len(parts) > 1 else "dashboard"


def layer_of_module(name: str) -> str | None:
    """The layer of a dotted ``dashboard...`` module name (None for anything else)."""
    parts = name.split(".")
    if parts[0] != "dashboard" or len(parts) == 1:
        return None
    if parts[1] != "core":
        return parts[1] if parts[1] in LAYERS else "dashboard"
    return parts[2] if len(parts) > 2 and parts[2] in CORE_PACKAGES else "core"


def imported_modules(source: str) -> set[str]:
    """Every module an import statement names (``from a import b`` gives ``a.b`` too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def upward_imports(path: Path, source: str | None = None) -> list[str]:
    own = layer_of(path)
    allowed = LAYERS[own] | {own}
    source = path.read_text("utf-8") if source is None else source
    found = {layer_of_module(name) for name in imported_modules(source)} - {None}
    return sorted(f"{path.relative_to(REPO)} imports {layer}" for layer in found - allowed)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(DASHBOARD)))
def test_every_import_points_down_the_layer_table(path: Path) -> None:
    assert upward_imports(path) == []


def test_the_layer_check_catches_an_upward_import() -> None:
    probe = DASHBOARD / "core" / "analysis" / "probe.py"
    source = (
        "from dashboard.core.store import Store\n"
        "from dashboard.ui import live\n"
        "from dashboard.core import model\n"  # base modules are allowed everywhere
    )
    assert upward_imports(probe, source) == [
        "dashboard/core/analysis/probe.py imports store",
        "dashboard/core/analysis/probe.py imports ui",
    ]


@pytest.mark.parametrize("path", [p for p in modules() if layer_of(p) in PURE_LAYERS], ids=str)
def test_pure_layers_import_no_ui_storage_network_or_hl7(path: Path) -> None:
    top_level = {name.split(".")[0] for name in imported_modules(path.read_text("utf-8"))}
    assert sorted(top_level & set(KEPT_OUT_OF_PURE)) == []


def test_importing_the_pure_layers_loads_no_ui_storage_or_hl7_package() -> None:
    names = [_dotted(p) for p in modules() if layer_of(p) in PURE_LAYERS]
    assert len(names) > 30
    assert _loaded_after_importing(names, KEPT_OUT_TRANSITIVELY) == []


def test_importing_every_core_module_never_imports_streamlit() -> None:
    names = [_dotted(p) for p in modules() if layer_of(p) in ALL_CORE and MIGRATION_SCRIPTS not in p.parents]
    names = [n for n in names if not n.endswith(("__main__", "migrations.env"))]  # scripts, not imports
    assert len(names) > 40
    assert _loaded_after_importing(names, ("streamlit",)) == []


def test_no_module_is_longer_than_the_limit() -> None:
    lengths = {str(p.relative_to(REPO)): len(p.read_text("utf-8").splitlines()) for p in modules()}
    assert {path: n for path, n in lengths.items() if n > MAX_LINES} == {}


def test_the_core_folder_holds_only_the_base_modules_directly() -> None:
    base = [p.name for p in (DASHBOARD / "core").glob("*.py")]
    assert len(base) <= MAX_BASE_MODULES, base


def test_one_basename_per_module_so_a_search_finds_one_file() -> None:
    names = Counter(p.name for p in modules() if p.name not in {"__init__.py", "__main__.py"})
    assert [name for name, count in names.items() if count > 1] == []


def test_unit_tests_mirror_the_packages() -> None:
    strays = []
    for test in sorted((REPO / "tests" / "unit").rglob("test_*.py")):
        package = test.parent.name
        folder = DASHBOARD / "core" if package == "core" else DASHBOARD / "core" / package
        if not (folder / f"{test.stem.removeprefix('test_')}.py").exists():
            strays.append(str(test.relative_to(REPO)))
    assert strays == []


# The README's Layout section: one row per folder, `| folder | holds | may import | tested in |`.


def layout_rows() -> dict[str, tuple[str, set[str]]]:
    """Folder -> (its row's text, the layers its "may import" cell names)."""
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`dashboard/"):
            rows[cells[0].strip("`")] = (line, set(re.findall(r"`([a-z_]+)`", cells[2])))
    return rows


def folder_of(path: Path) -> str:
    """The Layout row a module belongs to: its folder, base modules and top-level files apart."""
    if MIGRATION_SCRIPTS in path.parents or path.parent == MIGRATION_SCRIPTS.parent:
        return "dashboard/core/store/migrations/"
    layer = layer_of(path)
    if layer == "core":
        return "dashboard/core/"
    if layer == "dashboard":
        return "dashboard/"
    return str(path.parent.relative_to(REPO)) + "/"


def test_readme_layout_states_the_layer_table() -> None:
    stated = {}
    for folder, (_row, may_import) in layout_rows().items():
        if folder != "dashboard/core/store/migrations/":
            stated[folder] = may_import
    expected = {_folder_of_layer(layer): set(allowed) for layer, allowed in LAYERS.items()}
    assert stated == expected


def test_readme_layout_names_every_module_in_its_folders_row() -> None:
    rows = layout_rows()
    unnamed = []
    for path in modules():
        if MIGRATION_SCRIPTS in path.parents or path.name == "__init__.py":
            continue
        row = rows.get(folder_of(path), ("", set()))[0]
        if f"`{path.stem}`" not in row:
            unnamed.append(str(path.relative_to(REPO)))
    assert unnamed == []


def _folder_of_layer(layer: str) -> str:
    if layer == "core":
        return "dashboard/core/"
    if layer == "dashboard":
        return "dashboard/"
    return f"dashboard/core/{layer}/" if layer in CORE_PACKAGES else f"dashboard/{layer}/"


def _dotted(path: Path) -> str:
    name = ".".join(path.relative_to(REPO).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _loaded_after_importing(names: list[str], packages: tuple[str, ...]) -> list[str]:
    script = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(packages)!r})))\n"
    )
    command = [sys.executable, "-c", script]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=True)
    return json.loads(result.stdout)
