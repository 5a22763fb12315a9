"""The copies benchmark's data: real article bodies (set apart when they overlap), ECB+ documents
and their same-event / same-topic hard-negative pairs, and the word-level helpers they are measured
with (whitespace word counts, the anchor's word 5-gram sets, Jaccard, precision / recall / F1)."""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

PAIR_CAP = 3_000
DEDUPE_SHARE = 0.05
_WORD = re.compile(r"\w+")
CAPITALISED = re.compile(r"[A-Z][a-z]{2,}")  # a word that may be a name
PUNCT = "\"'“”‘’()[],.;:!?—–-"


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


def capitalised_words(bodies: Sequence[Body]) -> list[str]:
    """Every capitalised word of the bodies (punctuation stripped): the names an edit may swap in."""
    words = (w.strip(PUNCT) for b in bodies for p in b.paragraphs for w in p.split())
    return sorted({w for w in words if CAPITALISED.fullmatch(w)})
