"""The web benchmark's database: the demo corpus ingested once, then multiplied in SQL to 20,000+ articles.

`examples/corpus` goes through the real pipeline (`ingest_paths`) into a fresh SQLite file; then, for
replica k = 1 … N, every article is copied in SQL with a new id (`content_hash(old id, k)`), its
dates shifted k days (`published` keeps its offset, `published_utc` stays naive UTC, both ISO), its
source rotated to `"{source} {k % 40}"` (so there are 40 × as many sources), ` ({k})` after its
title and `replica=k` in its URL. Each article's mentions, quotes (new ids, `cluster_id` per
replica), quote shingles, stories (new ids per replica, with `stories` rows), copy groups, members,
links and pairs (new ids per replica) and fingerprints come along; entities' and names' counts and
first/last seen are recomputed from the mentions. `articles_fts` and `quotes_fts` fill through
their insert triggers. Not copied: `story_vectors`, `story_df` and `inputs` (clustering state and
ingest bookkeeping, which the web app does not read).

The file is cached under `<work>/web/`, keyed on a hash of every file in `examples/corpus`,
`newsgraph/store/migrations.py`, this module's `RECIPE` and the article target; a changed key
rebuilds it. Every replica carries the same texts, so a copy of an article is an exact copy of
it: the copy tables say so only within a replica (as ingest found them), not across replicas.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT

CORPUS = REPO_ROOT / "examples" / "corpus"
MIGRATIONS = REPO_ROOT / "newsgraph" / "store" / "migrations.py"
RECIPE = "webdb.v1"
SOURCE_ROTATION = 40


@dataclass
class WebDb:
    path: Path
    key: str
    cached: bool
    build_seconds: float
    ingest_seconds: float
    replicate_seconds: float
    base_articles: int
    replicas: int
    counts: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path)
        return out


def cache_key(target: int) -> str:
    digest = hashlib.sha256(f"{RECIPE} target={target}\n".encode())
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(CORPUS)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(MIGRATIONS.read_bytes())
    return digest.hexdigest()[:16]


def _bench_hash(*parts: object) -> str:
    from newsgraph.records import content_hash

    return content_hash("webdb", *parts, length=20)


def _shift(column: str) -> str:
    """SQL for an ISO date or datetime in `column` moved `r.k` days, its offset or fraction kept."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL "
        f"WHEN length({column}) = 10 THEN coalesce(date({column}, '+' || r.k || ' days'), {column}) "
        f"ELSE coalesce(strftime('%Y-%m-%dT%H:%M:%S', substr({column}, 1, 19), '+' || r.k || ' days') "
        f"|| substr({column}, 20), {column}) END"
    )


def _ingest(path: Path) -> float:
    from newsgraph.run import ingest_paths
    from newsgraph.settings import Settings
    from newsgraph.store.connect import open_store

    started = time.perf_counter()
    store = open_store(path)
    try:
        summary = ingest_paths([CORPUS], store, Settings(processes=2))
    finally:
        store.close()
    if summary.interrupted or summary.articles == 0:
        raise RuntimeError(f"ingest of {CORPUS} stored {summary.articles} articles")
    return time.perf_counter() - started


