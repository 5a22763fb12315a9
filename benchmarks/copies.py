"""Copy detection: realistic edits of real article bodies, same-event hard negatives, and a large
synthetic index — newsgraph beside plain Jaccard on word 5-gram sets, on the same pairs.

Data (all read from `$NEWSGRAPH_DATA`):

- real bodies: `extraction/scrapinghub/ground-truth.json` (`articleBody`) and
  `extraction/fundus/pairs.jsonl` (`body_text`); a body's paragraphs are its non-empty lines.
  Bodies that share 5% or more of their word 5-grams with an earlier body (one article twice,
  site furniture) are set aside first, so every copy in the test is one made here. Originals are
  English bodies (newsgraph's `detect_language`) when there are enough, with at least 4
  paragraphs and 150–1,500 words.
- hard negatives: `clustering/ecbplus-dev/docs_clusters.jsonl`, whose PTB tokens are joined back
  lightly (no space before punctuation, `` and '' become quotes, clitics rejoined); each line is a
  paragraph. Same-event pairs are all pairs within one `cluster` (at most 3,000, seeded); same-topic
  pairs share a `topic` but not a `cluster` (at most 3,000).

Positives: for each edit type, about 100 originals (seeded) and one copy of each:

- `verbatim_boilerplate`: the body unchanged between 1–2 site header lines and 2–3 footer lines of
  one of five invented sites (so ~20 copies share a site's furniture);
- `headline`: same body, a different title;
- `names_numbers`: up to 4 capitalised words (each everywhere it occurs) and up to 4 numbers
  changed, 3 places at least;
- `drop_reorder`: 10–25% of the paragraphs dropped (at most 30% of the words), or 1–3 moved, or both;
- `new_lead`: a new first paragraph (25–80 words of an unrelated body);
- `first_paragraphs`: the first N paragraphs, N chosen so the copy is 30–70% of the original;
- `embedded`: the whole original placed between paragraphs of unrelated bodies so that it is
  25–40% of the result;
- `partial_30_50`, `partial_50_70`: a run of the original's paragraphs that is 30–50% (50–70%) of
  the original, among unrelated paragraphs so that it is also 30–50% (50–70%) of the copy — both
  containments in the band, the case `CopyRules.min_containment` is about.

"Unrelated" text comes from bodies that are not originals of that edit type, each paragraph used
once. Shares are counted in whitespace words, by construction.

Three ways of judging a pair:

1. end to end (the main column): per edit type, one fresh SQLite store holds the originals (dated
   2024-03-01), their copies (2024-03-02) and every ECB+ document (2024-02-15), written with
   `Store.write_batch` (with `fingerprint(text)`) and matched with one `match_copies(store)`. A pair
   is predicted a copy when both articles are in one copy group (`copy_members`). Precision counts
   every grouped pair that involves an original or copy of that type. One store per edit type, so
   a copy cannot reach its original only through another type's copy. Origin accuracy: among the
   detected (original, copy) pairs, the share whose `copy_links` row points from the copy to the
   original, and the share whose group's `original_id` is the original.
2. `classify(overlap(a, b), CopyRules())` on the pair alone (no index). Its negatives are one
   random other original per copy, plus the hard negatives.
3. anchor: Jaccard of the two texts' sets of word 5-grams (lower-cased `\\w+` tokens) ≥ t, with t
   the threshold that gives the best F1 over all pairs here (every edit type's positives and
   negatives, and the hard negatives): the anchor is tuned on the test pairs, newsgraph is not.

Misses of the end-to-end run are explained from the pair: verification said no (containment or
shared-passage words below `CopyRules`), or the index never proposed it (fewer than
`MIN_SHARED_SAMPLES` shared sampled 5-grams, or a sampled containment estimate below
`min_containment × ESTIMATE_SLACK`).

Throughput: `fingerprint` over all the real bodies, 5 passes, one process (one core).

Scale: synthetic documents (`NEWSGRAPH_BENCH_COPY_DOCS`, default 100,000), each 150–1,000 words of
sentences drawn from the real bodies with 30% of their words replaced by random words of the
bodies' vocabulary, so no two share long passages by chance; about 2% are copies (verbatim with
boilerplate, first paragraphs, dropped/reordered paragraphs, new lead, names and numbers) of an
earlier one. The articles are first written as ingest writes them (`write_batch`, 1,000 a batch,
FTS included), timed apart: that is the store's cost, not the index's. Index build = `fingerprint`
+ `write_fingerprints` + one `match_copies(describe=False)` (candidates, verification, groups and
links); the links' diff summaries (`describe_copies`) are timed apart too. Then a batch of 1,000
new documents (about 2% copies of indexed ones) goes through every step ("query"). Peak RSS is
this process's, sampled with psutil every 0.1 s over build and query. Where the time goes is
measured in the same run: the store's connection is wrapped to time each SQL statement (by its
text), and `_sample_entries`, `shared_sample_pairs`, `overlap`, `_rebuild_groups` and `_diff` in
`newsgraph.store.copies` are wrapped for the duration. When the count is the default and two pilot runs (1,000 and 2,000
documents, not counted) predict more than 10 minutes, the run uses the largest count predicted to
fit 9 minutes and extrapolates to 100,000 in a note; a count set in the environment always runs
as given.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import random
import re
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import env_int, result, row, skipped

NAME = "copies"
TITLE = "Copies — edited real bodies, same-event hard negatives, large-index build"
SEED = 20_240_715
PAIRS_PER_TYPE = 100
PAIR_CAP = 3_000
MIN_WORDS, MAX_WORDS, MIN_PARAGRAPHS = 150, 1_500, 4
EMBED_MAX_WORDS = 900
DEDUPE_SHARE = 0.05
FILLER_SHARED = 3
FINGERPRINT_PASSES = 5
TARGET_F1_FULL, TARGET_F1_PARTIAL = 0.97, 0.90
TARGET_SAME_EVENT = 0.01
TARGET_DOCS_PER_S = 3_000
TARGET_BUILD_S, TARGET_RSS_BYTES = 60.0, 2 * 1024**3
SCALE_DEFAULT = 100_000
SCALE_COPY_SHARE = 0.02
SCALE_SUBSTITUTE = 0.30
SCALE_BATCH = 1_000
QUERY_BATCH = 1_000
PILOTS = (1_000, 2_000)
LIMIT_S, BUDGET_S = 600.0, 540.0
WIRE_RUN = 20  # shared narrative words in a row that only a common source text explains
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NAME = re.compile(r"[A-Z][a-z]{2,}")
_PUNCT = "\"'“”‘’()[],.;:!?—–-"
ORIGINAL_DAY = datetime(2024, 3, 1, tzinfo=UTC)
COPY_DAY = datetime(2024, 3, 2, tzinfo=UTC)
ECB_DAY = datetime(2024, 2, 15, tzinfo=UTC)

# (key, label, group): group "full" → F1 target 0.97, "partial" → 0.90
TYPES: tuple[tuple[str, str, str], ...] = (
    ("verbatim_boilerplate", "verbatim + site header/footer", "full"),
    ("headline", "headline rewritten, same body", "full"),
    ("names_numbers", "names and numbers changed", "full"),
    ("drop_reorder", "paragraphs dropped / reordered", "full"),
    ("new_lead", "new lead paragraph", "full"),
    ("first_paragraphs", "first paragraphs only (30–70%)", "partial"),
    ("embedded", "embedded in a longer article (25–40%)", "partial"),
    ("partial_30_50", "partial, containment 30–50% both ways", "partial"),
    ("partial_50_70", "partial, containment 50–70% both ways", "partial"),
)

# invented sites and furniture (no data text): "{site}" is replaced by the site's name
SITES = ("The Daily Ledger", "Northshore Gazette", "Metro Wire Online", "Valley Courier", "Coastline Post")
HEADER_LINES = (
    "{site} | Home | World | Business | Sport | Culture | Opinion",
    "Published by the {site} news desk. Updated regularly as the story develops.",
    "Breaking news and analysis from {site}, your trusted source since 1921.",
    "Listen to this article. Estimated reading time four minutes. Share on social media.",
)
FOOTER_LINES = (
    "Sign up for the {site} morning newsletter and never miss the stories that matter to you.",
    "Copyright 2024 {site}. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed without permission.",
    "Follow {site} on social media for the latest updates, photos and video from our reporters.",
    "Have a news tip? Contact the {site} newsroom by email or through our secure messaging service.",
    "Related coverage: more stories from our world, politics and business desks.",
)


# ---- text helpers ---------------------------------------------------------------------------------


def n_words(text: str) -> int:
    return len(text.split())


def paragraph_words(paragraphs: Sequence[str]) -> int:
    return sum(n_words(p) for p in paragraphs)


def join(paragraphs: Sequence[str]) -> str:
    return "\n\n".join(paragraphs)


def split_paragraphs(body: str) -> list[str]:
    return [line.strip() for line in body.splitlines() if line.strip()]


def detokenise(text: str) -> str:
    """ECB+'s PTB tokens joined back: quotes, no space before punctuation, clitics rejoined."""
    text = text.replace("``", '"').replace("''", '"')
    text = re.sub(r" ([,.;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    return re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)


def gram_set(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """The anchor's features: the set of word n-grams of lower-cased `\\w+` tokens."""
    tokens = _WORD.findall(text.lower())
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return set(zip(*(tokens[i:] for i in range(n)), strict=False))


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def stamp(day: datetime, minutes: int) -> str:
    return (day + timedelta(minutes=minutes)).isoformat()


# ---- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    id: str
    paragraphs: tuple[str, ...]
    language: str | None

    @property
    def words(self) -> int:
        return paragraph_words(self.paragraphs)


def _language(text: str) -> str | None:
    try:
        from newsgraph.extract.language import detect_language
    except ImportError:
        return None
    return detect_language(text)


def load_bodies(data_dir: Path) -> list[Body]:
    bodies: list[Body] = []
    truth = data_dir / "extraction" / "scrapinghub" / "ground-truth.json"
    if truth.is_file():
        items = json.loads(truth.read_text(encoding="utf-8"))
        for key in sorted(items):
            paragraphs = split_paragraphs(items[key].get("articleBody") or "")
            if paragraphs:
                bodies.append(Body(f"scrapinghub/{key[:16]}", tuple(paragraphs), _language(join(paragraphs))))
    pairs = data_dir / "extraction" / "fundus" / "pairs.jsonl"
    if pairs.is_file():
        for line in pairs.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            paragraphs = split_paragraphs(item.get("body_text") or "")
            if paragraphs:
                language = _language(f"{item.get('title') or ''}\n{join(paragraphs)}")
                bodies.append(Body(f"fundus/{item['html']}", tuple(paragraphs), language))
    return bodies


def dedupe(bodies: list[Body]) -> tuple[list[Body], list[str]]:
    """Drop a body sharing ≥ DEDUPE_SHARE of the smaller 5-gram set with a body kept before it."""
    kept: list[tuple[Body, set[tuple[str, ...]]]] = []
    dropped = []
    for body in bodies:
        grams = gram_set(join(body.paragraphs))
        clash = any(
            len(grams & other) >= DEDUPE_SHARE * max(1, min(len(grams), len(other))) for _, other in kept if grams
        )
        if clash or not grams:
            dropped.append(body.id)
        else:
            kept.append((body, grams))
    return [b for b, _ in kept], dropped


@dataclass(frozen=True)
class EcbDoc:
    id: str
    topic: str
    cluster: str
    paragraphs: tuple[str, ...]


def load_ecb(path: Path) -> list[EcbDoc]:
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            paragraphs = tuple(detokenise(p).strip() for p in item["text"].splitlines() if p.strip())
            docs.append(EcbDoc(str(item["doc_id"]), str(item["topic"]), str(item["cluster"]), paragraphs))
    return docs


def hard_negative_pairs(docs: list[EcbDoc], rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    same_event, same_topic = [], []
    for a, b in itertools.combinations(docs, 2):
        if a.cluster == b.cluster:
            same_event.append((a.id, b.id))
        elif a.topic == b.topic:
            same_topic.append((a.id, b.id))
    return {
        "same_event": sorted(rng.sample(same_event, PAIR_CAP)) if len(same_event) > PAIR_CAP else same_event,
        "same_topic": sorted(rng.sample(same_topic, PAIR_CAP)) if len(same_topic) > PAIR_CAP else same_topic,
    }


# ---- edits ----------------------------------------------------------------------------------------


class Filler:
    """Paragraphs of unrelated text, each handed out once.

    With `seen` (the 5-grams of the texts the filler must stay unrelated to), a paragraph sharing
    `FILLER_SHARED` or more 5-grams with those or with anything handed out before is skipped: some
    bodies repeat a paragraph, and one repeated in two copies would make them copies of each other.
    """

    def __init__(self, paragraphs: Iterator[str], seen: set[tuple[str, ...]] | None = None) -> None:
        self._paragraphs = paragraphs
        self._seen = seen
        self.skipped = 0

    def _next(self) -> str | None:
        for text in self._paragraphs:
            if self._seen is None:
                return text
            grams = gram_set(text)
            if len(grams & self._seen) >= FILLER_SHARED:
                self.skipped += 1
                continue
            self._seen |= grams
            return text
        return None

    def paragraph(self, lo: int, hi: int) -> str | None:
        """A paragraph of lo–hi words (a longer one is cut to hi words)."""
        while (text := self._next()) is not None:
            words = text.split()
            if len(words) >= lo:
                return " ".join(words[:hi]) if len(words) > hi else text
        return None

    def words(self, count: int) -> list[str] | None:
        """Whole paragraphs adding up to `count` words (the last one cut to fit)."""
        taken: list[str] = []
        total = 0
        while total < count:
            text = self._next()
            if text is None:
                return None
            words = text.split()
            if total + len(words) > count:
                words = words[: count - total]
                text = " ".join(words)
            taken.append(text)
            total += len(words)
        return taken


def body_filler(bodies: Sequence[Body], avoid: Sequence[Body]) -> Filler:
    seen: set[tuple[str, ...]] = set()
    for body in avoid:
        seen |= gram_set(join(body.paragraphs))
    return Filler((p for body in bodies for p in body.paragraphs), seen)


@dataclass
class Edited:
    paragraphs: list[str]
    title: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class EditContext:
    rng: random.Random
    filler: Filler
    names: Sequence[str]  # capitalised words to swap in


def edit_verbatim_boilerplate(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
    rng = ctx.rng
    site = rng.choice(SITES)
    header = [line.format(site=site) for line in rng.sample(HEADER_LINES, rng.randint(1, 2))]
    footer = [line.format(site=site) for line in rng.sample(FOOTER_LINES, rng.randint(2, 3))]
    copy = [*header, *paragraphs, *footer]
    share = paragraph_words(paragraphs) / paragraph_words(copy)
    return Edited(copy, "", {"site": SITES.index(site), "share_of_copy": round(share, 3), "share_of_original": 1.0})


def edit_headline(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
    return Edited(list(paragraphs), "", {"share_of_copy": 1.0, "share_of_original": 1.0})


def _swap_core(token: str, new: str) -> str:
    core = token.strip(_PUNCT)
    return token.replace(core, new, 1) if core else token


def edit_names_numbers(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
    rng = ctx.rng
    tokens = [p.split() for p in paragraphs]
    names: Counter[str] = Counter()
    numbers = []
    for i, para in enumerate(tokens):
        for j, token in enumerate(para):
            core = token.strip(_PUNCT)
            if any(ch.isdigit() for ch in core):
                numbers.append((i, j))
            elif j > 0 and _NAME.fullmatch(core) and not para[j - 1].endswith((".", "!", "?", ":", '"')):
                names[core] += 1
    chosen_names = rng.sample(sorted(names), min(4, len(names)))
    chosen_numbers = rng.sample(numbers, min(4, len(numbers)))
    present = set(names)
    pool = [n for n in ctx.names if n not in present]
    replacement = dict(zip(chosen_names, rng.sample(pool, len(chosen_names)), strict=True))
    places = 0
    for para in tokens:
        for j, token in enumerate(para):
            core = token.strip(_PUNCT)
            if core in replacement and j > 0 and not para[j - 1].endswith((".", "!", "?", ":", '"')):
                para[j] = _swap_core(token, replacement[core])
                places += 1
    for i, j in chosen_numbers:
        token = tokens[i][j]
        tokens[i][j] = "".join(rng.choice([d for d in "0123456789" if d != ch]) if ch.isdigit() else ch for ch in token)
        places += 1
    if places < 3:
        return None
    return Edited(
        [" ".join(p) for p in tokens],
        "",
        {"names": len(chosen_names), "numbers": len(chosen_numbers), "places": places, "share_of_original": None},
    )


def edit_drop_reorder(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
    rng = ctx.rng
    if len(paragraphs) < 3:
        return None
    variant = rng.choice(("drop", "reorder", "both"))
    copy = list(paragraphs)
    total = paragraph_words(paragraphs)
    if variant in ("drop", "both"):
        k = max(1, round(len(copy) * rng.uniform(0.10, 0.25)))
        for _ in range(20):
            keep = sorted(rng.sample(range(1, len(copy)), len(copy) - 1 - k))
            candidate = [copy[0], *(copy[i] for i in keep)]
            if paragraph_words(candidate) >= 0.7 * total:
                copy = candidate
                break
        else:
            return None
    moves = 0
    if variant in ("reorder", "both"):
        moves = rng.randint(1, 3)
        for _ in range(moves):
            item = copy.pop(rng.randrange(len(copy)))
            copy.insert(rng.randrange(len(copy) + 1), item)
    share = paragraph_words(copy) / total
    return Edited(copy, "", {"variant": variant, "moves": moves, "share_of_original": round(share, 3)})


def edit_new_lead(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
    lead = ctx.filler.paragraph(25, 80)
    if lead is None:
        return None
    copy = [lead, *paragraphs]
    return Edited(copy, "", {"lead_words": n_words(lead), "share_of_original": 1.0})


def edit_first_paragraphs(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
    target = ctx.rng.uniform(0.30, 0.70)
    total = paragraph_words(paragraphs)
    shares = list(itertools.accumulate(n_words(p) / total for p in paragraphs))
    options = [(abs(s - target), n) for n, s in enumerate(shares, 1) if 0.30 <= s <= 0.70]
    if not options:
        return None
    n = min(options)[1]
    return Edited(list(paragraphs[:n]), "", {"paragraphs": n, "share_of_original": round(shares[n - 1], 3)})


def edit_embedded(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
    rng = ctx.rng
    share = rng.uniform(0.25, 0.40)
    words = paragraph_words(paragraphs)
    host = ctx.filler.words(round(words * (1 / share - 1)))
    if host is None or len(host) < 2:
        return None
    at = rng.randint(1, len(host) - 1)
    copy = [*host[:at], *paragraphs, *host[at:]]
    return Edited(copy, "", {"share_of_copy": round(words / paragraph_words(copy), 3), "share_of_original": 1.0})


def edit_partial(lo: float, hi: float) -> Callable[[Sequence[str], EditContext], Edited | None]:
    def edit(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
        rng = ctx.rng
        total = paragraph_words(paragraphs)
        target = rng.uniform(lo, hi)
        sizes = [n_words(p) for p in paragraphs]
        windows = []
        for i in range(len(paragraphs)):
            for j in range(i + 1, len(paragraphs) + 1):
                share = sum(sizes[i:j]) / total
                if lo <= share <= hi:
                    windows.append((abs(share - target), i, j))
        if not windows:
            return None
        _, i, j = min(windows)
        block = list(paragraphs[i:j])
        block_words = paragraph_words(block)
        in_copy = rng.uniform(lo, hi)
        extra = ctx.filler.words(max(1, round(block_words * (1 / in_copy - 1))))
        if extra is None:
            return None
        at = rng.randint(0, len(extra))
        copy = [*extra[:at], *block, *extra[at:]]
        return Edited(
            copy,
            "",
            {
                "share_of_original": round(block_words / total, 3),
                "share_of_copy": round(block_words / paragraph_words(copy), 3),
            },
        )

    return edit


EDITS: dict[str, Callable[[Sequence[str], EditContext], Edited | None]] = {
    "verbatim_boilerplate": edit_verbatim_boilerplate,
    "headline": edit_headline,
    "names_numbers": edit_names_numbers,
    "drop_reorder": edit_drop_reorder,
    "new_lead": edit_new_lead,
    "first_paragraphs": edit_first_paragraphs,
    "embedded": edit_embedded,
    "partial_30_50": edit_partial(0.30, 0.50),
    "partial_50_70": edit_partial(0.50, 0.70),
}


# ---- cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    text: str
    published: str
    source: str
    language: str | None


@dataclass
class Case:
    """One edit type: its originals, their copies, the true pairs and the pure negatives."""

    kind: str
    docs: list[Doc]
    positives: list[tuple[str, str]]  # (original id, copy id)
    negatives: list[tuple[str, str]]  # (other original id, copy id)
    meta: dict[str, dict[str, Any]]  # copy id → what the edit did
    body_of: dict[str, str]  # doc id → body id


def build_case(kind: str, index: int, pool: list[Body], names: Sequence[str]) -> Case:
    rng = random.Random(SEED + 1_000 * index)
    limit = EMBED_MAX_WORDS if kind == "embedded" else MAX_WORDS

    def eligible(b: Body) -> bool:
        return len(b.paragraphs) >= MIN_PARAGRAPHS and MIN_WORDS <= b.words <= limit

    english = [b for b in pool if eligible(b) and b.language == "en"]
    other = [b for b in pool if eligible(b) and b.language != "en"]
    rng.shuffle(english)
    rng.shuffle(other)
    candidates = (english + other)[: round(PAIRS_PER_TYPE * 1.3)]
    chosen = {b.id for b in candidates}
    rest = [b for b in pool if b.id not in chosen]
    rest.sort(key=lambda b: (b.language != "en", rng.random()))
    ctx = EditContext(rng, body_filler(rest, candidates), names)
    docs: list[Doc] = []
    positives, meta, body_of = [], {}, {}
    for body in candidates:
        if len(positives) >= PAIRS_PER_TYPE:
            break
        edited = EDITS[kind](body.paragraphs, ctx)
        if edited is None:
            continue
        n = len(positives)
        original = Doc(
            f"orig-{kind}-{n:03d}",
            f"Original story {n}",
            join(body.paragraphs),
            stamp(ORIGINAL_DAY, n),
            f"origin-{n:03d}",
            body.language,
        )
        title = f"Rewritten headline for story {n}" if kind == "headline" else f"Original story {n}"
        copy = Doc(
            f"copy-{kind}-{n:03d}", title, join(edited.paragraphs), stamp(COPY_DAY, n), f"copier-{n:03d}", body.language
        )
        docs += [original, copy]
        positives.append((original.id, copy.id))
        meta[copy.id] = edited.meta
        body_of[original.id] = body_of[copy.id] = body.id
    originals = [o for o, _ in positives]
    negatives = []
    for i, (_, copy_id) in enumerate(positives):
        others = originals[:i] + originals[i + 1 :]
        if others:
            negatives.append((rng.choice(others), copy_id))
    return Case(kind, docs, positives, negatives, meta, body_of)


def ecb_as_docs(ecb: list[EcbDoc]) -> list[Doc]:
    return [
        Doc(f"ecb-{d.id}", f"ECB+ {d.id}", join(d.paragraphs), stamp(ECB_DAY, i), f"ecb-{d.id}", "en")
        for i, d in enumerate(ecb)
    ]


# ---- end to end in a store --------------------------------------------------------------------------


def processed(doc: Doc, print_: Any = None, with_fingerprint: bool = True) -> Any:
    from newsgraph.corpus.copies import fingerprint
    from newsgraph.records import Article, Location, Processed, content_hash

    article = Article(
        id=doc.id,
        location=Location(f"benchmark/copies/{doc.id}"),
        format="text",
        title=doc.title,
        text=doc.text,
        source=doc.source,
        url=None,
        authors=(),
        published=doc.published,
        published_from="hint",
        language=doc.language,
    )
    return Processed(
        location=article.location,
        raw_hash=content_hash("benchmark-copies", doc.id, length=24),
        article=article,
        analysis=None,
        fingerprint=print_ if print_ is not None or not with_fingerprint else fingerprint(doc.text),
    )


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def read_groups(conn: Any) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    members = {str(a): str(g) for a, g in conn.execute("SELECT article_id, group_id FROM copy_members")}
    links = {str(c): str(o) for c, o in conn.execute("SELECT copy_id, original_id FROM copy_links")}
    originals = {str(g): str(o) for g, o in conn.execute("SELECT id, original_id FROM copy_groups")}
    return members, links, originals


def run_store(case: Case, ecb_docs: list[Doc], path: Path) -> dict[str, Any]:
    from newsgraph.store.connect import open_store
    from newsgraph.store.copies import match_copies

    remove_db(path)
    store = open_store(path)
    try:
        started = time.perf_counter()
        store.write_batch([processed(d) for d in [*case.docs, *ecb_docs]])
        written = time.perf_counter()
        report = match_copies(store)
        matched = time.perf_counter()
        members, links, group_original = read_groups(store.conn)
    finally:
        store.close()
        remove_db(path)
    return {
        "members": members,
        "links": links,
        "group_original": group_original,
        "write_s": written - started,
        "match_s": matched - written,
        "match": {k: v for k, v in report.items() if isinstance(v, int | float | str)},
    }


def score_store(case: Case, out: dict[str, Any]) -> dict[str, Any]:
    members, links, group_original = out["members"], out["links"], out["group_original"]
    mine = {d.id for d in case.docs}
    by_group: dict[str, list[str]] = defaultdict(list)
    for article, group in members.items():
        by_group[group].append(article)
    true = set(case.positives)
    detected = [(o, c) for o, c in case.positives if o in members and members.get(o) == members.get(c)]
    predicted = 0
    false_pairs = []
    for group_members in by_group.values():
        for a, b in itertools.combinations(sorted(group_members), 2):
            if a in mine or b in mine:
                predicted += 1
                if (a, b) not in true and (b, a) not in true:
                    false_pairs.append((a, b))
    tp = len(detected)
    found = set(detected)
    precision, recall, f1 = prf(tp, predicted - tp, len(case.positives) - tp)
    return {
        "pairs": len(case.positives),
        "tp": tp,
        "fp": predicted - tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "origin_link": sum(links.get(c) == o for o, c in detected),
        "origin_group": sum(group_original.get(members[c]) == o for o, c in detected),
        "missed": [c for o, c in case.positives if (o, c) not in found],
        "false_pairs": false_pairs[:50],
        "write_s": round(out["write_s"], 3),
        "match_s": round(out["match_s"], 3),
        "match": out["match"],
    }


# ---- pairs on their own ---------------------------------------------------------------------------


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
    from newsgraph.corpus.copies import CopyRules, copied_stretch, fingerprint, overlap

    try:
        from newsgraph.store.copies import ESTIMATE_SLACK, MIN_SHARED_SAMPLES
    except ImportError:
        ESTIMATE_SLACK, MIN_SHARED_SAMPLES = 0.5, 3
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


# ---- fingerprint throughput -----------------------------------------------------------------------


def fingerprint_speed(texts: list[str]) -> dict[str, Any]:
    """Docs/s of `fingerprint`, by this process's CPU time (one thread: one core) and by the clock."""
    from newsgraph.corpus.copies import fingerprint

    cpu, wall = [], []
    for _ in range(FINGERPRINT_PASSES):
        started, started_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            fingerprint(text)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    words = sum(n_words(t) for t in texts)
    return {
        "docs": len(texts),
        "mean_words": words / len(texts),
        "cpu_passes": [round(p, 4) for p in cpu],
        "wall_passes": [round(p, 4) for p in wall],
        "docs_per_s": len(texts) * len(cpu) / sum(cpu),
        "words_per_s": words * len(cpu) / sum(cpu),
        "best_docs_per_s": len(texts) / min(cpu),
        "wall_docs_per_s": len(texts) * len(wall) / sum(wall),
    }


# ---- scale ------------------------------------------------------------------------------------------


class Synthetic:
    """Deterministic synthetic documents: document i is the same whenever it is made."""

    def __init__(self, bodies: Sequence[Body], seed: int) -> None:
        import numpy as np

        self.np = np
        self.seed = seed
        vocab: dict[str, int] = {}
        sentences = []
        for body in bodies:
            for paragraph in body.paragraphs:
                for sentence in _SENTENCE_END.split(paragraph):
                    words = sentence.split()
                    if len(words) >= 5:
                        sentences.append([vocab.setdefault(w, len(vocab)) for w in words])
        self.vocab = list(vocab)
        self.lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        self.flat = np.array([w for s in sentences for w in s], dtype=np.int64)
        self.names = sorted({w for w in self.vocab if _NAME.fullmatch(w)})
        self.mean_length = float(self.lengths.mean())

    def base(self, i: int) -> list[str]:
        np = self.np
        g = np.random.default_rng([self.seed, i])
        target = int(g.integers(150, 1_000))
        count = max(2, round(target / self.mean_length))
        picks = g.integers(0, len(self.lengths), size=count)
        paragraphs = []
        k = 0
        while k < count:
            take = int(g.integers(1, 5))
            ids = np.concatenate([self.flat[self.offsets[s] : self.offsets[s + 1]] for s in picks[k : k + take]])
            swap = g.random(len(ids)) < SCALE_SUBSTITUTE
            ids[swap] = g.integers(0, len(self.vocab), size=int(swap.sum()))
            paragraphs.append(" ".join([self.vocab[w] for w in ids.tolist()]))
            k += take
        return paragraphs

    def is_copy(self, i: int) -> bool:
        return i >= 100 and random.Random(f"{self.seed}-copy-{i}").random() < SCALE_COPY_SHARE

    def doc(self, i: int, first: int = 0) -> tuple[list[str], int | None, str | None]:
        """(paragraphs, source index, edit) of document i; copies take from a non-copy in [first, i)."""
        if not self.is_copy(i):
            return self.base(i), None, None
        rng = random.Random(f"{self.seed}-edit-{i}")
        source = rng.randrange(first, i)
        while self.is_copy(source):
            source = rng.randrange(first, i)
        filler = Filler(p for k in itertools.count() for p in self.base(10**9 + 100 * i + k))
        ctx = EditContext(rng, filler, self.names)
        for kind in rng.sample(SCALE_EDITS, len(SCALE_EDITS)):
            edited = EDITS[kind](self.base(source), ctx)
            if edited is not None:
                return edited.paragraphs, source, kind
        return self.base(source), source, "verbatim"


SCALE_EDITS = ("verbatim_boilerplate", "first_paragraphs", "drop_reorder", "new_lead", "names_numbers")


class PeakRss:
    """Peak RSS of this process, sampled with psutil in a thread (None without psutil)."""

    def __init__(self, every: float = 0.1) -> None:
        self.peak: int | None = None
        self.before: int | None = None
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            import psutil

            self._process: Any = psutil.Process()
        except ImportError:
            self._process = None

    def __enter__(self) -> PeakRss:
        if self._process is not None:
            self.before = self.peak = int(self._process.memory_info().rss)
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak or 0, int(self._process.memory_info().rss))
            self._stop.wait(self._every)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.peak = max(self.peak or 0, int(self._process.memory_info().rss))


class TimedCursor:
    def __init__(self, cursor: Any, key: str, clock: Counter[str]) -> None:
        self._cursor, self._key, self._clock = cursor, key, clock

    def __iter__(self) -> Iterator[Any]:
        while True:
            started = time.perf_counter()
            item = next(self._cursor, None)
            self._clock[self._key] += time.perf_counter() - started
            if item is None:
                return
            yield item

    def _timed(self, name: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return getattr(self._cursor, name)(*args)
        finally:
            self._clock[self._key] += time.perf_counter() - started

    def fetchall(self) -> Any:
        return self._timed("fetchall")

    def fetchone(self) -> Any:
        return self._timed("fetchone")

    def fetchmany(self, *args: Any) -> Any:
        return self._timed("fetchmany", *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class TimedConnection:
    """Wraps a sqlite3 connection and adds the time of each statement (and its rows) to a clock."""

    def __init__(self, conn: Any, clock: Counter[str], slowest: dict[str, Any]) -> None:
        self._conn, self._clock, self._slowest = conn, clock, slowest

    def _key(self, sql: str) -> str:
        return " ".join(sql.split())[:70]

    def execute(self, sql: str, params: Any = ()) -> Any:
        key = self._key(sql)
        started = time.perf_counter()
        cursor = self._conn.execute(sql, params)
        spent = time.perf_counter() - started
        self._clock[key] += spent
        if spent > self._slowest.get("seconds", 0.0) and sql.lstrip().upper().startswith("SELECT"):
            self._slowest.update(seconds=spent, sql=sql, params=params)
        return TimedCursor(cursor, key, self._clock)

    def executemany(self, sql: str, params: Any) -> Any:
        key = self._key(sql)
        started = time.perf_counter()
        try:
            return self._conn.executemany(sql, params)
        finally:
            self._clock[key] += time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


@contextlib.contextmanager
def timed_matching(clock: Counter[str]) -> Iterator[None]:
    """Time the steps of `match_copies` and `describe_copies` as they call them (restored afterwards)."""
    import newsgraph.store.copies as module

    saved = {}
    for name, key in (
        ("_sample_entries", "py: reading samples"),
        ("shared_sample_pairs", "py: shared_sample_pairs (sorted samples)"),
        ("overlap", "py: overlap (verification)"),
        ("_rebuild_groups", "py: _rebuild_groups"),
        ("_diff", "py: diff summaries"),
    ):
        function = getattr(module, name, None)
        if function is None:
            continue
        saved[name] = function

        def timed(*args: Any, _f: Callable[..., Any] = function, _k: str = key, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                clock[_k] += time.perf_counter() - started

        setattr(module, name, timed)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(module, name, function)


SQL_LABELS = (
    ("INTO articles", "articles insert (with its FTS5 trigger)"),
    ("INTO fingerprints", "fingerprints insert"),
    ("INTO inputs", "inputs insert"),
    ("FROM rejections", "rejections delete"),
    ("SELECT article_id, dirty, samples", "load fingerprint rows"),
    ("FROM fingerprints f1", "exact text_hash query"),
    ("FROM copy_links WHERE changes IS NULL", "links to describe"),
    ("COMMIT", "COMMIT"),
)


def sql_label(key: str) -> str:
    for needle, label in SQL_LABELS:
        if needle in key:
            return label
    return key if key.startswith("py: ") else f"`{key[:40]}…`"


def _grouped(conn: Any) -> dict[str, str]:
    return {str(a): str(g) for a, g in conn.execute("SELECT article_id, group_id FROM copy_members")}


QUERY_PHASES = ("articles", "fingerprint", "write", "match", "describe")


def scale_run(synth: Synthetic, n: int, path: Path, query: bool) -> dict[str, Any]:
    """Build an index of n synthetic documents (and, with `query`, match 1,000 more against it)."""
    from newsgraph.corpus.copies import fingerprint
    from newsgraph.store.connect import open_store
    from newsgraph.store.copies import describe_copies, match_copies

    remove_db(path)
    store = open_store(path)
    clock: Counter[str] = Counter()
    slowest: dict[str, Any] = {}
    store.conn = TimedConnection(store.conn, clock, slowest)
    seconds: Counter[str] = Counter()
    cpu: Counter[str] = Counter()
    planted: list[tuple[int, int, str]] = []
    out: dict[str, Any] = {"docs": n}

    def add(start: int, stop: int, phase: str, first: int) -> None:
        for low in range(start, stop, SCALE_BATCH):
            began = time.perf_counter()
            docs = []
            for i in range(low, min(stop, low + SCALE_BATCH)):
                paragraphs, source, edit = synth.doc(i, first)
                if source is not None:
                    planted.append((source, i, edit or ""))
                docs.append(Doc(f"d{i:07d}", f"Document {i}", join(paragraphs), stamp(ORIGINAL_DAY, i), "s", "en"))
            seconds[f"{phase}_generate"] += time.perf_counter() - began
            # the articles themselves, as ingest writes them (FTS included): not part of the index
            records = [processed(d, with_fingerprint=False) for d in docs]
            began, began_cpu = time.perf_counter(), time.process_time()
            store.write_batch(records)
            seconds[f"{phase}_articles"] += time.perf_counter() - began
            cpu[f"{phase}_articles"] += time.process_time() - began_cpu
            began, began_cpu = time.perf_counter(), time.process_time()
            prints = [fingerprint(d.text) for d in docs]
            seconds[f"{phase}_fingerprint"] += time.perf_counter() - began
            cpu[f"{phase}_fingerprint"] += time.process_time() - began_cpu
            began, began_cpu = time.perf_counter(), time.process_time()
            store.write_fingerprints([(d.id, p) for d, p in zip(docs, prints, strict=True)])
            seconds[f"{phase}_write"] += time.perf_counter() - began
            cpu[f"{phase}_write"] += time.process_time() - began_cpu

    def match(phase: str) -> dict[str, Any]:
        began, began_cpu = time.perf_counter(), time.process_time()
        report = match_copies(store, describe=False)
        seconds[f"{phase}_match"] = time.perf_counter() - began
        cpu[f"{phase}_match"] = time.process_time() - began_cpu
        began, began_cpu = time.perf_counter(), time.process_time()
        report["described"] = describe_copies(store)
        seconds[f"{phase}_describe"] = time.perf_counter() - began
        cpu[f"{phase}_describe"] = time.process_time() - began_cpu
        return report

    try:
        with PeakRss() as rss, timed_matching(clock):
            add(0, n, "build", 0)
            build_clock = Counter(clock)
            report = match("build")
            match_clock = clock - build_clock
            out["build_report"] = {k: v for k, v in report.items() if isinstance(v, int | float | str)}
            grouped = _grouped(store.conn)
            if query:
                before = Counter(clock)
                add(n, n + QUERY_BATCH, "query", 0)
                report = match("query")
                out["query_clock"] = {k: round(v, 3) for k, v in (clock - before).most_common(8)}
                out["query_report"] = {k: v for k, v in report.items() if isinstance(v, int | float | str)}
                grouped = _grouped(store.conn)
        out["rss_before"], out["rss_peak"] = rss.before, rss.peak
        if slowest.get("sql"):
            plan = store.conn.execute("EXPLAIN QUERY PLAN " + slowest["sql"], slowest["params"]).fetchall()
            out["slowest_select"] = {
                "seconds": round(slowest["seconds"], 4),
                "sql": " ".join(slowest["sql"].split())[:300],
                "plan": [str(r[-1]) for r in plan],
            }
        out["db_bytes"] = sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
    finally:
        store.close()
        remove_db(path)
    out["seconds"] = {k: round(v, 3) for k, v in seconds.items()}
    out["cpu_seconds"] = {k: round(v, 3) for k, v in cpu.items()}
    out["build_s"] = seconds["build_fingerprint"] + seconds["build_write"] + seconds["build_match"]
    out["write_clock"] = {k: round(v, 3) for k, v in build_clock.most_common(8)}
    out["match_clock"] = {k: round(v, 3) for k, v in match_clock.most_common(8)}
    found = [
        grouped.get(f"d{s:07d}") is not None and grouped.get(f"d{s:07d}") == grouped.get(f"d{c:07d}")
        for s, c, _ in planted
    ]
    in_index = [f for (s, c, _), f in zip(planted, found, strict=True) if c < n]
    in_query = [f for (s, c, _), f in zip(planted, found, strict=True) if c >= n]
    out["planted_index"], out["found_index"] = len(in_index), sum(in_index)
    out["planted_query"], out["found_query"] = len(in_query), sum(in_query)
    missed_by_edit: Counter[str] = Counter(e for (_, _, e), f in zip(planted, found, strict=True) if not f)
    out["missed_by_edit"] = dict(missed_by_edit)
    # grouped pairs that no planted copy explains (two copies of one source are explained)
    family = {f"d{s:07d}": f"d{s:07d}" for s, _, _ in planted}
    family.update({f"d{c:07d}": f"d{s:07d}" for s, c, _ in planted})
    by_group: dict[str, list[str]] = defaultdict(list)
    for article, group in grouped.items():
        by_group[group].append(article)
    out["unplanted_pairs"] = sum(
        1
        for members in by_group.values()
        for a, b in itertools.combinations(members, 2)
        if family.get(a) is None or family.get(a) != family.get(b)
    )
    return out


def linear_cost(run: dict[str, Any]) -> float:
    s = run["seconds"]
    return sum(s[f"build_{k}"] for k in ("generate", "articles", "fingerprint", "write", "describe")) / run["docs"]


def fit_match(points: Sequence[tuple[int, float]]) -> tuple[float, float]:
    """Least squares c·n + b·n² through the (n, seconds) points, b and c at least 0."""
    s11 = sum(n * n for n, _ in points)
    s12 = sum(n**3 for n, _ in points)
    s22 = sum(n**4 for n, _ in points)
    t1 = sum(n * t for n, t in points)
    t2 = sum(n * n * t for n, t in points)
    det = s11 * s22 - s12 * s12
    if det > 0:
        c = (t1 * s22 - t2 * s12) / det
        b = (s11 * t2 - s12 * t1) / det
        if b >= 0 and c >= 0:
            return c, b
    if sum(t for _, t in points) == 0:
        return 0.0, 0.0
    # one coefficient only: whichever fits better
    c_only = t1 / s11
    b_only = t2 / s22
    err_c = sum((t - c_only * n) ** 2 for n, t in points)
    err_b = sum((t - b_only * n * n) ** 2 for n, t in points)
    return (c_only, 0.0) if err_c <= err_b else (0.0, b_only)


def predict_total(n: int, linear: float, c: float, b: float) -> float:
    """Whole scale run: generate + fingerprint + write + match for n, then the 1,000-document query."""
    query = QUERY_BATCH * (linear + c) + b * QUERY_BATCH * (n + QUERY_BATCH)
    return linear * n + c * n + b * n * n + query


def plan_scale(synth: Synthetic, requested: int, explicit: bool, path: Path) -> dict[str, Any]:
    """Pilot runs (for the prediction and the extrapolation) and the count to run."""
    if requested >= SCALE_DEFAULT and explicit:
        return {"docs": requested, "pilots": [], "capped": False}
    sizes = [min(PILOTS[0], requested // 4), min(PILOTS[1], requested // 2)]
    if sizes[0] < 100:
        return {"docs": requested, "pilots": [], "capped": False}
    pilots = [scale_run(synth, m, path, query=False) for m in sizes]
    linear = linear_cost(pilots[-1])
    c, b = fit_match([(p["docs"], p["seconds"]["build_match"]) for p in pilots])
    predicted = predict_total(requested, linear, c, b)
    plan = {
        "pilots": [{"docs": p["docs"], "seconds": p["seconds"]} for p in pilots],
        "linear_s_per_doc": linear,
        "match_fit": {"c": c, "b": b},
        "predicted_s": predicted,
        "capped": False,
        "docs": requested,
    }
    if predicted > LIMIT_S and not explicit:
        n = PILOTS[-1]
        step = 500
        while n + step < requested and predict_total(n + step, linear, c, b) <= BUDGET_S:
            n += step
        plan.update(docs=n, capped=True, predicted_capped_s=predict_total(n, linear, c, b))
    return plan


# ---- the benchmark ---------------------------------------------------------------------------------


def _f(value: float | None, fmt: str = ".3f") -> str:
    return "—" if value is None else format(value, fmt)


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    ecb_path = data_dir / "clustering" / "ecbplus-dev" / "docs_clusters.jsonl"
    raw_bodies = load_bodies(data_dir)
    if not raw_bodies:
        return skipped(
            NAME,
            TITLE,
            "data absent: neither extraction/scrapinghub/ground-truth.json nor extraction/fundus/pairs.jsonl found",
        )
    if not ecb_path.is_file():
        return skipped(NAME, TITLE, f"data absent: {ecb_path} not found")
    requested = env_int("NEWSGRAPH_BENCH_COPY_DOCS", SCALE_DEFAULT)
    explicit = bool(os.environ.get("NEWSGRAPH_BENCH_COPY_DOCS", "").strip())
    folder = work_dir / "copies"
    folder.mkdir(parents=True, exist_ok=True)

    pool, dropped = dedupe(raw_bodies)
    names = sorted(
        {w.strip(_PUNCT) for b in pool for p in b.paragraphs for w in p.split() if _NAME.fullmatch(w.strip(_PUNCT))}
    )
    ecb = load_ecb(ecb_path)
    ecb_docs = ecb_as_docs(ecb)
    hard = hard_negative_pairs(ecb, random.Random(SEED))

    # ---- end to end, one store per edit type
    cases = [build_case(kind, i, pool, names) for i, (kind, _, _) in enumerate(TYPES)]
    stores: dict[str, dict[str, Any]] = {}
    hard_flags: dict[str, list[int]] = {"same_event": [], "same_topic": []}
    hard_flagged_ids: dict[str, set[tuple[str, str]]] = {"same_event": set(), "same_topic": set()}
    for case in cases:
        out = run_store(case, ecb_docs, folder / f"{case.kind}.db")
        stores[case.kind] = score_store(case, out)
        members = out["members"]
        for group, pairs in hard.items():
            flagged = {
                (a, b) for a, b in pairs if f"ecb-{a}" in members and members[f"ecb-{a}"] == members.get(f"ecb-{b}")
            }
            hard_flags[group].append(len(flagged))
            hard_flagged_ids[group] |= flagged

    # ---- the same pairs on their own: classify(overlap) and the Jaccard anchor
    texts = {d.id: d.text for case in cases for d in case.docs}
    texts.update({d.id: d.text for d in ecb_docs})
    grams = {key: gram_set(text) for key, text in texts.items()}
    clock: list[float] = []
    scores: list[PairScore] = []
    for case in cases:
        scores += [score_pair(case.kind, True, o, c, texts, grams, clock) for o, c in case.positives]
        scores += [score_pair(case.kind, False, o, c, texts, grams, clock) for o, c in case.negatives]
    for group, pairs in hard.items():
        scores += [score_pair(group, False, f"ecb-{a}", f"ecb-{b}", texts, grams, clock) for a, b in pairs]
    threshold, anchor_f1 = best_threshold(scores)
    by_group: dict[str, list[PairScore]] = defaultdict(list)
    for s in scores:
        by_group[s.group].append(s)

    def ours(s: PairScore) -> bool:
        return s.kind is not None

    def anchor(s: PairScore) -> bool:
        return s.flagged(threshold)

    # ---- misses explained
    positive_scores = {(s.a, s.b): s for s in scores if s.label}
    reasons: dict[str, Counter[str]] = {}
    for case in cases:
        missed = stores[case.kind]["missed"]
        copy_to_original = {c: o for o, c in case.positives}
        reasons[case.kind] = Counter(explain_miss(positive_scores[(copy_to_original[c], c)], texts) for c in missed)
    del texts, grams  # the anchor's 5-gram sets are large; free them before the scale run measures RSS
    gc.collect()

    # ---- fingerprint throughput
    speed = fingerprint_speed([join(b.paragraphs) for b in raw_bodies])

    # ---- scale
    synth = Synthetic(pool, SEED)
    plan = plan_scale(synth, requested, explicit, folder / "pilot.db")
    scale = scale_run(synth, plan["docs"], folder / "scale.db", query=True)
    n_scale = scale["docs"]
    points = [(p["docs"], p["seconds"]["build_match"]) for p in plan["pilots"]]
    points.append((n_scale, scale["seconds"]["build_match"]))
    c_fit, b_fit = fit_match(points)
    per_doc = (scale["seconds"]["build_fingerprint"] + scale["seconds"]["build_write"]) / n_scale
    build_cpu = sum(scale["cpu_seconds"].get(f"build_{k}", 0.0) for k in ("fingerprint", "write", "match"))
    query_total = sum(scale["seconds"].get(f"query_{k}", 0.0) for k in QUERY_PHASES)
    if n_scale >= SCALE_DEFAULT:
        build_100k, query_100k = scale["build_s"], query_total
        articles_100k, describe_100k = scale["seconds"]["build_articles"], scale["seconds"]["build_describe"]
    else:
        build_100k = per_doc * SCALE_DEFAULT + c_fit * SCALE_DEFAULT + b_fit * SCALE_DEFAULT**2
        query_100k = query_total + b_fit * QUERY_BATCH * (SCALE_DEFAULT - n_scale)
        articles_100k = scale["seconds"]["build_articles"] * SCALE_DEFAULT / n_scale
        describe_100k = scale["seconds"]["build_describe"] * SCALE_DEFAULT / n_scale

    # ---- table
    columns = ["newsgraph (store, match_copies)", "newsgraph classify(overlap)", f"Jaccard 5-grams ≥ {threshold:.3f}"]
    rows = []
    summary: dict[str, Any] = {}
    for kind, label, group in TYPES:
        e2e = stores[kind]
        pure = pure_metrics(by_group[kind], ours)
        jac = pure_metrics(by_group[kind], anchor)
        target = TARGET_F1_FULL if group == "full" else TARGET_F1_PARTIAL
        summary[kind] = {
            "end_to_end": {k: v for k, v in e2e.items() if k not in ("missed", "false_pairs")},
            "classify": pure,
            "jaccard": jac,
            "miss_reasons": dict(reasons[kind]),
        }
        rows.append(
            row(
                f"{label}: F1 ({e2e['pairs']} pairs)",
                [e2e["f1"], pure["f1"], jac["f1"]],
                f"≥ {target:.2f}",
                e2e["f1"] >= target,
            )
        )
        rows.append(
            row(f"{label}: precision / recall", [f"{m['precision']:.3f} / {m['recall']:.3f}" for m in (e2e, pure, jac)])
        )
    all_pos = sum(e["pairs"] for e in stores.values())
    all_tp = sum(e["tp"] for e in stores.values())
    all_fp = sum(e["fp"] for e in stores.values()) + max(hard_flags["same_event"]) + max(hard_flags["same_topic"])
    overall_e2e = prf(all_tp, all_fp, all_pos - all_tp)
    overall_pure, overall_jac = pure_metrics(scores, ours), pure_metrics(scores, anchor)
    rows.append(row("all edit types and all negatives: F1", [overall_e2e[2], overall_pure["f1"], overall_jac["f1"]]))
    origin_link = sum(e["origin_link"] for e in stores.values()) / max(1, all_tp)
    origin_group = sum(e["origin_group"] for e in stores.values()) / max(1, all_tp)
    rows.append(row("origin accuracy: copy_links copy → true original (detected pairs)", [origin_link, None, None]))
    rows.append(row("origin accuracy: group's original is the true original", [origin_group, None, None]))
    hard_rates = {}
    for group, label in (("same_event", "same-event pairs flagged"), ("same_topic", "same-topic, other-event pairs")):
        total = len(hard[group])
        e2e_rate = max(hard_flags[group]) / total if total else 0.0
        pure_rate = pure_metrics(by_group[group], ours)["fp"] / total if total else 0.0
        jac_rate = pure_metrics(by_group[group], anchor)["fp"] / total if total else 0.0
        hard_rates[group] = {"end_to_end": e2e_rate, "classify": pure_rate, "jaccard": jac_rate, "pairs": total}
        target = f"≤ {TARGET_SAME_EVENT:.2f}" if group == "same_event" else ""
        passed = e2e_rate <= TARGET_SAME_EVENT if group == "same_event" else None
        rows.append(row(f"{label} ({total} pairs): share", [e2e_rate, pure_rate, jac_rate], target, passed))
    # ECB+ is not annotated for copying, and some of its same-event articles carry one wire story:
    # the target is checked again on the pairs that share no narrative text
    wire = {(s.a, s.b) for s in by_group["same_event"] if s.narrative_run >= WIRE_RUN}
    independent = [s for s in by_group["same_event"] if (s.a, s.b) not in wire]
    flagged_independent = [p for p in hard_flagged_ids["same_event"] if (f"ecb-{p[0]}", f"ecb-{p[1]}") not in wire]
    total_se = max(1, len(hard["same_event"]))
    total_ind = max(1, len(independent))
    rows.append(
        row(
            f"same-event pairs sharing a narrative run of ≥ {WIRE_RUN} words (one wire text)",
            [f"{len(wire)} of {len(hard['same_event'])}", None, None],
        )
    )
    rows.append(
        row(
            f"same-event pairs flagged, of the {len(independent)} sharing no such run: share",
            [
                len(flagged_independent) / total_ind,
                sum(bool(ours(s)) for s in independent) / total_ind,
                sum(bool(anchor(s)) for s in independent) / total_ind,
            ],
            f"≤ {TARGET_SAME_EVENT:.2f}",
            len(flagged_independent) / total_ind <= TARGET_SAME_EVENT,
        )
    )
    runs = {(s.a, s.b): s.narrative_run for s in by_group["same_event"]}
    flagged_runs = [runs.get((f"ecb-{a}", f"ecb-{b}"), 0) for a, b in hard_flagged_ids["same_event"]]
    wire_sensitivity = {
        run: {
            "wire_pairs": sum(r >= run for r in runs.values()),
            "flagged_other": sum(r < run for r in flagged_runs),
            "share": sum(r < run for r in flagged_runs) / max(1, sum(r < run for r in runs.values())),
        }
        for run in (15, 20, 25, 30, 40, 50)
    }
    partial_kinds = {kind for kind, _, group in TYPES if group == "partial"}
    lowest = min((s.jaccard for s in scores if s.label and s.group in partial_kinds), default=threshold)
    low_rate = sum(s.jaccard >= lowest for s in by_group["same_event"]) / total_se
    low_f1 = pure_metrics(scores, lambda s: s.jaccard >= lowest)["f1"]
    rows.append(
        row(
            f"Jaccard lowered to {lowest:.3f} to find every partial copy: same-event share / F1 over all pairs",
            [None, None, f"{low_rate:.3f} / {low_f1:.3f}"],
        )
    )
    rows.append(
        row(
            f"fingerprint docs/s, one core ({speed['docs']} real bodies, mean {speed['mean_words']:.0f} words)",
            [speed["docs_per_s"], None, None],
            f"≥ {TARGET_DOCS_PER_S:,}",
            speed["docs_per_s"] >= TARGET_DOCS_PER_S,
            fmt=",.0f",
        )
    )
    rows.append(row("fingerprint words/s, one core", [speed["words_per_s"], None, None], fmt=",.0f"))
    rows.append(row("overlap() per verified pair, mean (ms)", [statistics.fmean(clock) * 1000, None, None], fmt=".2f"))
    s = scale["seconds"]
    full = n_scale >= SCALE_DEFAULT
    rows.append(row("scale: documents indexed (requested)", [f"{n_scale:,} ({requested:,})", None, None]))
    rows.append(
        row(
            f"scale: index build at {n_scale:,}, fingerprint / fingerprint rows / match_copies (s)",
            [f"{s['build_fingerprint']:.1f} / {s['build_write']:.1f} / {s['build_match']:.1f}", None, None],
        )
    )
    rows.append(
        row(
            f"scale: index build time at {SCALE_DEFAULT:,} (s{'' if full else ', extrapolated'})",
            [build_100k, None, None],
            f"< {TARGET_BUILD_S:.0f}",
            build_100k < TARGET_BUILD_S,
            fmt=",.1f",
        )
    )
    rows.append(
        row(
            f"scale: not in the index build, at {SCALE_DEFAULT:,}: writing the articles (FTS included) / "
            f"diff summaries of the links (s{'' if full else ', extrapolated'})",
            [f"{articles_100k:,.1f} / {describe_100k:,.1f}", None, None],
        )
    )
    rows.append(
        row(
            f"scale: 1,000-doc batch against {n_scale:,}: total / match_copies (s)",
            [f"{query_total:.1f} / {s['query_match']:.1f}", None, None],
        )
    )
    rows.append(
        row(
            f"scale: 1,000-doc batch against {SCALE_DEFAULT:,} (s{'' if full else ', extrapolated'})",
            [query_100k, None, None],
            fmt=",.1f",
        )
    )
    peak = scale.get("rss_peak")
    rows.append(
        row(
            f"scale: peak RSS at {n_scale:,} (MB)",
            [peak / 2**20 if peak else None, None, None],
            f"< {TARGET_RSS_BYTES / 2**20:,.0f}",
            (peak < TARGET_RSS_BYTES) if peak else None,
            fmt=",.0f",
        )
    )
    planted = scale["planted_index"] + scale["planted_query"]
    found = scale["found_index"] + scale["found_query"]
    rows.append(row("scale: planted copies found (recall)", [found / planted if planted else None, None, None]))
    rows.append(row("scale: grouped pairs no planted copy explains", [scale["unplanted_pairs"], None, None], fmt="d"))

    # ---- notes
    notes = [
        f"{len(raw_bodies)} real bodies, {len(dropped)} set aside as overlapping an earlier one, {len(pool)} used; "
        f"{len(ecb)} ECB+ documents. ~{PAIRS_PER_TYPE} (original, copy) pairs per edit type, seeded ({SEED}).",
        "End to end: one store per edit type (its originals, copies and all ECB+ documents); a pair is predicted "
        "when both are in one copy group; precision counts every grouped pair involving that type's articles. "
        "classify(overlap) and Jaccard see the same positives, one random other original per copy as negative, "
        "and the hard negatives.",
        f"Anchor threshold {threshold:.3f} is tuned for the best F1 on these very pairs (all types and negatives: "
        f"F1 {anchor_f1:.3f}); newsgraph runs with its default CopyRules.",
        f"Hard negatives end to end: the most pairs any of the {len(cases)} stores grouped "
        f"(same-event per store: {sorted(set(hard_flags['same_event']))}).",
        "ECB+ is not annotated for copying, and some of its same-event articles are one wire story or press "
        "release carried by several outlets (its boxing event, for one, is one agency report on seven sites). "
        f"A pair that shares a run of ≥ {WIRE_RUN} words outside quotation marks is counted as carrying one source "
        "text; the target is checked again on the other pairs. How that depends on the run length (flagged pairs "
        "outside the wire pairs, share): "
        + ", ".join(f"≥ {run}: {v['flagged_other']}, {v['share']:.4f}" for run, v in wire_sensitivity.items())
        + ".",
    ]
    for kind, _, _ in TYPES:
        if reasons[kind]:
            why = "; ".join(f"{n} × {r}" for r, n in reasons[kind].most_common())
            notes.append(f"{kind}: {stores[kind]['pairs'] - stores[kind]['tp']} missed end to end — {why}.")
        if stores[kind]["fp"]:
            notes.append(f"{kind}: {stores[kind]['fp']} grouped pairs that are not (original, copy) pairs.")
    notes.append(
        f"Fingerprinting: {speed['docs_per_s']:,.0f} docs/s by this process's CPU time over {FINGERPRINT_PASSES} "
        f"passes (best pass {speed['best_docs_per_s']:,.0f}; by the clock {speed['wall_docs_per_s']:,.0f}, on a "
        f"shared machine); at the target's 3,000 docs/s a document may have "
        f"{speed['words_per_s'] / TARGET_DOCS_PER_S:,.0f} words."
    )
    write_top = ", ".join(f"{sql_label(k)} {v:.1f} s" for k, v in list(scale["write_clock"].items())[:4])
    match_top = ", ".join(f"{sql_label(k)} {v:.1f} s" for k, v in list(scale["match_clock"].items())[:4])
    notes.append(f"Scale build, where write_batch's time goes (SQL by statement): {write_top}.")
    notes.append(f"Scale build, where match_copies's time goes: {match_top}.")
    if scale.get("slowest_select"):
        plan_text = " | ".join(scale["slowest_select"]["plan"])
        notes.append(
            f"Slowest single SELECT ({scale['slowest_select']['seconds'] * 1000:.0f} ms): "
            f"`{scale['slowest_select']['sql'][:90]}…`; its plan: {plan_text}."
        )
    if n_scale < SCALE_DEFAULT:
        match_100k = c_fit * SCALE_DEFAULT + b_fit * SCALE_DEFAULT**2
        pilot_sizes = ", ".join(format(p["docs"], ",") for p in plan["pilots"]) or "none"
        if plan.get("capped"):
            why = (
                f"Scale count capped: {requested:,} documents were predicted to take "
                f"{plan['predicted_s'] / 60:,.0f} min here, so this run used {n_scale:,} (predicted "
                f"{plan['predicted_capped_s']:.0f} s); set NEWSGRAPH_BENCH_COPY_DOCS to run a given count regardless."
            )
        else:
            why = f"Scale count {n_scale:,} as set in NEWSGRAPH_BENCH_COPY_DOCS."
        notes.append(
            f"{why} Extrapolated to {SCALE_DEFAULT:,} (pilot runs at {pilot_sizes} plus this one; match_copies fitted "
            f"as c·n + b·n², c = {c_fit:.2e} s, b = {b_fit:.2e} s; fingerprint + write linear): fingerprint + write "
            f"{per_doc * SCALE_DEFAULT:,.0f} s, match_copies {match_100k:,.0f} s, "
            f"a 1,000-doc batch {query_100k:,.0f} s (its match time grown by b·1,000 per indexed document)."
        )
    notes.append(
        f"Scale: {scale['planted_index']} planted copies in the index ({scale['found_index']} found), "
        f"{scale['planted_query']} in the query batch ({scale['found_query']} found); misses by edit: "
        f"{scale['missed_by_edit'] or 'none'}. Peak RSS {_f(peak / 2**20 if peak else None, ',.0f')} MB "
        f"(before: {_f(scale['rss_before'] / 2**20 if scale.get('rss_before') else None, ',.0f')} MB); database "
        f"{scale['db_bytes'] / 2**20:,.0f} MB. Scale timings are wall-clock, one run on a shared machine; CPU time of "
        f"this process for the build: {build_cpu:,.1f} s of {scale['build_s']:,.1f} s."
    )

    raw = {
        "seed": SEED,
        "bodies": len(raw_bodies),
        "bodies_set_aside": dropped,
        "pool": len(pool),
        "ecb_docs": len(ecb),
        "threshold": threshold,
        "anchor_best_f1": anchor_f1,
        "anchor_all_partial": {"threshold": lowest, "same_event_share": low_rate, "f1": low_f1},
        "per_type": summary,
        "overall": {
            "end_to_end": dict(zip(("precision", "recall", "f1"), overall_e2e, strict=True)),
            "classify": overall_pure,
            "jaccard": overall_jac,
        },
        "origin": {"link": origin_link, "group": origin_group},
        "hard_negatives": hard_rates,
        "hard_flagged_end_to_end": {g: sorted(v) for g, v in hard_flagged_ids.items()},
        "wire_pairs": {"run": WIRE_RUN, "sensitivity": wire_sensitivity},
        "hard_flagged_classify": [
            {
                "a": s.a,
                "b": s.b,
                "group": s.group,
                "in_a": s.in_a,
                "in_b": s.in_b,
                "shared_words": s.shared_words,
                "longest": s.longest,
                "narrative_run": s.narrative_run,
                "kind": s.kind,
                "jaccard": s.jaccard,
            }
            for s in scores
            if not s.label and s.group in hard and ours(s)
        ],
        "positives": [
            {
                "type": s.group,
                "original": s.a,
                "copy": s.b,
                "body": next((case.body_of.get(s.a) for case in cases if case.kind == s.group), None),
                "in_a": s.in_a,
                "in_b": s.in_b,
                "shared_words": s.shared_words,
                "longest": s.longest,
                "kind": s.kind,
                "jaccard": s.jaccard,
                "end_to_end": s.b not in stores[s.group]["missed"],
                "edit": next((case.meta.get(s.b) for case in cases if case.kind == s.group), None),
            }
            for s in scores
            if s.label
        ],
        "false_pairs_end_to_end": {k: v["false_pairs"] for k, v in stores.items() if v["false_pairs"]},
        "rules_sweep": rules_sweep(scores),
        "fingerprint": speed,
        "overlap_ms_mean": statistics.fmean(clock) * 1000,
        "scale_plan": plan,
        "scale": scale,
        "scale_extrapolated": {
            "build_s": build_100k,
            "query_s": query_100k,
            "match_c": c_fit,
            "match_b": b_fit,
            "fingerprint_write_s_per_doc": per_doc,
        },
    }
    return result(NAME, TITLE, columns, rows, notes, raw)


def _main() -> None:  # pragma: no cover - a quick way to run this one benchmark alone
    from benchmarks import WORK_DIR, data_dir, markdown_table

    res = run(data_dir(), WORK_DIR)
    print(markdown_table(res))


if __name__ == "__main__":  # pragma: no cover
    _main()
