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

Earlier targets (issue 6): dated event-level B-cubed F1 ≥ 0.95 with the default settings and
≥ 5 points above the tuned anchor; 100,000 articles in under 10 minutes with memory bounded by
the window; the shuffled stream equal to the ordered one.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import math
import random
import re
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT, env_int, result, row, skipped

NAME = "stories"
TITLE = "Stories — ECB+ event clustering, stream order, 100k-article scale"
DATA_FILE = Path("clustering") / "ecbplus-dev" / "docs_clusters.jsonl"
CORPUS = REPO_ROOT / "examples" / "corpus"
TARGET_F1 = 0.95
TARGET_MARGIN = 0.05
TARGET_CV_F1 = 0.92
TARGET_SECONDS = 600.0
DEFAULT_DOCS = 100_000
SEED = 20_240_611
TOPIC_SPACING_DAYS = 15
TOPIC_SPREAD_DAYS = 3
OVERLAP_DAYS = 7  # fitting: all topics in one week
THRESHOLDS = [round(0.10 + 0.05 * i, 2) for i in range(13)]  # 0.10 … 0.70
ANCHOR_THRESHOLDS = [round(0.30 + 0.01 * i, 2) for i in range(70)]  # 0.30 … 0.99
STREAM_BATCHES = 4
RESPLIT_LOOSE = {"threshold": 0.001, "window_days": 60.0}  # clusters far too loosely
RESPLIT_MIN_ARTICLES = 6
EVICT_EVERY = 500
SPEED_REPEATS = 5
# synthetic stream
DAYS = 90
EVENT_WORDS = 60
GENERIC_WORDS = 15  # of an event's words, drawn Zipf-weighted from the whole list; the rest from
SPECIFIC_FROM_RANK = 200  # … the words below this rank, uniformly
SIBLING_SHARE = 0.2  # events that echo an earlier one (a third of its words, one of its names, days apart)
ONE_OFF_NAMES = 3  # names an article alone mentions: 0 to this many
CALIBRATION_EVENTS = 120
COMMON_NAMES = 300
TITLE_WORDS = 8
BODY_WORDS = 120
EVENT_SHARE = 0.35
ENTITY_TYPES = ("person", "org", "place")

# ---- ECB+ as articles -----------------------------------------------------------------------------

_QUOTES = (("``", "“"), ("''", "”"))
_BEFORE = re.compile(r" ([,.;:!?%)\]}”]|n't\b|'(?:s|re|ve|ll|d|m)\b)")
_AFTER = re.compile(r"([(\[{“$]) ")
_CLOCK = re.compile(r"(\d) : (\d)")
_MONTHS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december mon tue wed thu fri sat sun monday tuesday wednesday thursday "
    "friday saturday sunday am pm a.m p.m a m p edt est pdt pst cdt cst gmt bst et pt utc published updated "
    "posted first last on at by"
).split()
_DATELINE_WORDS = frozenset(_MONTHS)


@dataclass(frozen=True)
class Doc:
    id: str
    topic: str
    event: str
    title: str
    text: str


def detokenise(line: str) -> str:
    """Undo PTB tokenisation lightly: quotes, punctuation, clitics, clock times."""
    for old, new in _QUOTES:
        line = line.replace(old, new)
    line = _CLOCK.sub(r"\1:\2", line)
    line = _BEFORE.sub(r"\1", line)
    line = _AFTER.sub(r"\1", line)
    return line.strip()


def _is_url(line: str) -> bool:
    return line.replace(" ", "").lower().startswith(("http:", "https:", "www."))


def _is_dateline(line: str) -> bool:
    words = re.findall(r"[a-z.]+", line.lower())
    return sum(1 for w in words if w.strip(".") and w.strip(".") not in _DATELINE_WORDS) < 2


def _is_sentence(line: str) -> bool:
    return line.rstrip("”\"' ").endswith((".", "!", "?"))


