"""Fitting the story model on articles whose events are known.

The training pairs come from a replay of the labelled stream in publication order where each
article is placed in its own event's story (the story it should have joined): for every active
story the clusterer would consider for the article, one pair of features, labelled by whether
that story is the article's event. The logistic model is then fitted on those pairs
(`story_model.fit_logistic`). The decision threshold is kept as given, or, when thresholds to
choose from are passed, chosen by clustering the same streams with the fitted model and keeping
the one with the best mean B-cubed F1 (the stricter of equals).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from newsgraph.corpus.stories import (
    Story,
    StoryArticle,
    StoryClusterer,
    StorySettings,
    cluster,
    story_features,
    story_id,
    story_order,
)
from newsgraph.corpus.story_model import StoryModel, fit_logistic

THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def training_pairs(
    articles: Sequence[StoryArticle], event_of: Mapping[str, str], settings: StorySettings | None = None
) -> tuple[list[list[float]], list[bool]]:
    """Features and labels of the (article, candidate story) pairs met in a replay of the stream."""
    clusterer = StoryClusterer(settings)
    window = clusterer.settings.window_days
    rows: list[list[float]] = []
    labels: list[bool] = []
    story_of_event: dict[str, str] = {}
    for article in sorted(articles, key=story_order):
        vector = clusterer.tfidf(article.terms)
        own = story_of_event.get(event_of[article.id])
        for candidate in clusterer.candidates(article, vector):
            rows.append(story_features(article, vector, clusterer.stories[candidate], window))
            labels.append(candidate == own)
        if own is None:
            own = story_of_event[event_of[article.id]] = story_id(article.id)
            clusterer.stories[own] = Story(own, article.published, article.published)
        clusterer.place(article, vector, own)
    return rows, labels


def b_cubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1, averaged over the items of `gold`."""
    predicted_sets: dict[str, set[str]] = defaultdict(set)
    gold_sets: dict[str, set[str]] = defaultdict(set)
    for item in gold:
        predicted_sets[predicted[item]].add(item)
        gold_sets[gold[item]].add(item)
    precision = recall = 0.0
    for item in gold:
        found, wanted = predicted_sets[predicted[item]], gold_sets[gold[item]]
        both = len(found & wanted)
        precision += both / len(found)
        recall += both / len(wanted)
    n = len(gold) or 1
    precision, recall = precision / n, recall / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def fit_story_settings(
    streams: Iterable[Sequence[StoryArticle]],
    event_of: Mapping[str, str],
    settings: StorySettings | None = None,
    l2: float = 10.0,
    thresholds: Sequence[float] | None = None,
) -> StorySettings:
    """Settings whose model (and threshold, when `thresholds` are given) are fitted on labelled streams,
    each replayed on its own."""
    base = settings or StorySettings()
    streams = [list(s) for s in streams]
    rows: list[list[float]] = []
    labels: list[bool] = []
    for stream in streams:
        more_rows, more_labels = training_pairs(stream, event_of, base)
        rows += more_rows
        labels += more_labels
    model: StoryModel = fit_logistic(rows, labels, l2)
    if not thresholds:
        return dataclasses.replace(base, model=model)

    def score(threshold: float) -> float:
        fitted = dataclasses.replace(base, model=model, threshold=threshold)
        total = 0.0
        for stream in streams:
            gold = {a.id: event_of[a.id] for a in stream}
            total += b_cubed(cluster(stream, fitted), gold)[2]
        return total / len(streams)

    chosen = max(thresholds, key=lambda t: (score(t), t))
    return dataclasses.replace(base, model=model, threshold=chosen)
