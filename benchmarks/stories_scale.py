"""Part 4 of the stories benchmark: the synthetic stream placed online with a `StoryClusterer` as
ingest does, timed against the budget, with this process's RSS and the stories held sampled to
tell whether memory follows the window."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from benchmarks.memory import ProcessPeakRss
from benchmarks.stories_ecb_docs import Doc
from benchmarks.stories_scoring import b_cubed, similarities
from benchmarks.stories_synthetic import SynthEvent, synth_articles, synth_events, word_list

TARGET_SECONDS = 600.0
EVICT_EVERY = 500
CALIBRATION_EVENTS = 120


def place_stream(
    articles: Sequence[Any],
    settings: Any = None,
    on_evict: Callable[[int], None] | None = None,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Place articles online as ingest does (evict() every EVICT_EVERY), until done or past `deadline`.

    Returns each placed article's story, the stories held just before each eviction, and how
    many stories were created.
    """
    from newsgraph.corpus.stories import StoryClusterer, story_id, story_order

    clusterer = StoryClusterer(settings)
    placed: dict[str, str] = {}
    held: list[tuple[int, int, int]] = []  # (articles placed, stories held, of which live)
    created = 0
    for n, article in enumerate(sorted(articles, key=story_order), start=1):
        before = len(clusterer.stories)
        placed[article.id] = clusterer.add(article, story_id(article.id))
        created += len(clusterer.stories) - before
        if n % EVICT_EVERY == 0:
            held.append((n, len(clusterer.stories), len(clusterer.live_stories())))
            clusterer.evict()
            if on_evict is not None:
                on_evict(n)
            if deadline is not None and time.perf_counter() > deadline:
                break
    held.append((len(placed), len(clusterer.stories), len(clusterer.live_stories())))
    final = {a: str(clusterer._live(s)) for a, s in placed.items()}
    return {"predicted": final, "held": held, "created": created, "clusterer": clusterer}


def _max_active(events: Sequence[SynthEvent], span_days: float) -> int:
    """The most events active at once, each from its start to its last day plus `span_days`."""
    best = 0
    ends: list[datetime] = []
    for begin, end in sorted((e.start, e.start + timedelta(days=e.span_days + span_days)) for e in events):
        while ends and ends[0] < begin:
            heapq.heappop(ends)
        heapq.heappush(ends, end)
        best = max(best, len(ends))
    return best


def scale_part(docs: Sequence[Doc], total: int, budget: float = TARGET_SECONDS) -> dict[str, Any]:
    from newsgraph.corpus.stories import StorySettings

    settings = StorySettings()
    words = word_list(docs)
    begun = time.perf_counter()
    events = synth_events(total, words)
    articles, gold = synth_articles(events, words)
    generate_seconds = time.perf_counter() - begun
    rss_at: dict[int, int] = {}
    progress: dict[int, float] = {}
    with ProcessPeakRss() as rss:
        start_rss = rss.now()
        started = time.perf_counter()

        def on_evict(n: int) -> None:
            rss_at[n] = rss.now()
            progress[n] = time.perf_counter() - started

        placed = place_stream(articles, settings, on_evict, deadline=started + budget)
        seconds = time.perf_counter() - started
    done = len(placed["predicted"])
    finished = done == len(articles)
    p, r, f = b_cubed(placed["predicted"], {a: gold[a] for a in placed["predicted"]})
    # steady rate over the second half of what was placed (the window is full by then)
    marks = sorted(progress)
    half = next((m for m in marks if m >= done / 2), marks[-1]) if marks else 0
    last = marks[-1] if marks else 0
    rate = (last - half) / (progress[last] - progress[half]) if marks and last > half else done / seconds
    projected = seconds if finished else seconds + (len(articles) - done) / rate
    window_events = _max_active(events, settings.window_days + 5)
    by_id = {e.id: e for e in events}
    sample_events = {e.id for e in sorted(events, key=lambda e: e.start)[:CALIBRATION_EVENTS]}

    def pair_kind(a: Any, b: Any) -> str:
        ea, eb = by_id[gold[a.id]], by_id[gold[b.id]]
        if ea.id == eb.id:
            return "same event"
        related = {ea.id, ea.sibling_of} & {eb.id, eb.sibling_of} - {None}
        return "sibling event" if related else "other"

    calibration = similarities([a for a in articles if gold[a.id] in sample_events], pair_kind)
    held = placed["held"]
    peak_held = max(h[1] for h in held)
    peak_first = max((h[1] for h in held if h[0] <= done / 2), default=0)
    peak_second = max((h[1] for h in held if h[0] > done / 2), default=0)
    # memory: growth over the second half of the stream against growth over the first half
    first_growth = rss_at.get(half, start_rss) - start_rss
    second_growth = rss_at.get(last, start_rss) - rss_at.get(half, start_rss)
    held_bounded = peak_second <= 1.25 * peak_first
    rss_bounded = second_growth <= 0.25 * max(first_growth, 1)
    clusterer = placed["clusterer"]
    quarter_marks = [next((m for m in marks if m >= done * q / 4), last) for q in (1, 2, 3, 4)] if marks else []
    return {
        "articles": len(articles),
        "placed": done,
        "finished": finished,
        "budget_seconds": budget,
        "events": len(events),
        "words": len(words),
        "generate_seconds": generate_seconds,
        "seconds": seconds,
        "articles_per_s": done / seconds,
        "steady_articles_per_s": rate,
        "projected_seconds": projected,
        "rss_start": start_rss,
        "rss_peak": rss.peak,
        "rss_quarters": {m: rss_at[m] for m in quarter_marks},
        "rss_growth_first_half": first_growth,
        "rss_growth_second_half": second_growth,
        "peak_held_stories": peak_held,
        "peak_held_first_half": peak_first,
        "peak_held_second_half": peak_second,
        "peak_live_stories": max(h[2] for h in held),
        "held_by_eviction": held[:: max(1, len(held) // 40)],
        "stories_created": placed["created"],
        "final_stories": len(set(placed["predicted"].values())),
        "max_events_in_window": window_events,
        "retained_vectors": len(clusterer.vectors),
        "retained_story_of": len(clusterer.story_of),
        "held_bounded": held_bounded,
        "rss_bounded": rss_bounded,
        "bounded": held_bounded and rss_bounded,
        "precision": p,
        "recall": r,
        "f1": f,
        "calibration": calibration,
    }
