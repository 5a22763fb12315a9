"""The Dask runner: the local runner's stage functions mapped over partitions on a Dask cluster.

A partition is one multi-document file (JSON Lines, WARC/ARC: a big file stays one partition) or a
run of consecutive single-document files (pages, texts). Each partition is one task: a worker reads
its files, passes over the inputs an earlier run finished (the client sends their (location, hash)
pairs, so workers never touch the database), and extracts and enriches the rest with
`process_documents`, a chunk at a time, loading the spaCy pipeline once per worker process. The
client is the only writer: it writes each finished partition through the store in batches, in
whatever order partitions finish (content-hash ids make the store the same). A task that fails is
tried twice more, then reported in the summary; its inputs are not marked done, so a re-run tries
them again. The set-level corpus steps then run on the client, as in the local runner, but for the
search for copy candidates, which runs on the cluster (`run/dask_copies.py`: a shuffle on sampled
hashes, the same pairs as the local step), and entity resolution, whose names are resolved on the
cluster in groups that cannot affect each other (`run/dask_entities.py`: the same entities as the
local step). Quote provenance and stories are not yet distributed.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask
from distributed import Client, LocalCluster, WorkerPlugin, as_completed

from newsgraph.errors import UserError
from newsgraph.ingest.files import list_inputs, read_document
from newsgraph.ingest.warc import is_archive
from newsgraph.records import Processed, RawDocument, Rejection
from newsgraph.run.dask_copies import cluster_candidates
from newsgraph.run.dask_entities import cluster_resolver
from newsgraph.run.local import (
    BatchWriter,
    IngestSummary,
    Progress,
    count_documents,
    document_chunks,
    process_documents,
    run_corpus_steps,
)
from newsgraph.settings import Settings
from newsgraph.store.base import Store

RETRIES = 2  # further tries of a partition whose task failed, before it is reported
Done = frozenset[tuple[str, str]]


@dataclass
class DaskIngestSummary(IngestSummary):
    """The local runner's summary, plus the partitions whose tasks failed every try."""

    partitions: int = 0
    failed_partitions: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return super().as_dict() | {"partitions": self.partitions, "failed_partitions": self.failed_partitions}


@dataclass(frozen=True)
class PartitionResult:
    """What one partition's task sends back: an outcome per input not done before, and counts."""

    outcomes: list[Processed | Rejection]
    documents: int  # inputs read, including those done before
    already_done: int
    skips: dict[str, int]  # WARC/ARC records that are not HTML pages, by reason


PartitionTask = Callable[[list[str], Settings, Done], PartitionResult]


def process_partition(paths: list[str], settings: Settings, done: Done) -> PartitionResult:
    """Run on a worker: read the files, skip inputs in `done`, extract and enrich the rest.

    A file this worker cannot see (no shared filesystem, another working directory) fails the task
    rather than becoming `unreadable` rejections, so a re-run from the right place picks it up.
    """
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"not found on the worker: {missing[0]} (do the workers share these files?)")
    outcomes: list[Processed | Rejection] = []
    skips: Counter[str] = Counter()
    documents = already_done = 0

    def todo() -> Iterator[RawDocument]:
        nonlocal documents, already_done
        for path in paths:
            for item in read_document(Path(path), settings.max_bytes, skips):
                documents += 1
                if isinstance(item, Rejection):
                    outcomes.append(item)
                elif (str(item.location), item.raw_hash) in done:
                    already_done += 1
                else:
                    yield item

    for chunk in document_chunks(todo(), settings.chunk_size):
        outcomes.extend(process_documents(chunk, settings))
    return PartitionResult(outcomes, documents, already_done, dict(skips))


def holds_many(path: Path) -> bool:
    """Whether a file holds many documents (JSON Lines, WARC/ARC): such a file is a partition of its own."""
    return is_archive(path) or path.name.lower().removesuffix(".gz").endswith(".jsonl")


def plan_partitions(files: Sequence[Path], size: int) -> list[list[Path]]:
    """Each JSON Lines or WARC/ARC file alone; other files in runs of `size`, in input order."""
    partitions: list[list[Path]] = []
    run: list[Path] = []
    for path in files:
        if holds_many(path):
            partitions.append([path])
            continue
        run.append(path)
        if len(run) >= size:
            partitions.append(run)
            run = []
    if run:
        partitions.append(run)
    return partitions


def partition_size(single_files: int, workers: int, chunk_size: int) -> int:
    """Files per partition: about four partitions per worker, from one chunk to eight chunks each."""
    wanted = math.ceil(single_files / max(1, workers * 4)) if single_files else chunk_size
    return max(chunk_size, min(chunk_size * 8, wanted))


