"""Copy candidates past one machine: 1,000,000 synthetic documents on a 2-worker Dask cluster,
beside the local single-process `candidate_pairs` on the first 100,000 of them.

Documents (`NEWSGRAPH_BENCH_DEDUP_DOCS`, default 1,000,000) are made from their number alone, where
they are used: a worker makes its partition's documents one at a time, fingerprints them
(`fingerprint`, `sample_bytes`) and keeps only the samples; the client never holds a text or a
sample. A document is 150–1,000 words in paragraphs of sentences. Its words come from a
40,000-word made-up vocabulary with a Zipf-like rank distribution (real function words first),
with the names of its story's people, numbers, and stock phrases (3,000 fixed runs of 3–6 words)
mixed in, and it carries its site's header and footer (one of 40 sites: furniture shared by each
site's 25,000 documents). 3% of the documents are planted copies of an original up to 5,000
documents earlier, under the copy's own site furniture: three in four are near-duplicates (the
original's paragraphs with one to three small edits: a few names or words changed, a paragraph
dropped, a new lead, the end cut), one in four an excerpt (a run of paragraphs from a random place,
at most 25–50% of the original's words, inside a new story of 150–1,000 words). Candidates that
pair two copies of one original are "siblings", also right; any other candidate is a chance match.

Ours: `shuffled_candidate_pairs` (newsgraph.run.dask_copies) on a LocalCluster of 2 worker
processes with 1 thread each, every document new (a full run), in partitions of 10,000 documents
and at most 64 buckets: the time of each stage (make + fingerprint + the map side of the shuffle;
the shuffle on sample hash with each bucket's pairs; the shuffle on pair with the count and the
containment rule), planted-pair recall, candidates, and each worker's peak RSS (psutil through
`client.run`, every 0.5 s). The same cluster first runs the first 100,000 documents alone.

Anchor: a fresh interpreter, run first with the cores to itself, makes and fingerprints the first
100,000 documents in one process and runs the local `candidate_pairs` over their samples: its stage
times, its candidates (which must be the cluster's on the same documents) and its peak RSS. It too
makes one text at a time and keeps only the samples. Docs/s compare the cluster with one process on
the same 100,000, and the full run's rate with both.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import math
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import REPO_ROOT, env_int, marked_outcome, result, row

NAME = "dedup"
TITLE = "Dedup — copy candidates for 1,000,000 documents on 2 Dask workers vs one process"
SEED = 20_240_917
DEFAULT_DOCS = 1_000_000
ANCHOR_DOCS = 100_000
PARTITION_DOCS = 10_000
MAX_BUCKETS = 64
WORKERS = 2
TARGET_S = 1_800.0
VOCAB, NAMES, PHRASES, SITES = 40_000, 8_000, 3_000, 40
COPY_SHARE, COPY_WINDOW, EXCERPT_SHARE = 0.03, 5_000, 0.25
FIRST_COPY = 100
SAMPLE_EVERY = 0.5
ANCHOR_TIMEOUT = 1_800
MARK = "NEWSGRAPH-BENCH-RESULT "
_FUNCTION_WORDS = (
    "the of to and a in that for on is said was with he it as at by from his have has be are an not "
    "but were who they had will this which their been would after more also its her about one new year "
    "she than over two first people last up out government minister police percent into when there "
    "could other against all can told some we three since before million state president if our what "
    "week monday tuesday wednesday thursday friday saturday sunday city country officials according"
).split()


# ---- documents ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _language() -> dict[str, Any]:
    """The vocabulary, names, stock phrases, site furniture and rank weights, the same in every process."""
    g = np.random.default_rng([SEED, 0])
    onsets = [*"bcdfghjklmnprstvwz", "br", "ch", "cl", "dr", "gr", "pl", "sh", "st", "th", "tr"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
    codas = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng"]

    def made(count: int, low: int, high: int) -> list[str]:
        found: dict[str, None] = {}
        while len(found) < count:
            n = int(g.integers(low, high + 1))
            word = "".join(onsets[g.integers(len(onsets))] + vowels[g.integers(len(vowels))] for _ in range(n))
            found[word + codas[g.integers(len(codas))]] = None
        return list(found)

    words = list(dict.fromkeys(_FUNCTION_WORDS + made(VOCAB, 1, 3)))[:VOCAB]
    names = [name.capitalize() for name in made(NAMES, 2, 3)]
    ranks = np.arange(1, len(words) + 1, dtype=np.float64)
    cdf = np.cumsum(1.0 / (ranks + 2.7) ** 1.05)
    cdf /= cdf[-1]

    def draw(count: int) -> list[str]:
        return [words[k] for k in np.searchsorted(cdf, g.random(count)).tolist()]

    phrases = [" ".join(draw(int(g.integers(3, 7)))) for _ in range(PHRASES)]
    furniture = [
        (" ".join(draw(int(g.integers(12, 25)))).capitalize() + ".", " ".join(draw(int(g.integers(20, 40)))) + ".")
        for _ in range(SITES)
    ]
    return {"words": words, "names": names, "cdf": cdf, "phrases": phrases, "furniture": furniture}


def _paragraphs(i: int) -> list[str]:
    """Document i's own paragraphs (an original's text, or what a copy is made from)."""
    lang = _language()
    words, names, phrases, cdf = lang["words"], lang["names"], lang["phrases"], lang["cdf"]
    g = np.random.default_rng([SEED, 1, i])
    target = int(g.integers(150, 1_000))
    cast = [names[k] for k in g.integers(0, len(names), size=6).tolist()]  # the people of this story
    paragraphs, total = [], 0
    while total < target:
        sentences = []
        for _ in range(int(g.integers(1, 5))):
            length = int(g.integers(8, 31))
            tokens = [words[k] for k in np.searchsorted(cdf, g.random(length)).tolist()]
            roll = g.random(3)
            if roll[0] < 0.5:
                tokens[int(g.integers(length))] = cast[int(g.integers(len(cast)))]
            if roll[1] < 0.15:
                tokens[int(g.integers(length))] = str(int(g.integers(2, 2_000)))
            if roll[2] < 0.35:
                tokens.insert(int(g.integers(length)), phrases[int(g.integers(len(phrases)))])
            sentences.append(" ".join(tokens).capitalize() + ".")
            total += length
        paragraphs.append(" ".join(sentences))
    return paragraphs


def sources_of(indexes: np.ndarray) -> np.ndarray:
    """For each document number, the original it copies, or -1 for an original: copies are a fixed
    hash-drawn 3% (none of the first FIRST_COPY), each of the nearest original at or before a
    hash-drawn distance back (up to COPY_WINDOW)."""

    def mixed(x: np.ndarray, salt: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            h = (x.astype(np.uint64) + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
            h ^= h >> np.uint64(31)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(29)
        return h

    def copies(x: np.ndarray) -> np.ndarray:
        return (x >= FIRST_COPY) & (mixed(x, SEED) % np.uint64(1_000_000) < np.uint64(COPY_SHARE * 1_000_000))

    indexes = np.asarray(indexes, dtype=np.int64)
    sources = np.full(len(indexes), -1, dtype=np.int64)
    is_copy = copies(indexes)
    window = np.minimum(COPY_WINDOW, indexes[is_copy]).astype(np.uint64)
    back = 1 + (mixed(indexes[is_copy], 0x5DEECE66D) % window).astype(np.int64)
    found = indexes[is_copy] - back
    while (stepping := copies(found)).any():  # a copy's source is an original
        found[stepping] -= 1
    sources[is_copy] = found
    return sources


def document(i: int, source: int) -> str:
    """Document i's text inside its site's furniture: its own paragraphs; or, for a copy, its source's
    with small edits (three in four) or a run of them inside a new story (one in four)."""
    lang = _language()
    header, footer = lang["furniture"][i % SITES]
    if source < 0:
        return "\n".join([header, *_paragraphs(i), footer])
    g = np.random.default_rng([SEED, 2, i])
    paragraphs = _paragraphs(source)
    if g.random() < EXCERPT_SHARE:  # a run of paragraphs, 25–50% of the source, inside a story of its own
        words = np.cumsum([p.count(" ") + 1 for p in paragraphs])
        start = int(g.integers(len(paragraphs)))
        end = int(np.searchsorted(words, words[start] + words[-1] * float(g.uniform(0.25, 0.5)))) + 1
        own = _paragraphs(10**9 + i)
        cut = int(g.integers(len(own) + 1))
        return "\n".join([header, *own[:cut], *paragraphs[start:end], *own[cut:], footer])
    for edit in g.permutation(4)[: int(g.integers(1, 4))].tolist():
        if edit == 0:  # a few names and words changed
            for _ in range(int(g.integers(2, 8))):
                p = int(g.integers(len(paragraphs)))
                tokens = paragraphs[p].split(" ")
                tokens[int(g.integers(len(tokens)))] = lang["names"][int(g.integers(len(lang["names"])))]
                paragraphs[p] = " ".join(tokens)
        elif edit == 1 and len(paragraphs) >= 4:  # a paragraph dropped
            paragraphs.pop(int(g.integers(1, len(paragraphs))))
        elif edit == 2:  # a new lead
            paragraphs.insert(0, _paragraphs(10**9 + i)[0])
        elif edit == 3 and len(paragraphs) >= 3:  # the end cut
            paragraphs = paragraphs[: max(2, math.ceil(len(paragraphs) * float(g.uniform(0.6, 0.9))))]
    return "\n".join([header, *paragraphs, footer])


def partition_records(first: int, last: int) -> list[tuple[int, bytes, bool]]:
    """The sample records of documents [first, last), made and fingerprinted here (on a worker)."""
    from newsgraph.corpus.copies import fingerprint, sample_bytes

    sources = sources_of(np.arange(first, last)).tolist()
    return [
        (i, sample_bytes(fingerprint(document(i, s))), True) for i, s in zip(range(first, last), sources, strict=True)
    ]


# ---- runs --------------------------------------------------------------------------------------------


def _digest(pairs: list[tuple[int, int, int]]) -> str:
    return hashlib.sha1(json.dumps(pairs).encode()).hexdigest()


def score(pairs: list[tuple[int, int, int]], count: int) -> dict[str, Any]:
    """Planted-pair recall, and the candidates that are planted, siblings or chance."""
    sources = sources_of(np.arange(count))
    copies = np.flatnonzero(sources >= 0)
    planted = {(int(sources[c]), int(c)) for c in copies}
    root = np.where(sources >= 0, sources, np.arange(count))
    found = {(i, j) for i, j, _ in pairs}
    hits = len(planted & found)
    siblings = sum(1 for i, j in found - planted if root[i] == root[j])
    return {
        "planted": len(planted),
        "found": hits,
        "recall": hits / len(planted) if planted else 1.0,
        "siblings": siblings,
        "chance": len(found) - hits - siblings,
    }


def _rss() -> tuple[int, float]:
    """This process's RSS and CPU seconds (run on each worker)."""
    import psutil

    me = psutil.Process()
    with me.oneshot():
        times = me.cpu_times()
        return int(me.memory_info().rss), float(times.user + times.system)


