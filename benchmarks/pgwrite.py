"""The single writer's ceiling: the same processed articles written into SQLite and into PostgreSQL.

Every runner funnels results through one writer (`BatchWriter`, `commit_every` outcomes a
transaction), then runs the set-level steps in that process. How fast that writer goes bounds how
many worker cores one store can be fed by, so it is measured apart from the language model: the
pages are extracted and enriched once, in this process, before any clock starts; then the same
outcomes are written into a fresh SQLite file and a fresh PostgreSQL database, and the set-level
steps (`run_corpus_steps`) run over each.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from newsgraph.records import Processed, RawDocument, Rejection


def _outcomes(pages: Path, limit: int) -> list[Processed | Rejection]:
    from newsgraph.ingest.files import list_inputs, read_document
    from newsgraph.run.local import document_chunks, process_documents
    from newsgraph.settings import Settings

    settings = Settings(processes=1)
    raws: list[RawDocument] = []
    outcomes: list[Processed | Rejection] = []
    for path in list_inputs([pages]):
        for item in read_document(path, settings.max_bytes):
            if isinstance(item, Rejection):
                outcomes.append(item)
            elif len(raws) < limit:
                raws.append(item)
    for chunk in document_chunks(raws, settings.chunk_size):
        outcomes += process_documents(chunk, settings)
    return outcomes


def _write(outcomes: list[Processed | Rejection], target: str) -> dict[str, Any]:
    from newsgraph.run.local import BatchWriter, IngestSummary, run_corpus_steps
    from newsgraph.settings import Settings
    from newsgraph.store.connect import open_store

    settings = Settings(processes=1)
    summary = IngestSummary()
    with open_store(target) as store:
        writer = BatchWriter(store, settings, summary)
        started = time.perf_counter()
        for item in outcomes:
            writer.record(item)
        writer.flush()
        written = time.perf_counter() - started
        started = time.perf_counter()
        run_corpus_steps(store, settings, summary)
        steps = time.perf_counter() - started
        stored = int(store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    return {
        "articles": summary.articles,
        "stored": stored,
        "write_seconds": written,
        "articles_per_second": summary.articles / written if written else 0.0,
        "corpus_step_seconds": steps,
        "steps": {k: v.get("seconds") for k, v in summary.as_dict().items() if isinstance(v, dict) and "seconds" in v},
    }


def write_rate(pages: Path, sqlite_path: Path, pg_url: str, limit: int) -> dict[str, Any]:
    """Process up to `limit` pages once, then write them into both stores: seconds and rates of each."""
    started = time.perf_counter()
    outcomes = _outcomes(pages, limit)
    prepared = time.perf_counter() - started
    return {
        "documents": len(outcomes),
        "processing_seconds": prepared,
        "sqlite": _write(outcomes, str(sqlite_path)),
        "postgres": _write(outcomes, pg_url),
    }
