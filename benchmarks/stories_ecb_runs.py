"""Parts 1 and 2 of the stories benchmark: newsgraph on the ECB+ streams (default settings, a
threshold sweep, cross-validation by topic) beside the TF-IDF + agglomerative anchor, and the
speed of `cluster()` on them."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.stories_ecb_docs import (
    Doc,
    event_dates,
    load_docs,
    names_of,
    overlapped_dates,
    story_articles,
    synthetic_dates,
)
from benchmarks.stories_scoring import b_cubed, confusions, similarities
from benchmarks.story_fit import ANCHOR_THRESHOLDS, cross_validate_anchor, cross_validate_ours

THRESHOLDS = [round(0.10 + 0.05 * i, 2) for i in range(13)]  # 0.10 … 0.70
SPEED_REPEATS = 5


def run_ours(articles: Sequence[Any], settings: Any = None) -> dict[str, str]:
    from newsgraph.corpus.stories import cluster

    return cluster(articles, settings)


def sweep_ours(articles: Sequence[Any], gold: Mapping[str, str]) -> list[tuple[float, float, float, float]]:
    from newsgraph.corpus.stories import StorySettings

    out = []
    for t in THRESHOLDS:
        p, r, f = b_cubed(run_ours(articles, StorySettings(threshold=t)), gold)
        out.append((t, p, r, f))
    return out


def run_anchor(docs: Sequence[Doc], gold: Mapping[str, str]) -> dict[str, Any]:
    """TF-IDF + average-linkage agglomerative clustering on cosine distance, threshold tuned here."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    started = time.perf_counter()
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [f"{d.title}\n\n{d.text}" for d in docs]
    )
    distances = cosine_distances(matrix)
    sweep = []
    best: tuple[float, dict[str, str]] | None = None
    for t in ANCHOR_THRESHOLDS:
        labels = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average", distance_threshold=t
        ).fit_predict(distances)
        predicted = {d.id: f"c{label}" for d, label in zip(docs, labels, strict=True)}
        p, r, f = b_cubed(predicted, gold)
        sweep.append((t, p, r, f))
        if best is None or f > b_cubed(best[1], gold)[2]:
            best = (t, predicted)
    assert best is not None
    return {"sweep": sweep, "threshold": best[0], "predicted": best[1], "seconds": time.perf_counter() - started}


def _best(sweep: Sequence[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return max(sweep, key=lambda x: (x[3], -abs(x[0] - 0.25)))


def ecb_part(data_path: Path, work_dir: Path) -> dict[str, Any]:
    from newsgraph.corpus.stories import StorySettings

    docs = load_docs(data_path)
    names, ner = names_of(docs, work_dir)
    started = time.perf_counter()
    undated = story_articles(docs, names, None)
    features_seconds = time.perf_counter() - started
    dates = synthetic_dates(docs)
    dated = story_articles(docs, names, dates)
    events = {d.id: d.event for d in docs}
    topics = {d.id: d.topic for d in docs}
    out: dict[str, Any] = {"docs": len(docs), "events": len(set(events.values())), "topics": len(set(topics.values()))}
    apart = story_articles(docs, names, event_dates(docs))
    for label, articles in (("dated", dated), ("undated", undated), ("apart", apart)):
        predicted = run_ours(articles, StorySettings())
        sweep = sweep_ours(articles, events)
        out[label] = {
            "event": b_cubed(predicted, events),
            "topic": b_cubed(predicted, topics),
            "stories": len(set(predicted.values())),
            "sweep": sweep,
            "best": _best(sweep),
            "confusions": confusions(predicted, docs),
        }
    overlapped = story_articles(docs, names, overlapped_dates(docs))
    out["cross_validated"] = {
        "ours": cross_validate_ours(dated, overlapped, events, topics),
        "ours_chosen": cross_validate_ours(dated, overlapped, events, topics, choose_threshold=True),
        "anchor": cross_validate_anchor(docs, events),
    }
    anchor = run_anchor(docs, events)
    out["anchor"] = {
        "event": b_cubed(anchor["predicted"], events),
        "topic": b_cubed(anchor["predicted"], topics),
        "stories": len(set(anchor["predicted"].values())),
        "threshold": anchor["threshold"],
        "sweep": anchor["sweep"],
        "seconds": anchor["seconds"],
        "confusions": confusions(anchor["predicted"], docs),
    }
    # speed: placement only, best of SPEED_REPEATS
    times = []
    for _ in range(SPEED_REPEATS):
        begun = time.perf_counter()
        run_ours(dated, StorySettings())
        times.append(time.perf_counter() - begun)
    out["calibration"] = similarities(
        undated,
        lambda a, b: (
            "same event" if events[a.id] == events[b.id] else "same topic" if topics[a.id] == topics[b.id] else "other"
        ),
    )
    out["speed"] = {
        "cluster_seconds": min(times),
        "cluster_articles_per_s": len(docs) / min(times),
        "ner_seconds": ner["ner_seconds"],
        "features_seconds": features_seconds,
        "ner_articles_per_s": len(docs) / (ner["ner_seconds"] + features_seconds),
        "ner_cached": ner["cached"],
    }
    return out
