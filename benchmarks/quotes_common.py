"""Speaker accuracy on common ground: the direct quotations two systems both found.

Each system's speaker accuracy in `benchmarks.quotes` is judged on the gold items *it* matched,
so a system that finds fewer, easier quotations can score higher. This judges both on the same
items: the gold direct quotations with a `Source` span that each system matched with a direct
prediction (the best-covering one, covering at least `MIN_COVER` of the gold content's tokens).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _best(gold: Any, found: Sequence[Any], cover: Callable[[Any, Any], float], least: float) -> Any | None:
    scored = [(cover(gold, p), i) for i, p in enumerate(found) if p.kind == "direct"]
    scored = [(c, i) for c, i in scored if c >= least]
    return found[max(scored)[1]] if scored else None


def common_speaker_accuracy(
    docs: Sequence[Any],
    ours: Sequence[Sequence[Any]],
    theirs: Sequence[Sequence[Any]],
    cover: Callable[[Any, Any], float],
    speaker_ok: Callable[[Any, Any], bool],
    least: float,
) -> dict[str, Any]:
    """Speaker accuracy of both systems over the gold direct items with a source that both matched;
    predictions must already carry their `tokens` (as `benchmarks.quotes.score` sets them)."""
    items = right_ours = right_theirs = 0
    for doc, found_ours, found_theirs in zip(docs, ours, theirs, strict=True):
        for gold in doc.gold:
            if gold.kind != "direct" or not gold.source:
                continue
            a = _best(gold, found_ours, cover, least)
            b = _best(gold, found_theirs, cover, least)
            if a is None or b is None:
                continue
            items += 1
            right_ours += speaker_ok(gold, a)
            right_theirs += speaker_ok(gold, b)
    return {
        "items": items,
        "ours": right_ours / items if items else None,
        "theirs": right_theirs / items if items else None,
    }
