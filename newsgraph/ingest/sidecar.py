"""Optional `NAME.json` files beside a page that give its url, date and source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsgraph.records import SourceHints

MAX_SIDECAR_BYTES = 64_000


def hints_from_mapping(data: dict[str, Any]) -> SourceHints:
    """Turn a JSON object's known fields into SourceHints, ignoring other keys and bad types."""

    def text(key: str) -> str | None:
        value = data.get(key)
        return value.strip() or None if isinstance(value, str) else None

    authors_value = data.get("authors", data.get("author"))
    if isinstance(authors_value, str):
        authors: tuple[str, ...] = (authors_value.strip(),) if authors_value.strip() else ()
    elif isinstance(authors_value, list):
        authors = tuple(a.strip() for a in authors_value if isinstance(a, str) and a.strip())
    else:
        authors = ()
    return SourceHints(
        url=text("url"),
        published=text("published") or text("date"),
        source=text("source") or text("site"),
        title=text("title"),
        authors=authors,
        language=text("language"),
    )


def sidecar_path(page: Path) -> Path:
    name = page.name
    for suffix in (".html.gz", ".htm.gz", ".txt.gz"):
        if name.endswith(suffix):
            return page.with_name(name[: -len(suffix)] + ".json")
    return page.with_suffix(".json")


def read_sidecar(page: Path) -> SourceHints | None:
    """Hints from the page's sidecar, or None when it has none. A broken sidecar is ignored."""
    path = sidecar_path(page)
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return hints_from_mapping(data) if isinstance(data, dict) else None
