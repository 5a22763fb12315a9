"""PolNeAR gold for `benchmarks.quotes`: brat standoff files read into articles and attributions,
the quote-mark rule that makes an attribution direct or reported, and the word tokens both
predictions and gold are measured in (see `benchmarks.quotes` for the definitions)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

EDGE = 2  # a quote mark this many characters from a content edge makes the item direct
QUOTE_MARKS = frozenset('“”"‘’«»')
_WORD = re.compile(r"\w+")
# words that do not make two speaker descriptions the same speaker
_FUNCTION_WORDS = frozenset(
    "the a an of and or in on at for to with by from s mr mrs ms dr sen rep gov president former".split()
)
PRONOUNS = frozenset("he she him her his hers they them their i me my we us our it its".split())
_NOT_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december according".split()
)


# ---- gold -------------------------------------------------------------------------------------------


@dataclass
class Gold:
    id: str
    kind: str
    content: list[tuple[int, int]]
    source: list[tuple[int, int]]
    tokens: frozenset[int] = frozenset()
    source_words: frozenset[str] = frozenset()
    resolved_words: frozenset[str] = frozenset()  # the name a pronoun source resolves to
    fully_quoted: bool = False  # the whole content opens and closes at quote marks


@dataclass
class Predicted:
    kind: str
    start: int
    end: int
    speaker_words: frozenset[str]
    has_speaker: bool
    tokens: frozenset[int] = frozenset()
    matched: bool = False


@dataclass
class Doc:
    id: str
    text: str
    annotation: str
    gold: list[Gold]
    starts: list[int] = field(default_factory=list)  # token start offsets
    ends: list[int] = field(default_factory=list)


def _spans(field_text: str) -> list[tuple[int, int]]:
    spans = []
    for part in field_text.split(";"):
        start, end = part.split()
        spans.append((int(start), int(end)))
    return spans


def read_ann(path: Path) -> tuple[dict[str, tuple[str, list[tuple[int, int]]]], list[tuple[str, dict[str, str]]]]:
    """Text-bound spans (id → (type, fragments)) and events (id, role → span id) of a brat file."""
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events: list[tuple[str, dict[str, str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        if parts[0].startswith("T"):
            kind, _, offsets = parts[1].partition(" ")
            spans[parts[0]] = (kind, _spans(offsets))
        elif parts[0].startswith("E"):
            roles: dict[str, str] = {}
            for item in parts[1].split():
                role, _, ref = item.partition(":")
                roles[role] = ref
            events.append((parts[0], roles))
    return spans, events


def is_mark(text: str, i: int) -> bool:
    if not 0 <= i < len(text):
        return False
    if text[i] == "'":  # a doubled straight apostrophe is the NYT's double quote mark: ''…''
        return text[i - 1 : i] == "'" or text[i + 1 : i + 2] == "'"
    if text[i] not in QUOTE_MARKS:
        return False
    if text[i] in "‘’":
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        return not (before.isalnum() and after.isalnum())
    return True


def _at_mark(text: str, edge: int) -> bool:
    return any(is_mark(text, i) for i in range(edge - EDGE, edge + EDGE))


def gold_kind(text: str, content: Sequence[tuple[int, int]]) -> str:
    return "direct" if any(_at_mark(text, edge) for span in content for edge in span) else "reported"


def words(value: str | None) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall((value or "").lower()) if w not in _FUNCTION_WORDS)


def _span_text(text: str, spans: Sequence[tuple[int, int]]) -> str:
    return " ".join(text[a:b] for a, b in spans)


def _capitalised(value: str) -> frozenset[str]:
    """The lower-cased capitalised words of a phrase: the name in `Sen. Tim Kaine, a Democrat`."""
    return frozenset(
        w.lower()
        for w in _WORD.findall(value)
        if w[:1].isupper() and w.lower() not in _FUNCTION_WORDS | PRONOUNS | _NOT_NAMES
    )


def _named(text: str, spans: Sequence[tuple[int, int]]) -> bool:
    return bool(_capitalised(_span_text(text, spans)))


def load_doc(text_path: Path, ann_path: Path) -> Doc:
    text = text_path.read_text(encoding="utf-8")
    spans, events = read_ann(ann_path)
    gold = []
    for event_id, roles in events:
        content = [f for role, ref in roles.items() if role.startswith("Content") for f in spans[ref][1]]
        if not content:
            continue
        content.sort()
        source = spans[roles["Source"]][1] if "Source" in roles else []
        quoted = _at_mark(text, content[0][0]) and _at_mark(text, content[-1][1])
        gold.append(Gold(event_id, gold_kind(text, content), content, source, fully_quoted=quoted))
    doc = Doc(text_path.stem, text, ann_path.name, gold)
    for match in _WORD.finditer(text):
        doc.starts.append(match.start())
        doc.ends.append(match.end())
    named_sources = sorted(
        ((g.source[0][0], g) for g in gold if g.source and _named(text, g.source)), key=lambda pair: pair[0]
    )
    for item in gold:
        item.tokens = token_ids(doc, item.content)
        item.source_words = words(_span_text(text, item.source))
        if item.source and item.source_words and item.source_words <= PRONOUNS:
            before = [g for position, g in named_sources if position < item.source[0][0]]
            if before:
                item.resolved_words = _capitalised(_span_text(text, before[-1].source))
    return doc


def token_ids(doc: Doc, spans: Sequence[tuple[int, int]]) -> frozenset[int]:
    """Positions of the word tokens that overlap any of the spans."""
    ids: set[int] = set()
    for start, end in spans:
        i = bisect_left(doc.ends, start + 1)
        while i < len(doc.starts) and doc.starts[i] < end:
            ids.add(i)
            i += 1
    return frozenset(ids)


def load_docs(folder: Path) -> tuple[list[Doc], int]:
    """Every article with an annotation; the first .ann file (sorted by name) when there are several."""
    by_article: dict[str, list[Path]] = {}
    for path in sorted((folder / "attributions").glob("*.ann")):
        article = re.sub(r"_[0-9a-f]{4}$", "", path.stem)
        by_article.setdefault(article, []).append(path)
    docs = []
    for article, paths in sorted(by_article.items()):
        text_path = folder / "text" / f"{article}.txt"
        if text_path.is_file():
            docs.append(load_doc(text_path, paths[0]))
    return docs, sum(len(p) > 1 for p in by_article.values())
