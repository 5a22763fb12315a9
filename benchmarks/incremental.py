"""Small batches in a large store: 100 new articles ingested into stores of 10,000 to 100,000.

The stores are built from realistic per-article results without running the language model on
every article: a few hundred real texts (`benchmarks/dask.py`'s `load_texts`: ECB+, PolNeAR,
fundus, scrapinghub) go through the real per-article stage (`process_documents`) once; then
many *replicas* of those results are written through the store's own writer (`write_batch`),
and the set-level steps run over them, as a long ingest leaves a store.

A replica rewrites every word through a permutation of the vocabulary: the 150 most common words
stay, the others swap with words of the same length, of about the same frequency and of the same
kind (mostly capitalised, i.e. names, or not). Common words get a permutation per replica, names
one per *cast* that several replicas share, a new cast ever more rarely (`cast`), so people
come back and new ones keep appearing. Lengths are kept, so every mention and quotation offset
still points at its words; names, quotes, titles and texts change together, so a replica is a
new set of articles with the vocabulary's frequencies: quotes and 5-grams are new, story topics
recur as new events. One article in twenty also gets a reprint by another outlet
hours later (a credit line appended): the copies. Articles come at a steady rate
(`PER_DAY`), a replica's articles together, so a larger store holds a longer history at the same
daily volume.

The batch: 100 real texts not among the replicas' bases, written as `.txt` files with sidecars
dated just after the store's newest article, ingested by `ingest_paths` (2 worker processes), with
each step timed by wrapping the functions `ingest_paths` calls.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT, marked_outcome, result, row, skipped
from benchmarks.dask import MAX_TEXT_WORDS, load_texts
from benchmarks.throughput import PeakRss, machine_cpu

NAME = "incremental"
TITLE = "Incremental ingest — 100 new articles into a large store"
DEFAULT_SIZES = (10_000, 30_000)  # the issue's 100,000 by the variable: its store takes 1.5-2 hours to build
BASE_TEXTS = 300  # real texts whose per-article results are replicated
BATCH = 100  # new articles ingested into each store
PER_DAY = 500  # articles a day in the built stores
REPRINT_SHARE = 0.05
KEEP_COMMON = 150  # the most common words, left as they are
BLOCK = 12  # words of one length and kind are swapped within blocks of this many, by frequency
WRITE_EVERY = 500  # replica outcomes per write transaction while building
RECIPE = "incremental.v2"
TARGET_RATIO = 1.5
TARGET_SECONDS = 10.0
MARK = "NEWSGRAPH-BENCH-RESULT "
OUTLETS = tuple(
    "Harbour Times|Midland Courier|Northern Ledger|Valley Post|Coastal Herald|Capital Wire|Lakeside Gazette|"
    "Riverside Chronicle|Plains Observer|Summit Daily|Bayview Record|Frontier Dispatch".split("|")
)
START = datetime(2025, 1, 6, 6, 0)
_WORD = re.compile(r"[A-Za-z]+")
# the parts of entity resolution, timed by wrapping these functions of newsgraph.store.entities
ENTITY_PARTS = (
    ("region and ties", "incremental_region"),
    ("co-mentions", "_context"),
    ("writing", "_write_resolution"),
)
STEPS = (  # (label, function name in newsgraph.run.local)
    ("entities", "resolve_entities"),
    ("quote provenance", "cluster_quote_provenance"),
    ("copies", "match_copies"),
    ("stories", "cluster_stories"),
)


def _sizes() -> list[int]:
    value = os.environ.get("NEWSGRAPH_BENCH_INCREMENTAL_SIZES", "")
    if not value.strip():
        return list(DEFAULT_SIZES)
    try:
        sizes = sorted({int(x) for x in value.split(",") if x.strip()})
    except ValueError:
        raise SystemExit(f"NEWSGRAPH_BENCH_INCREMENTAL_SIZES must be integers, got {value!r}") from None
    if not sizes or sizes[0] < 1:
        raise SystemExit(f"NEWSGRAPH_BENCH_INCREMENTAL_SIZES must be positive, got {value!r}")
    return sizes


def _code_key(*parts: str) -> str:
    """A hash of these parts of the package's source (folders or files) and the recipe."""
    digest = hashlib.sha256(RECIPE.encode())
    for part in parts:
        root = REPO_ROOT / "newsgraph" / part
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# ---- texts --------------------------------------------------------------------------------------