def done_inputs(store: Store, files: Sequence[Path]) -> Done:
    """The (location, raw_hash) pairs the store has finished for these files (`path` or `path:N`)."""
    pairs: set[tuple[str, str]] = set()
    for path in files:
        name = str(path)
        rows = store.conn.execute(
            # ':' < ';', so the range holds exactly the locations `name:…`
            "SELECT location, raw_hash FROM inputs WHERE location = ? OR (location >= ? AND location < ?)",
            (name, name + ":", name + ";"),
        )
        pairs.update((str(location), str(raw_hash)) for location, raw_hash in rows)
    return frozenset(pairs)


class IgnoreInterrupts(WorkerPlugin):
    """On a local cluster's workers: leave Ctrl-C to the client, which cancels the work and closes the
    cluster (the terminal sends it to every process of the group, workers too)."""

    def setup(self, worker: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _connect(workers: int | None, scheduler: str | None, settings: Settings) -> tuple[Any, Any]:
    """A client of the given scheduler, or of a new LocalCluster bound to 127.0.0.1 (closed afterwards)."""
    if scheduler:
        try:
            client = Client(scheduler, timeout=15, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            client.close()
            raise UserError(f"the Dask scheduler at {scheduler} has no workers") from None
        return client, None
    if workers is not None and workers < 1:
        raise UserError("--workers must be at least 1")
    # the workers' statistical profiler samples every thread's stack every 10 ms: about 5% of a
    # worker's CPU here, for a dashboard page a batch run does not need
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(
            n_workers=workers or settings.worker_count,
            threads_per_worker=1,  # spaCy and trafilatura hold the GIL: parallelism comes from processes
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.CRITICAL,  # a failed task is reported in the summary, not as log noise
        )
    client = Client(cluster, set_as_default=False)
    client.register_plugin(IgnoreInterrupts(), name="newsgraph-ignore-interrupts")
    return client, cluster


def _dashboard_link(client: Any) -> str | None:
    """The scheduler's dashboard address, or None when it runs without one."""
    try:
        return str(client.dashboard_link) if client.dashboard_link else None
    except (KeyError, AttributeError):
        return None


def ingest_paths_dask(
    paths: Sequence[str | Path],
    store: Store,
    settings: Settings,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
    on_dashboard: Callable[[str], None] | None = None,
    task: PartitionTask = process_partition,
) -> DaskIngestSummary:
    """Ingest every article under `paths` into `store` on a Dask cluster; resumes like `ingest_paths`.

    `task` is the function each partition runs (a seam for tests; it must be picklable). Without a
    `scheduler`, workers are new processes (spawned, not forked): a script that calls this must do so
    under `if __name__ == "__main__":`.
    """
    started = time.perf_counter()
    summary = DaskIngestSummary()
    files = list(list_inputs(paths, settings.follow_symlinks))
    summary.files = len(files)
    advance = progress or (lambda n: None)
    client, cluster = _connect(workers, scheduler, settings)
    try:
        link = _dashboard_link(client)
        if on_dashboard is not None and link:
            on_dashboard(link)
        nthreads = sum(client.nthreads().values()) or 1
        single = sum(1 for path in files if not holds_many(path))
        partitions = plan_partitions(files, partition_size(single, nthreads, settings.chunk_size))
        summary.partitions = len(partitions)
        expected = [count_documents(part) if on_total is not None else None for part in partitions]
        if on_total is not None and None not in expected:
            on_total(sum(n or 0 for n in expected))
        futures = {
            client.submit(
                task,
                [str(p) for p in part],
                settings,
                done_inputs(store, part),
                key=f"newsgraph-partition-{i}-{time.time_ns()}",
                retries=RETRIES,
                pure=False,
            ): i
            for i, part in enumerate(partitions)
        }
        _collect(futures, partitions, expected, store, settings, summary, advance, client)
        if not summary.interrupted:  # copy candidates (a shuffle on sample hashes) and entities on the cluster
            run_corpus_steps(
                store, settings, summary, find_candidates=cluster_candidates(client), resolver=cluster_resolver(client)
            )
    except KeyboardInterrupt:  # written results are kept; the next run picks up the rest
        summary.interrupted = True
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _collect(
    futures: dict[Any, int],
    partitions: list[list[Path]],
    expected: list[int | None],
    store: Store,
    settings: Settings,
    summary: DaskIngestSummary,
    advance: Progress,
    client: Any,
) -> None:
    """Write partitions as they finish, counting into `summary` as `ingest_documents` does."""
    writer = BatchWriter(store, settings, summary)
    try:
        for future in as_completed(list(futures), loop=client.loop):
            index = futures.pop(future)
            try:
                result: PartitionResult = future.result()
            except Exception as exc:
                summary.failed_partitions.append(
                    {"files": [str(p) for p in partitions[index]], "error": f"{type(exc).__name__}: {exc}"}
                )
                advance(expected[index] or 0)
                continue
            finally:
                future.release()
            summary.documents += result.documents
            summary.already_done += result.already_done
            summary.skips.update(result.skips)
            for item in result.outcomes:
                writer.record(item)
            advance(result.documents)
    except KeyboardInterrupt:
        summary.interrupted = True
        client.cancel(list(futures), force=True)
    finally:
        writer.flush()
