"""Followed sources in the store: what is followed, each poll's outcome and backoff, every URL
seen (fetched once, by its canonical form), and where each fetched page lies in the WARC files.

All of watch's state lives here, so a restarted `watch` carries on without refetching.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from newsgraph.errors import NotFound
from newsgraph.store.base import Store

MAX_BACKOFF = 64  # a failing source waits at most this many intervals


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def later(seconds: float, start: str | None = None) -> str:
    base = datetime.fromisoformat(start) if start else datetime.now(UTC)
    return (base + timedelta(seconds=seconds)).isoformat(timespec="seconds")


_COLUMNS = (
    "url",
    "kind",
    "feed_url",
    "added_at",
    "etag",
    "last_modified",
    "last_poll",
    "last_status",
    "last_error",
    "errors",
    "failures",
    "next_poll",
    "entries",
    "articles",
)


def _row(values: Iterable[Any]) -> dict[str, Any]:
    return dict(zip(_COLUMNS, values, strict=True))


def follow_source(store: Store, url: str) -> bool:
    """Follow a feed, sitemap or homepage (polled at once); False when it was followed already."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO followed (url, feed_url, added_at, next_poll) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (url, url, now_iso(), now_iso()),
        )
    return cursor.rowcount == 1


def unfollow_source(store: Store, url: str) -> None:
    with store.transaction() as conn:
        if conn.execute("DELETE FROM followed WHERE url = ? OR feed_url = ?", (url, url)).rowcount == 0:
            raise NotFound(f"{url} is not followed (see `newsgraph follow --list`)")


def followed_sources(store: Store) -> list[dict[str, Any]]:
    rows = store.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM followed ORDER BY url").fetchall()
    return [_row(r) for r in rows]


def due_sources(store: Store, at: str) -> list[dict[str, Any]]:
    """Followed sources whose next poll is due, longest waiting first."""
    rows = store.conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM followed WHERE next_poll IS NULL OR next_poll <= ? "
        "ORDER BY next_poll NULLS FIRST, url",
        (at,),
    ).fetchall()
    return [_row(r) for r in rows]


def next_due(store: Store) -> str | None:
    row = store.conn.execute("SELECT MIN(next_poll) FROM followed").fetchone()
    return row[0] if row else None


def record_poll(
    store: Store,
    url: str,
    status: str,
    interval: float,
    *,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    kind: str | None = None,
    feed_url: str | None = None,
    entries: int = 0,
    retry_at: str | None = None,
) -> None:
    """One poll's outcome. A failure doubles the wait (up to MAX_BACKOFF intervals); success resets it."""
    at = now_iso()
    with store.transaction() as conn:
        row = conn.execute("SELECT errors FROM followed WHERE url = ?", (url,)).fetchone()
        if row is None:
            return  # unfollowed meanwhile
        if error is None:
            conn.execute(
                "UPDATE followed SET last_poll = ?, last_status = ?, last_error = NULL, errors = 0, next_poll = ?, "
                "etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified), kind = COALESCE(?, kind), "
                "feed_url = COALESCE(?, feed_url), entries = entries + ? WHERE url = ?",
                (at, status, later(interval, at), etag, last_modified, kind, feed_url, entries, url),
            )
        else:
            errors = int(row[0]) + 1
            wait = interval * min(2 ** (errors - 1), MAX_BACKOFF)
            conn.execute(
                "UPDATE followed SET last_poll = ?, last_status = ?, last_error = ?, errors = ?, "
                "failures = failures + 1, next_poll = ? WHERE url = ?",
                (at, status, error[:500], errors, max(retry_at or "", later(wait, at)), url),
            )


def add_seen(store: Store, followed_url: str, entries: Iterable[tuple[str, str | None]]) -> int:
    """Queue the canonical URLs a poll listed (with the date the feed gave); how many are new."""
    at = now_iso()
    with store.transaction() as conn:
        new = 0
        for url, published in entries:
            cursor = conn.execute(
                "INSERT INTO seen_urls (url, followed_url, first_seen, state, published) "
                "VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
                (url, followed_url, at, published),
            )
            new += cursor.rowcount
    return new


