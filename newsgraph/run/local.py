"""The local runner: stream inputs, extract and enrich in worker processes, write in batches.

Each worker loads the spaCy pipeline once and takes documents a chunk at a time; the main
process is the only writer and commits every `commit_every` results, in input order.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from newsgraph.corpus.copies import fingerprint
from newsgraph.enrich.analysis import analyse_articles
from newsgraph.enrich.nlp import load_pipeline
from newsgraph.extract.article import extract_article
from newsgraph.ingest.files import list_inputs, read_document
from newsgraph.ingest.warc import is_archive
from newsgraph.records import Article, Processed, RawDocument, Rejection
from newsgraph.settings import Settings
from newsgraph.store.base import BatchCounts, Store
from newsgraph.store.copies import CandidateFinder, match_copies
from newsgraph.store.entities import Resolver, resolve_entities
from newsgraph.store.quotes import cluster_quote_provenance
from newsgraph.store.stories import cluster_stories

Progress = Callable[[int], None]


@dataclass
class IngestSummary:
    files: int = 0
    documents: int = 0
    articles: int = 0
    duplicates: int = 0
    already_done: int = 0
    rejections: Counter[str] = field(default_factory=Counter)
    skips: Counter[str] = field(default_factory=Counter)  # WARC/ARC records that are not HTML pages, by reason
    seconds: float = 0.0
    interrupted: bool = False
    resolution: dict[str, object] = field(default_factory=dict)
    quotes: dict[str, object] = field(default_factory=dict)
    copies: dict[str, object] = field(default_factory=dict)
    stories: dict[str, object] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return sum(self.rejections.values())

    @property
    def skipped(self) -> int:
        return sum(self.skips.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "documents": self.documents,
            "articles": self.articles,
            "duplicates": self.duplicates,
            "already_done": self.already_done,
            "rejected": self.rejected,
            "rejections_by_code": dict(sorted(self.rejections.items())),
            "skipped": self.skipped,
            "skipped_by_reason": dict(sorted(self.skips.items())),
            "seconds": round(self.seconds, 2),
            "interrupted": self.interrupted,
            "resolution": self.resolution,
            "quotes": self.quotes,
            "copies": self.copies,
            "stories": self.stories,
        }


def process_documents(chunk: Sequence[RawDocument], settings: Settings) -> list[Processed]:
    """Extract and enrich a chunk of raw documents; every input gets exactly one outcome."""
    extracted = [extract_article(raw, settings) for raw in chunk]
    articles = [item for item in extracted if isinstance(item, Article)]
    try:
        analyses = iter(analyse_articles(articles, settings))
    except Exception as exc:  # a model failure must not lose the batch: keep articles, say why
        reason = f"entity analysis failed: {type(exc).__name__}: {exc}"
        return [
            Processed(
                raw.location,
                raw.raw_hash,
                rejection=Rejection("enrich", "analysis_failed", reason, raw.location, raw.raw_hash),
            )
            if isinstance(item, Article)
            else Processed(raw.location, raw.raw_hash, rejection=item)
            for raw, item in zip(chunk, extracted, strict=True)
        ]
    results = []
    for raw, item in zip(chunk, extracted, strict=True):
        if isinstance(item, Article):
            results.append(
                Processed(
                    raw.location,
                    raw.raw_hash,
                    article=item,
                    analysis=next(analyses),
                    fingerprint=fingerprint(item.text),
                )
            )
        else:
            results.append(Processed(raw.location, raw.raw_hash, rejection=item))
    return results


def _init_worker(settings: Settings) -> None:
    load_pipeline(settings.model)


def count_documents(files: Iterable[Path]) -> int | None:
    """How many documents the files hold (a JSON Lines file holds one per non-blank line).

    None when a WARC/ARC file is among them: how many of its records are pages is known only by
    reading it all, so the progress bar goes without a total rather than read a crawl twice.
    """
    files = list(files)
    if any(is_archive(path) for path in files):
        return None
    total = 0
    for path in files:
        name = path.name.lower()
        if name.endswith(".jsonl"):
            try:
                with path.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total


def document_chunks(items: Iterable[RawDocument], size: int) -> Iterator[list[RawDocument]]:
    """Documents `size` at a time, the chunks handed to `process_documents`."""
    chunk: list[RawDocument] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ingest_paths(
    paths: Sequence[str | Path],
    store: Store,
    settings: Settings,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Ingest every article under `paths` into `store`; resumes where an earlier run stopped."""
    started = time.perf_counter()
    summary = IngestSummary()
    files = list(list_inputs(paths, settings.follow_symlinks))
    summary.files = len(files)
    total = count_documents(files) if on_total is not None else None
    if on_total is not None and total is not None:
        on_total(total)

    def documents() -> Iterator[RawDocument | Rejection]:
        for path in files:
            for item in read_document(path, settings.max_bytes, summary.skips):
                summary.documents += 1
                yield item

    try:
        ingest_documents(documents(), store, settings, summary, progress)
        run_corpus_steps(store, settings, summary)
    except KeyboardInterrupt:  # every whole result is kept; the next run picks up the rest and resolves it
        summary.interrupted = True
    summary.seconds = time.perf_counter() - started
    return summary


