"""Quotes in the store: provenance clustering after each ingest, and the quote views.

Clustering is incremental like entity resolution: the quotes new articles brought, the quotes
sharing a 4-gram with them and the other members of their clusters are clustered again, which
gives the same clusters as clustering everything at once. An earlier cluster comes in whole (the
pairs that joined it would join it again), so only pairs across clusters are judged: a quote that
hundreds of articles repeat costs a batch as many comparisons, not their square.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from typing import Any

from newsgraph.corpus.quotes import PROVENANCE, cluster_quotes
from newsgraph.errors import BadQuery
from newsgraph.store.base import Store, chunks
from newsgraph.store.cursor import check_limit, decode_cursor, page
from newsgraph.store.entities import find_entities

COMMON_SHINGLE = 200  # a 4-gram in more quotes than this is boilerplate, not evidence of a shared quote


def cluster_quote_provenance(store: Store, full: bool = False) -> dict[str, Any]:
    """Join new quotations to earlier appearances of the same words."""
    started = time.perf_counter()
    conn = store.conn
    seeds = [r[0] for r in conn.execute("SELECT id FROM quotes" + ("" if full else " WHERE dirty = 1"))]
    if not seeds:
        return {"quotes": 0, "clusters": 0, "seconds": 0.0}
    region = set(seeds)
    pairs: set[tuple[str, str]] = set()
    for chunk in chunks(seeds):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT DISTINCT s1.quote_id, s2.quote_id FROM quote_shingles s1 "
            f"JOIN quote_shingles s2 ON s2.shingle = s1.shingle AND s2.quote_id != s1.quote_id "
            f"WHERE s1.quote_id IN ({marks}) "
            # counted per shingle of these quotes (a primary-key range), and only up to the limit: a common
            # 4-gram costs no more to rule out as the corpus grows
            f"AND (SELECT COUNT(*) FROM (SELECT 1 FROM quote_shingles s3 WHERE s3.shingle = s1.shingle "
            f"LIMIT {COMMON_SHINGLE + 1}) AS common) <= {COMMON_SHINGLE}",
            chunk,
        ).fetchall()
        for a, b in rows:
            region.add(b)
            pairs.add((min(a, b), max(a, b)))
    for a, b in _same_words(store, seeds):
        region.add(b)
        pairs.add((min(a, b), max(a, b)))
    table = store.id_table("quote_region", region)
    clusters = {
        r[0] for r in conn.execute(f"SELECT DISTINCT cluster_id FROM quotes WHERE id IN (SELECT id FROM {table})")
    }
    clusters.discard(None)
    earlier: dict[str, list[str]] = defaultdict(list)  # an earlier cluster → its quotes
    if clusters:
        cluster_table = store.id_table("quote_clusters", clusters)
        for ident, cluster in conn.execute(
            f"SELECT id, cluster_id FROM quotes WHERE cluster_id IN (SELECT id FROM {cluster_table})"
        ):
            region.add(ident)
            earlier[cluster].append(ident)
        table = store.id_table("quote_region", region)
        # an earlier cluster's quotes are joined by pairs that pass (see `_across_clusters`), so
        # only pairs of a new quote and another cluster's are judged again
        cluster_of = {} if full else {ident: c for c, idents in earlier.items() for ident in idents}
        pairs |= _across_clusters(store, table, cluster_of, set(seeds))
    norms = dict(conn.execute(f"SELECT id, norm FROM quotes WHERE id IN (SELECT id FROM {table})").fetchall())
    assigned = cluster_quotes(norms, sorted(pairs), joined=[] if full else earlier.values())
    with store.transaction():
        conn.executemany(
            "UPDATE quotes SET cluster_id = ?, dirty = 0 WHERE id = ?", [(c, q) for q, c in assigned.items()]
        )
        _refresh_clusters(store, clusters | set(assigned.values()))
    return {
        "quotes": len(region),
        "clusters": len(set(assigned.values())),
        "seconds": round(time.perf_counter() - started, 2),
        "method": PROVENANCE,
    }


def _across_clusters(store: Store, region: str, cluster_of: dict[str, str], new: set[str]) -> set[tuple[str, str]]:
    """Pairs of the region's quotes (`region`, an id table) that share a 4-gram, one of them `new`,
        save those of one earlier cluster (`cluster_of`). Those need not be judged again: quotes are
        never removed and a quote's words never change, so the pairs that joined a cluster join it
        again, and a pair of two earlier quotes was judged when the later of them came, if it was a
    candidate then (a 4-gram in common that was not yet boilerplate). Skipping them
        keeps the cost of a large cluster (a reprinted quote, a stock phrase) linear in its size, and
        the cost of two such clusters that share a phrase from growing with their product. Only the
        4-grams a new quote has are read: no other can make a pair with one."""
    postings: dict[int, list[str]] = defaultdict(list)
    new_table = store.id_table("quote_fresh", new)
    for shingle, ident in store.conn.execute(
        f"SELECT shingle, quote_id FROM quote_shingles WHERE quote_id IN (SELECT id FROM {region}) "
        f"AND shingle IN (SELECT shingle FROM quote_shingles WHERE quote_id IN (SELECT id FROM {new_table}))"
    ):
        postings[shingle].append(ident)
    pairs: set[tuple[str, str]] = set()
    for members in postings.values():
        fresh = [m for m in members if m in new]
        if not fresh or len(members) < 2:
            continue
        for a in fresh:
            own = cluster_of.get(a, a)
            pairs.update(
                (min(a, b), max(a, b))
                for b in members
                if cluster_of.get(b, b) != own and not (b in new and b <= a)  # two new ones: once
            )
    return pairs


# a normalised quote of fewer than four words (its words are one space apart): the condition of the
# index `quotes_short_norm`, which holds just the quotes `_same_words` looks up by their words
SHORT_NORM = "length(norm) - length(replace(norm, ' ', '')) < 3"


def _same_words(store: Store, seeds: list[str]) -> list[tuple[str, str]]:
    """(seed, other) for every other quote whose normalised words equal a seed's.

    Equal words give equal 4-grams, so a quote of four words or more finds its equals among the
    quotes sharing its smallest 4-gram (a primary-key range); only the shorter ones, which have no
    4-grams, are looked for by their words, along an index of the short quotes."""
    conn = store.conn
    table = store.id_table("quote_seeds", seeds)
    found: list[tuple[str, str]] = conn.execute(
        "SELECT q1.id, q2.id FROM quotes q1 JOIN quote_shingles s2 "
        "ON s2.shingle = (SELECT MIN(s1.shingle) FROM quote_shingles s1 WHERE s1.quote_id = q1.id) "
        "JOIN quotes q2 ON q2.id = s2.quote_id AND q2.id != q1.id AND q2.norm = q1.norm "
        f"WHERE q1.id IN (SELECT id FROM {table})"
    ).fetchall()
    short = conn.execute(
        f"SELECT q.id, q.norm FROM quotes q WHERE q.id IN (SELECT id FROM {table}) "
        "AND NOT EXISTS (SELECT 1 FROM quote_shingles s WHERE s.quote_id = q.id)"
    ).fetchall()
    if short:
        norms = store.id_table("quote_short_norms", {norm for _, norm in short})
        by_norm: dict[str, list[str]] = defaultdict(list)
        for ident, norm in conn.execute(
            f"SELECT id, norm FROM quotes WHERE norm IN (SELECT id FROM {norms}) AND {SHORT_NORM}"
        ):
            by_norm[norm].append(ident)
        found += [(seed, other) for seed, norm in short for other in by_norm[norm] if other != seed]
    return found


def _refresh_clusters(store: Store, clusters: set[str]) -> None:
    """Each touched cluster's first appearance and size, kept for listing quotes newest first."""
    table = store.id_table("quote_touched", clusters)
    store.conn.execute(f"DELETE FROM quote_clusters WHERE id IN (SELECT id FROM {table})")
    store.conn.execute(
        "INSERT INTO quote_clusters (id, first_published, appearances) "
        "SELECT q.cluster_id, COALESCE(MIN(a.published_utc), ''), COUNT(*) FROM quotes q "
        f"JOIN articles a ON a.id = q.article_id WHERE q.cluster_id IN (SELECT id FROM {table}) GROUP BY q.cluster_id"
    )