def pending_urls(store: Store, at: str, limit: int = 10_000) -> list[dict[str, Any]]:
    """URLs to fetch now: new ones, and deferred ones whose time has come, oldest first."""
    rows = store.conn.execute(
        "SELECT url, followed_url, published, attempts FROM seen_urls WHERE state = 'pending' "
        "OR (state = 'deferred' AND retry_at <= ?) ORDER BY first_seen, url LIMIT ?",
        (at, limit),
    ).fetchall()
    return [{"url": u, "followed_url": f, "published": p, "attempts": a} for u, f, p, a in rows]


def mark_fetched(store: Store, url: str, capture: tuple[str, int, str, str, int] | None) -> None:
    """A URL fetched; `capture` is (warc_file, offset, url, fetched_at, status) of its response, `url`
    being the seen (canonical) URL."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE seen_urls SET state = 'fetched', attempts = attempts + 1, last_error = NULL WHERE url = ?", (url,)
        )
        if capture is not None:
            conn.execute(
                "INSERT INTO captures (warc_file, warc_offset, url, fetched_at, status) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                capture,
            )


def mark_failed(store: Store, url: str, error: str, retry_at: str | None) -> None:
    """A fetch that failed: deferred until `retry_at`, or failed for good when it is None."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE seen_urls SET state = ?, attempts = attempts + 1, last_error = ?, retry_at = ? WHERE url = ?",
            ("deferred" if retry_at else "failed", error[:500], retry_at, url),
        )


def link_articles(store: Store, captures: Iterable[tuple[str, int, str, str]]) -> int:
    """After a batch is written: each capture (warc_file, offset, location, seen url) gets the article
    its location became, the URL is done, and its followed source counts one more article."""
    linked = 0
    with store.transaction() as conn:
        for warc_file, offset, location, url in captures:
            row = conn.execute(
                "SELECT ref FROM inputs WHERE location = ? AND outcome = 'article' "
                f"ORDER BY {store.dialect.rowid} DESC LIMIT 1",
                (location,),
            ).fetchone()
            if row is None:  # rejected: the URL stays fetched, its rejection says why
                continue
            conn.execute(
                "UPDATE captures SET article_id = ? WHERE warc_file = ? AND warc_offset = ?",
                (row[0], warc_file, offset),
            )
            done = conn.execute(
                "UPDATE seen_urls SET state = 'done', article_id = ? WHERE url = ? AND state = 'fetched'", (row[0], url)
            )
            if done.rowcount:
                conn.execute(
                    "UPDATE followed SET articles = articles + 1 WHERE url = (SELECT followed_url FROM seen_urls "
                    "WHERE url = ?)",
                    (url,),
                )
                linked += 1
    return linked


def article_capture(store: Store, article_id: str) -> dict[str, Any] | None:
    """Where the page an article came from was captured: its WARC file and the record's offset."""
    row = store.conn.execute(
        "SELECT warc_file, warc_offset, url, fetched_at, status FROM captures WHERE article_id = ? "
        "ORDER BY fetched_at LIMIT 1",
        (article_id,),
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("warc_file", "warc_offset", "url", "fetched_at", "status"), row, strict=True))


def source_feeds(store: Store, source: str) -> list[dict[str, Any]]:
    """The followed feeds whose articles come from this source, with their health."""
    rows = store.conn.execute(
        f"SELECT DISTINCT {', '.join('f.' + c for c in _COLUMNS)} FROM followed f "
        "JOIN seen_urls u ON u.followed_url = f.url JOIN articles a ON a.id = u.article_id "
        "JOIN sources s ON s.id = a.source_id WHERE s.name = ? ORDER BY f.url",
        (source,),
    ).fetchall()
    return [_row(r) for r in rows]
