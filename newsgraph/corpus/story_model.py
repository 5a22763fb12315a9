"""The story model: how likely an article belongs to a story, from what the two share.

A logistic model over similarity features of an (article, story) pair, all of them averages over
the story's articles or over the article's names, so that they can be kept up as a story grows:

- `centroid_cosine`, `mean_cosine`: TF-IDF cosine of the article with the story's centroid, and
  its mean cosine with the story's articles (average linkage);
- `<kind>_share` for people, organisations and places: over the article's names of that kind,
  the mean share of the story's articles that name it too; `has_<kind>` says both sides name
  some of that kind (otherwise the share is 0 and says nothing);
- `year_share`, `number_share` and their `has_` flags: the same for years (1900–2099) and for other
  numbers of two or more digits in the text;
- `age`: days since the story's latest article, as a share of the window;
- `log_size`: the log of the story's number of articles;
- the square roots of the two cosines, which lets the model weigh weak text similarity more
  steeply than strong.

The weights shipped in `DEFAULT_MODEL` are fitted with `newsgraph.corpus.story_fit` on labelled
events (ECB+ topics 1–22); `benchmarks/stories.py` reports the fit cross-validated by topic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FEATURES = (
    "centroid_cosine",
    "mean_cosine",
    "person_share",
    "has_persons",
    "org_share",
    "has_orgs",
    "place_share",
    "has_places",
    "year_share",
    "has_years",
    "number_share",
    "has_numbers",
    "age",
    "log_size",
    "centroid_cosine_sqrt",
    "mean_cosine_sqrt",
)
NAME_KINDS = ("person", "org", "place")


@dataclass(frozen=True)
class StoryModel:
    """A logistic model over `FEATURES`."""

    bias: float
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"a story model needs {len(FEATURES)} weights, one per feature; got {len(self.weights)}")

    def probability(self, features: Sequence[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        if z < -35:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def as_dict(self) -> dict[str, float]:
        return {"bias": round(self.bias, 4), **{f: round(w, 4) for f, w in zip(FEATURES, self.weights, strict=True)}}


def fit_logistic(rows: Sequence[Sequence[float]], labels: Sequence[bool], l2: float = 10.0) -> StoryModel:
    """L2-regularised logistic regression by Newton's method (the bias is not penalised)."""
    import numpy as np

    if not rows or len(set(labels)) < 2:
        raise ValueError("fitting a story model needs pairs of both kinds: same event and not")
    x = np.hstack([np.ones((len(rows), 1)), np.asarray(rows, dtype=float)])
    y = np.asarray(labels, dtype=float)
    penalty = l2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return StoryModel(float(w[0]), tuple(float(v) for v in w[1:]))


# Fitted on ECB+ topics 1–22 (two streams: the benchmark's dated one, and every topic in one week),
# l2 = 10 (used with the threshold 0.25): `python -m benchmarks.story_fit` prints these.
DEFAULT_MODEL = StoryModel(
    bias=-4.2203,
    weights=(
        2.3656,
        1.5083,
        2.0924,
        0.0112,
        0.9566,
        0.0036,
        1.5948,
        -0.2023,
        2.1396,
        -0.0955,
        1.4615,
        -0.5134,
        -0.1315,
        -0.1606,
        2.4539,
        1.9196,
    ),
)