def list_quotes(
    store: Store,
    speaker: str | None = None,
    about: str | None = None,
    search: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    after: list[Any] | None = None,
    with_keys: bool = False,
    about_within: int | None = None,
) -> list[dict[str, Any]]:
    """Quotes (one per cluster), each with its appearances in order of publication, first first.

    Newest first by first appearance; `after` is the `[first, id]` key of the last quote of a
    previous page (see `quotes_page`). `about_within` looks for quotes about an entity in its
    latest that many articles only."""
    conn = store.conn
    where, params = ["1 = 1"], []
    if speaker:
        entities = find_entities(store, speaker, limit=1)
        if not entities:
            return []
        where.append("n.entity_id = ?")
        params.append(entities[0])
    if about:
        entities = find_entities(store, about, limit=1)
        if not entities:
            return []
        recent = ""
        if about_within:
            recent = (
                " AND m.article_id IN (SELECT a.id FROM articles a WHERE a.id IN (SELECT m3.article_id FROM names n3 "
                "JOIN mentions m3 ON m3.name_id = n3.id WHERE n3.entity_id = ?) "
                f"ORDER BY a.published_utc DESC NULLS LAST LIMIT {int(about_within)})"
            )
        where.append(
            "q.id IN (SELECT aq.id FROM names mn JOIN mentions m ON m.name_id = mn.id JOIN quotes aq "
            "ON aq.article_id = m.article_id AND m.start >= aq.start AND m.end <= aq.end "
            f"WHERE mn.entity_id = ? AND m.field = 'text'{recent})"
        )
        params += [entities[0]] + ([entities[0]] if about_within else [])
    if search:
        words = re.findall(r"\w+", search)
        if not words:
            raise BadQuery("--search needs words")
        where.append(store.dialect.match_quotes("q"))
        params.append(store.dialect.fts_query(words))
    if kind:
        where.append("q.kind = ?")
        params.append(kind)
    sql = "SELECT c.id, c.first_published FROM quote_clusters c WHERE 1 = 1"
    if len(where) > 1:
        sql += (
            " AND c.id IN (SELECT q.cluster_id FROM quotes q LEFT JOIN names n ON n.id = q.speaker_name_id WHERE "
            + " AND ".join(where)
            + ")"
        )
    if after:
        sql += " AND (c.first_published < ? OR (c.first_published = ? AND c.id < ?))"
        params += [after[0], after[0], after[1]]
    firsts = dict(conn.execute(sql + " ORDER BY c.first_published DESC, c.id DESC LIMIT ?", [*params, limit]))
    clusters = list(firsts)
    if not clusters:
        return []
    table = store.id_table("quote_listing", clusters)
    rows = conn.execute(
        "SELECT q.cluster_id, q.id, q.kind, q.text, q.speaker, q.role, q.cue, q.anonymous, e.id, e.name, "
        "a.id, a.title, s.name, a.published, a.published_utc, a.location, a.url FROM quotes q "
        "JOIN articles a ON a.id = q.article_id LEFT JOIN sources s ON s.id = a.source_id "
        "LEFT JOIN names n ON n.id = q.speaker_name_id LEFT JOIN entities e ON e.id = n.entity_id "
        f"WHERE q.cluster_id IN (SELECT id FROM {table}) ORDER BY a.published_utc NULLS FIRST, a.id"
    ).fetchall()
    grouped: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    result = []
    for cluster in clusters:
        appearances = grouped[cluster]
        if not appearances:  # its quotes moved to another cluster since the listing was read
            continue
        first = appearances[0]
        named = next((r for r in appearances if r[8]), first)
        result.append(
            {
                "id": cluster,
                "text": first[3],
                "kind": first[2],
                "speaker": named[4],
                "speaker_entity": named[9],
                "speaker_entity_id": named[8],
                "role": named[5],
                "cue": first[6],
                "anonymous": bool(first[7]),
                "_key": [firsts[cluster], cluster],
                "first": {
                    "id": first[10],
                    "url": first[16],
                    "title": first[11],
                    "source": first[12],
                    "published": first[13],
                    "location": first[15],
                    "article": first[10],
                },
                "appearances": [
                    {
                        "quote": r[1],
                        "article": r[10],
                        "id": r[10],
                        "url": r[16],
                        "title": r[11],
                        "source": r[12],
                        "published": r[13],
                        "location": r[15],
                        "speaker": r[4],
                    }
                    for r in appearances
                ],
            }
        )
    if not with_keys:
        for row in result:
            del row["_key"]
    return result


def quotes_page(
    store: Store,
    speaker: str | None = None,
    about: str | None = None,
    search: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of `list_quotes`: `{items, next}`, stable while quotes are added."""
    check_limit(limit)
    after = decode_cursor(cursor, 2)
    rows = list_quotes(
        store, speaker=speaker, about=about, search=search, kind=kind, limit=limit + 1, after=after, with_keys=True
    )
    result = page(rows, limit, lambda last: last["_key"])
    for row in result["items"]:
        row.pop("_key", None)
    return result