class WorkerMemory:
    """Peak RSS of each worker and of this process (the client), sampled in a thread."""

    def __init__(self, client: Any, every: float = SAMPLE_EVERY) -> None:
        self.client, self.every = client, every
        self.peak: dict[str, int] = {}
        self.cpu: dict[str, float] = {}
        self.client_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        for address, (rss, cpu) in self.client.run(_rss).items():
            self.peak[address] = max(self.peak.get(address, 0), rss)
            self.cpu[address] = cpu
        self.client_peak = max(self.client_peak, _rss()[0])

    def _loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a worker busy restarting: the next sample catches up
                self.sample()
            self._stop.wait(self.every)


def cluster_run(client: Any, count: int) -> dict[str, Any]:
    """Candidates for documents [0, count) on the cluster: stage times, candidates, peak RSS."""
    from dask import delayed

    from newsgraph.corpus.copies import CopyRules
    from newsgraph.run.dask_copies import shuffled_candidate_pairs

    size = min(PARTITION_DOCS, math.ceil(count / (WORKERS * 4)))
    bounds = [*range(0, count, size), count]
    parts = [delayed(partition_records)(a, b) for a, b in itertools.pairwise(bounds)]
    buckets = min(MAX_BUCKETS, len(parts))
    timings: dict[str, float] = {}
    client.run(lambda: __import__("gc").collect())
    with WorkerMemory(client) as memory:
        memory.sample()
        before_cpu = dict(memory.cpu)
        started = time.perf_counter()
        pairs = shuffled_candidate_pairs(parts, CopyRules().min_containment, client, buckets, timings)
        seconds = time.perf_counter() - started
        memory.sample()
    return {
        "documents": count,
        "partitions": len(parts),
        "buckets": buckets,
        "seconds": seconds,
        "stages": timings,
        "candidates": len(pairs),
        "digest": _digest(pairs),
        "score": score(pairs, count),
        "worker_peak_rss": sorted(memory.peak.values()),
        "worker_cpu_seconds": sorted(memory.cpu[a] - before_cpu.get(a, 0.0) for a in memory.cpu),
        "client_peak_rss": memory.client_peak,
    }


