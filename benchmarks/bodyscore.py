"""The body-text metric of scrapinghub's article-extraction-benchmark, reimplemented.

- tokens are the `\\w+` matches of a text; shingles are runs of 4 consecutive tokens, counted
  as a multiset (a text shorter than 4 tokens is one shorter shingle, an empty text none);
- per page, TP = Σ min(gold count, predicted count) over shingles, FP = Σ the predicted excess,
  FN = Σ the gold excess; the three are divided by their sum so every page weighs the same;
- page precision is 1 when FP = FN = 0, 0 when TP = FP = 0, else TP / (TP + FP) (recall alike);
  precision is averaged over the pages that predicted something (TP + FP > 0), recall over
  the pages with gold text (TP + FN > 0), and F1 is computed from the two averages;
- accuracy is the share of pages whose predicted token list equals the gold one exactly.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter

SHINGLE = 4
BOOTSTRAP = 1000
_TOKEN = re.compile(r"\w+", re.UNICODE)

Counts = tuple[float, float, float]


def tokenize(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(gold: str | None, predicted: str | None) -> Counts:
    """Normalised (TP, FP, FN) over the shingle multisets of one page."""
    true, pred = shingles(gold), shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def page_precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def page_recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def page_f1(counts: Counts) -> float:
    return f1(page_precision(*counts), page_recall(*counts))


def scores(counts: list[Counts]) -> dict[str, float]:
    """Precision averaged over predicting pages, recall over gold pages, F1 from the averages."""
    precisions = [page_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [page_recall(*c) for c in counts if c[0] + c[2] > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall)}


def exact(gold: str | None, predicted: str | None) -> bool:
    return tokenize(gold) == tokenize(predicted)


def paired_bootstrap(ours: list[Counts], anchor: list[Counts], n: int = BOOTSTRAP) -> dict[str, float]:
    """Mean and standard deviation of F1(ours) − F1(anchor) over page resamples (fixed seed)."""
    rng = random.Random(20240501)
    diffs = []
    size = len(ours)
    for _ in range(n):
        picks = [rng.randrange(size) for _ in range(size)]
        diffs.append(scores([ours[i] for i in picks])["f1"] - scores([anchor[i] for i in picks])["f1"])
    return {"mean": statistics.fmean(diffs), "std": statistics.stdev(diffs)}