def _replicate(conn: sqlite3.Connection, replicas: int) -> None:
    conn.create_function("bench_hash", 2, _bench_hash, deterministic=True)
    ex = conn.execute
    ex("CREATE TEMP TABLE r (k INTEGER PRIMARY KEY)")
    ex(
        f"INSERT INTO r WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {replicas}) "
        "SELECT k FROM n"
    )
    # sources: "{name} {j}" for j = 0 … 39; replica k takes j = k % 40
    ex("CREATE TEMP TABLE smap (old INTEGER, j INTEGER, new INTEGER, PRIMARY KEY (old, j))")
    ex(
        f"INSERT INTO sources (name) SELECT s.name || ' ' || j.k FROM sources s, "
        f"(SELECT k - 1 AS k FROM r WHERE k <= {SOURCE_ROTATION}) j ORDER BY s.id, j.k"
    )
    ex(
        f"INSERT INTO temp.smap SELECT o.id, j.k, n.id FROM sources o JOIN "
        f"(SELECT k - 1 AS k FROM r WHERE k <= {SOURCE_ROTATION}) j JOIN sources n ON n.name = o.name || ' ' || j.k"
    )
    ex("CREATE TEMP TABLE amap (old TEXT, k INTEGER, new TEXT PRIMARY KEY)")
    ex("INSERT INTO temp.amap SELECT a.id, r.k, bench_hash(a.id, r.k) FROM articles a, r ORDER BY r.k, a.rowid")
    ex("CREATE INDEX temp.amap_old ON amap(old, k)")
    shift_pub, shift_utc = _shift("a.published"), _shift("a.published_utc")
    ex(
        "INSERT INTO articles (id, source_id, url, title, text, authors, published, published_utc, published_from, "
        "language, sections, format, location, word_count, raw_hash, extractor, ingested_at) "
        "SELECT m.new, s.new, CASE WHEN a.url IS NULL THEN NULL "
        "ELSE a.url || CASE WHEN instr(a.url, '?') THEN '&' ELSE '?' END || 'replica=' || r.k END, "
        f"a.title || ' (' || r.k || ')', a.text, a.authors, {shift_pub}, {shift_utc}, a.published_from, "
        "a.language, a.sections, a.format, a.location || '#replica-' || r.k, a.word_count, a.raw_hash, "
        "a.extractor, a.ingested_at "
        "FROM temp.amap m JOIN r ON r.k = m.k JOIN articles a ON a.id = m.old "
        f"LEFT JOIN temp.smap s ON s.old = a.source_id AND s.j = r.k % {SOURCE_ROTATION} ORDER BY m.k, a.rowid"
    )
    ex(
        "INSERT INTO mentions SELECT m.new, x.field, x.start, x.end, x.text, x.label, x.type, x.name_id, x.method "
        "FROM temp.amap m JOIN mentions x ON x.article_id = m.old ORDER BY m.k, m.old"
    )
    # quotes, their shingles, clusters per replica
    ex("CREATE TEMP TABLE qmap (old TEXT, k INTEGER, new TEXT PRIMARY KEY, article TEXT)")
    ex(
        "INSERT INTO temp.qmap SELECT q.id, m.k, bench_hash(q.id, m.k), m.new FROM temp.amap m "
        "JOIN quotes q ON q.article_id = m.old ORDER BY m.k, q.rowid"
    )
    ex(
        "INSERT INTO quotes (id, article_id, kind, text, norm, start, end, speaker, speaker_name_id, role, cue, "
        "anonymous, cluster_id, dirty, method) SELECT qm.new, qm.article, q.kind, q.text, q.norm, q.start, q.end, "
        "q.speaker, q.speaker_name_id, q.role, q.cue, q.anonymous, "
        "CASE WHEN q.cluster_id IS NULL THEN NULL ELSE bench_hash(q.cluster_id, qm.k) END, q.dirty, q.method "
        "FROM temp.qmap qm JOIN quotes q ON q.id = qm.old ORDER BY qm.k, q.rowid"
    )
    ex(
        "INSERT INTO quote_shingles SELECT s.shingle, qm.new FROM temp.qmap qm "
        "JOIN quote_shingles s ON s.quote_id = qm.old ORDER BY s.shingle, qm.new"
    )
    # stories per replica
    ex(
        "INSERT INTO stories (id, label, first_seen, last_update, articles, sources, first_article_id, first_source, "
        "method) SELECT 's' || substr(bench_hash(st.id, r.k), 1, 15), st.label, "
        f"{_shift('st.first_seen')}, {_shift('st.last_update')}, st.articles, st.sources, fa.new, "
        f"CASE WHEN st.first_source IS NULL THEN NULL ELSE st.first_source || ' ' || (r.k % {SOURCE_ROTATION}) END, "
        "st.method FROM stories st JOIN r LEFT JOIN temp.amap fa ON fa.old = st.first_article_id AND fa.k = r.k "
        "ORDER BY r.k, st.rowid"
    )
    ex(
        "INSERT INTO story_members SELECT m.new, 's' || substr(bench_hash(sm.story_id, m.k), 1, 15) "
        "FROM temp.amap m JOIN story_members sm ON sm.article_id = m.old ORDER BY m.k, m.old"
    )
    # copies per replica
    ex(
        "INSERT INTO copy_groups SELECT bench_hash(g.id, r.k), o.new, g.original_unknown, g.size "
        "FROM copy_groups g JOIN r JOIN temp.amap o ON o.old = g.original_id AND o.k = r.k"
    )
    ex(
        "INSERT INTO copy_members SELECT m.new, bench_hash(c.group_id, m.k) FROM temp.amap m "
        "JOIN copy_members c ON c.article_id = m.old"
    )
    ex(
        "INSERT INTO copy_links SELECT m.new, o.new, bench_hash(c.group_id, m.k), c.kind, c.containment_copy, "
        "c.containment_original, c.shared_words, c.lag_seconds, c.changes, c.method FROM temp.amap m "
        "JOIN copy_links c ON c.copy_id = m.old JOIN temp.amap o ON o.old = c.original_id AND o.k = m.k"
    )
    ex(
        "INSERT INTO copy_pairs SELECT m.new, o.new, p.kind, p.in_a, p.in_b, p.shared_words FROM temp.amap m "
        "JOIN copy_pairs p ON p.a = m.old JOIN temp.amap o ON o.old = p.b AND o.k = m.k"
    )
    ex(
        "INSERT INTO fingerprints (article_id, text_hash, words, samples, dirty, method, sample) "
        "SELECT m.new, f.text_hash, f.words, f.samples, f.dirty, f.method, f.sample FROM temp.amap m "
        "JOIN fingerprints f ON f.article_id = m.old ORDER BY m.k, m.old"
    )
    # counts that depend on how many articles there are
    ex(
        "UPDATE entities SET (article_count, mention_count, first_seen, last_seen) = ("
        "SELECT COUNT(DISTINCT m.article_id), COUNT(*), MIN(a.published_utc), MAX(a.published_utc) "
        "FROM names n JOIN mentions m ON m.name_id = n.id JOIN articles a ON a.id = m.article_id "
        "WHERE n.entity_id = entities.id)"
    )
    ex(
        "UPDATE name_types SET articles = (SELECT COUNT(DISTINCT m.article_id) FROM mentions m "
        "WHERE m.name_id = name_types.name_id AND m.type = name_types.type)"
    )
    for table in ("r", "smap", "amap", "qmap"):
        ex(f"DROP TABLE temp.{table}")


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = (
        "articles",
        "sources",
        "stories",
        "story_members",
        "entities",
        "mentions",
        "quotes",
        "quote_shingles",
        "copy_groups",
        "copy_links",
        "fingerprints",
    )
    return {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in tables}


