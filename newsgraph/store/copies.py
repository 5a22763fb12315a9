"""Copies in the store: matching new articles against the fingerprint index, copy groups with
their likely original, directed links with what changed, and the copy views.

Matching is incremental: the sampled 5-grams (stored inline with each fingerprint) that the new
articles have are gathered from every article and sorted together; pairs involving a new article
that share enough of them are checked on full texts, and only the groups the new pairs touch are
rebuilt. The diff summary of a link ("what changed") is a separate step, `describe_copies`,
which `match_copies` runs by default. Pairs are judged on the two texts alone and groups are
ordered by publication time (then id), so one batch or many give the same links.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import numpy as np

from newsgraph.corpus.copies import (
    COPIES,
    CopyRules,
    classify,
    fingerprint,
    overlap,
    sample_bytes,
    sample_entries,
    shared_sample_pairs,
)
from newsgraph.corpus.diff import DIFF, Diff, diff_articles, diff_texts, side_by_side
from newsgraph.errors import NotFound, UserError
from newsgraph.extract.dates import utc_timestamp
from newsgraph.records import content_hash
from newsgraph.store.base import Store, upsert
from newsgraph.store.forked import forked_map

SAMPLE_CHUNK = 20_000  # fingerprints read at a time while matching

SampleChunks = Iterator[list[tuple[int, bytes]]]  # (article index, stored sample), a chunk at a time
# finds candidate pairs (i, j, shared samples) from every article's sample, which articles are new,
# and the containment rule: `shared_sample_pairs` in this process, or on a cluster (run/dask_copies.py)
CandidateFinder = Callable[[SampleChunks, np.ndarray, float], list[tuple[int, int, int]]]
PARALLEL_MIN = 400  # pairs to verify, or links to describe, before worker processes are worth starting


def _verify(job: tuple[str, str, str, str, CopyRules]) -> tuple[str, str, str, float, float, int] | None:
    a, b, text_a, text_b, rules = job
    pair = overlap(text_a, text_b)
    kind = classify(pair, rules)
    return (a, b, kind, round(pair.in_a, 4), round(pair.in_b, 4), pair.shared_words) if kind else None


def _summary(job: tuple[dict[str, Any], dict[str, Any]]) -> str:
    original, copy = job
    return json.dumps(_diff(original, copy).summary())


def _article_rows(store: Store, ids: set[str]) -> dict[str, dict[str, Any]]:
    table = store.id_table("copy_articles", ids)
    rows = store.conn.execute(
        "SELECT a.id, a.title, a.text, a.authors, a.published, a.published_utc, s.name, a.location, a.url "
        f"FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id IN (SELECT id FROM {table})"
    ).fetchall()
    keys = ("id", "title", "text", "authors", "published", "published_utc", "source", "location", "url")
    found = {}
    for row in rows:
        record = dict(zip(keys, row, strict=True))
        record["authors"] = json.loads(record["authors"])
        found[record["id"]] = record
    return found


def _diff(original: dict[str, Any], copy: dict[str, Any]) -> Diff:
    return diff_articles(
        original["title"],
        original["text"],
        original["authors"],
        original["source"],
        copy["title"],
        copy["text"],
        copy["authors"],
    )


def _order(article: dict[str, Any]) -> tuple[bool, str, str]:
    """Earliest first: dated before undated, then by time, then by id (stable across batches)."""
    return (article["published_utc"] is None, article["published_utc"] or "", article["id"])


def match_copies(
    store: Store,
    rules: CopyRules | None = None,
    full: bool = False,
    describe: bool = True,
    workers: int = 1,
    find_candidates: CandidateFinder | None = None,
) -> dict[str, Any]:
    """Find the copies among articles added since the last run (or, with `full`, all).

    With `describe` (the default) each new link also gets its diff summary; without it links
    are left for `describe_copies`, and the views work the diff out when they are shown.
    With `workers` above one, many pairs are verified (and links described) in that many processes.
    `find_candidates` finds the candidate pairs elsewhere (the Dask runner's cluster) from the
    samples read here; the same pairs as in this process.
    """
    started = time.perf_counter()
    rules = rules or CopyRules()
    conn = store.conn
    _backfill_samples(store)
    found_at = time.perf_counter()
    if find_candidates is None:
        read = _read_samples(store, full)
        if read is None:
            return _nothing_new(store, describe, workers)
        ids, dirty_mask, counts, hashes, owners = read
        pairs = shared_sample_pairs(hashes, owners, counts, dirty_mask, rules.min_containment)
        del hashes, owners
    else:
        rows = conn.execute("SELECT article_id, dirty, samples FROM fingerprints ORDER BY article_id").fetchall()
        dirty_mask = np.fromiter((full or bool(r[1]) for r in rows), dtype=bool, count=len(rows))
        if not dirty_mask.any():
            return _nothing_new(store, describe, workers)
        ids = [str(r[0]) for r in rows]
        counts = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
        pairs = find_candidates(_sample_chunks(store, ids), dirty_mask, rules.min_containment)
    dirty = [ids[i] for i in np.flatnonzero(dirty_mask).tolist()]
    candidates = {(min(ids[i], ids[j]), max(ids[i], ids[j])) for i, j, _ in pairs}
    if full:
        candidates.update(
            conn.execute(
                "SELECT f1.article_id, f2.article_id FROM fingerprints f1 JOIN fingerprints f2 "
                "ON f2.text_hash = f1.text_hash AND f2.article_id > f1.article_id"
            ).fetchall()
        )
    else:  # same text as a new article: from the new ones (the partial index), not from every fingerprint
        candidates.update(
            (min(a, b), max(a, b))
            for a, b in conn.execute(
                "SELECT f1.article_id, f2.article_id FROM fingerprints f1 JOIN fingerprints f2 "
                "ON f2.text_hash = f1.text_hash AND f2.article_id != f1.article_id WHERE f1.dirty = 1"
            )
        )
    candidate_seconds = time.perf_counter() - found_at
    articles = _article_rows(store, {x for pair in candidates for x in pair})
    jobs = [(a, b, articles[a]["text"], articles[b]["text"], rules) for a, b in sorted(candidates)]
    found = [row for row in forked_map(_verify, jobs, workers, PARALLEL_MIN) if row is not None]
    with store.transaction():
        conn.executemany(upsert("copy_pairs", ("a", "b", "kind", "in_a", "in_b", "shared_words"), ("a", "b")), found)
        touched = set(dirty) | {x for row in found for x in row[:2]}
        groups = _rebuild_groups(store, touched)
        conn.execute("UPDATE fingerprints SET dirty = 0 WHERE dirty = 1")
    described = describe_copies(store, workers=workers) if describe else 0
    return {
        "articles": len(dirty),
        "candidates": len(candidates),
        "candidate_seconds": round(candidate_seconds, 2),
        "pairs": len(found),
        "groups": groups,
        "described": described,
        "seconds": round(time.perf_counter() - started, 2),
        "method": COPIES,
    }


def _nothing_new(store: Store, describe: bool, workers: int) -> dict[str, Any]:
    """No new article to match: links left undescribed by an interrupted run get their diffs now."""
    described = describe_copies(store, workers=workers) if describe else 0
    return {"articles": 0, "pairs": 0, "groups": 0, "described": described, "seconds": 0.0}


SampleRead = tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _read_samples(store: Store, full: bool) -> SampleRead | None:
    """In one pass over the fingerprints, SAMPLE_CHUNK at a time: the article ids, which are new
    (all with `full`), their sample sizes, and the (hash, article index) entries; when only some
    articles are new, only the entries of hashes a new article has. None when none is new."""
    conn = store.conn
    wanted = None
    if not full:
        new = [blob or b"" for (blob,) in conn.execute("SELECT sample FROM fingerprints WHERE dirty = 1")]
        if not new:
            return None
        # whether some article is not new, counted no further than one more than the new ones
        counted = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM fingerprints LIMIT ?) AS upto", (len(new) + 1,))
        if counted.fetchone()[0] > len(new):
            wanted = np.unique(np.frombuffer(b"".join(new), dtype="<i8"))
    ids: list[str] = []
    flags: list[bool] = []
    sizes: list[int] = []

    def chunks() -> SampleChunks:
        cursor = store.stream("SELECT article_id, dirty, sample FROM fingerprints")
        while batch := cursor.fetchmany(SAMPLE_CHUNK):
            start = len(ids)
            for ident, dirty, blob in batch:
                ids.append(str(ident))
                flags.append(full or bool(dirty))
                sizes.append(len(blob or b"") // 8)
            yield [(start + n, blob or b"") for n, (_, _, blob) in enumerate(batch)]

    hashes, owners = sample_entries(chunks(), wanted)
    if not any(flags):
        return None
    return ids, np.asarray(flags, dtype=bool), np.asarray(sizes, dtype=np.int64), hashes, owners


def _sample_chunks(store: Store, ids: list[str]) -> SampleChunks:
    """Every article's stored sample with its index in `ids`, SAMPLE_CHUNK articles at a time."""
    position = {ident: i for i, ident in enumerate(ids)}
    cursor = store.stream("SELECT article_id, sample FROM fingerprints")
    while batch := cursor.fetchmany(SAMPLE_CHUNK):
        yield [(position[ident], blob or b"") for ident, blob in batch if ident in position]


def _backfill_samples(store: Store) -> None:
    """Fingerprints stored before samples were kept inline get theirs from the article text."""
    conn = store.conn
    missing = conn.execute(
        "SELECT f.article_id, a.text FROM fingerprints f JOIN articles a ON a.id = f.article_id WHERE f.sample IS NULL"
    ).fetchall()
    if missing:
        with store.transaction():
            conn.executemany(
                "UPDATE fingerprints SET sample = ? WHERE article_id = ?",
                [(sample_bytes(fingerprint(text)), ident) for ident, text in missing],
            )


def describe_copies(store: Store, batch: int = 2_000, workers: int = 1) -> int:
    """Work out the diff summary of every copy link that lacks one; returns how many were done."""
    conn = store.conn
    done = 0
    while True:
        links = conn.execute(
            "SELECT copy_id, original_id FROM copy_links WHERE changes IS NULL ORDER BY copy_id LIMIT ?", (batch,)
        ).fetchall()
        if not links:
            return done
        articles = _article_rows(store, {x for link in links for x in link})
        summaries = forked_map(
            _summary, [(articles[original], articles[copy]) for copy, original in links], workers, PARALLEL_MIN
        )
        with store.transaction():
            conn.executemany(
                "UPDATE copy_links SET changes = ? WHERE copy_id = ?",
                [(summary, copy) for summary, (copy, _) in zip(summaries, links, strict=True)],
            )
        done += len(links)


def _component(store: Store, seeds: set[str]) -> dict[str, set[str]]:
    """Connected components of the copy pairs reachable from the seeds (root → members)."""
    conn = store.conn
    seen: set[str] = set()
    components: dict[str, set[str]] = {}
    for seed in sorted(seeds):
        if seed in seen:
            continue
        members, frontier = {seed}, [seed]
        while frontier:
            node = frontier.pop()
            for (other,) in conn.execute(
                "SELECT b FROM copy_pairs WHERE a = ? UNION SELECT a FROM copy_pairs WHERE b = ?", (node, node)
            ):
                if other not in members:
                    members.add(other)
                    frontier.append(other)
        seen |= members
        if len(members) > 1:
            components[min(members)] = members
    return components


def _rebuild_groups(store: Store, touched: set[str]) -> int:
    conn = store.conn
    old_groups = {
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT group_id FROM copy_members WHERE article_id IN "
            f"(SELECT id FROM {store.id_table('copy_touched', touched)})"
        )
    }
    members_of_old = {
        r[0]
        for r in conn.execute(
            f"SELECT article_id FROM copy_members WHERE group_id IN "
            f"(SELECT id FROM {store.id_table('copy_old_groups', old_groups)})"
        )
    }
    components = _component(store, touched | members_of_old)
    every = set().union(*components.values()) if components else set()
    for table, column in (("copy_members", "group_id"), ("copy_links", "group_id")):
        conn.execute(
            f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM {store.id_table('copy_old_groups', old_groups)})"
        )
    conn.execute(
        f"DELETE FROM copy_groups WHERE id IN (SELECT id FROM {store.id_table('copy_old_groups', old_groups)})"
    )
    articles = _article_rows(store, every)
    for members in components.values():
        ordered = sorted((articles[m] for m in members), key=_order)
        original = ordered[0]
        group = content_hash("copy-group", original["id"], length=16)
        second = ordered[1]
        unknown = original["published_utc"] is None or (
            original["published_utc"] == second["published_utc"] and original["source"] != second["source"]
        )
        conn.execute(
            upsert("copy_groups", ("id", "original_id", "original_unknown", "size"), ("id",)),
            (group, original["id"], int(unknown), len(members)),
        )
        conn.executemany(
            upsert("copy_members", ("article_id", "group_id"), ("article_id",)), [(m, group) for m in members]
        )
        position = {a["id"]: i for i, a in enumerate(ordered)}
        for copy in ordered[1:]:
            _write_link(store, copy, articles, position, group)
    return len(components)


