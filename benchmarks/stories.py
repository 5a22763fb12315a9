"""Story clustering: ECB+ events, stream-order invariance on the demo corpus, a 100,000-article stream.

Four parts, one table (rows are prefixed by part):

1. **ECB+** — `clustering/ecbplus-dev/docs_clusters.jsonl` (topics 1–22 of ECB+ as shipped:
   462 articles, 20 topics, each topic holding two similar events, the `ecb` and the `ecbplus`
   one). Gold: `cluster` (the event) and, for information, `topic`. The text is PTB-tokenised
   with a sentence a line; it is detokenised lightly (`` `` ``/`''` → curly quotes, no space before
   punctuation or clitics, `1 : 35` → `1:35`). A leading URL line (most `ecbplus` files) is
   dropped: it is metadata, and newsgraph does not cluster on URLs. The headline is the first
   remaining line that is not a dateline, when it reads as one (it does not end in `.`, `!` or
   `?`); the other lines, datelines included, are the text, a sentence a paragraph. A document
   without such a line (most `ecb` files start with their lead sentence) gets no headline and
   all its lines are the text: no headline is made up.

   newsgraph: NER once with `newsgraph.enrich.analyse_articles` (cached in the work folder under
   a hash of the articles, the model name and newsgraph's version); an article's names are the keys
   and types of its name groups with a mention in the text, as ingest builds them
   (`newsgraph/store/stories.py::_features`); terms are `terms(title, text)`. `cluster(...)` with
   the default `StorySettings()` (whose story model is fitted on these very topics: those rows are
   in-sample) runs on two streams: **undated** (`published=None`: ordered by
   id) and **dated** — synthetic dates where each topic's articles fall within 3 days (both of
   its events interleaved) and the topics lie 15 days apart in a shuffled order (about ten months
   in all), as a news stream would bring them. The dated stream is the headline figure (it is
   what ingest sees); the undated one is for information, and so is a third stream where each
   *event* has days of its own (events 15 days apart), which lets time tell a topic's two events
   apart as real dates would (ECB and ECB+ events of a topic are years apart). Beside the default, the online method
   at its best `threshold` on this very data (0.10–0.70 in steps of 0.05): **tuned on the test
   set**, so an upper bound, not a result.

   Anchor: plain TF-IDF (`TfidfVectorizer(sublinear_tf=True, stop_words="english")` over
   headline + text) and agglomerative clustering (average linkage, cosine distance), its
   distance threshold swept 0.30–0.99 in steps of 0.01 on these same topics and the best kept.
   It sees the whole corpus at once; newsgraph places one article at a time.

   B-cubed precision, recall and F1 (per-article averages) at the event level, and the topic
   level for information. The JSON lists, per topic, the event pairs merged (a predicted story
   holding articles of both events of a topic, or of two topics) and the events split, as
   document ids and counts only.

2. **speed** — articles/s of `cluster(...)` on the 462 ECB+ articles (best of 5, dated stream,
   NER excluded), and separately articles/s of NER + feature building (the timing of the run that
   filled the cache; the note says when the cache was used).

3. **stream** — the project's demo corpus `examples/corpus` ingested with
   `newsgraph.run.ingest_paths` into a fresh SQLite store (`Settings(processes=1)`), in the
   order `list_inputs` gives, and its `story_members` read back; then the same files, shuffled
   (fixed seed) into 4 batches, ingested batch by batch into a second store. Pass when every
   article has the same story id in both.

4. **scale** — `NEWSGRAPH_BENCH_STORY_DOCS` (default 100,000) synthetic articles over 90 days:
   events (about 6 per 100 articles; 5–50 articles each, mean about 17) each draw a vocabulary of
   40 words (Zipf-weighted) from a word list built from the ECB+ texts (lower-case alphabetic
   words only; no sentences are kept), 2–4 names of their own, and share some of 300 common names
   (Zipf). An event's articles fall within 1–5 days of its start; an article has an 8-word
   headline from the event's words and a 120-word body, half event words and half background
   words (Zipf over the whole list). Terms go through `terms(...)` like real text. The articles are
   placed with a `StoryClusterer` in publication order, calling `evict()` every 500 articles
   as ingest does (`cluster()` never evicts). Timed (placement only; generation is reported
   apart) and stopped at the 600 s target when not done, the time for the rest projected from the
   rate over the second half of what was placed; peak RSS of this process (psutil, sampled every
   0.1 s; it holds all generated articles from the start), RSS at each quarter of what was
   placed, the peak number of stories held by the clusterer (sampled before each eviction), and
   B-cubed F1 against the generated events. Memory counts as bounded by the window when (a) the
   peak number of held stories is under 3 × the largest number of events active at once (from
   start to last article + `window_days` + 5) and under a quarter of all stories created, and
   (b) RSS grows over the second half of the stream by at most a quarter of its growth over the
   first half (the window is full well before half-way, so a clusterer whose memory follows the
   window stops growing).

The headline is **cross-validated by topic** (`benchmarks/story_fit.py`): the story model and its
threshold are fitted on four fifths of the topics and the rest are clustered with them, for four
shufflings of the topics, beside the anchor with its threshold chosen on the training folds the
same way. Target (issue 14): at least 0.92 and never below the anchor.

Each part has a module of its own: `stories_ecb_runs.py` (parts 1 and 2, over the articles
of `stories_ecb_docs.py`), `stories_stream.py` (part 3) and `stories_scale.py` (part 4, over
the stream of `stories_synthetic.py`); `stories_scoring.py` holds the scores they share. This
module assembles the table.

Earlier targets (issue 6): dated event-level B-cubed F1 ≥ 0.95 with the default settings and
≥ 5 points above the tuned anchor; 100,000 articles in under 10 minutes with memory bounded by
the window; the shuffled stream equal to the ordered one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import env_int, result, row, skipped
from benchmarks.stories_ecb_docs import DATA_FILE, TOPIC_SPACING_DAYS, TOPIC_SPREAD_DAYS, load_docs
from benchmarks.stories_ecb_runs import SPEED_REPEATS, ecb_part
from benchmarks.stories_scale import EVICT_EVERY, TARGET_SECONDS, scale_part
from benchmarks.stories_stream import RESPLIT_LOOSE, RESPLIT_MIN_ARTICLES, stream_part
from benchmarks.story_fit import FOLDS, SEEDS

NAME = "stories"
TITLE = "Stories — ECB+ event clustering, stream order, 100k-article scale"
TARGET_F1 = 0.95
TARGET_MARGIN = 0.05
TARGET_CV_F1 = 0.92
DEFAULT_DOCS = 100_000
COLUMNS = [
    "newsgraph, default settings",
    "newsgraph, threshold tuned on test",
    "anchor: TF-IDF + agglomerative, tuned on test",
]


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    data_path = data_dir / DATA_FILE
    if not data_path.is_file():
        return skipped(NAME, TITLE, f"{data_path} not found (see the data folder's README.md)")
    total = env_int("NEWSGRAPH_BENCH_STORY_DOCS", DEFAULT_DOCS)
    work_dir.mkdir(parents=True, exist_ok=True)
    ecb = ecb_part(data_path, work_dir)
    stream = stream_part(work_dir)
    scale = scale_part(load_docs(data_path), total)
    return report(ecb, stream, scale, total)


def report(ecb: dict[str, Any], stream: dict[str, Any], scale: dict[str, Any], total: int) -> dict[str, Any]:
    from newsgraph.corpus.stories import StorySettings

    default_threshold = StorySettings().threshold
    rows = _ecb_rows(ecb, default_threshold) + _speed_rows(ecb["speed"]) + _stream_rows(stream) + _scale_rows(scale)
    notes = _notes(ecb, stream, scale, total, default_threshold)
    raw = {"ecb": ecb, "stream": stream, "scale": scale}
    return result(NAME, TITLE, COLUMNS, rows, notes, raw)


def _ecb_rows(ecb: dict[str, Any], default_threshold: float) -> list[dict[str, Any]]:
    """Part 1: event B-cubed cross-validated, on each stream, and the thresholds and story counts."""
    dated, undated, apart, anchor = ecb["dated"], ecb["undated"], ecb["apart"], ecb["anchor"]
    a_f1 = anchor["event"][2]
    cv = ecb["cross_validated"]
    ours_cv, anchor_cv = cv["ours"]["mean"], cv["anchor"]["mean"]
    rows = [
        row(
            f"ECB+ event B³ {metric}, dated stream, cross-validated by topic (model / anchor threshold fitted on "
            "the training folds)",
            [ours_cv[i], None, anchor_cv[i]],
            target=f"≥ {TARGET_CV_F1:.2f} and ≥ anchor" if metric == "F1" else "",
            passed=(ours_cv[2] >= TARGET_CV_F1 and ours_cv[2] >= anchor_cv[2]) if metric == "F1" else None,
        )
        for i, metric in enumerate(("precision", "recall", "F1"))
    ]
    rows.append(
        row(
            "ECB+ event B³ F1 of each topic shuffle, cross-validated",
            [
                " / ".join(f"{r['b_cubed'][2]:.3f}" for r in cv["ours"]["runs"]),
                None,
                " / ".join(f"{r['b_cubed'][2]:.3f}" for r in cv["anchor"]["runs"]),
            ],
        )
    )
    rows.append(
        row(
            "ECB+ event B³ F1, cross-validated, newsgraph's threshold also chosen on the training folds (information)",
            [cv["ours_chosen"]["mean"][2], None, None],
        )
    )
    for label, part in (("dated stream", dated), ("undated, by id", undated)):
        best = part["best"]
        for i, metric in enumerate(("precision", "recall", "F1")):
            headline = label == "dated stream" and metric == "F1"
            rows.append(
                row(
                    f"ECB+ event B³ {metric}, {label}" + (" (default model fitted on these topics)" if i == 0 else ""),
                    [part["event"][i], best[i + 1], anchor["event"][i]],
                    target=f"issue 6: ≥ {TARGET_F1:.2f} and ≥ anchor + {TARGET_MARGIN:.2f}" if headline else "",
                    passed=(part["event"][2] >= TARGET_F1 and part["event"][2] >= a_f1 + TARGET_MARGIN)
                    if headline
                    else None,
                )
            )
        rows.append(row(f"ECB+ threshold used, {label}", [default_threshold, best[0], anchor["threshold"]], fmt=".3g"))
    rows.append(
        row(
            "ECB+ event B³ F1, each event on days of its own (information)",
            [apart["event"][2], apart["best"][3], None],
        )
    )
    for label, part in (("dated stream", dated), ("undated, by id", undated)):
        rows.append(row(f"ECB+ topic B³ F1 (information), {label}", [part["topic"][2], None, anchor["topic"][2]]))
    rows.append(
        row(
            f"ECB+ stories found, dated stream (gold: {ecb['events']} events)",
            [dated["stories"], None, anchor["stories"]],
            fmt="d",
        )
    )
    return rows


def _speed_rows(speed: dict[str, Any]) -> list[dict[str, Any]]:
    """Part 2: articles/s of cluster() and of NER + features on ECB+."""
    rows: list[dict[str, Any]] = []
    rows.append(
        row(
            "speed: cluster() articles/s (ECB+, NER excluded)", [speed["cluster_articles_per_s"], None, None], fmt=".0f"
        )
    )
    rows.append(row("speed: NER + features articles/s (ECB+)", [speed["ner_articles_per_s"], None, None], fmt=".1f"))
    return rows


def _stream_rows(stream: dict[str, Any]) -> list[dict[str, Any]]:
    """Part 3: the shuffled demo stream against the ordered one, and resplit on the demo corpus."""
    rows: list[dict[str, Any]] = []
    rows.append(
        row(
            f"stream: shuffled into {len(stream['batches'])} batches = in order (articles differing)",
            [f"{'yes' if stream['same'] else 'no'} ({len(stream['differing'])} of {stream['articles']})", None, None],
            target="identical",
            passed=stream["same"],
        )
    )
    resplit = stream["resplit"]
    before, after = resplit["before"], resplit["after"]
    rows.append(
        row(
            "resplit: demo stories as clustered, stories split",
            [resplit["split_as_clustered"], None, None],
            target="0",
            passed=resplit["split_as_clustered"] == 0,
            fmt="d",
        )
    )
    rows.append(
        row(
            f"resplit: demo corpus clustered too loosely, B³ P / R / stories (gold {resplit['planned_stories']}), "
            "before → after",
            [
                f"{before['b_cubed'][0]:.3f} / {before['b_cubed'][1]:.3f} / {before['stories']} → "
                f"{after['b_cubed'][0]:.3f} / {after['b_cubed'][1]:.3f} / {after['stories']}",
                None,
                None,
            ],
        )
    )
    return rows


def _scale_rows(scale: dict[str, Any]) -> list[dict[str, Any]]:
    """Part 4: the synthetic stream's time, rate, stories held, RSS and B-cubed."""
    mb = 1024 * 1024
    if scale["finished"]:
        done = f"{scale['placed']:,} in {scale['seconds']:.0f} s"
    else:
        done = (
            f"{scale['placed']:,} of {scale['articles']:,} in {scale['seconds']:.0f} s "
            f"(all projected: {scale['projected_seconds']:.0f} s)"
        )
    quarters = " / ".join(f"{v / mb:.0f}" for v in scale["rss_quarters"].values())
    return [
        row(
            f"scale: {scale['articles']:,} synthetic articles placed",
            [done, None, None],
            target=f"all in < {TARGET_SECONDS:.0f} s",
            passed=scale["finished"] and scale["seconds"] < TARGET_SECONDS,
        ),
        row(
            "scale: articles/s, second half of what was placed", [scale["steady_articles_per_s"], None, None], fmt=".0f"
        ),
        row(
            "scale: peak stories held, 1st half / 2nd half (live at most; created)",
            [
                f"{scale['peak_held_first_half']:,} / {scale['peak_held_second_half']:,} "
                f"({scale['peak_live_stories']:,}; {scale['stories_created']:,})",
                None,
                None,
            ],
            target="2nd ≤ 1.25 × 1st",
            passed=scale["held_bounded"],
        ),
        row(
            "scale: RSS MB at each quarter of what was placed (start, peak)",
            [f"{quarters} ({scale['rss_start'] / mb:.0f}, {scale['rss_peak'] / mb:.0f})", None, None],
            target="2nd-half growth ≤ ¼ of 1st-half",
            passed=scale["rss_bounded"],
        ),
        row("scale: B³ F1 against the generated events", [scale["f1"], None, None]),
        row("scale: B³ precision / recall", [f"{scale['precision']:.3f} / {scale['recall']:.3f}", None, None]),
    ]


