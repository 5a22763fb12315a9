"""Whether two names can be the same person, organisation or place.

The decision works on transliteration skeletons (`enrich.namekeys.skeleton`), so `Kadhimi`,
`Kadhemi`, `Kazemi` and `Khadimi` agree, and then guards against false merges:

- a person's surname must agree, and so must the given name where both names have one
  (`Hillary Clinton` ≠ `Bill Clinton`), an initial agreeing with a full given name (`M. al-Kadhimi`);
- `Kadhimi, Mustafa` is read as `Mustafa Kadhimi`;
- person names agree only through their skeletons, never by a loose similarity score, so
  `Olaf Schulze` stays apart from `Olaf Scholz` and `Zubairi` from `Zubaidi`;
- organisations and places agree token by token, ignoring order and function words, or by acronym.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler

from newsgraph.enrich.namekeys import (
    ORG_WORDS,
    acronym,
    fold,
    initials,
    name_tokens,
    skeleton,
    skeleton_variants,
    strip_titles,
)

MATCHING = "matching.v1"
CLOSE_LABEL_TOKEN = 0.9  # Jaro-Winkler on skeletons for one token of an organisation or place name
_FUNCTION_WORDS = frozenset({"of", "the", "and", "for", "on", "in", "de", "&"})
# Written-out legal forms, dropped like their abbreviations (`Siemens Aktiengesellschaft` = `Siemens AG`).
_LONG_LEGAL_FORMS = tuple(
    tuple(form.split())
    for form in (
        "open joint stock company",
        "closed joint stock company",
        "public joint stock company",
        "joint stock company",
        "public limited company",
        "limited liability company",
        "gesellschaft mit beschrankter haftung",
        "aktiengesellschaft",
        "societatea cu raspundere limitata",
        "sp z o o",
        "s a",
        "s r l",
        "l l c",
    )
)
_LEGAL_FORMS = frozenset(
    "inc incorporated ltd limited llc plc co corp corporation company gmbh ag sa sas srl bv nv oao ooo pao zao jsc "
    "pjsc ojsc llp lp sarl spa oy ab as".split()
)


@dataclass(frozen=True)
class NameForm:
    """A name prepared for comparison: folded tokens without particles, and their skeletons."""

    text: str
    kind: str  # person, org, place, group, facility, event
    tokens: tuple[str, ...]
    skeletons: tuple[str, ...]
    acronym: str | None

    @property
    def single(self) -> bool:
        return len(self.tokens) == 1


def _reorder(text: str) -> str:
    """`Kadhimi, Mustafa` → `Mustafa Kadhimi` (one comma, a short tail)."""
    if text.count(",") == 1:
        head, tail = (part.strip() for part in text.split(","))
        if head and tail and len(tail.split()) <= 3:
            return f"{tail} {head}"
    return text


@lru_cache(maxsize=200_000)
def parse_name(text: str, kind: str) -> NameForm:
    short = acronym(text)
    if kind == "person":
        tokens = tuple(name_tokens(strip_titles(_reorder(text))))
    else:
        words = [t for t in re.split(r"[\s\-]+", fold(text)) if t and t not in _FUNCTION_WORDS]
        kept = _drop_legal_forms(words)
        tokens = tuple(t for t in kept if t not in {"al", "el"}) or tuple(kept)
    return NameForm(
        text=text,
        kind=kind,
        tokens=tokens,
        skeletons=tuple(skeleton(t) for t in tokens),
        acronym=short or (initials(text) if kind != "person" and len(tokens) > 1 else None),
    )


def _drop_legal_forms(words: list[str]) -> list[str]:
    for form in _LONG_LEGAL_FORMS:
        n = len(form)
        for start in range(len(words) - n + 1):
            if tuple(words[start : start + n]) == form and len(words) > n:
                words = words[:start] + words[start + n :]
                break
    kept = [t for t in words if t not in _LEGAL_FORMS]
    return kept or words


def _joined(form: NameForm) -> str:
    """The whole name as one skeleton: `Kim Jong Un` = `Kim Jong-un`, `Ansar Allah` = `Ansarallah`."""
    return skeleton("".join(form.tokens))


def _fine(token: str) -> str:
    """For very short names, a key that keeps vowel classes: `Qaim` ≠ `Qom`."""
    out: list[str] = []
    for ch in token:
        cls = {"e": "i", "y": "i", "o": "u", "w": "u"}.get(ch, ch)
        if not out or out[-1] != cls or cls not in "aiu":
            out.append(cls)
    return "".join(out)


def _same_token(a: str, b: str, sa: str, sb: str) -> bool:
    """Name tokens agree when their transliteration skeletons do. No looser spelling is accepted:
    `Zubaidi`/`Zubairi` and `Tarasov`/`Tarakov` are different family names."""
    if sa == sb or skeleton_variants(a) & skeleton_variants(b):
        return True
    # a dropped inner vowel (Persian `Tahmasebi` / `Tahmasbi`), same first and last letters
    return len(sa) >= 6 and len(sb) >= 6 and _elided(sa) == _elided(sb)


def _elided(s: str) -> str:
    return s[0] + s[1:-1].replace("a", "") + s[-1]


def _same_given(a: str, b: str, sa: str, sb: str) -> bool:
    if len(a) == 1 or len(b) == 1:
        return a[:1] == b[:1]
    return _same_token(a, b, sa, sb)


def same_person(a: NameForm, b: NameForm) -> bool:
    """Full names (two tokens or more) that can be the same person."""
    if a.single or b.single:
        return len(a.tokens) == len(b.tokens) and bool(skeleton_variants(a.tokens[0]) & skeleton_variants(b.tokens[0]))
    if _joined(a) == _joined(b):
        return True
    if not _same_token(a.tokens[-1], b.tokens[-1], a.skeletons[-1], b.skeletons[-1]):
        return False
    if not _same_given(a.tokens[0], b.tokens[0], a.skeletons[0], b.skeletons[0]):
        # a first name left out: `Tayyip Erdogan` for `Recep Tayyip Erdogan`
        shorter, longer = sorted((a, b), key=lambda f: len(f.tokens))
        return len(longer.tokens) >= 3 and any(
            _same_given(shorter.tokens[0], t, shorter.skeletons[0], s)
            for t, s in zip(longer.tokens[1:-1], longer.skeletons[1:-1], strict=True)
        )
    # middle names: where both give one in the same place, they must agree
    middle_a, middle_b = a.tokens[1:-1], b.tokens[1:-1]
    if middle_a and middle_b and len(middle_a) == len(middle_b):
        return all(_same_given(x, y, skeleton(x), skeleton(y)) for x, y in zip(middle_a, middle_b, strict=True))
    return True


def same_label(a: NameForm, b: NameForm) -> bool:
    """Organisation or place names that agree token by token (any order), or by acronym."""
    if a.single and b.single:
        # one-word names must agree exactly: fuzzy single words chain (`Karbala` ~ `Kabul`)
        if len(a.tokens[0]) <= 4 or len(b.tokens[0]) <= 4:
            return _fine(a.tokens[0]) == _fine(b.tokens[0]) or (a.acronym is not None and a.acronym == b.acronym)
        return bool(skeleton_variants(a.tokens[0]) & skeleton_variants(b.tokens[0]))
    if a.skeletons == b.skeletons or sorted(a.skeletons) == sorted(b.skeletons) or _joined(a) == _joined(b):
        return True
    if a.acronym and b.acronym and (a.acronym == b.acronym) and (a.single or b.single):
        return True
    if len(a.tokens) != len(b.tokens):
        return False
    pairs = list(zip(sorted(a.tokens), sorted(b.tokens), strict=True))
    exact = sum(skeleton(x) == skeleton(y) for x, y in pairs)
    if exact == 0 and len(pairs) > 1:
        return False
    return all(
        skeleton(x) == skeleton(y)
        or (
            x[:1] == y[:1]
            and min(len(x), len(y)) >= 5
            and JaroWinkler.similarity(skeleton(x), skeleton(y)) >= CLOSE_LABEL_TOKEN
        )
        for x, y in pairs
    )


def same_entity(a: NameForm, b: NameForm) -> bool:
    """Whether two names of the same type can refer to one entity."""
    if a.kind != b.kind:
        return False
    if a.kind == "person":
        return same_person(a, b)
    return same_label(a, b)


def blocking_keys(form: NameForm) -> set[str]:
    """Keys that any name it can match shares with it, so only names in a shared block are compared."""
    keys: set[str] = set()
    if not form.tokens:
        return keys
    if form.kind == "person":
        keys.update("s:" + variant for variant in skeleton_variants(form.tokens[-1]))
        keys.add("p:" + form.tokens[-1][:3])
        return keys
    distinctive = [t for t in form.tokens if t not in ORG_WORDS and len(t) > 2] or list(form.tokens)
    for token in distinctive:
        for value in skeleton_variants(token):
            keys.add("t:" + value)
            keys.add("p:" + value[:3])
    if form.acronym:
        keys.add("a:" + form.acronym.lower())
    return keys


__all__ = ["MATCHING", "NameForm", "blocking_keys", "parse_name", "same_entity", "same_label", "same_person"]
