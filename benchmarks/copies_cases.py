"""The copies benchmark's test cases: the edits that make a copy of a real body (site furniture,
names and numbers, dropped paragraphs, a new lead, first paragraphs, embedding, partial runs),
and, per edit type, the originals, their copies and the pure negatives built with them."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from benchmarks.copies_data import (
    CAPITALISED,
    PUNCT,
    Body,
    EcbDoc,
    gram_set,
    join,
    n_words,
    paragraph_words,
    stamp,
)

SEED = 20_240_715
PAIRS_PER_TYPE = 100
MIN_WORDS, MAX_WORDS, MIN_PARAGRAPHS = 150, 1_500, 4
EMBED_MAX_WORDS = 900
FILLER_SHARED = 3
ORIGINAL_DAY = datetime(2024, 3, 1, tzinfo=UTC)
COPY_DAY = datetime(2024, 3, 2, tzinfo=UTC)
ECB_DAY = datetime(2024, 2, 15, tzinfo=UTC)

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
    core = token.strip(PUNCT)
    return token.replace(core, new, 1) if core else token


def edit_names_numbers(paragraphs: Sequence[str], ctx: EditContext) -> Edited | None:
    rng = ctx.rng
    tokens = [p.split() for p in paragraphs]
    names: Counter[str] = Counter()
    numbers = []
    for i, para in enumerate(tokens):
        for j, token in enumerate(para):
            core = token.strip(PUNCT)
            if any(ch.isdigit() for ch in core):
                numbers.append((i, j))
            elif j > 0 and CAPITALISED.fullmatch(core) and not para[j - 1].endswith((".", "!", "?", ":", '"')):
                names[core] += 1
    chosen_names = rng.sample(sorted(names), min(4, len(names)))
    chosen_numbers = rng.sample(numbers, min(4, len(numbers)))
    present = set(names)
    pool = [n for n in ctx.names if n not in present]
    replacement = dict(zip(chosen_names, rng.sample(pool, len(chosen_names)), strict=True))
    places = 0
    for para in tokens:
        for j, token in enumerate(para):
            core = token.strip(PUNCT)
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
    positives: list[tuple[str, str]] = []
    meta: dict[str, dict[str, Any]] = {}
    body_of: dict[str, str] = {}
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