def _notes(
    ecb: dict[str, Any], stream: dict[str, Any], scale: dict[str, Any], total: int, default_threshold: float
) -> list[str]:
    """How each part was run, in words: the protocol, the streams, the anchor, speed, resplit, scale."""
    cv, anchor, speed, resplit = ecb["cross_validated"], ecb["anchor"], ecb["speed"], stream["resplit"]
    notes = [
        f"Cross-validation by topic: the {ecb['topics']} topics are shuffled and dealt into {FOLDS} folds; the story "
        "model is fitted on four folds (their dated stream, and the same articles with all topics in one week) and "
        f"the fifth fold's dated stream is clustered online with it at the default threshold {default_threshold:g} "
        "(not chosen on ECB+: see benchmarks/story_fit.py); B³ is computed over all articles, each placed by the "
        f"fold that held it out; the mean over the shuffles {', '.join(map(str, SEEDS))}. The anchor's distance "
        "threshold is chosen on the training folds and applied to the held-out topics. Thresholds chosen on the "
        "training folds, newsgraph (information row): "
        + "; ".join(",".join(f"{t:g}" for t in r["thresholds"]) for r in cv["ours_chosen"]["runs"])
        + "; anchor: "
        + "; ".join(",".join(f"{t:g}" for t in r["thresholds"]) for r in cv["anchor"]["runs"])
        + ". The default model (`newsgraph/corpus/story_model.py`) is fitted on all "
        f"{ecb['topics']} topics, so its rows below are in-sample.",
        f"ECB+: {ecb['docs']} articles, {ecb['events']} events in {ecb['topics']} topics (two similar events a "
        f"topic). 'dated stream': each topic's articles get synthetic times within {TOPIC_SPREAD_DAYS} days (its two "
        f"events interleaved), topics {TOPIC_SPACING_DAYS} days apart in shuffled order; this is the stream ingest "
        "would see and carries the target. 'undated' passes published=None (placed in id order). 'each event on "
        "days of its own' is for information only: it lets time separate a topic's two events, as real dates "
        "would (ECB and ECB+ events of a topic are years apart).",
        "'Tuned on test' is the online method at its best threshold (0.10–0.70) on this same data: an upper bound, "
        f"not a result. The anchor's distance threshold is tuned on this data too (best {anchor['threshold']:.2f} of "
        "0.30–0.99); it clusters the whole corpus at once, newsgraph one article at a time.",
        f"Speed: cluster() on the dated stream, best of {SPEED_REPEATS}; NER + features is analyse_articles on "
        "title and text plus terms() and entity keys, "
        + (
            "timed when the NER cache was filled (the cache was used this run)."
            if speed["ner_cached"]
            else "timed this run."
        ),
        f"Resplit: `resplit_stories` (stories of {RESPLIT_MIN_ARTICLES}+ articles) on the demo corpus's stories as "
        f"ingested, then after clustering it again with {RESPLIT_LOOSE} (everything runs together), scored against "
        f"the stories the corpus was written with ({resplit['seconds']:.2f} s).",
        f"Stream: {stream['files']} input files of examples/corpus, {stream['articles']} articles, {stream['stories']} "
        f"stories in order and {stream['stories_shuffled']} shuffled; the shuffled run ingests "
        f"{stream['batches']} files a batch.",
        f"Scale: {scale['events']:,} synthetic events (a fifth echo an earlier one), words from a "
        f"{scale['words']:,}-word list built from ECB+ (generation {scale['generate_seconds']:.0f} s, not timed); "
        f"placement with evict() every {EVICT_EVERY}, stopped at the {scale['budget_seconds']:.0f} s target if not "
        "done (the projection uses the rate over the second half). RSS is this process's and includes the generated "
        f"articles. At most {scale['max_events_in_window']:,} events are active at once (start to last article + "
        f"window + 5 days). At the end the clusterer held {scale['retained_vectors']:,} article vectors and "
        f"{scale['retained_story_of']:,} story_of entries.",
        "Scale calibration (pairwise TF-IDF cosine p50/p90/p99 over terms; name-key Jaccard p90): "
        + "; ".join(
            f"{label} {kind} {v['cosine'][0]:.2f}/{v['cosine'][1]:.2f}/{v['cosine'][2]:.2f}, names {v['names'][1]:.2f}"
            for label, part in (("ECB+", ecb["calibration"]), ("synthetic", scale["calibration"]))
            for kind, v in part.items()
        )
        + ".",
    ]
    if total != DEFAULT_DOCS:
        notes.append(f"NEWSGRAPH_BENCH_STORY_DOCS={total} (default {DEFAULT_DOCS:,}).")
    return notes