def _write_text(folder: Path, name: str, text: dict[str, Any], sidecar: dict[str, Any]) -> Path:
    path = folder / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join([text["title"], *text["paragraphs"]]) + "\n", encoding="utf-8")
    path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    return path


def _split_texts(data_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    texts = [t for t in load_texts(data_dir) if sum(len(p.split()) for p in t["paragraphs"]) <= MAX_TEXT_WORDS]
    return texts[:BASE_TEXTS], texts[BASE_TEXTS : BASE_TEXTS + BATCH]


def _base_results(texts: list[dict[str, Any]], work: Path) -> tuple[list[Any], float]:
    """The real per-article stage over the base texts (2 worker processes), cached by code version."""
    from newsgraph.records import Processed, RawDocument

    cache = work / f"base-{_code_key('extract', 'enrich', 'ingest', 'corpus/copies.py')}.pickle"
    if cache.is_file():
        return pickle.loads(cache.read_bytes()), 0.0
    from newsgraph.ingest.files import read_document
    from newsgraph.run.local import _run_pool, document_chunks
    from newsgraph.settings import Settings

    folder = work / "base-texts"
    shutil.rmtree(folder, ignore_errors=True)
    raws = []
    for i, text in enumerate(texts):
        sidecar = {"source": text.get("source") or OUTLETS[i % len(OUTLETS)], "url": f"https://base.example/{i}"}
        path = _write_text(folder, f"{i:04d}", text, sidecar)
        raws += [d for d in read_document(path, 5_000_000) if isinstance(d, RawDocument)]
    outcomes: list[Any] = []
    started = time.perf_counter()
    _run_pool(document_chunks(raws, 8), Settings(processes=2), outcomes.append, lambda n: None)
    seconds = time.perf_counter() - started
    kept = [o for o in outcomes if isinstance(o, Processed) and o.article is not None and o.analysis is not None]
    cache.write_bytes(pickle.dumps(kept))
    shutil.rmtree(folder, ignore_errors=True)
    return kept, seconds


# ---- replicas -----------------------------------------------------------------------------------


def cast(replica: int) -> int:
    """The permutation of names a replica uses: a new one ever more rarely (the square root of 4 ×
    the replica number), so the same people come back and new names keep coming, as in a news stream
    (distinct names growing about as the square root of the articles)."""
    return math.isqrt(4 * replica)


class Replicator:
    """Per replica, a permutation of the base texts' vocabulary, applied to everything an outcome holds."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        counts: Counter[str] = Counter()
        capitals: Counter[str] = Counter()
        for item in outcomes:
            for word in _WORD.findall(item.article.title + "\n" + item.article.text):
                lower = word.lower()
                counts[lower] += 1
                capitals[lower] += word[0].isupper()
        ranked = [w for w, _ in counts.most_common()]
        self.fixed = set(ranked[:KEEP_COMMON])
        groups: dict[tuple[int, bool], list[str]] = {}
        for word in ranked[KEEP_COMMON:]:
            groups.setdefault((len(word), capitals[word] > 0.7 * counts[word]), []).append(word)
        self.blocks = {
            proper: [g[i : i + BLOCK] for (_, p), g in groups.items() if p == proper for i in range(0, len(g), BLOCK)]
            for proper in (False, True)
        }

    def mapping(self, replica: int) -> dict[str, str]:
        """Common words are permuted per replica; names per *cast*, which replicas share (see `cast`)."""
        table: dict[str, str] = {}
        for proper, seed in ((False, f"replica-{replica}"), (True, f"cast-{cast(replica)}")):
            rng = random.Random(seed)
            for block in self.blocks[proper]:
                shuffled = block[:]
                rng.shuffle(shuffled)
                table.update(zip(block, shuffled, strict=True))
        return table

    @staticmethod
    def rewrite(table: dict[str, str], text: str) -> str:
        def swap(match: re.Match[str]) -> str:
            word = match.group()
            new = table.get(word.lower())
            if new is None:
                return word
            if word.isupper() and len(word) > 1:
                return new.upper()
            return new.capitalize() if word[0].isupper() else new

        return _WORD.sub(swap, text)

    def replica(self, replica: int, first: int, when: Callable[[int], datetime]) -> Iterator[Any]:
        """The outcomes of one replica (`first` is the store position of its first article), each
        article's reprints right after it."""
        from newsgraph.corpus.copies import fingerprint
        from newsgraph.records import Location, content_hash

        table = self.mapping(replica)
        rng = random.Random(f"order-{replica}")
        order = list(range(len(self.outcomes)))
        rng.shuffle(order)

        def sub(text: str | None) -> str | None:
            return None if text is None else self.rewrite(table, text)

        position = first
        for i in order:
            item = self.outcomes[i]
            art, analysis = item.article, item.analysis
            title, text = sub(art.title) or "", sub(art.text) or ""
            editions = [(art.source, when(position), text)]
            if rng.random() < REPRINT_SHARE:
                outlet = OUTLETS[(replica + i) % len(OUTLETS)]
                later = editions[0][1] + timedelta(minutes=rng.randint(30, 24 * 60))
                editions.append((outlet, later, f"{text}\n\n{outlet} contributed to this report."))
            for edition, (source, published, body) in enumerate(editions):
                ident = content_hash("bench-incremental", replica, i, edition)
                slug = (source or "news").lower().replace(" ", "")
                url = f"https://{slug}.example/{published:%Y/%m/%d}/{ident}"
                location = Location(f"synthetic/{replica}/{i}-{edition}.txt")
                article = replace(
                    art,
                    id=ident,
                    location=location,
                    title=title,
                    text=body,
                    source=source,
                    url=url,
                    authors=tuple(sub(a) or "" for a in art.authors),
                    published=published.isoformat() + "Z",
                    published_from="hint",
                    raw_hash=content_hash("raw", ident),
                )
                groups = tuple(
                    replace(g, name=sub(g.name) or "", key=sub(g.key) or "",
                            aliases=tuple(replace(a, name=sub(a.name) or "") for a in g.aliases))
                    for g in analysis.groups
                )  # fmt: skip
                mentions = tuple(replace(m, text=sub(m.text) or "") for m in analysis.mentions)
                quotes = tuple(
                    replace(q, text=sub(q.text) or "", speaker=sub(q.speaker), cue=sub(q.cue)) for q in analysis.quotes
                )
                yield replace(
                    item,
                    location=location,
                    raw_hash=article.raw_hash,
                    article=article,
                    analysis=replace(analysis, article_id=ident, groups=groups, mentions=mentions, quotes=quotes),
                    fingerprint=fingerprint(body),
                )
                position += 1


# ---- building the stores ------------------------------------------------------------------------


def _when(position: int) -> datetime:
    return START + timedelta(days=position / PER_DAY)


def _corpus_steps(store: Any, settings: Any) -> None:
    """`run_corpus_steps` over a store whose every article is new, with entities resolved in one
    `full` pass (the incremental region of every name at once is the same set, found the slow way)."""
    from newsgraph.store.copies import match_copies
    from newsgraph.store.entities import resolve_entities
    from newsgraph.store.quotes import cluster_quote_provenance
    from newsgraph.store.stories import cluster_stories

    resolve_entities(store, full=True)
    cluster_quote_provenance(store)
    match_copies(store, settings.copy_rules, workers=settings.worker_count)
    cluster_stories(store, settings.story_settings)
    store.dialect.analyze(store.conn)


def _up_to_date(target: Path) -> dict[str, Any]:
    """A cached store whose names were keyed by an older version of the matching rules is resolved
    again in full once, untimed, as a user's store is on its first resolution after an upgrade, so
    that the batch measured is a batch into an up-to-date store. (A store keyed by this version has
    no names left to resolve, and `resolve_entities` finds that at once.)"""
    from newsgraph.corpus.matching import MATCHING
    from newsgraph.store.entities import resolve_entities
    from newsgraph.store.sqlite import open_sqlite

    store = open_sqlite(target)
    try:
        started = time.perf_counter()
        if not resolve_entities(store)["names"]:
            return {}
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {"resolved_again": {"to": MATCHING, "seconds": round(time.perf_counter() - started, 1)}}
    finally:
        store.close()


def _cached(work: Path, size: int, key: str) -> dict[str, Any]:
    """What a cached store of this size says of its build (`_build`), or {} where there is none."""
    meta = work / f"store-{size}-{key}.json"
    if not (meta.is_file() and (work / f"store-{size}-{key}.db").is_file()):
        return {}
    found: dict[str, Any] = json.loads(meta.read_text())
    return found


def _cached_sizes(work: Path, key: str) -> list[int]:
    """The sizes of the cached stores of this key, smallest first."""
    sizes = []
    for meta in work.glob(f"store-*-{key}.json"):
        size = meta.name.split("-")[1]
        if size.isdigit() and _cached(work, int(size), key):
            sizes.append(int(size))
    return sorted(sizes)


def _build(replicator: Replicator, sizes: list[int], work: Path, key: str) -> dict[int, dict[str, Any]]:
    """Stores of each size (cached as `store-SIZE-KEY.db`): one file grown replica by replica, with
    the set-level steps run and a copy kept each time it passes a size; grown on from the largest
    cached store smaller than the sizes to build, where there is one."""
    from newsgraph.settings import Settings
    from newsgraph.store.sqlite import open_sqlite

    info: dict[int, dict[str, Any]] = {}
    wanted = [s for s in sizes if not _cached(work, s, key)]
    for size in sizes:
        if size not in wanted:
            info[size] = _cached(work, size, key) | {"cached": True}
            info[size] |= _up_to_date(work / f"store-{size}-{key}.db")
    if not wanted:
        return info
    growing = work / f"growing-{key}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{growing}{suffix}").unlink(missing_ok=True)
    written, replica = 0, 0
    write_seconds = steps_seconds = before = 0.0
    # grown on from the largest cached store below the first size wanted: the same replicas follow
    # it as in a build from nothing (a size's last replica is cut short, and the next size starts a
    # new one), and the set-level steps ran on it at that size as they would have
    below = [s for s in _cached_sizes(work, key) if s < wanted[0]]
    if below:
        base = work / f"store-{below[-1]}-{key}.db"
        start = info.get(below[-1]) or (_cached(work, below[-1], key) | _up_to_date(base))
        shutil.copyfile(base, growing)
        written, replica = below[-1], start["replicas"]
        write_seconds, steps_seconds, before = start["write_seconds"], start["steps_seconds"], start["build_seconds"]
    settings = Settings(processes=2)
    store = open_sqlite(growing)
    started = time.perf_counter() - before
    try:
        for size in wanted:
            pending: list[Any] = []
            while written < size:
                for item in replicator.replica(replica, written, _when):
                    if written >= size:
                        break
                    pending.append(item)
                    written += 1
                    if len(pending) >= WRITE_EVERY:
                        t = time.perf_counter()
                        store.write_batch(pending)
                        write_seconds += time.perf_counter() - t
                        pending = []
                replica += 1
            if pending:
                t = time.perf_counter()
                store.write_batch(pending)
                write_seconds += time.perf_counter() - t
            t = time.perf_counter()
            _corpus_steps(store, settings)
            steps_seconds += time.perf_counter() - t
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            target = work / f"store-{size}-{key}.db"
            shutil.copyfile(growing, target)
            newest = store.conn.execute("SELECT MAX(published_utc) FROM articles").fetchone()[0]
            counts = {
                t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("articles", "names", "entities", "quotes", "quote_clusters", "copy_links", "stories",
                          "story_df", "mentions")
            }  # fmt: skip
            info[size] = {
                "newest": newest,
                "counts": counts,
                "replicas": replica,
                "build_seconds": round(time.perf_counter() - started, 1),
                "write_seconds": round(write_seconds, 1),
                "steps_seconds": round(steps_seconds, 1),
                "mb": round(target.stat().st_size / 1e6, 1),
            }
            if below:
                info[size]["grown_from"] = below[-1]
            (work / f"store-{size}-{key}.json").write_text(json.dumps(info[size]))
            info[size]["cached"] = False
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{growing}{suffix}").unlink(missing_ok=True)
    return info