class BatchWriter:
    """Writes outcomes `commit_every` at a time, one transaction each, counting them into a summary:
    articles new and duplicate, rejections by code. The only writer of a run."""

    def __init__(self, store: Store, settings: Settings, summary: IngestSummary) -> None:
        self.store = store
        self.every = settings.commit_every
        self.summary = summary
        self.pending: list[Processed | Rejection] = []

    def record(self, item: Processed | Rejection) -> None:
        self.pending.append(item)
        rejection = item if isinstance(item, Rejection) else item.rejection
        if rejection is not None:
            self.summary.rejections[rejection.code] += 1
        if len(self.pending) >= self.every:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            counts: BatchCounts = self.store.write_batch(self.pending)
            self.summary.articles += counts.articles
            self.summary.duplicates += counts.duplicates
            self.pending.clear()


def ingest_documents(
    documents: Iterable[RawDocument | Rejection],
    store: Store,
    settings: Settings,
    summary: IngestSummary,
    progress: Progress | None = None,
) -> None:
    """Extract, enrich and write documents in batches (in worker processes when settings ask), counting
    into `summary`. Inputs an earlier run finished are skipped; on Ctrl-C what is done is written first."""
    advance = progress or (lambda n: None)
    writer = BatchWriter(store, settings, summary)
    record = writer.record

    def todo() -> Iterator[RawDocument]:
        for item in documents:
            if isinstance(item, Rejection):
                record(item)
                advance(1)
            elif store.is_done(item):
                summary.already_done += 1
                advance(1)
            else:
                yield item

    try:
        if settings.worker_count <= 1:
            for chunk in document_chunks(todo(), settings.chunk_size):
                for outcome in process_documents(chunk, settings):
                    record(outcome)
                advance(len(chunk))
        else:
            _run_pool(document_chunks(todo(), settings.chunk_size), settings, record, advance)
    finally:
        writer.flush()


def run_corpus_steps(
    store: Store,
    settings: Settings,
    summary: IngestSummary,
    find_candidates: CandidateFinder | None = None,
    resolver: Resolver | None = None,
) -> None:
    """The set-level steps over what the new articles touched: entities, quote provenance, copies, stories.
    `find_candidates` finds copy candidates, and `resolver` resolves names into entities, elsewhere (on a
    cluster) instead of in this process."""
    with store.dialect.corpus_lock(store.conn):  # one ingest at a time runs these on a shared store
        summary.resolution = resolve_entities(store, resolver=resolver, workers=settings.worker_count)
        summary.quotes = cluster_quote_provenance(store)
        summary.copies = match_copies(
            store, settings.copy_rules, workers=settings.worker_count, find_candidates=find_candidates
        )
        summary.stories = cluster_stories(store, settings.story_settings)
    store.dialect.analyze(store.conn)  # query-planner statistics


def _run_pool(
    chunks: Iterator[list[RawDocument]],
    settings: Settings,
    record: Callable[[Processed | Rejection], None],
    advance: Progress,
) -> None:
    window = settings.worker_count * 3
    with ProcessPoolExecutor(settings.worker_count, initializer=_init_worker, initargs=(settings,)) as pool:
        in_flight: deque[tuple[int, Future[list[Processed]]]] = deque()
        try:
            for chunk in chunks:
                in_flight.append((len(chunk), pool.submit(process_documents, chunk, settings)))
                while len(in_flight) >= window:
                    size, future = in_flight.popleft()
                    for outcome in future.result():
                        record(outcome)
                    advance(size)
            while in_flight:
                size, future = in_flight.popleft()
                for outcome in future.result():
                    record(outcome)
                advance(size)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
