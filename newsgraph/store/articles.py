"""Article views: filtered listings with stable cursors, search facets, one article in full.

Listings are newest first, keyed by (publication time, id): a cursor is the key of the last row
shown, so pages neither repeat nor skip rows while new articles arrive. Each item is an article
reference (`store/refs.py`) with its length, and a highlighted snippet when the listing searches.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from newsgraph.errors import BadQuery, NotFound
from newsgraph.extract.dates import normalise_date, utc_timestamp
from newsgraph.store.base import Store
from newsgraph.store.copies import find_article
from newsgraph.store.cursor import check_limit, decode_cursor, page
from newsgraph.store.entities import find_entities
from newsgraph.store.follow import article_capture
from newsgraph.store.read import fts_query, unmark
from newsgraph.store.refs import REF_COLUMNS, REF_JOIN, article_refs, ref_from_row

KINDS = ("original", "copy")
FACET_SAMPLE = 500  # entity facets count the latest this many matches
_ORDER = "a.published_utc DESC NULLS LAST, a.id DESC"  # undated last


@dataclass(frozen=True)
class ArticleFilter:
    """What a listing or export keeps: every field given must hold."""

    q: str | None = None  # words that must all appear (title or text)
    source: str | None = None  # source name
    entity: str | None = None  # entity id, or any spelling of its name
    story: str | None = None  # story id
    kind: str | None = None  # original (not a copy of a stored article) or copy
    since: str | None = None  # published on or after this date
    until: str | None = None  # published before the end of this date


def _day(value: str, name: str) -> str:
    day = utc_timestamp(normalise_date(value))
    if not day:
        raise BadQuery(f"{name} expects a date such as 2026-03-01, got {value!r}")
    return day


def _conditions(store: Store, f: ArticleFilter) -> tuple[list[str], list[Any]] | None:
    """SQL conditions on `a` (articles) for a filter; None when nothing can match."""
    where: list[str] = []
    params: list[Any] = []
    if f.q is not None:
        if not f.q.strip():
            raise BadQuery("search needs words")
        where.append(store.dialect.match_articles("a"))
        params.append(fts_query(store, f.q))
    if f.source:
        where.append("a.source_id = (SELECT id FROM sources WHERE name = ?)")
        params.append(f.source)
    if f.entity:
        found = find_entities(store, f.entity, limit=1)
        if not found:
            return None
        entity = found[0]
        where.append(
            "a.id IN (SELECT m.article_id FROM mentions m JOIN names n ON n.id = m.name_id WHERE n.entity_id = ?)"
        )
        params.append(entity)
    if f.story:
        where.append("a.id IN (SELECT article_id FROM story_members WHERE story_id = ?)")
        params.append(f.story)
    if f.kind:
        if f.kind not in KINDS:
            raise BadQuery(f"kind must be original or copy, not {f.kind!r}")
        negate = "" if f.kind == "copy" else "NOT "
        where.append(f"{negate}EXISTS (SELECT 1 FROM copy_links l WHERE l.copy_id = a.id)")
    if f.since:
        where.append("a.published_utc >= ?")
        params.append(_day(f.since, "since"))
    if f.until:
        where.append("a.published_utc < ?")
        params.append((date.fromisoformat(_day(f.until, "until")[:10]) + timedelta(days=1)).isoformat())
    return where, params


def _run(store: Store, sql: str, params: list[Any]) -> list[Any]:
    try:
        return store.conn.execute(sql, params).fetchall()
    except store.dialect.query_errors as exc:
        raise BadQuery(f"cannot run that search: {exc}") from None


def list_articles(
    store: Store, f: ArticleFilter | None = None, limit: int = 50, cursor: str | None = None, text: bool = False
) -> dict[str, Any]:
    """A page of articles, newest first: `{items, next}`; `text` adds each article's text and byline
    (authors, credited agencies)."""
    f = f or ArticleFilter()
    check_limit(limit)
    key = decode_cursor(cursor, 2)
    found = _conditions(store, f)
    if found is None:
        return {"items": [], "next": None}
    where, params = found
    extra = ", a.word_count, a.text, a.authors, a.language, a.credited" if text else ", a.word_count"
    select = f"SELECT {REF_COLUMNS}, a.published_utc, a.id{extra} FROM articles a {REF_JOIN} WHERE "
    # dated articles newest first, then the undated ones: two index walks (PostgreSQL cannot walk
    # the (published_utc, id) index backwards with NULLs last)
    rows: list[Any] = []
    if key is None or key[0] is not None:
        dated, more = [*where, "a.published_utc IS NOT NULL"], []
        if key is not None:
            dated.append("(a.published_utc, a.id) < (?, ?)")
            more = [key[0], key[1]]
        sql = f"{select}{' AND '.join(dated)} ORDER BY a.published_utc DESC, a.id DESC LIMIT ?"
        rows = _run(store, sql, [*params, *more, limit + 1])
    if len(rows) <= limit:
        undated, more = [*where, "a.published_utc IS NULL"], []
        if key is not None and key[0] is None:
            undated.append("a.id < ?")
            more = [key[1]]
        sql = f"{select}{' AND '.join(undated)} ORDER BY a.id DESC LIMIT ?"
        rows += _run(store, sql, [*params, *more, limit + 1 - len(rows)])
    snippets: dict[str, str] = {}
    if f.q is not None and rows:  # snippets for the page's rows only, not for every match
        try:
            snippets = store.dialect.snippets(store, fts_query(store, f.q), [r[0] for r in rows])
        except store.dialect.query_errors as exc:
            raise BadQuery(f"cannot run that search: {exc}") from None
    items = []
    for row in rows:
        item = ref_from_row(row[:6])
        item["_sort"] = row[6]
        item["words"] = row[8]
        if text:
            item["text"], item["authors"], item["language"] = row[9], json.loads(row[10]), row[11]
            item["credited"] = json.loads(row[12])
        if f.q is not None:
            item["snippet"], item["highlights"] = unmark(snippets.get(row[0]) or "")
        items.append(item)
    result = page(items, limit, lambda last: [last["_sort"], last["id"]])
    for item in result["items"]:
        del item["_sort"]
    return result


def article_facets(store: Store, f: ArticleFilter | None = None, top: int = 15) -> dict[str, Any]:
    """Counts that narrow a search: sources, original/copy, months; entities and their types over
    the latest FACET_SAMPLE matches."""
    f = f or ArticleFilter()
    found = _conditions(store, f)
    empty = {"total": 0, "sources": [], "kinds": [], "months": [], "entities": [], "types": [], "sampled": 0}
    if found is None:
        return empty
    where, params = found
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    base = f"FROM articles a {REF_JOIN} {clause}"
    by_source: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    copies = 0
    if not where:  # the whole corpus: counts from the indexes alone
        names = dict(_run(store, "SELECT id, name FROM sources", []))
        for source_id, count in _run(store, "SELECT source_id, COUNT(*) FROM articles GROUP BY source_id", []):
            by_source[names.get(source_id) or ""] += count
        for month, count in _run(store, "SELECT substr(published_utc, 1, 7), COUNT(*) FROM articles GROUP BY 1", []):
            by_month[month or "undated"] += count
        copies = int(_run(store, "SELECT COUNT(*) FROM copy_links", [])[0][0])
    else:  # one pass over the matches
        for name, month, copy, count in _run(
            store,
            "SELECT s.name, substr(a.published_utc, 1, 7), "
            "EXISTS (SELECT 1 FROM copy_links l WHERE l.copy_id = a.id), "
            f"COUNT(*) {base} GROUP BY s.name, 2, 3",
            params,
        ):
            by_source[name or ""] += count
            by_month[month or "undated"] += count
            copies += count if copy else 0
    total = sum(by_source.values())
    if not total:
        return empty
    sources = sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    months = sorted(by_month.items())
    latest = f"SELECT a.id {base} ORDER BY {_ORDER} LIMIT {FACET_SAMPLE}"
    entities = _run(
        store,
        "SELECT e.id, e.name, e.type, COUNT(DISTINCT m.article_id) AS c FROM mentions m "
        f"JOIN names n ON n.id = m.name_id JOIN entities e ON e.id = n.entity_id WHERE m.article_id IN ({latest}) "
        "GROUP BY e.id ORDER BY c DESC, e.name LIMIT 200",
        params,
    )
    types: dict[str, int] = {}
    for _, _, kind, count in entities:
        types[kind] = types.get(kind, 0) + count
    return {
        "total": total,
        "sources": [{"value": s, "count": n} for s, n in sources if s],
        "kinds": [
            k
            for k in ({"value": "original", "count": total - copies}, {"value": "copy", "count": copies})
            if k["count"]
        ],
        "months": [{"value": m, "count": n} for m, n in months],
        "entities": [{"id": i, "value": n, "type": t, "count": c} for i, n, t, c in entities[:top]],
        "types": [{"value": t, "count": c} for t, c in sorted(types.items(), key=lambda kv: -kv[1])],
        "sampled": min(total, FACET_SAMPLE),
    }


def _first_appearances(store: Store, clusters: list[str]) -> dict[str, dict[str, Any]]:
    """The earliest stored appearance of each quote cluster, as an article reference."""
    first: dict[str, dict[str, Any]] = {}
    for cluster in clusters:
        row = store.conn.execute(
            f"SELECT {REF_COLUMNS} FROM quotes q JOIN articles a ON a.id = q.article_id {REF_JOIN} "
            "WHERE q.cluster_id = ? ORDER BY a.published_utc NULLS LAST, a.id LIMIT 1",
            (cluster,),
        ).fetchone()
        if row:
            first[cluster] = ref_from_row(row)
    return first


def _link(row: tuple[Any, ...], refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    copy_id, original_id, kind, c_copy, c_orig, shared, lag, changes = row
    return {
        "copy": refs.get(copy_id),
        "original": refs.get(original_id),
        "kind": kind,
        "containment": {"copy_in_original": c_copy, "original_in_copy": c_orig},
        "shared_words": shared,
        "lag_seconds": lag,
        "changes": json.loads(changes) if changes else None,
    }


def article_view(store: Store, ref: str) -> dict[str, Any]:
    """One article: its text, entity mentions with offsets and canonical ids, quotes with where each
    first appeared, what it copies and who copies it, its copy group and its story."""
    from newsgraph.store.read import article

    ident = find_article(store, ref)
    record = article(store, ident)
    if record is None:  # pragma: no cover - find_article found it
        raise NotFound(f"no article {ref!r}")
    conn = store.conn
    record["mentions"] = [
        {"field": f, "start": s, "end": e, "text": t, "type": ty, "entity": {"id": ei, "name": en} if ei else None}
        for f, s, e, t, ty, ei, en in conn.execute(
            "SELECT m.field, m.start, m.end, m.text, COALESCE(e.type, m.type), e.id, e.name FROM mentions m "
            "JOIN names n ON n.id = m.name_id LEFT JOIN entities e ON e.id = n.entity_id "
            "WHERE m.article_id = ? ORDER BY m.field, m.start",
            (ident,),
        )
    ]
    quotes = conn.execute(
        "SELECT q.id, q.kind, q.text, q.start, q.end, q.speaker, q.role, q.cue, q.cluster_id, e.id, e.name "
        "FROM quotes q LEFT JOIN names n ON n.id = q.speaker_name_id LEFT JOIN entities e ON e.id = n.entity_id "
        "WHERE q.article_id = ? ORDER BY q.start",
        (ident,),
    ).fetchall()
    first = _first_appearances(store, sorted({q[8] for q in quotes if q[8]}))
    record["quotes"] = [
        {
            "id": qid,
            "kind": kind,
            "text": text,
            "start": start,
            "end": end,
            "speaker": speaker,
            "speaker_entity": {"id": eid, "name": ename} if eid else None,
            "role": role,
            "cue": cue,
            "cluster": cluster,
            "first_appearance": first.get(cluster) if cluster else None,
        }
        for qid, kind, text, start, end, speaker, role, cue, cluster, eid, ename in quotes
    ]
    columns = "copy_id, original_id, kind, containment_copy, containment_original, shared_words, lag_seconds, changes"
    copy_of = conn.execute(f"SELECT {columns} FROM copy_links WHERE copy_id = ?", (ident,)).fetchone()
    copied_by = conn.execute(f"SELECT {columns} FROM copy_links WHERE original_id = ?", (ident,)).fetchall()
    group = conn.execute(
        "SELECT g.id, g.original_id, g.original_unknown, g.size FROM copy_members m "
        "JOIN copy_groups g ON g.id = m.group_id WHERE m.article_id = ?",
        (ident,),
    ).fetchone()
    ids = {ident, *(r[0] for r in copied_by), *([copy_of[1]] if copy_of else []), *([group[1]] if group else [])}
    refs = article_refs(store, ids)
    record["copy_of"] = _link(copy_of, refs) if copy_of else None
    record["copied_by"] = [_link(r, refs) for r in copied_by]
    record["copy_group"] = (
        {"id": group[0], "original": refs.get(group[1]), "original_unknown": bool(group[2]), "size": group[3]}
        if group
        else None
    )
    story = conn.execute(
        "SELECT s.id, s.label, s.articles FROM story_members m JOIN stories s ON s.id = m.story_id "
        "WHERE m.article_id = ?",
        (ident,),
    ).fetchone()
    record["story"] = {"id": story[0], "label": story[1], "article_count": story[2]} if story else None
    record["capture"] = article_capture(store, ident)  # where `watch` archived the page it came from
    return record
