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