# ---- the batch ----------------------------------------------------------------------------------


def _batch_files(texts: list[dict[str, Any]], folder: Path, newest: str) -> Path:
    """The batch's texts as files, dated in the six hours after the store's newest article."""
    shutil.rmtree(folder, ignore_errors=True)
    after = datetime.fromisoformat(newest.replace("Z", "+00:00")).replace(tzinfo=None)
    for i, text in enumerate(texts):
        published = after + timedelta(minutes=5 + i * 360 // len(texts))
        sidecar = {
            "source": text.get("source") or OUTLETS[i % len(OUTLETS)],
            "published": published.isoformat() + "Z",
            "url": f"https://batch.example/{published:%Y/%m/%d}/{i}",
        }
        _write_text(folder, f"{i:03d}", text, sidecar)
    return folder


class _Timed:
    """Wraps functions of `newsgraph.run.local` (and the store's batch writes) to time each call."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.results: dict[str, Any] = {}
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, attr: str, label: str) -> None:
        original = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                value = original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t
            self.results[label] = value
            return value

        setattr(owner, attr, timed)
        self._undo.append(lambda: setattr(owner, attr, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


_FROM = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)
_SCAN = re.compile(r"^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?")


def _brief(sql: str, width: int = 110) -> str:
    """A statement on one line, its lists of placeholders shortened, cut to `width` characters."""
    text = re.sub(r"\(\?(?:,\s*\?)+\)", "(…)", " ".join(sql.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def _full_reads(conn: sqlite3.Connection, statements: set[str]) -> list[str]:
    """The statements (as run) whose query plan reads a whole stored table or index: a SCAN of a
    table of the schema, under its name or an alias, in a statement with no LIMIT, not along a
    partial index. Temporary id tables and subqueries are left out. Planned on the ingest's own
    connection, which still holds the temporary tables the statements name."""
    stored = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    partial = {  # a scan of a partial index reads just the rows of its condition
        name
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        if sql and " WHERE " in sql
    }
    found = []
    for sql in sorted(statements):
        if not sql.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE", "DELETE", "INSERT")):
            continue
        if re.search(r"\bLIMIT\b", sql, re.IGNORECASE):
            continue  # read up to a bound, not the whole table
        tables = {}
        for table, alias in _FROM.findall(sql):
            tables[table] = table
            if alias and alias.upper() not in {"WHERE", "ON", "JOIN", "GROUP", "ORDER", "LEFT", "USING"}:
                tables[alias] = table
        try:
            plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        except sqlite3.Error:
            continue
        scanned = {
            tables.get(m.group(1), m.group(1))
            for row in plan
            if (m := _SCAN.match(row[3])) and m.group(2) not in partial
        }
        if scanned & stored:
            found.append(sql)
    return found


def _ingest(store_file: Path, batch: Path) -> dict[str, Any]:
    from newsgraph.run import local
    from newsgraph.settings import Settings
    from newsgraph.store import entities
    from newsgraph.store.base import Store
    from newsgraph.store.sqlite import DIALECT, open_sqlite

    target = store_file.with_name("ingest.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(store_file, target)
    # on disk before the clock starts: else the batch's first checkpoint, which syncs the file,
    # waits for the whole copy to be written back (seconds, growing with the store), which no
    # user's store that was not just copied pays
    with open(target, "rb+") as copied:
        os.fsync(copied.fileno())
    timer = _Timed()
    timer.wrap(local, "ingest_documents", "per-article stage")
    timer.wrap(Store, "write_batch", "batch writes")
    for label, function in STEPS:
        timer.wrap(local, function, label)
    timer.wrap(DIALECT, "analyze", "planner statistics")
    for label, function in ENTITY_PARTS:
        timer.wrap(entities, function, f"entities: {label}")
    statements: set[str] = set()
    steps = local.run_corpus_steps

    def traced(store: Any, *args: Any, **kwargs: Any) -> Any:  # the statements of the set-level steps
        store.conn.set_trace_callback(statements.add)
        try:
            return steps(store, *args, **kwargs)
        finally:
            store.conn.set_trace_callback(None)

    local.run_corpus_steps = traced  # type: ignore[assignment]
    settings = Settings(processes=2, db=str(target))
    try:
        with PeakRss(os.getpid()) as rss:
            started = time.perf_counter()
            store = open_sqlite(target)
            opened = time.perf_counter() - started
            try:
                summary = local.ingest_paths([batch], store, settings)
                planned = time.perf_counter()
                full_reads = _full_reads(store.conn, statements)
                planned = time.perf_counter() - planned  # not the ingest's: left out of its time
            finally:
                store.close()
            total = time.perf_counter() - started - planned
    finally:
        local.run_corpus_steps = steps  # type: ignore[assignment]
        timer.restore()
        del DIALECT.analyze  # the wrapper was set on the instance
    seconds: dict[str, float] = dict(timer.seconds)
    seconds["open"] = opened
    return {
        "seconds": seconds,
        "total": total,
        "articles": summary.articles,
        "rejected": summary.rejected,
        "summary": summary.as_dict(),
        "rss_mb": rss.peak / 1e6,  # this interpreter (a fresh one) and its worker processes
        "fts_rows": _fts_rows(target),
        "full_reads": full_reads,
    }


def _ingest_apart(store_file: Path, batch: Path) -> dict[str, Any]:
    """`_ingest` in a fresh interpreter, so its memory is the ingest's alone; with the CPU seconds
    of that interpreter and its workers (all waited for when it ends), of everything else on the
    machine meanwhile, and of the hypervisor's steal, which say whether the machine was idle."""
    command = [sys.executable, "-m", "benchmarks.incremental", str(store_file), str(batch)]
    before, children = machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    after, reaped = machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    outcome = marked_outcome(done.stdout, done.stderr, done.returncode, MARK, f"ingest of {batch}")
    ours = reaped.ru_utime + reaped.ru_stime - children.ru_utime - children.ru_stime
    others, steal = max(0.0, after[0] - before[0] - ours), after[1] - before[1]
    outcome["cpu_seconds"] = {"batch": ours, "others": others, "steal": steal}
    return outcome


def _fts_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'the'").fetchone()[0])
    finally:
        conn.close()


# ---- the benchmark ------------------------------------------------------------------------------


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    needed = ("clustering/ecbplus-dev", "quotes/polnear-dev", "extraction/fundus", "extraction/scrapinghub")
    missing = [name for name in needed if not (data_dir / name).is_dir()]
    if missing:
        return skipped(NAME, TITLE, f"data absent: {', '.join(missing)} not found")
    begun = time.perf_counter()
    sizes = _sizes()
    work = work_dir / NAME
    work.mkdir(parents=True, exist_ok=True)
    base_texts, batch_texts = _split_texts(data_dir)
    outcomes, nlp_seconds = _base_results(base_texts, work)
    # a built store is kept while the schema, the writer and the recipe stay the same (delete
    # .work/incremental/ to build afresh after other changes)
    key = _code_key("store/migrations.py", "store/batch.py")
    replicator = Replicator(outcomes)
    built = _build(replicator, sizes, work, key)
    measured = {}
    for size in sizes:
        batch = _batch_files(batch_texts, work / f"batch-{size}", built[size]["newest"])
        measured[size] = _ingest_apart(work / f"store-{size}-{key}.db", batch)
    (work / "ingest.db").unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{work / 'ingest.db'}{suffix}").unlink(missing_ok=True)

    def step(size: int, label: str) -> float:
        return float(measured[size]["seconds"].get(label, 0.0))

    def set_level(size: int) -> float:
        return sum(step(size, label) for label, _ in STEPS) + step(size, "planner statistics")

    def nlp(size: int) -> float:
        return step(size, "per-article stage") - step(size, "batch writes")

    first, last = sizes[0], sizes[-1]
    rows = [
        row("articles in the store before the batch", [built[s]["counts"]["articles"] for s in sizes], fmt=",d"),
        row("new articles stored (of 100 files)", [measured[s]["articles"] for s in sizes], fmt="d"),
        row("per-article stage: extract + NLP + fingerprints, 2 processes (s)", [nlp(s) for s in sizes], fmt=".2f"),
        row("batch writes, full-text index included (s)", [step(s, "batch writes") for s in sizes], fmt=".2f"),
    ]
    for label, _ in STEPS:
        rows.append(row(f"set-level: {label} (s)", [step(s, label) for s in sizes], fmt=".2f"))
        if label == "entities":
            parts = " · ".join(part for part, _ in ENTITY_PARTS)
            rows.append(
                row(
                    f"entities, of which: {parts} (s)",
                    [" · ".join(f"{step(s, f'entities: {part}'):.2f}" for part, _ in ENTITY_PARTS) for s in sizes],
                )
            )
    rows.append(row("set-level: planner statistics (ANALYZE) (s)", [step(s, "planner statistics") for s in sizes]))
    rows.append(
        row(
            "set-level statements that read a whole table (by their query plans)",
            [len(measured[s]["full_reads"]) for s in sizes],
            fmt="d",
        )
    )
    ratio_set = set_level(last) / max(set_level(first), 1e-9)
    rows.append(
        row(
            "set-level steps, total (s)",
            [set_level(s) for s in sizes],
            f"{last:,} ≤ {TARGET_RATIO} × {first:,}",
            ratio_set <= TARGET_RATIO,
            fmt=".2f",
        )
    )
    stored = [step(s, "batch writes") + set_level(s) for s in sizes]
    ratio_stored = stored[-1] / max(stored[0], 1e-9)
    rows.append(
        row(
            "store work: batch writes + set-level steps (s)",
            stored,
            f"{last:,} ≤ {TARGET_RATIO} × {first:,}",
            ratio_stored <= TARGET_RATIO,
            fmt=".2f",
        )
    )
    totals = [measured[s]["total"] for s in sizes]
    ratio_total = totals[-1] / max(totals[0], 1e-9)
    rows.append(
        row(
            "whole batch: ingest_paths, open included (s)",
            totals,
            f"< {TARGET_SECONDS:.0f} s; {last:,} ≤ {TARGET_RATIO} × {first:,}",
            totals[-1] < TARGET_SECONDS and ratio_total <= TARGET_RATIO,
            fmt=".2f",
        )
    )
    ratios = f"{ratio_set:.2f} · {ratio_stored:.2f} · {ratio_total:.2f}"
    label = f"ratio {last:,} / {first:,}: set-level · store work · whole batch"
    rows.append(row(label, [ratios] + [""] * (len(sizes) - 1)))
    rows.append(row("peak RSS, ingest process + workers (MB)", [measured[s]["rss_mb"] for s in sizes], fmt=",.0f"))
    rows.append(row("store file (MB)", [built[s]["mb"] for s in sizes], fmt=",.0f"))
    rows.append(
        row(
            "CPU s during the batch: its processes · other processes · steal",
            [" · ".join(f"{measured[s]['cpu_seconds'][k]:.1f}" for k in ("batch", "others", "steal")) for s in sizes],
        )
    )
    elapsed = time.perf_counter() - begun
    cached = all(built[s].get("cached") for s in sizes)
    counts = built[last]["counts"]
    notes = [
        f"Stores: {len(outcomes)} real texts (ECB+, PolNeAR, fundus, scrapinghub; ≤ {MAX_TEXT_WORDS} words) through "
        f"the per-article stage once{f' ({nlp_seconds:.0f} s)' if nlp_seconds else ' (cached)'}, then replicated: each "
        f"replica rewrites every word but the {KEEP_COMMON} commonest through a permutation (same length, frequency "
        "and capitalisation class, so offsets hold; common words per replica, names per cast, a new cast ever more "
        "rarely), new ids, URLs and dates; "
        f"{REPRINT_SHARE:.0%} of articles get a reprint by another outlet. {PER_DAY} articles a day, so the "
        f"{last:,} store spans {last / PER_DAY:.0f} days. Written through `write_batch` ({WRITE_EVERY} a "
        "transaction), then the set-level steps at each size (entities in one `full` pass).",
        f"The {last:,} store: {counts['names']:,} names, {counts['entities']:,} entities, "
        f"{counts['quotes']:,} quotes in {counts['quote_clusters']:,} clusters, {counts['copy_links']:,} copy links, "
        f"{counts['stories']:,} stories, "
        f"{counts['story_df']:,} story terms, {counts['mentions']:,} mentions.",
        f"Batch: {BATCH} real texts not among the bases, `.txt` + sidecar, dated in the 6 hours after the store's "
        "newest article, ingested by `ingest_paths` (Settings(processes=2)) into a copy of the built store "
        "(synced to disk first, untimed), in a fresh interpreter (its peak RSS with its workers is the RSS row). Steps "
        "timed by wrapping the functions it calls: `ingest_documents` (reading, extraction, NLP and fingerprints in 2 "
        "worker processes including their start and model load, and the batch writes, which also fill the FTS5 "
        "index by trigger, timed apart), `resolve_entities`, `cluster_quote_provenance`, `match_copies` (with "
        "diff summaries), `cluster_stories`, and ANALYZE; within `resolve_entities`, finding the region to resolve "
        "again with the new names' ties (`incremental_region`), reading the co-mentions that settle contested lone "
        "surnames (`_context`) and writing the entities (`_write_resolution`). The whole batch is `ingest_paths` "
        "from opening the store. "
        "CPU seconds: the batch's interpreter and its workers; everything else the machine ran meanwhile; and time "
        "the hypervisor took away. Other load or steal makes the figures unreliable: rerun on an idle machine.",
        "Whole-table reads: every distinct statement the set-level steps ran (traced on the store's connection), "
        "planned again with EXPLAIN QUERY PLAN after the batch; a statement counts when its plan SCANs a stored "
        "table or its index and it has no LIMIT. At the largest store: "
        + ("; ".join(f"`{_brief(sql)}`" for sql in measured[last]["full_reads"]) or "none")
        + ".",
        "Build: "
        + ", ".join(
            f"{s:,}: {'cached' if built[s].get('cached') else 'built'}"
            + (f" on from the cached {built[s]['grown_from']:,}" if built[s].get("grown_from") else "")
            + " "
            f"(cumulative {built[s]['build_seconds']:.0f} s: writes {built[s]['write_seconds']:.0f} s, "
            f"set-level {built[s]['steps_seconds']:.0f} s)"
            + (
                f", then resolved again in full for {again['to']} ({again['seconds']:.0f} s, untimed)"
                if (again := built[s].get("resolved_again"))
                else ""
            )
            for s in sizes
        )
        + f". This run took {elapsed:.0f} s{' (stores cached)' if cached else ''}.",
    ]
    raw = {
        "sizes": sizes,
        "built": {str(s): built[s] for s in sizes},
        "measured": {str(s): {k: v for k, v in measured[s].items() if k != "summary"} for s in sizes},
        "summaries": {str(s): measured[s]["summary"] for s in sizes},
        "seconds": elapsed,
        "code_key": key,
    }
    columns = [f"{s:,} articles" for s in sizes]
    return result(NAME, TITLE, columns, rows, notes, raw)


if __name__ == "__main__":  # one measured ingest: python -m benchmarks.incremental STORE BATCH
    print(MARK + json.dumps(_ingest(Path(sys.argv[1]), Path(sys.argv[2])), default=str))
