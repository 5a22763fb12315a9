"""Copy candidates on a Dask cluster: `candidate_pairs`' sampled-index step as two shuffles.

The local step sorts every (sampled hash, article) entry together in one process. Here each input
partition turns its records into entries and splits them by hash into `buckets` pieces (the map
side); each bucket task gathers its piece of every partition, sorts it, and makes the pairs of the
articles that share a hash, split again by pair into `buckets` pieces; each pair task gathers its
piece of every bucket and counts the hashes a pair shares. A pair is kept by the local rule
(`shared_sample_pairs`): MIN_SHARED_SAMPLES shared hashes that are a fair share of the smaller
sample, at least one of the two articles new, a hash held by more than COMMON_HASH articles
counting for nothing.

The shuffles are plain task graphs (`dask.delayed`): one task a piece moves numpy arrays between
workers, as a `bag.groupby` would move a Python tuple an entry; with `buckets` = B and P
partitions that is P·B + B·B small tasks. With a client each stage is persisted and waited for
before the next is built, so the stages can be timed and each one's inputs freed as it ends.

Memory follows the pieces, not the corpus: a bucket task holds about 1/`buckets` of the entries,
a pair task about 1/`buckets` of the pairs. Entries carry what the rule needs (the article's
sample size and whether it is new), so no task needs a table of all articles. A hash a partition
holds more than COMMON_HASH times is common wherever else it occurs: the partition sends one marker
in place of its entries, so site furniture shared by half the corpus costs one entry a partition
and never piles into one bucket.

Articles are the caller's integer indexes (below 2**31, so a pair packs into one int64), each once.
An entry is 17 bytes (hash, article, sample size, new), so the shuffle moves about 17 bytes a sampled
hash: one in eight 5-grams, some 1.5 kB for a 700-word article.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
from dask import compute, delayed
from dask.bag import Bag
from distributed import Client, wait

from newsgraph.corpus.copies import COMMON_HASH, ESTIMATE_SLACK, MIN_SHARED_SAMPLES
from newsgraph.store.copies import CandidateFinder, SampleChunks

SampleRecord = tuple[int, bytes, bool]  # (article index, stored sample as `sample_bytes`, new?)
PAIR_BITS = 31  # a pair (i, j) is the int64 i << PAIR_BITS | j
COMMON = -1  # the owner of a marker entry: this hash is in more than COMMON_HASH articles
_MIX = np.uint64(0x9E3779B97F4A7C15)


class Entries(NamedTuple):
    """Sampled hashes with, for each, its article, the article's sample size and whether it is new."""

    hashes: np.ndarray  # int64
    owners: np.ndarray  # int32 article index, or COMMON
    counts: np.ndarray  # int32 sampled hashes of the owner
    new: np.ndarray  # bool


class Pairs(NamedTuple):
    """Article pairs as packed int64 codes, each with a number: the smaller sample size, or the
    shared hashes once counted."""

    codes: np.ndarray  # int64
    values: np.ndarray  # int32


def _take(entries: Entries, keep: np.ndarray) -> Entries:
    return Entries(*(column[keep] for column in entries))


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths of the runs of equal values in sorted `keys`."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
    return starts, np.diff(np.r_[starts, len(keys)])


def _spread(keys: np.ndarray, pieces: int) -> np.ndarray:
    """Which of `pieces` a key goes to (multiplicative hashing: sampled hashes share their low bits)."""
    with np.errstate(over="ignore"):
        mixed = keys.view(np.uint64) * _MIX
    return ((mixed >> np.uint64(32)) % np.uint64(pieces)).astype(np.int64)


def _split(columns: tuple[np.ndarray, ...], keys: np.ndarray, pieces: int) -> list[list[np.ndarray]]:
    """`columns` cut into `pieces` by key, keeping each piece's order."""
    where = _spread(keys, pieces)
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[order], np.arange(1, pieces))
    parts = [np.split(column[order], bounds) for column in columns]
    return [[part[p] for part in parts] for p in range(pieces)]