_LINK_COLUMNS = (
    "copy_id",
    "original_id",
    "group_id",
    "kind",
    "containment_copy",
    "containment_original",
    "shared_words",
    "lag_seconds",
    "changes",
    "method",
)


def _write_link(
    store: Store, copy: dict[str, Any], articles: dict[str, dict[str, Any]], position: dict[str, int], group: str
) -> None:
    """Link a copy to the earlier article it takes most from."""
    pairs = store.conn.execute(
        "SELECT a, b, kind, in_a, in_b, shared_words FROM copy_pairs WHERE a = ? OR b = ?", (copy["id"], copy["id"])
    ).fetchall()
    best = None
    for a, b, kind, in_a, in_b, shared in pairs:
        other = b if a == copy["id"] else a
        if other not in position or position[other] >= position[copy["id"]]:
            continue
        in_copy, in_other = (in_a, in_b) if a == copy["id"] else (in_b, in_a)
        score = (in_copy, shared, -position[other])
        if best is None or score > best[0]:
            best = (score, other, kind, in_copy, in_other, shared)
    if best is None:
        return
    _, original_id, kind, in_copy, in_original, shared = best
    original = articles[original_id]
    lag = None
    if original["published_utc"] and copy["published_utc"]:
        lag = int(
            (
                datetime.fromisoformat(copy["published_utc"]) - datetime.fromisoformat(original["published_utc"])
            ).total_seconds()
        )
    store.conn.execute(
        upsert("copy_links", _LINK_COLUMNS, ("copy_id",)),
        (
            copy["id"],
            original_id,
            group,
            kind,
            in_copy,
            in_original,
            shared,
            lag,
            None,
            f"{COPIES}+{DIFF}",
        ),
    )


