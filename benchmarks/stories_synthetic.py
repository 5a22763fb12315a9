"""The stories benchmark's synthetic stream: events with vocabularies drawn from the ECB+ word
list and names of their own, and their articles as `StoryArticle`s with the gold event of each."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.stories_ecb_docs import SEED, Doc

DAYS = 90
EVENT_WORDS = 60
GENERIC_WORDS = 15  # of an event's words, drawn Zipf-weighted from the whole list; the rest from
SPECIFIC_FROM_RANK = 200  # … the words below this rank, uniformly
SIBLING_SHARE = 0.2  # events that echo an earlier one (a third of its words, one of its names, days apart)
ONE_OFF_NAMES = 3  # names an article alone mentions: 0 to this many
COMMON_NAMES = 300
TITLE_WORDS = 8
BODY_WORDS = 120
EVENT_SHARE = 0.35
ENTITY_TYPES = ("person", "org", "place")


def word_list(docs: Sequence[Doc]) -> list[str]:
    """Lower-case alphabetic words of the ECB+ texts (no stop words), most frequent first."""
    from newsgraph.corpus.stories import _STOP

    counts: Counter[str] = Counter()
    for d in docs:
        for w in re.findall(r"[a-z]+", f"{d.title} {d.text}".lower()):
            if len(w) > 2 and w not in _STOP:
                counts[w] += 1
    return [w for w, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    """Cumulative Zipf weights for `random.choices`."""
    return list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))


@dataclass(frozen=True)
class SynthEvent:
    id: str
    start: datetime
    span_days: float
    words: tuple[str, ...]
    names: tuple[tuple[str, str], ...]
    common: tuple[tuple[str, str], ...]
    size: int
    sibling_of: str | None = None


def synth_events(total: int, words: Sequence[str], seed: int = SEED) -> list[SynthEvent]:
    """Events until `total` articles: sizes 5–50 (mean about 17), starts uniform over DAYS - 5 days."""
    rng = random.Random(seed)
    cum = _zipf_weights(len(words))
    specific = words[SPECIFIC_FROM_RANK:]
    common = [(f"common {ENTITY_TYPES[i % 3]} {i}", ENTITY_TYPES[i % 3]) for i in range(COMMON_NAMES)]
    common_cum = _zipf_weights(COMMON_NAMES)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    events: list[SynthEvent] = []
    placed = 0
    while placed < total:
        n = len(events)
        size = min(50, 5 + int(rng.expovariate(1 / 12.5)), total - placed)
        when = start + timedelta(days=rng.uniform(0, DAYS - 5))
        vocab: set[str] = set()
        while len(vocab) < GENERIC_WORDS:
            vocab.update(rng.choices(words, cum_weights=cum, k=GENERIC_WORDS - len(vocab)))
        names = [(f"evt{n} {ENTITY_TYPES[k % 3]} {k}", ENTITY_TYPES[k % 3]) for k in range(rng.randint(2, 4))]
        sibling = None
        if events and rng.random() < SIBLING_SHARE:
            # a similar event close in time: a third of its vocabulary and one of its names
            sibling = rng.choice(events[-min(len(events), 200) :])
            vocab.update(rng.sample(sibling.words, EVENT_WORDS // 3))
            names[0] = sibling.names[0]
            when = sibling.start + timedelta(days=rng.uniform(0, 3))
        while len(vocab) < EVENT_WORDS:
            vocab.add(rng.choice(specific))
        shared = tuple(rng.choices(common, cum_weights=common_cum, k=1)) if rng.random() < 0.5 else ()
        span = rng.uniform(1, 5)
        events.append(
            SynthEvent(
                f"e{n}", when, span, tuple(sorted(vocab)), tuple(names), shared, size, sibling.id if sibling else None
            )
        )
        placed += size
    return events


def synth_articles(
    events: Sequence[SynthEvent], words: Sequence[str], seed: int = SEED
) -> tuple[list[Any], dict[str, str]]:
    """The events' articles as StoryArticles (terms through `terms`), and the gold event of each."""
    from newsgraph.corpus.stories import StoryArticle, terms

    rng = random.Random(seed + 1)
    cum = _zipf_weights(len(words))
    common = [(f"common {ENTITY_TYPES[i % 3]} {i}", ENTITY_TYPES[i % 3]) for i in range(COMMON_NAMES)]
    common_cum = _zipf_weights(COMMON_NAMES)
    articles = []
    gold = {}
    for event in events:
        for i in range(event.size):
            ident = f"{event.id}a{i}"
            when = event.start + timedelta(days=rng.uniform(0, event.span_days))
            title = " ".join(rng.choices(event.words, k=TITLE_WORDS))
            own = rng.choices(event.words, k=int(BODY_WORDS * EVENT_SHARE))
            background = rng.choices(words, cum_weights=cum, k=BODY_WORDS - len(own))
            text = " ".join(own + background)
            names = dict(rng.sample(event.names, rng.randint(1, len(event.names))))
            for key, kind in event.common:
                if rng.random() < 0.6:
                    names[key] = kind
            if rng.random() < 0.2:
                key, kind = rng.choices(common, cum_weights=common_cum)[0]
                names.setdefault(key, kind)
            for k in range(rng.randint(0, ONE_OFF_NAMES)):
                names[f"{ident} {ENTITY_TYPES[k % 3]} {k}"] = ENTITY_TYPES[k % 3]
            articles.append(StoryArticle(ident, when, title, terms(title, text), names))
            gold[ident] = event.id
    return articles, gold
