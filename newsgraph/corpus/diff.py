"""What a copy changed: a sentence-aligned diff of a copy against its original.

Sentences are aligned by their words (a sentence with a changed name still aligns with its
original); the result lists sentences removed, added and moved, and within aligned sentences
the replaced words — with names and numbers called out (`Kadhimi → Khadimi`, `12 → 21`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

DIFF = "diff.sentences.v1"
ALIGN_MIN = 0.5  # word-sequence similarity for two sentences to be the same sentence, edited
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’»)]*\s+(?=[\"“‘«(]?[A-Z0-9])")
_TOKEN = re.compile(r"[\w’'.,-]*\w|\S")


def sentences(text: str) -> list[str]:
    found: list[str] = []
    for paragraph in text.split("\n\n"):
        found.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return found


def _words(sentence: str) -> list[str]:
    return [w for w in _TOKEN.findall(sentence) if any(ch.isalnum() for ch in w)]


def _key(word: str) -> str:
    return word.lower().strip(".,").replace("’", "'")


@dataclass(frozen=True)
class WordChange:
    old: str
    new: str
    kind: str  # name, number, word

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"


@dataclass(frozen=True)
class SentenceChange:
    original: str
    copy: str
    words: tuple[WordChange, ...]


@dataclass
class Diff:
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    changed: list[SentenceChange] = field(default_factory=list)
    unchanged: int = 0
    headline: tuple[str, str] | None = None
    authors: tuple[list[str], list[str]] | None = None
    attribution_dropped: bool = False
    alignment: list[int | None] = field(default_factory=list)  # per copy sentence, its original's index

    @property
    def names(self) -> list[WordChange]:
        return [w for c in self.changed for w in c.words if w.kind == "name"]

    @property
    def numbers(self) -> list[WordChange]:
        return [w for c in self.changed for w in c.words if w.kind == "number"]

    def summary(self) -> dict[str, object]:
        return {
            "sentences_removed": len(self.removed),
            "sentences_added": len(self.added),
            "sentences_moved": len(self.moved),
            "sentences_changed": len(self.changed),
            "sentences_unchanged": self.unchanged,
            "names": [str(w) for w in _unique(self.names)],
            "numbers": [str(w) for w in _unique(self.numbers)],
            "headline": {"original": self.headline[0], "copy": self.headline[1]} if self.headline else None,
            "authors": {"original": self.authors[0], "copy": self.authors[1]} if self.authors else None,
            "attribution_dropped": self.attribution_dropped,
        }


def _unique(changes: list[WordChange]) -> list[WordChange]:
    seen: dict[tuple[str, str], WordChange] = {}
    for change in changes:
        seen.setdefault((change.old, change.new), change)
    return list(seen.values())


def _kind(old: str, new: str) -> str:
    if any(ch.isdigit() for ch in old + new):
        return "number"
    # a capitalised word, also after a lowercase particle (`al-Zubaidi`, `de Gaulle`, `bin Salman`)
    if any(part[:1].isupper() for part in re.split(r"[\s\-’']+", f"{old} {new}")):
        return "name"
    return "word"


def word_changes(original: str, copy: str) -> tuple[WordChange, ...]:
    a, b = _words(original), _words(copy)
    matcher = SequenceMatcher(None, [_key(w) for w in a], [_key(w) for w in b], autojunk=False)
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old, new = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if tag == "replace" and i2 - i1 == j2 - j1:  # word for word: one change each
            for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                changes.append(WordChange(x, y, _kind(x, y)))
        else:
            changes.append(WordChange(old or "∅", new or "∅", _kind(old, new)))
    return tuple(changes)


def _moved(pairs: list[tuple[int, int]]) -> set[int]:
    """Copy sentences whose aligned originals break the original order (outside the longest in-order run)."""
    if not pairs:
        return set()
    order = [o for _, o in pairs]
    # longest increasing subsequence of original indices, in copy order
    tails: list[int] = []
    previous = [-1] * len(order)
    tail_index: list[int] = []
    for i, value in enumerate(order):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if tails[mid] < value:
                lo = mid + 1
            else:
                hi = mid
        if lo == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[lo] = value
            tail_index[lo] = i
        previous[i] = tail_index[lo - 1] if lo > 0 else -1
    keep: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        keep.add(i)
        i = previous[i]
    return {pairs[k][0] for k in range(len(pairs)) if k not in keep}


def align_sentences(old: list[str], new: list[str]) -> list[int | None]:
    """For each of the copy's sentences, the index of the original sentence it matches, or None.

    The same words match first (repeated sentences in order); otherwise the most similar unused
    original sentence, if its word-sequence similarity passes ALIGN_MIN."""
    old_words = [[_key(w) for w in _words(s)] for s in old]
    used: set[int] = set()
    matches: list[int | None] = []
    exact: dict[str, list[int]] = {}  # the original's sentences by their words, in order
    for i, w in enumerate(old_words):
        exact.setdefault(" ".join(w), []).append(i)
    for sentence in new:
        key_words = [_key(w) for w in _words(sentence)]
        same = exact.get(" ".join(key_words), [])
        while same and same[0] in used:
            same.pop(0)
        match = same[0] if same else None
        if match is None and key_words:
            best, best_score = None, ALIGN_MIN
            for i, candidate in enumerate(old_words):
                if i in used or not candidate:
                    continue
                matcher = SequenceMatcher(None, candidate, key_words, autojunk=False)
                # the quick ratios bound the ratio from above: most sentences are ruled out by them
                if matcher.real_quick_ratio() <= best_score or matcher.quick_ratio() <= best_score:
                    continue
                score = matcher.ratio()
                if score > best_score:
                    best, best_score = i, score
            match = best
        if match is not None:
            used.add(match)
        matches.append(match)
    return matches


def diff_texts(original: str, copy: str) -> Diff:
    """Align the copy's sentences with the original's and describe every difference."""
    old, new = sentences(original), sentences(copy)
    if old == new:  # a verbatim copy (syndication): nothing to align
        return Diff(unchanged=len(old), alignment=list(range(len(old))))
    result = Diff(alignment=align_sentences(old, new))
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []  # (copy index, original index)
    for j, (sentence, match) in enumerate(zip(new, result.alignment, strict=True)):
        if match is None:
            result.added.append(sentence)
            continue
        used.add(match)
        pairs.append((j, match))
        if old[match] == sentence:
            result.unchanged += 1
        else:
            changes = word_changes(old[match], sentence)
            if changes:
                result.changed.append(SentenceChange(old[match], sentence, changes))
            else:
                result.unchanged += 1
    result.removed = [s for i, s in enumerate(old) if i not in used]
    moved = _moved(pairs)
    result.moved = [new[j] for j in sorted(moved)]
    return result


Segment = tuple[str, str | None]  # text, and the kind of change it is (name, number, word) or None


def _marked(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    """Two aligned sentences as segments, the words that differ marked with their kind."""
    sa, sb = [m.start() for m in _TOKEN.finditer(a)], [m.start() for m in _TOKEN.finditer(b)]
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    matcher = SequenceMatcher(None, [_key(w) for w in ta], [_key(w) for w in tb], autojunk=False)
    left: list[Segment] = []
    right: list[Segment] = []

    def piece(text: str, starts: list[int], i: int, j: int) -> str:
        """Tokens i..j of the text with the spacing after them, as written."""
        return text[starts[i] : starts[j] if j < len(starts) else len(text)] if i < j else ""

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = piece(a, sa, i1, i2), piece(b, sb, j1, j2)
        kind = None if tag == "equal" else _kind(old.strip(), new.strip())
        if old:
            left.append((old, kind))
        if new:
            right.append((new, kind))
    return left, right


def side_by_side(original: str, copy: str, alignment: list[int | None] | None = None) -> list[dict[str, object]]:
    """Both texts as aligned rows, in the copy's order with removed sentences where they stood:
    `{status: same|changed|added|removed, moved, original: segments|None, copy: segments|None}`.
    `alignment` is the `Diff.alignment` of the same two texts, when one was already worked out."""
    old, new = sentences(original), sentences(copy)
    matches = alignment if alignment is not None else align_sentences(old, new)
    moved = _moved([(j, i) for j, i in enumerate(matches) if i is not None])
    used = {i for i in matches if i is not None}
    rows: list[dict[str, object]] = []
    shown = 0  # originals before this index are shown or used

    def removed_until(stop: int) -> None:
        nonlocal shown
        for i in range(shown, stop):
            if i not in used:
                rows.append({"status": "removed", "moved": False, "original": [(old[i], None)], "copy": None})
        shown = max(shown, stop)

    for j, i in enumerate(matches):
        if i is None:
            rows.append({"status": "added", "moved": False, "original": None, "copy": [(new[j], None)]})
            continue
        if j not in moved:
            removed_until(i)
        if old[i] == new[j]:
            rows.append({"status": "same", "moved": j in moved, "original": [(old[i], None)], "copy": [(new[j], None)]})
        else:
            left, right = _marked(old[i], new[j])
            changed = any(kind for _, kind in left + right)
            rows.append(
                {"status": "changed" if changed else "same", "moved": j in moved, "original": left, "copy": right}
            )
    removed_until(len(old))
    return rows


def diff_articles(
    original_title: str,
    original_text: str,
    original_authors: list[str],
    original_source: str | None,
    copy_title: str,
    copy_text: str,
    copy_authors: list[str],
) -> Diff:
    """The text diff plus headline, byline and credit: is the original's outlet or author still named?"""
    result = diff_texts(original_text, copy_text)
    if _norm(original_title) != _norm(copy_title):
        result.headline = (original_title, copy_title)
    if sorted(map(_norm, original_authors)) != sorted(map(_norm, copy_authors)):
        result.authors = (original_authors, copy_authors)
    credits = [c for c in [original_source, *original_authors] if c]
    copy_all = _norm(copy_text + " " + " ".join(copy_authors))
    result.attribution_dropped = bool(credits) and not any(_norm(c) in copy_all for c in credits)
    return result


def _norm(text: str | None) -> str:
    return " ".join(re.findall(r"\w+", (text or "").lower()))
