"""The story model on ECB+, cross-validated by topic; and the fit of the model newsgraph ships.

Protocol. The 22 topics of `clustering/ecbplus-dev` are shuffled (seed S) and dealt into 5 folds.
For each fold, the story model is fitted on the other folds' topics
(`newsgraph.corpus.story_fit.fit_story_settings`: training pairs from a replay of two streams of
them), and the held-out topics' dated stream is clustered online with it at newsgraph's default
threshold. The two training streams are the benchmark's dated stream (each topic within 3 days,
topics 15 days apart: only a topic's other event competes) and the same articles with every topic
inside one week, as a real news week brings many unrelated stories at once: without it, the
model never meets an unrelated active story and joins weakly similar articles too readily. Each
article's story comes from the one fold that held it out; B-cubed is computed over all articles
at once. This is repeated for the seeds in `SEEDS` and the figures are averaged.

The default threshold (0.25) was not chosen on ECB+, where the cross-validated F1 moves little
between 0.2 and 0.3; it is the value in that range that keeps the demo corpus's planned stories
(among them two similar events) apart and whole. For information, the threshold is also chosen on
the training folds (0.15–0.6, best mean B-cubed F1 on the training streams).

The anchor is scored the same way: TF-IDF + average-link agglomerative clustering, its distance
threshold chosen on the training topics (0.30–0.99, best B-cubed F1 there), then applied to the
held-out topics' articles clustered on their own.

`python -m benchmarks.story_fit` refits on all topics and prints the weights that
`newsgraph/corpus/story_model.py` ships, with the figures above.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FOLDS = 5
SEEDS = (7, 8, 9, 10)
ANCHOR_THRESHOLDS = [round(0.30 + 0.01 * i, 2) for i in range(70)]  # 0.30 … 0.99, the anchor's threshold grid


def topic_folds(topics: Sequence[str], seed: int, k: int = FOLDS) -> list[set[str]]:
    order = sorted(set(topics), key=lambda t: (len(t), t))
    random.Random(seed).shuffle(order)
    return [set(order[i::k]) for i in range(k)]


def cross_validate_ours(
    articles: Sequence[Any],
    overlapped: Sequence[Any],
    events: Mapping[str, str],
    topics: Mapping[str, str],
    choose_threshold: bool = False,
) -> dict[str, Any]:
    """`articles`: the dated stream (scored); `overlapped`: the same articles, all topics in one week (fitting).

    The threshold is newsgraph's default unless `choose_threshold`: then it is chosen on the training folds too.
    """
    from newsgraph.corpus.stories import cluster
    from newsgraph.corpus.story_fit import THRESHOLDS, b_cubed, fit_story_settings

    runs = []
    for seed in SEEDS:
        predicted: dict[str, str] = {}
        thresholds = []
        for fold in topic_folds(list(topics.values()), seed):
            train = [a for a in articles if topics[a.id] not in fold]
            train_overlapped = [a for a in overlapped if topics[a.id] not in fold]
            test = [a for a in articles if topics[a.id] in fold]
            settings = fit_story_settings(
                [train, train_overlapped], events, thresholds=THRESHOLDS if choose_threshold else None
            )
            thresholds.append(settings.threshold)
            predicted.update(cluster(test, settings))
        runs.append({"seed": seed, "b_cubed": b_cubed(predicted, events), "thresholds": thresholds})
    return {"runs": runs, "mean": _mean([r["b_cubed"] for r in runs])}


def _anchor_distances(docs: Sequence[Any]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [f"{d.title}\n\n{d.text}" for d in docs]
    )
    return cosine_distances(matrix)


def _anchor_labels(docs: Sequence[Any], distances: Any, threshold: float) -> dict[str, str]:
    from sklearn.cluster import AgglomerativeClustering

    if len(docs) < 2:
        return {d.id: "c0" for d in docs}
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    ).fit_predict(distances)
    return {d.id: f"c{label}" for d, label in zip(docs, labels, strict=True)}


def cross_validate_anchor(docs: Sequence[Any], events: Mapping[str, str]) -> dict[str, Any]:
    from newsgraph.corpus.story_fit import b_cubed

    topics = {d.id: d.topic for d in docs}
    runs = []
    for seed in SEEDS:
        predicted: dict[str, str] = {}
        thresholds = []
        for number, fold in enumerate(topic_folds(list(topics.values()), seed)):
            train = [d for d in docs if d.topic not in fold]
            test = [d for d in docs if d.topic in fold]
            gold = {d.id: events[d.id] for d in train}
            distances = _anchor_distances(train)
            best = max(ANCHOR_THRESHOLDS, key=lambda t: (b_cubed(_anchor_labels(train, distances, t), gold)[2], -t))
            thresholds.append(best)
            labels = _anchor_labels(test, _anchor_distances(test), best)
            predicted.update({k: f"{number}-{v}" for k, v in labels.items()})
        runs.append({"seed": seed, "b_cubed": b_cubed(predicted, events), "thresholds": thresholds})
    return {"runs": runs, "mean": _mean([r["b_cubed"] for r in runs])}


def _mean(triples: Sequence[Sequence[float]]) -> tuple[float, float, float]:
    n = len(triples)
    return (sum(t[0] for t in triples) / n, sum(t[1] for t in triples) / n, sum(t[2] for t in triples) / n)


def main(data_dir: Path, work_dir: Path) -> None:
    from benchmarks.stories_ecb_docs import (
        DATA_FILE,
        load_docs,
        names_of,
        overlapped_dates,
        story_articles,
        synthetic_dates,
    )
    from newsgraph.corpus.stories import cluster
    from newsgraph.corpus.story_fit import b_cubed, fit_story_settings

    docs = load_docs(data_dir / DATA_FILE)
    names, _ = names_of(docs, work_dir)
    articles = story_articles(docs, names, synthetic_dates(docs))
    overlapped = story_articles(docs, names, overlapped_dates(docs))
    events = {d.id: d.event for d in docs}
    settings = fit_story_settings([articles, overlapped], events)
    print(f"threshold (the default) {settings.threshold}")
    print(f"bias={settings.model.bias:.4f}")
    print("weights=(" + ", ".join(f"{w:.4f}" for w in settings.model.weights) + ")")
    print(f"in-sample event B-cubed (P, R, F1): {b_cubed(cluster(articles, settings), events)}")
    ours = cross_validate_ours(articles, overlapped, events, {d.id: d.topic for d in docs})
    print(f"cross-validated by topic, mean of {len(SEEDS)} shuffles: {ours['mean']}")


if __name__ == "__main__":
    from benchmarks import WORK_DIR, data_dir

    main(data_dir() if len(sys.argv) < 2 else Path(sys.argv[1]), WORK_DIR)