def partition_entries(records: Iterable[SampleRecord], buckets: int) -> list[Entries]:
    """Map side of the first shuffle: one partition's records as entries, one piece per bucket.

    A hash this partition holds more than COMMON_HASH times becomes one COMMON marker."""
    records = list(records)
    samples = [sample for _, sample, _ in records]
    sizes = np.fromiter((len(s) // 8 for s in samples), dtype=np.int64, count=len(records))
    index = np.fromiter((i for i, _, _ in records), dtype=np.int64, count=len(records))
    if len(index) and (index.min() < 0 or index.max() >= 1 << PAIR_BITS):
        raise ValueError(f"article indexes must lie in [0, 2**{PAIR_BITS})")
    new = np.fromiter((bool(n) for _, _, n in records), dtype=bool, count=len(records))
    entries = Entries(
        np.frombuffer(b"".join(samples), dtype="<i8").astype(np.int64),
        np.repeat(index.astype(np.int32), sizes),
        np.repeat(sizes.astype(np.int32), sizes),
        np.repeat(new, sizes),
    )
    entries = _take(entries, np.argsort(entries.hashes, kind="stable"))
    starts, lengths = _runs(entries.hashes)
    common = lengths > COMMON_HASH
    if common.any():
        keep = np.repeat(~common, lengths)
        keep[starts[common]] = True  # the first entry of a common run stays, as its marker
        entries = _take(entries, keep)
        marked = np.flatnonzero(np.repeat(common, np.where(common, 1, lengths)))
        entries.owners[marked] = COMMON
        entries.counts[marked] = 0
        entries.new[marked] = False
    return [Entries(*piece) for piece in _split(entries, entries.hashes, buckets)]


def bucket_pairs(pieces: Sequence[Entries], groups: int) -> list[Pairs]:
    """Reduce side of the first shuffle, map side of the second: the pairs of articles that share
    a hash of this bucket (one code a shared hash), with the smaller sample size, one piece per group."""
    entries = Entries(*(np.concatenate([piece[c] for piece in pieces]) for c in range(len(Entries._fields))))
    entries = _take(entries, np.argsort(entries.hashes, kind="stable"))
    hashes, owners, counts, new = entries
    starts, lengths = _runs(hashes)
    useful = (lengths >= 2) & (lengths <= COMMON_HASH)
    # a run with a COMMON marker is over the limit; one without a new article makes no new pair
    markers = np.r_[0, np.cumsum(owners == COMMON)]
    fresh = np.r_[0, np.cumsum(new)]
    useful &= (markers[starts + lengths] == markers[starts]) & (fresh[starts + lengths] > fresh[starts])
    starts, lengths = starts[useful], lengths[useful]
    codes, smaller = [], []
    for length in np.unique(lengths).tolist():
        at = starts[lengths == length]
        for a in range(length - 1):
            first = at + a
            for b in range(a + 1, length):
                second = at + b
                low = np.minimum(owners[first], owners[second])
                high = np.maximum(owners[first], owners[second])
                keep = (low != high) & (new[first] | new[second])
                codes.append((low[keep].astype(np.int64) << PAIR_BITS) | high[keep])
                smaller.append(np.minimum(counts[first], counts[second])[keep])
    if not codes:
        return [Pairs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))] * groups
    pairs = Pairs(np.concatenate(codes), np.concatenate(smaller))
    return [Pairs(*piece) for piece in _split(pairs, pairs.codes, groups)]


def count_pairs(pieces: Sequence[Pairs], min_containment: float) -> Pairs:
    """Reduce side of the second shuffle: each pair once with its shared hashes, kept by the local rule."""
    codes = np.concatenate([piece.codes for piece in pieces])
    smaller = np.concatenate([piece.values for piece in pieces])
    pairs, first, shared = np.unique(codes, return_index=True, return_counts=True)
    least = np.maximum(1, smaller[first].astype(np.int64))
    keep = (shared >= MIN_SHARED_SAMPLES) & (shared / least >= min_containment * ESTIMATE_SLACK)
    return Pairs(pairs[keep], shared[keep].astype(np.int32))


def _settle(stage: list[Any], client: Client | None, name: str, timings: dict[str, float] | None) -> list[Any]:
    """With a client, run a stage to the end on the cluster (its results stay on the workers) and
    time it; without one, leave it to the one graph computed at the end."""
    if client is None:
        return stage
    started = time.perf_counter()
    done: list[Any] = client.persist(stage)
    wait(done)
    if timings is not None:
        timings[name] = time.perf_counter() - started
    return done


def shuffled_candidate_pairs(
    partitions: Bag | Sequence[Any],
    min_containment: float,
    client: Client | None = None,
    buckets: int | None = None,
    timings: dict[str, float] | None = None,
) -> list[tuple[int, int, int]]:
    """Pairs of articles whose samples suggest a copy, as (i, j, shared sampled 5-grams), i < j, in
    order: the same pairs as `candidate_pairs` over the same records.

    `partitions` is a bag of SampleRecords, or one delayed (or plain) list of them per partition.
    `buckets` (default: one per partition) is how many pieces each shuffle cuts the work into.
    With a `client` each stage runs to the end before the next starts and `timings` gets its
    seconds (`entries`, `buckets`, `pairs`); without one the graph runs on the current scheduler.
    """
    parts = partitions.to_delayed() if isinstance(partitions, Bag) else list(partitions)
    if not parts:
        return []
    buckets = buckets or len(parts)
    mapped = _settle([delayed(partition_entries)(part, buckets) for part in parts], client, "entries", timings)
    grouped = _settle(
        [
            delayed(bucket_pairs)([delayed(operator.getitem)(piece, b) for piece in mapped], buckets)
            for b in range(buckets)
        ],
        client,
        "buckets",
        timings,
    )
    del mapped  # frees the entries on the workers: each bucket has what it needs
    counted = [
        delayed(count_pairs)([delayed(operator.getitem)(piece, g) for piece in grouped], min_containment)
        for g in range(buckets)
    ]
    started = time.perf_counter()
    found: Sequence[Pairs] = client.gather(client.compute(counted)) if client else compute(*counted)
    if client is not None and timings is not None:
        timings["pairs"] = time.perf_counter() - started
    del grouped
    codes = np.concatenate([p.codes for p in found])
    shared = np.concatenate([p.values for p in found])
    order = np.argsort(codes)
    codes, shared = codes[order], shared[order]
    low, high = codes >> PAIR_BITS, codes & ((1 << PAIR_BITS) - 1)
    return list(zip(low.tolist(), high.tolist(), shared.tolist(), strict=True))


def cluster_candidates(client: Client) -> CandidateFinder:
    """A candidate finder for `match_copies` that runs `shuffled_candidate_pairs` on the client's
    cluster: each chunk of samples the store reads is sent to the workers as one partition, so the
    client holds one chunk at a time."""

    def find(chunks: SampleChunks, dirty: np.ndarray, min_containment: float) -> list[tuple[int, int, int]]:
        with client.as_current():  # the runner's client is nobody's default
            parts = [client.scatter([[(i, blob, bool(dirty[i])) for i, blob in chunk]])[0] for chunk in chunks]
            return shuffled_candidate_pairs(parts, min_containment, client=client)

    return find
