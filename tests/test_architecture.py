"""The house rules that keep stages pure: no I/O libraries inside extract/, enrich/, corpus/."""

from __future__ import annotations

import ast
from pathlib import Path

import newsgraph

PURE = ("extract", "enrich", "corpus")
IO_MODULES = {
    "sqlite3",
    "httpx",
    "requests",
    "urllib.request",
    "socket",
    "dask",
    "psycopg",
    "newsgraph.store",
    "newsgraph.run",
    "newsgraph.web",
    "newsgraph.ingest",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pure_stages_import_no_io() -> None:
    root = Path(newsgraph.__file__).parent
    offenders = []
    for stage in PURE:
        for path in (root / stage).rglob("*.py"):
            for name in _imports(path):
                if any(name == banned or name.startswith(banned + ".") for banned in IO_MODULES):
                    offenders.append(f"{path.relative_to(root)} imports {name}")
    assert offenders == []


def test_web_reads_through_the_store_views_only() -> None:
    """web/ holds no SQL, so another store backend slots in beneath it unchanged."""
    root = Path(newsgraph.__file__).parent / "web"
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "sqlite3" in _imports(path) or ".execute(" in text or "SELECT " in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
