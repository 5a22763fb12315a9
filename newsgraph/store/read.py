"""Read-side queries over the store, returning plain dicts ready for JSON or tables."""

from __future__ import annotations

import json
import re
from typing import Any

from newsgraph.errors import BadQuery
from newsgraph.extract.dates import normalise_date, utc_timestamp
from newsgraph.store.base import Store

_WORD = re.compile(r"\w+", re.UNICODE)


def stats(store: Store, top: int = 5) -> dict[str, Any]:
    """Counts of articles, sources, entities, mentions and rejections, with the top entities by type."""
    conn = store.conn

    def one(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    by_code = dict(conn.execute("SELECT code, COUNT(*) FROM rejections GROUP BY code ORDER BY code").fetchall())
    return {
        "database": store.path,
        "articles": one("SELECT COUNT(*) FROM articles"),
        "sources": one("SELECT COUNT(DISTINCT source_id) FROM articles"),
        "entities": one("SELECT COUNT(*) FROM entities"),
        "mentions": one("SELECT COUNT(*) FROM mentions"),
        "rejections": one("SELECT COUNT(*) FROM rejections"),
        "stories": one("SELECT COUNT(*) FROM stories"),
        "copies": one("SELECT COUNT(*) FROM copy_links"),
        "quotes": one("SELECT COUNT(*) FROM quotes"),
        "quotes_direct": one("SELECT COUNT(*) FROM quotes WHERE kind = 'direct'"),
        "rejections_by_code": by_code,
        "first_published": conn.execute("SELECT MIN(published_utc) FROM articles").fetchone()[0],
        "last_published": conn.execute("SELECT MAX(published_utc) FROM articles").fetchone()[0],
        "top_sources": [
            {"name": name, "articles": count}
            for name, count in conn.execute(
                "SELECT s.name, COUNT(*) AS n FROM articles a JOIN sources s ON s.id = a.source_id "
                "GROUP BY s.id ORDER BY n DESC, s.name LIMIT ?",
                (top,),
            )
        ],
        "top_entities": {kind: top_entities(store, kind, top) for kind in ("person", "org", "place")},
    }


def top_entities(store: Store, kind: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    from newsgraph.store.entities import list_entities

    return list_entities(store, kind, limit)


def rejections(store: Store, code: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    sql = "SELECT stage, code, reason, location, created_at FROM rejections"
    params: list[Any] = []
    if code:
        sql += " WHERE code = ?"
        params.append(code)
    sql += " ORDER BY location, stage, code"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return [
        {"stage": s, "code": c, "reason": r, "location": loc, "at": at}
        for s, c, r, loc, at in store.conn.execute(sql, params)
    ]


def fts_query(store: Store, query: str) -> str:
    """User words as the backend's full-text query: all must appear (punctuation cannot break its syntax)."""
    words = _WORD.findall(query)
    if not words:
        raise BadQuery(f"search query has no words: {query!r}")
    return store.dialect.fts_query(words)


def search(
    store: Store,
    query: str,
    source: str | None = None,
    since: str | None = None,
    limit: int = 20,
    raw: bool = False,
) -> list[dict[str, Any]]:
    """Articles matching a full-text query, best first, with highlighted snippets.

    Words are matched as terms (all must appear); with `raw` the query is passed to the backend's
    own query syntax as written: FTS5's `OR`, `NEAR` and `"phrases"` on SQLite, `websearch_to_tsquery`'s
    `OR`, `-word` and `"phrases"` on PostgreSQL.
    """
    match = query if raw else fts_query(store, query)
    where = ""
    params: list[Any] = []
    if source:
        where += " AND s.name = ?"  # source names compare without case on both backends
        params.append(source)
    if since:
        day = utc_timestamp(normalise_date(since))
        if not day:
            raise BadQuery(f"--since expects a date such as 2026-03-01, got {since!r}")
        where += " AND a.published_utc >= ?"
        params.append(day)
    try:
        rows = store.dialect.search(store, match, raw, where, params, limit)
    except store.dialect.query_errors as exc:
        raise BadQuery(f"cannot run search {query!r}: {exc}") from None
    results = []
    for i, t, s, p, u, loc, marked, score in rows:
        snippet, highlights = unmark(marked or "")
        results.append(
            {
                "id": i,
                "title": t,
                "source": s,
                "published": p,
                "url": u,
                "location": loc,
                "snippet": snippet,
                "highlights": highlights,
                "score": round(score, 3),
            }
        )
    return results


def unmark(marked: str) -> tuple[str, list[list[int]]]:
    """Snippet text without FTS markers (\\x02 … \\x03), and the [start, end] of each match in it."""
    text: list[str] = []
    spans: list[list[int]] = []
    position = 0
    start = 0
    for ch in marked:
        if ch == "\x02":
            start = position
        elif ch == "\x03":
            spans.append([start, position])
        else:
            text.append(ch)
            position += 1
    return "".join(text), spans


def article(store: Store, ident: str) -> dict[str, Any] | None:
    row = store.conn.execute(
        "SELECT a.id, a.title, s.name, a.published, a.published_from, a.url, a.authors, a.credited, a.language, "
        "a.sections, a.location, a.text FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = ?",
        (ident,),
    ).fetchone()
    if row is None:
        return None
    keys = (
        "id",
        "title",
        "source",
        "published",
        "published_from",
        "url",
        "authors",
        "credited",
        "language",
        "sections",
        "location",
        "text",
    )
    record = dict(zip(keys, row, strict=True))
    record["authors"] = json.loads(record["authors"])
    record["credited"] = json.loads(record["credited"])
    record["sections"] = json.loads(record["sections"])
    return record