# ---- views ----------------------------------------------------------------------------------------


def find_article(store: Store, ref: str) -> str:
    """An article id from an id, an id prefix (6+ characters) or the location it was read from."""
    conn = store.conn
    row = conn.execute("SELECT id FROM articles WHERE id = ? OR location = ?", (ref, ref)).fetchone()
    if row:
        return str(row[0])
    if len(ref) >= 6:
        rows = conn.execute("SELECT id FROM articles WHERE id LIKE ? LIMIT 2", (ref.replace("%", "") + "%",)).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
    rows = conn.execute(
        "SELECT id FROM articles WHERE location LIKE ? LIMIT 2", ("%" + ref.replace("%", ""),)
    ).fetchall()
    if len(rows) == 1:
        return str(rows[0][0])
    raise NotFound(f"no article {ref!r} (give its id, an id prefix, or the path it was ingested from)")


def _brief(article: dict[str, Any]) -> dict[str, Any]:
    return {k: article.get(k) for k in ("id", "url", "title", "source", "published", "location")}


def copy_group(store: Store, article_id: str) -> dict[str, Any] | None:
    conn = store.conn
    row = conn.execute(
        "SELECT g.id, g.original_id, g.original_unknown FROM copy_members m JOIN copy_groups g ON g.id = m.group_id "
        "WHERE m.article_id = ?",
        (article_id,),
    ).fetchone()
    if row is None:
        return None
    group, original_id, unknown = row
    members = {r[0] for r in conn.execute("SELECT article_id FROM copy_members WHERE group_id = ?", (group,))}
    articles = _article_rows(store, members)
    links = []
    for copy_id, orig, kind, c_copy, c_orig, shared, lag, changes in conn.execute(
        "SELECT copy_id, original_id, kind, containment_copy, containment_original, shared_words, lag_seconds, changes "
        "FROM copy_links WHERE group_id = ?",
        (group,),
    ):
        links.append(
            {
                "copy": _brief(articles[copy_id]),
                "original": _brief(articles[orig]),
                "kind": kind,
                "containment": {"copy_in_original": c_copy, "original_in_copy": c_orig},
                "shared_words": shared,
                "lag_seconds": lag,
                "changes": json.loads(changes)
                if changes is not None
                else _diff(articles[orig], articles[copy_id]).summary(),
            }
        )
    links.sort(
        key=lambda link: _order({"published_utc": utc_timestamp(link["copy"]["published"]), "id": link["copy"]["id"]})
    )
    return {
        "group": group,
        "original": _brief(articles[original_id]),
        "original_unknown": bool(unknown),
        "articles": len(members),
        "links": links,
    }


