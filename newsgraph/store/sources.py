"""Source views: every outlet with its volume and originality, and one outlet over time —
how much it publishes, how much of that is its own, whom it copies and who copies it."""

from __future__ import annotations

import statistics
from typing import Any

from newsgraph.errors import NotFound
from newsgraph.store.base import Store
from newsgraph.store.cursor import check_limit, decode_cursor, page
from newsgraph.store.follow import source_feeds

_COPIES = "SUM(CASE WHEN EXISTS (SELECT 1 FROM copy_links l WHERE l.copy_id = a.id) THEN 1 ELSE 0 END)"
_COUNTS = (
    f"SELECT s.id, s.name, COUNT(a.id), {_COPIES}, MIN(a.published_utc), MAX(a.published_utc) "
    "FROM sources s JOIN articles a ON a.source_id = s.id"
)


def _source_row(row: tuple[Any, ...]) -> dict[str, Any]:
    _, name, articles, copies, first, last = row
    copies = int(copies or 0)
    return {
        "id": name,
        "name": name,
        "articles": articles,
        "copies": copies,
        "original_share": round(1 - copies / articles, 3) if articles else 0.0,
        "first_published": first,
        "last_published": last,
    }


def list_sources(store: Store, limit: int = 100, cursor: str | None = None) -> dict[str, Any]:
    """Sources by name, each with its article count, copies and original share: `{items, next}`."""
    check_limit(limit)
    key = decode_cursor(cursor, 1)
    where, params = "", []
    if key is not None:
        where, params = "WHERE s.name > ?", [key[0]]
    rows = store.conn.execute(
        f"{_COUNTS} {where} GROUP BY s.id ORDER BY s.name LIMIT ?", [*params, limit + 1]
    ).fetchall()
    return page([_source_row(r) for r in rows], limit, lambda last: [last["name"]])


def _partners(store: Store, source_id: int, direction: str, top: int) -> list[dict[str, Any]]:
    """Sources this one copies from (`from`) or that copy it (`by`), with article counts."""
    mine, theirs = ("copy_id", "original_id") if direction == "from" else ("original_id", "copy_id")
    rows = store.conn.execute(
        f"SELECT s.name, COUNT(*) AS n FROM copy_links l JOIN articles mine ON mine.id = l.{mine} "
        f"JOIN articles other ON other.id = l.{theirs} JOIN sources s ON s.id = other.source_id "
        "WHERE mine.source_id = ? GROUP BY s.name ORDER BY n DESC, s.name LIMIT ?",
        (source_id, top),
    ).fetchall()
    return [{"source": name, "articles": n} for name, n in rows]


def source_view(store: Store, name: str, top: int = 10) -> dict[str, Any]:
    """One source: totals, volume and original share per week, whom it copies, who copies it, lags."""
    conn = store.conn
    row = conn.execute(f"{_COUNTS} WHERE s.name = ? GROUP BY s.id", (name,)).fetchone()
    if row is None:
        raise NotFound(f"no source {name!r} (see the list of sources)")
    record = _source_row(row)
    source_id = row[0]
    record["weeks"] = [
        {"week": week, "articles": n, "copies": int(c or 0), "original_share": round(1 - (c or 0) / n, 3)}
        for week, n, c in conn.execute(
            f"SELECT {store.dialect.week('a.published_utc')} AS week, COUNT(*), "
            f"{_COPIES} FROM articles a "
            "WHERE a.source_id = ? AND a.published_utc IS NOT NULL GROUP BY week ORDER BY week",
            (source_id,),
        )
    ]
    record["copies_from"] = _partners(store, source_id, "from", top)
    record["copied_by"] = _partners(store, source_id, "by", top)
    lags = [
        r[0]
        for r in conn.execute(
            "SELECT l.lag_seconds FROM copy_links l JOIN articles a ON a.id = l.copy_id "
            "WHERE a.source_id = ? AND l.lag_seconds IS NOT NULL",
            (source_id,),
        )
    ]
    record["median_lag_hours"] = round(statistics.median(lags) / 3600, 1) if lags else None
    record["top_entities"] = [
        {"id": i, "name": n, "type": t, "articles": c}
        for i, n, t, c in conn.execute(
            "SELECT e.id, e.name, e.type, COUNT(DISTINCT m.article_id) AS c FROM articles a "
            "JOIN mentions m ON m.article_id = a.id JOIN names n ON n.id = m.name_id "
            "JOIN entities e ON e.id = n.entity_id WHERE a.source_id = ? "
            "GROUP BY e.id ORDER BY c DESC, e.name LIMIT ?",
            (source_id, top),
        )
    ]
    record["feeds"] = source_feeds(store, name)
    return record
