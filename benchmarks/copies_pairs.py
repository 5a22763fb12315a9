"""The copies benchmark pair by pair, with no index: `classify(overlap(a, b), CopyRules())` beside
the anchor (Jaccard of word 5-gram sets), the anchor's best threshold, precision / recall / F1,
a sweep of other `CopyRules`, and why a pair the store did not group was missed."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.copies_cases import EDITS
from benchmarks.copies_data import jaccard, prf


@dataclass
class PairScore:
    group: str  # edit type, "same_event" or "same_topic"
    label: bool
    a: str
    b: str
    in_a: float
    in_b: float
    shared_words: int
    longest: int
    exact: bool
    kind: str | None
    jaccard: float
    narrative_run: int = 0  # longest shared run of words outside quotation marks in both texts

    def flagged(self, threshold: float) -> bool:
        return self.jaccard >= threshold


def score_pair(
    group: str,
    label: bool,
    a: str,
    b: str,
    texts: dict[str, str],
    grams: dict[str, set[tuple[str, ...]]],
    clock: list[float],
) -> PairScore:
    from newsgraph.corpus.copies import CopyRules, classify, overlap

    started = time.perf_counter()
    pair = overlap(texts[a], texts[b])
    kind = classify(pair, CopyRules())
    clock.append(time.perf_counter() - started)
    return PairScore(
        group,
        label,
        a,
        b,
        round(pair.in_a, 4),
        round(pair.in_b, 4),
        pair.shared_words,
        max((p[2] for p in pair.passages), default=0),
        pair.exact,
        kind,
        round(jaccard(grams[a], grams[b]), 4),
        narrative_run(pair.passages, texts[a], texts[b]),
    )


def narrative_run(passages: Sequence[tuple[int, int, int]], text_a: str, text_b: str) -> int:
    """The longest run of shared words that stand outside quotation marks in both texts.

    Independent reports of one event share quotations, names and short phrases; a run of 20 or
    more narrative words in common means both carry one source text (a wire story, a press
    release), which makes the pair a copy whatever ECB+ calls it."""
    from newsgraph.corpus.copies import quoted_words

    quoted_a, quoted_b = quoted_words(text_a), quoted_words(text_b)
    best = 0
    for start_a, start_b, size in passages:
        run = 0
        for qa, qb in zip(quoted_a[start_a : start_a + size], quoted_b[start_b : start_b + size], strict=True):
            run = 0 if qa or qb else run + 1
            best = max(best, run)
    return best


def best_threshold(scores: Sequence[PairScore]) -> tuple[float, float]:
    """The Jaccard threshold with the best F1 over these pairs (ties: the lower threshold)."""
    positives = sum(s.label for s in scores)
    ordered = sorted(scores, key=lambda s: -s.jaccard)
    best = (0.0, 1.0)
    tp = fp = 0
    for i, s in enumerate(ordered):
        tp += s.label
        fp += not s.label
        if i + 1 < len(ordered) and ordered[i + 1].jaccard == s.jaccard:
            continue
        f1 = prf(tp, fp, positives - tp)[2]
        if f1 > best[0] and s.jaccard > 0:
            best = (f1, s.jaccard)
    return best[1], best[0]


def pure_metrics(scores: Sequence[PairScore], predict: Callable[[PairScore], bool]) -> dict[str, float]:
    tp = sum(s.label and predict(s) for s in scores)
    fp = sum((not s.label) and predict(s) for s in scores)
    fn = sum(s.label and not predict(s) for s in scores)
    precision, recall, f1 = prf(tp, fp, fn)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def rules_sweep(scores: Sequence[PairScore]) -> list[dict[str, Any]]:
    """What `classify` would say under other `CopyRules`, from the overlaps already measured: recall per
    edit type (its positives) and the share flagged of each group of negatives."""
    from newsgraph.corpus.copies import CopyRules, Overlap, classify

    out = []
    for containment, shared in itertools.product((0.2, 0.25, 0.3, 0.35, 0.4, 0.5), (25, 40, 60, 80, 100)):
        rules = CopyRules(min_containment=containment, min_shared_words=shared)
        by_group: dict[str, list[bool]] = defaultdict(list)
        for s in scores:
            pair = Overlap(s.in_a, s.in_b, s.shared_words, (), s.exact)
            key = s.group if s.label else f"{s.group}_negatives" if s.group in EDITS else s.group
            by_group[key].append(classify(pair, rules) is not None)
        out.append(
            {
                "min_containment": containment,
                "min_shared_words": shared,
                **{g: round(sum(v) / len(v), 4) for g, v in sorted(by_group.items())},
            }
        )
    return out


# ---- why a pair was missed ------------------------------------------------------------------------


def explain_miss(score: PairScore, texts: dict[str, str]) -> str:
    from newsgraph.corpus.copies import (
        ESTIMATE_SLACK,
        MIN_SHARED_SAMPLES,
        CopyRules,
        copied_stretch,
        fingerprint,
        overlap,
    )

    rules = CopyRules()
    if score.kind is None:
        if max(score.in_a, score.in_b) < rules.min_containment:
            return "verify: containment < min_containment"
        if score.shared_words < rules.min_shared_words:
            return "verify: shared passage words < min_shared_words"
        pair = overlap(texts[score.a], texts[score.b])
        if copied_stretch(pair.passages, rules.run_gap) < rules.min_copied_run:
            return "verify: copied stretch < min_copied_run"
        return "verify: copied stretch < min_copied_run with quoted words at half weight"
    a, b = fingerprint(texts[score.a]), fingerprint(texts[score.b])
    if a.text_hash == b.text_hash:
        return "index: same text hash, not linked (?)"
    shared = len(set(a.sample) & set(b.sample))
    smaller = max(1, min(len(a.sample), len(b.sample)))
    if shared < MIN_SHARED_SAMPLES:
        return "index: fewer than MIN_SHARED_SAMPLES shared samples"
    if shared / smaller < rules.min_containment * ESTIMATE_SLACK:
        return "index: sampled containment estimate below min_containment × ESTIMATE_SLACK"
    return "index: proposed by the sample but dropped (common-hash filter?)"
