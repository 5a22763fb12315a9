"""Scoring shared by the entities benchmark's parts: the rapidfuzz anchor's scorer, pairwise
precision/recall/F1 of a clustering, and the precision target parts 1 and 2 share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

TARGET_PRECISION = 0.97


def anchor_scorer() -> Callable[[str, str], float]:
    from rapidfuzz import fuzz, utils

    def score(a: str, b: str) -> float:
        return fuzz.token_sort_ratio(a, b, processor=utils.default_process)

    return score


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None or precision + recall == 0:
        return None
    return 2 * precision * recall / (precision + recall)


def at_least(value: float | None, bar: float) -> bool:
    return value is not None and value >= bar


def pairwise(truth: dict[Any, Any], predicted: dict[Any, Any]) -> dict[str, float | int | None]:
    """Pairwise precision/recall/F1 of a clustering over the items in `truth` (item → true cluster)."""
    cells: Counter[tuple[Any, Any]] = Counter((truth[i], predicted[i]) for i in truth)
    true_sizes: Counter[Any] = Counter(truth.values())
    pred_sizes: Counter[Any] = Counter(predicted[i] for i in truth)
    tp = sum(n * (n - 1) // 2 for n in cells.values())
    pred_pairs = sum(n * (n - 1) // 2 for n in pred_sizes.values())
    true_pairs = sum(n * (n - 1) // 2 for n in true_sizes.values())
    precision, recall = ratio(tp, pred_pairs), ratio(tp, true_pairs)
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "correct_pairs": tp,
        "clusters": len(pred_sizes),
        "true_clusters": len(true_sizes),
    }
