"""Scores of the stories benchmark: B-cubed, the events a clustering merged or split, and the
pairwise similarities that calibrate the synthetic stream against ECB+."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from benchmarks.stories_ecb_docs import Doc


def b_cubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1, averaged over the items of `gold` (newsgraph's own, as the fit uses)."""
    from newsgraph.corpus.story_fit import b_cubed as score

    return score(predicted, gold)


def confusions(predicted: Mapping[str, str], docs: Sequence[Doc]) -> dict[str, Any]:
    """Events merged with another (a story holding several events) and events split over stories."""
    events_of: dict[str, Counter[str]] = defaultdict(Counter)
    stories_of: dict[str, Counter[str]] = defaultdict(Counter)
    topic_of = {d.event: d.topic for d in docs}
    for d in docs:
        events_of[predicted[d.id]][d.event] += 1
        stories_of[d.event][predicted[d.id]] += 1
    merged: list[dict[str, Any]] = []
    for story, events in sorted(events_of.items()):
        if len(events) > 1:
            kind = "same topic" if len({topic_of[e] for e in events}) == 1 else "across topics"
            merged.append({"story": story, "events": dict(events), "kind": kind})
    split: list[dict[str, Any]] = []
    for event, stories in sorted(stories_of.items()):
        if len(stories) > 1:
            split.append(
                {
                    "event": event,
                    "stories": len(stories),
                    "largest": max(stories.values()),
                    "articles": sum(stories.values()),
                }
            )
    by_topic: dict[str, dict[str, int]] = defaultdict(lambda: {"merged_articles": 0, "split_events": 0})
    for m in merged:
        minority = sum(m["events"].values()) - max(m["events"].values())
        by_topic[topic_of[max(m["events"], key=m["events"].get)]]["merged_articles"] += minority
    for s in split:
        by_topic[topic_of[s["event"]]]["split_events"] += 1
    return {"merged": merged, "split": split, "by_topic": dict(sorted(by_topic.items()))}


def similarities(articles: Sequence[Any], kinds: Callable[[Any, Any], str]) -> dict[str, dict[str, list[float]]]:
    """Percentiles (50, 90, 99) of pairwise TF-IDF cosine and name-key Jaccard, by kind of pair.

    TF-IDF: sublinear tf over `terms`, idf over these articles; it calibrates the synthetic
    stream against ECB+ (same event, same topic other event, other topic).
    """
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfTransformer

    matrix = TfidfTransformer(sublinear_tf=True).fit_transform(
        DictVectorizer().fit_transform([dict(a.terms) for a in articles])
    )
    cosine = (matrix @ matrix.T).toarray()
    names = DictVectorizer().fit_transform([dict.fromkeys(a.entities, 1) for a in articles])
    inter = (names @ names.T).toarray()
    sizes = np.asarray(names.sum(axis=1)).ravel()
    union = sizes[:, None] + sizes[None, :] - inter
    jaccard = np.divide(inter, union, out=np.zeros_like(inter, dtype=float), where=union > 0)
    found: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for i in range(len(articles)):
        for j in range(i + 1, len(articles)):
            pair = found[kinds(articles[i], articles[j])]
            pair[0].append(float(cosine[i, j]))
            pair[1].append(float(jaccard[i, j]))
    return {
        kind: {
            "pairs": [len(c)],
            "cosine": [round(float(np.percentile(c, p)), 3) for p in (50, 90, 99)],
            "names": [round(float(np.percentile(e, p)), 3) for p in (50, 90, 99)],
        }
        for kind, (c, e) in sorted(found.items())
    }