def list_copy_groups(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    rows = store.conn.execute(
        "SELECT g.original_id FROM copy_groups g JOIN articles a ON a.id = g.original_id "
        "ORDER BY g.size DESC, a.published_utc DESC NULLS LAST LIMIT ?",
        (limit,),
    ).fetchall()
    return [group for (original,) in rows if (group := copy_group(store, original)) is not None]


def article_diff(store: Store, copy_ref: str, original_ref: str, rows: bool = False) -> dict[str, Any]:
    """What a copy changed from an original; with `rows`, both texts' sentences side by side too."""
    copy_id, original_id = find_article(store, copy_ref), find_article(store, original_ref)
    if copy_id == original_id:
        raise UserError("diff needs two different articles")
    articles = _article_rows(store, {copy_id, original_id})
    copy, original = articles[copy_id], articles[original_id]
    result = _diff(original, copy)
    record = {"copy": _brief(copy), "original": _brief(original), **diff_record(result)}
    if rows:
        record["rows"] = side_by_side(original["text"], copy["text"], result.alignment)
    return record


def diff_record(result: Diff) -> dict[str, Any]:
    """A diff as plain data: its summary, and the sentences removed, added, moved and changed."""
    return {
        "summary": result.summary(),
        "removed": result.removed,
        "added": result.added,
        "moved": result.moved,
        "changed": [
            {
                "original": c.original,
                "copy": c.copy,
                "words": [{"old": w.old, "new": w.new, "kind": w.kind} for w in c.words],
            }
            for c in result.changed
        ],
    }


def source_originality(store: Store) -> list[dict[str, Any]]:
    """Per source: articles, how many are copies, whom it copies most, who copies it most, median lag."""
    conn = store.conn
    totals = dict(
        conn.execute(
            "SELECT s.name, COUNT(*) FROM articles a JOIN sources s ON s.id = a.source_id GROUP BY s.name"
        ).fetchall()
    )
    copies_from: dict[str, Counter[str]] = defaultdict(Counter)
    copied_by: dict[str, Counter[str]] = defaultdict(Counter)
    lags: dict[str, list[int]] = defaultdict(list)
    copies: Counter[str] = Counter()
    for copy_source, original_source, lag in conn.execute(
        "SELECT sc.name, so.name, l.lag_seconds FROM copy_links l "
        "JOIN articles c ON c.id = l.copy_id LEFT JOIN sources sc ON sc.id = c.source_id "
        "JOIN articles o ON o.id = l.original_id LEFT JOIN sources so ON so.id = o.source_id"
    ):
        copy_source, original_source = copy_source or "(unknown)", original_source or "(unknown)"
        copies[copy_source] += 1
        copies_from[copy_source][original_source] += 1
        copied_by[original_source][copy_source] += 1
        if lag is not None:
            lags[copy_source].append(lag)
    result = []
    for source, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        result.append(
            {
                "source": source,
                "articles": total,
                "copies": copies[source],
                "copy_share": round(copies[source] / total, 3) if total else 0.0,
                "original_share": round(1 - copies[source] / total, 3) if total else 0.0,
                "copies_from": [{"source": s, "articles": n} for s, n in copies_from[source].most_common(5)],
                "copied_by": [{"source": s, "articles": n} for s, n in copied_by[source].most_common(5)],
                "median_lag_hours": round(statistics.median(lags[source]) / 3600, 1) if lags[source] else None,
            }
        )
    return result


__all__ = [
    "article_diff",
    "copy_group",
    "describe_copies",
    "diff_texts",
    "find_article",
    "list_copy_groups",
    "match_copies",
    "source_originality",
]
