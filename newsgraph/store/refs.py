"""Article references: how every view names an article, so a reader can open the original.

A reference is `{id, url, title, source, published}`; `location` (where it was read from) is
kept beside them for the CLI, which shows paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from newsgraph.store.base import Store

REF_KEYS = ("id", "url", "title", "source", "published", "location")
REF_COLUMNS = "a.id, a.url, a.title, s.name, a.published, a.location"
REF_JOIN = "LEFT JOIN sources s ON s.id = a.source_id"


def ref_from_row(row: Iterable[Any]) -> dict[str, Any]:
    """A reference from a row selected with `REF_COLUMNS`."""
    return dict(zip(REF_KEYS, row, strict=True))


def article_refs(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """References for the given article ids (those that exist), keyed by id."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    table = store.id_table("refs", wanted)
    rows = store.conn.execute(
        f"SELECT {REF_COLUMNS} FROM articles a {REF_JOIN} WHERE a.id IN (SELECT id FROM {table})"
    ).fetchall()
    return {row[0]: ref_from_row(row) for row in rows}


def article_ref(store: Store, ident: str) -> dict[str, Any] | None:
    return article_refs(store, [ident]).get(ident)
