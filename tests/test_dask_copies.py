"""Copy candidates on a Dask cluster: the same pairs as the local `candidate_pairs`, planted copies
found, and site furniture counting for nothing however the articles are partitioned."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator

import numpy as np
import pytest
from distributed import Client, LocalCluster

from newsgraph.corpus.copies import COMMON_HASH, CopyRules, candidate_pairs, fingerprint, sample_bytes
from newsgraph.run.dask_copies import COMMON, SampleRecord, partition_entries, shuffled_candidate_pairs

ARTICLES = 360
PARTITIONS = 3  # 120 articles each: a footer in every article is over COMMON_HASH within a partition
MIN_CONTAINMENT = CopyRules().min_containment
PROMOTED = (130, 250)  # articles in the second and third partitions that carry the promotion


def _corpus() -> tuple[list[str], set[tuple[int, int]]]:
    """Texts, and the (original, copy) pairs planted among them.

    A copy keeps a run of an earlier original's sentences (eight, and half of them or more) with a few words
    changed. Every text ends with one site footer (common within every partition); every third has
    a newsletter line (common only across partitions) and every tenth a wire credit (in 36
    articles: under COMMON_HASH, so it counts as shared text). A promotion runs in the first 60
    articles and in PROMOTED ones: common, though the later partitions see it in one article each."""
    rng = random.Random(20_240_901)
    vocab = [f"{rng.choice('bdfgklmnprstvz')}{rng.choice('aeiou')}{rng.choice('lnrst')}{i}" for i in range(4_000)]
    footer = "Copyright the Daily Ledger all rights reserved this material may not be published or broadcast"
    newsletter = "Sign up for our morning newsletter and never miss the stories that matter to you most"
    credit = "Reporting by the wire service desk with additional reporting from our correspondents abroad"
    promotion = " ".join(rng.choices(vocab, k=80))
    texts: list[str] = []
    planted: set[tuple[int, int]] = set()
    originals: list[tuple[int, list[str]]] = []
    for i in range(ARTICLES):
        if i >= 20 and rng.random() < 0.15:
            source, sentences = rng.choice(originals)
            length = rng.randint(max(8, len(sentences) // 2), len(sentences))
            start = rng.randint(0, len(sentences) - length)
            words = " ".join(sentences[start : start + length]).split()
            for _ in range(rng.randint(1, 6)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            body = " ".join(words)
            planted.add((source, i))
        else:
            sentences = [
                " ".join(rng.choices(vocab, k=rng.randint(8, 24))).capitalize() + "."
                for _ in range(rng.randint(10, 40))
            ]
            body = " ".join(sentences)
            originals.append((i, sentences))
        extras = [footer, newsletter if i % 3 == 0 else "", credit if i % 10 == 0 else ""]
        if i < 60 or i in PROMOTED:
            extras.append(promotion)
        texts.append(" ".join([body, *extras]))
    return texts, planted


@pytest.fixture(scope="module")
def corpus() -> tuple[list[bytes], set[tuple[int, int]]]:
    texts, planted = _corpus()
    return [sample_bytes(fingerprint(text)) for text in texts], planted


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


def _partitions(samples: list[bytes], dirty: np.ndarray, count: int) -> list[list[SampleRecord]]:
    """The records in `count` partitions of consecutive articles."""
    records = [(i, sample, bool(new)) for i, (sample, new) in enumerate(zip(samples, dirty.tolist(), strict=True))]
    size = -(-len(records) // count)
    return [records[k : k + size] for k in range(0, len(records), size)]


def test_cluster_finds_the_local_pairs(client: Client, corpus: tuple[list[bytes], set[tuple[int, int]]]) -> None:
    samples, planted = corpus
    dirty = np.ones(len(samples), dtype=bool)
    local = candidate_pairs(samples, dirty, MIN_CONTAINMENT)
    timings: dict[str, float] = {}
    found = shuffled_candidate_pairs(_partitions(samples, dirty, PARTITIONS), MIN_CONTAINMENT, client, 4, timings)
    assert found == local
    assert planted <= {(i, j) for i, j, _ in found}  # not vacuous: every planted copy is a candidate
    assert PROMOTED not in {(i, j) for i, j, _ in found}  # what they share is furniture
    assert set(timings) == {"entries", "buckets", "pairs"}


def test_cluster_takes_a_bag_and_pairs_only_new_articles(
    client: Client, corpus: tuple[list[bytes], set[tuple[int, int]]]
) -> None:
    from dask import bag

    samples, _ = corpus
    dirty = np.random.default_rng(7).random(len(samples)) < 0.25
    records = [record for part in _partitions(samples, dirty, 1) for record in part]
    local = candidate_pairs(samples, dirty, MIN_CONTAINMENT)
    found = shuffled_candidate_pairs(bag.from_sequence(records, npartitions=5), MIN_CONTAINMENT, client)
    assert found == local
    assert found and all(dirty[i] or dirty[j] for i, j, _ in found)


@pytest.mark.parametrize(("partitions", "buckets"), [(1, 1), (2, 7), (12, 3), (360, 5)])
def test_partitioning_does_not_change_the_pairs(
    corpus: tuple[list[bytes], set[tuple[int, int]]], partitions: int, buckets: int
) -> None:
    """Whether a common hash is seen as common in one partition or only across them, the pairs agree."""
    samples, _ = corpus
    dirty = np.ones(len(samples), dtype=bool)
    local = candidate_pairs(samples, dirty, MIN_CONTAINMENT)
    assert shuffled_candidate_pairs(_partitions(samples, dirty, partitions), MIN_CONTAINMENT, None, buckets) == local


def test_furniture_is_one_marker_a_partition(corpus: tuple[list[bytes], set[tuple[int, int]]]) -> None:
    samples, _ = corpus
    part = _partitions(samples, np.ones(len(samples), dtype=bool), PARTITIONS)[0]
    pieces = partition_entries(part, 1)
    hashes, owners = pieces[0].hashes, pieces[0].owners
    marked = hashes[owners == COMMON]
    assert len(marked) > 0 and len(np.unique(marked)) == len(marked)
    assert not np.isin(hashes[owners != COMMON], marked).any()
    _, counts = np.unique(hashes[owners != COMMON], return_counts=True)
    assert counts.max() <= COMMON_HASH


def test_article_indexes_must_pack_into_a_pair() -> None:
    with pytest.raises(ValueError, match="article indexes"):
        partition_entries([(1 << 31, b"\x00" * 8, True)], 2)