def to_doc(record: Mapping[str, Any]) -> Doc:
    lines = [ln for ln in (detokenise(x) for x in str(record["text"]).split("\n")) if ln]
    while lines and _is_url(lines[0]):
        lines.pop(0)
    head = next((i for i, ln in enumerate(lines) if not _is_dateline(ln)), None)
    if head is None or _is_sentence(lines[head]):  # no headline: the whole document is the text
        title, text = "", "\n\n".join(lines)
    else:
        title, text = lines[head], "\n\n".join(ln for i, ln in enumerate(lines) if i != head)
    return Doc(str(record["doc_id"]), str(record["topic"]), str(record["cluster"]), title, text)


def load_docs(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as handle:
        return [to_doc(json.loads(line)) for line in handle if line.strip()]


def _digest(docs: Sequence[Doc], model: str) -> str:
    """A key for the NER cache: the articles as given to NER, the model, newsgraph's version and NER code."""
    from importlib.metadata import version

    import newsgraph.enrich

    h = hashlib.sha256(json.dumps([[d.id, d.title, d.text] for d in docs]).encode())
    h.update(f"|{model}|{version('newsgraph')}".encode())
    for source in sorted(Path(newsgraph.enrich.__file__).parent.glob("*.py")):  # NER code edited since
        h.update(source.read_bytes())
    return h.hexdigest()[:16]


def names_of(docs: Sequence[Doc], work_dir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per article its name groups (key, type, in text?), from one NER pass, cached in the work folder."""
    from newsgraph.settings import Settings

    settings = Settings()
    cache = work_dir / f"stories-ner-{_digest(docs, settings.model)}.json"
    if cache.exists():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        return stored["names"], {**stored["timing"], "cached": True}
    from newsgraph.enrich import analyse_articles
    from newsgraph.enrich.nlp import load_pipeline
    from newsgraph.records import Article, Location

    load_pipeline(settings.model)  # model loading is not NER time
    articles = [
        Article(
            id=d.id,
            location=Location(d.id),
            format="text",
            title=d.title,
            text=d.text,
            source=None,
            url=None,
            authors=(),
            published=None,
            published_from=None,
            language="en",
        )
        for d in docs
    ]
    started = time.perf_counter()
    analyses = analyse_articles(articles, settings)
    seconds = time.perf_counter() - started
    names: dict[str, dict[str, Any]] = {}
    for doc, analysis in zip(docs, analyses, strict=True):
        fields: dict[int, set[str]] = defaultdict(set)
        for mention in analysis.mentions:
            fields[mention.group].add(mention.field)
        names[doc.id] = {"groups": [[g.key, g.type, sorted(fields[i])] for i, g in enumerate(analysis.groups) if g.key]}
    timing = {"ner_seconds": seconds, "articles": len(docs), "words": sum(len(d.text.split()) for d in docs)}
    work_dir.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"names": names, "timing": timing}), encoding="utf-8")
    return names, {**timing, "cached": False}


def entities_of(groups: Sequence[Sequence[Any]], fields: frozenset[str] = frozenset({"text"})) -> dict[str, str]:
    """Name key → type, as ingest builds them: groups with a mention in `fields`, first type wins."""
    found: dict[str, str] = {}
    for key, kind, where in groups:
        if fields & set(where):
            found.setdefault(key, kind)
    return found


def synthetic_dates(docs: Sequence[Doc], seed: int = SEED) -> dict[str, datetime]:
    """Each topic within TOPIC_SPREAD_DAYS; topics TOPIC_SPACING_DAYS apart, in a shuffled order."""
    rng = random.Random(seed)
    topics = sorted({d.topic for d in docs}, key=lambda t: (len(t), t))
    rng.shuffle(topics)
    start = datetime(2021, 1, 4, tzinfo=UTC)
    base = {t: start + timedelta(days=TOPIC_SPACING_DAYS * i) for i, t in enumerate(topics)}
    return {d.id: base[d.topic] + timedelta(seconds=rng.uniform(0, TOPIC_SPREAD_DAYS * 86400)) for d in docs}


def overlapped_dates(docs: Sequence[Doc], seed: int = SEED + 4, days: float = OVERLAP_DAYS) -> dict[str, datetime]:
    """For fitting only: every topic within the same `days`, so that unrelated stories are active together."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 4, tzinfo=UTC)
    return {d.id: start + timedelta(seconds=rng.uniform(0, days * 86400)) for d in docs}


def event_dates(docs: Sequence[Doc], seed: int = SEED) -> dict[str, datetime]:
    """For information: each event on days of its own (TOPIC_SPREAD_DAYS), events TOPIC_SPACING_DAYS apart."""
    rng = random.Random(seed + 2)
    found = sorted({d.event for d in docs})
    rng.shuffle(found)
    start = datetime(2021, 1, 4, tzinfo=UTC)
    base = {e: start + timedelta(days=TOPIC_SPACING_DAYS * i) for i, e in enumerate(found)}
    return {d.id: base[d.event] + timedelta(seconds=rng.uniform(0, TOPIC_SPREAD_DAYS * 86400)) for d in docs}


def story_articles(
    docs: Sequence[Doc],
    names: Mapping[str, Mapping[str, Any]],
    dates: Mapping[str, datetime] | None,
    fields: frozenset[str] = frozenset({"text"}),
) -> list[Any]:
    from newsgraph.corpus.stories import StoryArticle, terms

    return [
        StoryArticle(
            d.id,
            dates.get(d.id) if dates else None,
            d.title,
            terms(d.title, d.text),
            entities_of(names[d.id]["groups"], fields),
        )
        for d in docs
    ]


# ---- scoring ----------------------------------------------------------------------------------------


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
    merged = []
    for story, events in sorted(events_of.items()):
        if len(events) > 1:
            kind = "same topic" if len({topic_of[e] for e in events}) == 1 else "across topics"
            merged.append({"story": story, "events": dict(events), "kind": kind})
    split = []
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


# ---- newsgraph and the anchor on ECB+ -------------------------------------------------------------------


def run_ours(articles: Sequence[Any], settings: Any = None) -> dict[str, str]:
    from newsgraph.corpus.stories import cluster

    return cluster(articles, settings)


def sweep_ours(articles: Sequence[Any], gold: Mapping[str, str]) -> list[tuple[float, float, float, float]]:
    from newsgraph.corpus.stories import StorySettings

    out = []
    for t in THRESHOLDS:
        p, r, f = b_cubed(run_ours(articles, StorySettings(threshold=t)), gold)
        out.append((t, p, r, f))
    return out


def run_anchor(docs: Sequence[Doc], gold: Mapping[str, str]) -> dict[str, Any]:
    """TF-IDF + average-linkage agglomerative clustering on cosine distance, threshold tuned here."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    started = time.perf_counter()
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [f"{d.title}\n\n{d.text}" for d in docs]
    )
    distances = cosine_distances(matrix)
    sweep = []
    best: tuple[float, dict[str, str]] | None = None
    for t in ANCHOR_THRESHOLDS:
        labels = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average", distance_threshold=t
        ).fit_predict(distances)
        predicted = {d.id: f"c{label}" for d, label in zip(docs, labels, strict=True)}
        p, r, f = b_cubed(predicted, gold)
        sweep.append((t, p, r, f))
        if best is None or f > b_cubed(best[1], gold)[2]:
            best = (t, predicted)
    assert best is not None
    return {"sweep": sweep, "threshold": best[0], "predicted": best[1], "seconds": time.perf_counter() - started}


def _best(sweep: Sequence[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return max(sweep, key=lambda x: (x[3], -abs(x[0] - 0.25)))


def ecb_part(data_path: Path, work_dir: Path) -> dict[str, Any]:
    from newsgraph.corpus.stories import StorySettings

    docs = load_docs(data_path)
    names, ner = names_of(docs, work_dir)
    started = time.perf_counter()
    undated = story_articles(docs, names, None)
    features_seconds = time.perf_counter() - started
    dates = synthetic_dates(docs)
    dated = story_articles(docs, names, dates)
    events = {d.id: d.event for d in docs}
    topics = {d.id: d.topic for d in docs}
    out: dict[str, Any] = {"docs": len(docs), "events": len(set(events.values())), "topics": len(set(topics.values()))}
    apart = story_articles(docs, names, event_dates(docs))
    for label, articles in (("dated", dated), ("undated", undated), ("apart", apart)):
        predicted = run_ours(articles, StorySettings())
        sweep = sweep_ours(articles, events)
        out[label] = {
            "event": b_cubed(predicted, events),
            "topic": b_cubed(predicted, topics),
            "stories": len(set(predicted.values())),
            "sweep": sweep,
            "best": _best(sweep),
            "confusions": confusions(predicted, docs),
        }
    from benchmarks.story_fit import cross_validate_anchor, cross_validate_ours

    overlapped = story_articles(docs, names, overlapped_dates(docs))
    out["cross_validated"] = {
        "ours": cross_validate_ours(dated, overlapped, events, topics),
        "ours_chosen": cross_validate_ours(dated, overlapped, events, topics, choose_threshold=True),
        "anchor": cross_validate_anchor(docs, events),
    }
    anchor = run_anchor(docs, events)
    out["anchor"] = {
        "event": b_cubed(anchor["predicted"], events),
        "topic": b_cubed(anchor["predicted"], topics),
        "stories": len(set(anchor["predicted"].values())),
        "threshold": anchor["threshold"],
        "sweep": anchor["sweep"],
        "seconds": anchor["seconds"],
        "confusions": confusions(anchor["predicted"], docs),
    }
    # speed: placement only, best of SPEED_REPEATS
    times = []
    for _ in range(SPEED_REPEATS):
        begun = time.perf_counter()
        run_ours(dated, StorySettings())
        times.append(time.perf_counter() - begun)
    out["calibration"] = similarities(
        undated,
        lambda a, b: (
            "same event" if events[a.id] == events[b.id] else "same topic" if topics[a.id] == topics[b.id] else "other"
        ),
    )
    out["speed"] = {
        "cluster_seconds": min(times),
        "cluster_articles_per_s": len(docs) / min(times),
        "ner_seconds": ner["ner_seconds"],
        "features_seconds": features_seconds,
        "ner_articles_per_s": len(docs) / (ner["ner_seconds"] + features_seconds),
        "ner_cached": ner["cached"],
    }
    return out


# ---- stream order on the demo corpus --------------------------------------------------------------------


def _members(store: Any) -> dict[str, str]:
    return dict(store.conn.execute("SELECT article_id, story_id FROM story_members").fetchall())


def stream_part(work_dir: Path) -> dict[str, Any]:
    from newsgraph.ingest.files import list_inputs
    from newsgraph.run.local import ingest_paths
    from newsgraph.settings import Settings
    from newsgraph.store.connect import open_store

    files = list(list_inputs([CORPUS]))
    shuffled = files[:]
    random.Random(SEED).shuffle(shuffled)
    size = math.ceil(len(shuffled) / STREAM_BATCHES)
    batches = [shuffled[i : i + size] for i in range(0, len(shuffled), size)]
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        settings = Settings(processes=1)
        started = time.perf_counter()
        with open_store(Path(tmp) / "ordered.db") as store:
            ingest_paths([CORPUS], store, settings.replace(db=str(Path(tmp) / "ordered.db")))
            ordered = _members(store)
            ordered_seconds = time.perf_counter() - started
            resplit = resplit_part(store)
        with open_store(Path(tmp) / "shuffled.db") as store:
            for batch in batches:
                ingest_paths(batch, store, settings.replace(db=str(Path(tmp) / "shuffled.db")))
            batched = _members(store)
    differing = sorted(a for a in set(ordered) | set(batched) if ordered.get(a) != batched.get(a))
    return {
        "files": len(files),
        "batches": [len(b) for b in batches],
        "articles": len(ordered),
        "stories": len(set(ordered.values())),
        "stories_shuffled": len(set(batched.values())),
        "differing": differing,
        "same": not differing,
        "ordered_seconds": ordered_seconds,
        "resplit": resplit,
    }


def resplit_part(store: Any) -> dict[str, Any]:
    """`resplit_stories` on the demo corpus: on its stories as clustered, and after clustering it far too
    loosely (RESPLIT_LOOSE), against the stories the corpus was written with."""
    from newsgraph.corpus.stories import StorySettings
    from newsgraph.store.stories import cluster_stories, resplit_stories

    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    planned = {
        str(CORPUS / d["path"]) + (f":{d['line']}" if d.get("line") else ""): d["story"] for d in manifest["documents"]
    }

    def by_location() -> dict[str, str]:
        rows = store.conn.execute(
            "SELECT a.location, m.story_id FROM story_members m JOIN articles a ON a.id = m.article_id"
        ).fetchall()
        return {location: story for location, story in rows if location in planned}

    as_clustered = resplit_stories(store, StorySettings(split_min_articles=RESPLIT_MIN_ARTICLES))
    cluster_stories(store, StorySettings(**RESPLIT_LOOSE), full=True)
    loose = by_location()
    gold = {location: planned[location] for location in loose}
    started = time.perf_counter()
    resplit_stories(store, StorySettings(split_min_articles=RESPLIT_MIN_ARTICLES))
    seconds = time.perf_counter() - started
    after = by_location()
    return {
        "split_as_clustered": len(as_clustered["split"]),
        "loose": RESPLIT_LOOSE,
        "planned_stories": len(set(gold.values())),
        "before": {"stories": len(set(loose.values())), "b_cubed": b_cubed(loose, gold)},
        "after": {"stories": len(set(after.values())), "b_cubed": b_cubed(after, gold)},
        "seconds": seconds,
    }


# ---- the synthetic stream ---------------------------------------------------------------------------------


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
            SynthEvent(f"e{n}", when, span, tuple(sorted(vocab)), tuple(names), shared, size, sibling and sibling.id)
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


class PeakRss:
    """Peak RSS of this process, sampled in a thread every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def now(self) -> int:
        return int(self.process.memory_info().rss)

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


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
    with PeakRss() as rss:
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


# ---- the benchmark ------------------------------------------------------------------------------------------


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
    dated, undated, apart, anchor = ecb["dated"], ecb["undated"], ecb["apart"], ecb["anchor"]
    a_f1 = anchor["event"][2]
    columns = [
        "newsgraph, default settings",
        "newsgraph, threshold tuned on test",
        "anchor: TF-IDF + agglomerative, tuned on test",
    ]
    from newsgraph.corpus.stories import StorySettings

    default_threshold = StorySettings().threshold
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
    speed = ecb["speed"]
    rows.append(
        row(
            "speed: cluster() articles/s (ECB+, NER excluded)", [speed["cluster_articles_per_s"], None, None], fmt=".0f"
        )
    )
    rows.append(row("speed: NER + features articles/s (ECB+)", [speed["ner_articles_per_s"], None, None], fmt=".1f"))
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
    mb = 1024 * 1024
    if scale["finished"]:
        done = f"{scale['placed']:,} in {scale['seconds']:.0f} s"
    else:
        done = (
            f"{scale['placed']:,} of {scale['articles']:,} in {scale['seconds']:.0f} s "
            f"(all projected: {scale['projected_seconds']:.0f} s)"
        )
    quarters = " / ".join(f"{v / mb:.0f}" for v in scale["rss_quarters"].values())
    rows += [
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
    from benchmarks.story_fit import FOLDS, SEEDS

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
    raw = {"ecb": ecb, "stream": stream, "scale": scale}
    return result(NAME, TITLE, columns, rows, notes, raw)