def _anchor(count: int) -> dict[str, Any]:
    """In a fresh interpreter: make, fingerprint and pair documents [0, count) in this one process."""
    import psutil

    from newsgraph.corpus.copies import CopyRules, candidate_pairs, fingerprint, sample_bytes

    sources = sources_of(np.arange(count)).tolist()
    samples, making = [], 0.0
    started = time.perf_counter()
    for i, source in enumerate(sources):
        begun = time.perf_counter()
        text = document(i, source)
        making += time.perf_counter() - begun
        samples.append(sample_bytes(fingerprint(text)))
    printed = time.perf_counter()
    pairs = candidate_pairs(samples, np.ones(count, dtype=bool), CopyRules().min_containment)
    paired = time.perf_counter()
    return {
        "documents": count,
        "make_seconds": making,
        "fingerprint_seconds": printed - started - making,
        "candidate_seconds": paired - printed,
        "seconds": paired - started,
        "candidates": len(pairs),
        "digest": _digest(pairs),
        "score": score(pairs, count),
        "peak_rss": int(psutil.Process().memory_info().rss),
    }


def anchor(count: int) -> dict[str, Any]:
    """`_anchor` in a fresh interpreter, with the peak RSS of that process (sampled)."""
    from benchmarks.throughput import PeakRss

    command = [sys.executable, "-m", "benchmarks.dedup", "anchor", str(count)]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid) as peak:
        try:
            out, err = proc.communicate(timeout=ANCHOR_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise RuntimeError(f"the dedup anchor ran over {ANCHOR_TIMEOUT} s") from None
    outcome = marked_outcome(out, err, proc.returncode, MARK, "the dedup anchor")
    outcome["peak_rss"] = max(outcome["peak_rss"], peak.peak)
    return outcome


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    count = env_int("NEWSGRAPH_BENCH_DEDUP_DOCS", DEFAULT_DOCS)
    subset = min(count, ANCHOR_DOCS)
    local = anchor(subset)  # first, alone: nothing else on the cores
    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        startup = time.perf_counter() - started
        small = cluster_run(client, subset)
        full = cluster_run(client, count) if count > subset else small
    return _result(count, local, small, full, startup)


def _result(
    count: int, local: dict[str, Any], small: dict[str, Any], full: dict[str, Any], startup: float
) -> dict[str, Any]:
    def stages(run: dict[str, Any]) -> list[float]:
        return [run["stages"].get(k, 0.0) for k in ("entries", "buckets", "pairs")]

    def rate(run: dict[str, Any], seconds: float) -> float:
        return run["documents"] / seconds if seconds else 0.0

    def mb(values: list[int]) -> str:
        return " / ".join(f"{v / 1e6:,.0f}" for v in values)

    same = small["digest"] == local["digest"]
    projected = full["seconds"] * DEFAULT_DOCS / count
    full_candidates = sum(stages(full)[1:])
    small_candidates = sum(stages(small)[1:])
    rows = [
        row("documents", [full["documents"], small["documents"], local["documents"]], fmt=",d"),
        row(
            "seconds: make + fingerprint + candidates",
            [full["seconds"], small["seconds"], local["seconds"]],
            f"< {TARGET_S:,.0f} s for {DEFAULT_DOCS:,}",
            projected < TARGET_S if count == DEFAULT_DOCS else None,
            fmt=",.1f",
        ),
        row(
            "docs/s, end to end",
            [rate(full, full["seconds"]), rate(small, small["seconds"]), rate(local, local["seconds"])],
            fmt=",.0f",
        ),
        row(
            "seconds: make + fingerprint (+ map side of the shuffle)",
            [stages(full)[0], stages(small)[0], local["make_seconds"] + local["fingerprint_seconds"]],
            fmt=",.1f",
        ),
        row("seconds: shuffle on sample hash, pairs per bucket", [stages(full)[1], stages(small)[1], None], fmt=",.1f"),
        row("seconds: shuffle on pair, count, containment rule", [stages(full)[2], stages(small)[2], None], fmt=",.1f"),
        row(
            "seconds: candidate step (both shuffles / candidate_pairs)",
            [full_candidates, small_candidates, local["candidate_seconds"]],
            fmt=",.1f",
        ),
        row(
            "docs/s, candidate step",
            [rate(full, full_candidates), rate(small, small_candidates), rate(local, local["candidate_seconds"])],
            fmt=",.0f",
        ),
        row("candidate pairs", [full["candidates"], small["candidates"], local["candidates"]], fmt=",d"),
        row(
            "same candidates as candidate_pairs on the same documents",
            ["—", "yes" if same else "no", "—"],
            "identical",
            same,
        ),
        row(
            "planted copies", [full["score"]["planted"], small["score"]["planted"], local["score"]["planted"]], fmt=",d"
        ),
        row("planted-pair recall", [full["score"]["recall"], small["score"]["recall"], local["score"]["recall"]]),
        row(
            "candidates: siblings (copies of one original)",
            [full["score"]["siblings"], small["score"]["siblings"], local["score"]["siblings"]],
            fmt=",d",
        ),
        row(
            "candidates: chance (neither planted nor siblings)",
            [full["score"]["chance"], small["score"]["chance"], local["score"]["chance"]],
            fmt=",d",
        ),
        row(
            "peak RSS per worker (MB)",
            [mb(full["worker_peak_rss"]), mb(small["worker_peak_rss"]), mb([local["peak_rss"]])],
        ),
        row(
            "peak RSS of the client (MB)",
            [full["client_peak_rss"] / 1e6, small["client_peak_rss"] / 1e6, None],
            fmt=",.0f",
        ),
    ]
    busy = sum(full["worker_cpu_seconds"]) / (WORKERS * full["seconds"]) if full["seconds"] else 0.0
    notes = [
        f"Columns: the cluster on all {count:,} documents; the same cluster on the first {small['documents']:,}; "
        f"one process (fresh interpreter, the anchor) on the same {local['documents']:,}. Cluster: LocalCluster of "
        f"{WORKERS} worker processes × 1 thread on 127.0.0.1, started in {startup:.1f} s (not counted).",
        f"Full run: {full['partitions']} partitions of up to {PARTITION_DOCS:,} documents, {full['buckets']} buckets "
        f"in each shuffle; the workers were busy {busy:.0%} of the wall time (CPU seconds "
        + " / ".join(f"{c:,.0f}" for c in full["worker_cpu_seconds"])
        + f" of {full['seconds']:,.0f} s each).",
        f"Anchor stages: make {local['make_seconds']:.1f} s, fingerprint {local['fingerprint_seconds']:.1f} s, "
        f"candidate_pairs {local['candidate_seconds']:.1f} s (one text at a time, every sample kept for "
        "candidate_pairs).",
        f"Planted: {COPY_SHARE:.0%} of documents copy an original up to {COPY_WINDOW:,} documents earlier "
        f"({1 - EXCERPT_SHARE:.0%} near-duplicates, {EXCERPT_SHARE:.0%} excerpts inside a new story). Candidates "
        "are counted before verification: `overlap` + `classify` on the texts are not run here.",
    ]
    if count != DEFAULT_DOCS:
        notes.append(
            f"{count:,} documents, not {DEFAULT_DOCS:,}: at this rate {DEFAULT_DOCS:,} would take about "
            f"{projected:,.0f} s (linear)."
        )
    raw = {"full": full, "subset": small, "anchor": local, "startup_seconds": startup}
    return result(
        NAME,
        TITLE,
        [f"2 workers, {count:,}", f"2 workers, {small['documents']:,}", f"1 process, {local['documents']:,}"],
        rows,
        notes,
        raw,
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["anchor"]:
        print(MARK + json.dumps(_anchor(int(sys.argv[2]))), flush=True)