def validate(conn: sqlite3.Connection, target: int) -> None:
    """The checks the benchmark relies on; raises with what is wrong."""
    problems = []
    articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    if articles < target:
        problems.append(f"{articles} articles < {target}")
    empty = conn.execute(
        "SELECT COUNT(*) FROM stories s WHERE s.articles != (SELECT COUNT(*) FROM story_members m "
        "WHERE m.story_id = s.id) OR s.articles = 0"
    ).fetchone()[0]
    if empty:
        problems.append(f"{empty} stories whose member count is wrong")
    orphans = conn.execute(
        "SELECT COUNT(*) FROM story_members m WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = m.story_id)"
    ).fetchone()[0]
    if orphans:
        problems.append(f"{orphans} story members without a story")
    word = conn.execute("SELECT name FROM entities ORDER BY article_count DESC LIMIT 1").fetchone()[0].split()[0]
    hits = conn.execute("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", (f'"{word}"',)).fetchone()[0]
    top = conn.execute("SELECT MAX(article_count) FROM entities").fetchone()[0]
    if hits < top // 2:
        problems.append(f"full-text search for the top entity finds {hits} articles, it is in {top}")
    quotes = conn.execute("SELECT COUNT(*) FROM quotes_fts").fetchone()[0]
    if quotes != conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]:
        problems.append("quotes_fts does not cover every quote")
    bad_dates = conn.execute(
        "SELECT COUNT(*) FROM articles WHERE published_utc IS NOT NULL AND datetime(published_utc) IS NULL"
    ).fetchone()[0]
    if bad_dates:
        problems.append(f"{bad_dates} articles with an unreadable published_utc")
    if problems:
        raise RuntimeError("web benchmark database is wrong: " + "; ".join(problems))


def build(work_dir: Path, target: int = 20_000) -> WebDb:
    """The cached ≥`target`-article database under `<work_dir>/web/`, built when its key changed."""
    folder = work_dir / "web"
    folder.mkdir(parents=True, exist_ok=True)
    key = cache_key(target)
    path = folder / key / "newsgraph.db"
    meta = folder / key / "build.json"
    if path.is_file() and meta.is_file():
        info = json.loads(meta.read_text(encoding="utf-8"))
        info.update(path=path, cached=True)
        return WebDb(**info)
    for old in folder.iterdir():
        if old.is_dir() and len(old.name) == len(key):
            shutil.rmtree(old)
    building = folder / "building.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    ingest_seconds = _ingest(building)
    begun = time.perf_counter()
    conn = sqlite3.connect(building, isolation_level=None)
    try:
        base = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        replicas = max(0, math.ceil(target / base) - 1)
        conn.execute("BEGIN IMMEDIATE")
        _replicate(conn, replicas)
        conn.execute("COMMIT")
        replicate_seconds = time.perf_counter() - begun
        validate(conn, target)
        found = counts(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(building, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    db = WebDb(
        path, key, False, time.perf_counter() - started, ingest_seconds, replicate_seconds, base, replicas, found
    )
    info = db.as_dict()
    for field in ("path", "cached"):
        info.pop(field)
    meta.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return db


if __name__ == "__main__":
    import sys

    from benchmarks import WORK_DIR

    print(json.dumps(build(Path(sys.argv[1]) if len(sys.argv) > 1 else WORK_DIR).as_dict(), indent=1))
