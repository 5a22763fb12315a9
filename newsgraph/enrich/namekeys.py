"""Name normalisation and transliteration-aware keys.

`Mustafa al-Kadhimi`, `Kadhemi`, `Al-Kazemi` and the misspelt `Khadimi` differ as strings but
share a consonant skeleton once particles are dropped and the letter classes that
transliterations swap are folded together. The keys here are for blocking and grouping;
a similarity check on the real strings decides.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

APOSTROPHES = "’‘`´ʼʻʿʾ′‛"
_APOSTROPHE_TABLE = str.maketrans({ch: "'" for ch in APOSTROPHES})
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$|['’]$", re.I)
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_EDGE_PUNCT = re.compile(r"^[\s\"'’‘“”«»„(\[{,.;:–—-]+|[\s\"“”«»„)\]},;:–—-]+$")
_SPACES = re.compile(r"\s+")
# a final full stop that belongs to the name: `U.S.`, `M.`, `Inc.`, `Jr.`
_ABBREVIATION_END = re.compile(r"(?:\b\w\.|\b(?:Inc|Co|Corp|Ltd|Jr|Sr|St|Bros)\.)$")
_TOKEN_SPLIT = re.compile(r"[\s\-]+")

# Name particles and articles that transliterations add, drop or attach: al-Kadhimi, Al Kazemi,
# bin Salman, ibn, abu, von, van, de la …
PARTICLES = frozenset(
    "al el ul il ad ar as ash at az an bin ibn ben bint abu abi abou bou "
    "von van der den de del della di da dos du la le los las mc".split()
)
# Words that mark an organisation whatever the NER model guessed.
ORG_WORDS = frozenset(
    "party movement front council ministry ministries department agency authority commission committee "
    "company corporation corp inc ltd plc llc group bank fund union association federation league "
    "brigade brigades battalion battalions army forces militia militias organisation organization "
    "institute university college school hospital court parliament assembly senate congress "
    "foundation network news times post press service services alliance coalition".split()
)
# The same for transliterated words common in names of armed groups and parties; compared by
# skeleton, since their spellings vary (`Kata’ib`, `Kataeb`; `Saraya`, `Saraya’a`).
TRANSLITERATED_ORG_WORDS = "hezbollah kataib saraya sarayat jaysh harakat liwa asaib hashd tanzim jabhat ansar".split()
# Words before a name that make it a person's (`Minister Okonkwo-Hale`); dropped from person names.
PERSON_TITLES = frozenset(
    "mr mrs ms miss dr prof professor sir dame lord lady president minister premier chancellor senator "
    "governor mayor councillor councilor judge justice ambassador envoy general gen colonel col major "
    "captain capt lieutenant sergeant admiral commander sheikh sheik imam rabbi father bishop cardinal "
    "pope king queen prince princess emir sultan ayatollah mullah spokesman spokeswoman spokesperson "
    "secretary chairman chairwoman deputy mp pm sayyed sayyid seyed syed shaikh haji hajji mullah monsieur "
    "madame herr frau senor senora señor señora präsident prasident presidente".split()
)


def normalise_apostrophes(text: str) -> str:
    return text.translate(_APOSTROPHE_TABLE)


def clean_surface(text: str) -> str:
    """A mention as a name: possessive and leading article removed, spaces collapsed.

    `the White House` → `White House`; `Khadimi’s` → `Khadimi`. Apostrophes inside the name
    stay as written (`Kata’ib`); `normalise_apostrophes` folds them for comparison.
    """
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text).strip()
    text = _EDGE_PUNCT.sub("", text)
    text = _POSSESSIVE.sub("", text).strip()
    text = _LEADING_ARTICLE.sub("", text).strip()
    text = _EDGE_PUNCT.sub("", text)
    if text.endswith(".") and not _ABBREVIATION_END.search(text):
        text = text[:-1].rstrip()
    return text


def fold(text: str) -> str:
    """Lowercase ASCII letters only: diacritics stripped, apostrophes and ayn/hamza marks removed."""
    decomposed = unicodedata.normalize("NFKD", normalise_apostrophes(text).lower())
    return "".join(ch for ch in decomposed if "a" <= ch <= "z" or ch in " -")


_ABD = frozenset({"abd", "abdul", "abdel", "abdal", "abdoul"})


def name_tokens(name: str) -> list[str]:
    """Folded tokens of a name without particles: `Abu Mahdi al-Muhandis` → [mahdi, muhandis].

    A hyphen after a particle separates it (`al-Kadhimi` → kadhimi); any other hyphen joins
    (`Ahmadi-Nejad` → ahmadinejad, `Jong-un` → jongun). `Abd al-`, `Abdel`, `Abdul` are one form.
    """
    words: list[str] = []
    for word in fold(name).split():
        parts = [p for p in word.split("-") if p]
        while len(parts) > 1 and parts[0] in PARTICLES:
            parts = parts[1:]
        if parts:
            words.append("".join(parts))
    tokens: list[str] = []
    i = 0
    while i < len(words):
        token = words[i]
        if token in _ABD:
            if i + 1 < len(words) and words[i + 1] in {"al", "el", "ul"}:
                i += 1
            token = "abdal"
        tokens.append(token)
        i += 1
    kept = [t for t in tokens if t not in PARTICLES]
    return kept or tokens


_VOWEL_RUN = re.compile(r"[aeiou]+")
_DOUBLED = re.compile(r"(.)\1+")
_H_AFTER_CONSONANT = re.compile(r"(?<=[bcdfgjklmnpqrstvxz])h")


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """Transliteration-folded form of one folded token.

    Folds letter classes that transliterations swap: dh/z/th/d, q/k/gh, kh/k, c/k, ou/u/o/oo,
    ei/ai/ay/e, ee/i, j/dj/g, y/i, w/u, ph/f; vowel runs become one vowel; doubled letters one.
    (`kh` also stands for `h` in some systems: see `skeleton_variants`.)
    """
    s = token.replace("dj", "j").replace("ph", "f").replace("gh", "q").replace("j", "g")
    s = _H_AFTER_CONSONANT.sub("", s)
    s = s.replace("y", "i").replace("w", "u").replace("q", "k").replace("c", "k").replace("x", "ks")
    s = s.replace("z", "d").replace("t", "d")
    s = _DOUBLED.sub(r"\1", s)
    s = _VOWEL_RUN.sub("a", s)
    return s or token


@lru_cache(maxsize=200_000)
def skeleton_variants(token: str) -> frozenset[str]:
    """The skeletons a token can have: `kh` read as `k` (`Khadimi` ~ `Kadhimi`) and as `h` (`Khalid` ~ `Halid`)."""
    variants = {skeleton(token)}
    if "kh" in token:
        variants.add(skeleton(token.replace("kh", "h")))
    if "g" in token:  # Arabic q is also written g (`Gaddafi` / `Qadhafi`)
        variants.add(skeleton(token.replace("gh", "q").replace("g", "q")))
    return frozenset(variants)


def name_key(name: str) -> str:
    """A blocking key for a whole name: the skeletons of its tokens, in order.

    Acronyms keep their letters (`EU` and `UAE` must not fold together).
    """
    short = acronym(name)
    if short:
        return short.lower()
    return " ".join(skeleton(t) for t in name_tokens(name))


def initials(name: str) -> str:
    """`United States` → `US`, `United Nations Security Council` → `UNSC` (function words skipped)."""
    words = [w for w in re.split(r"[\s\-]+", name) if w and w.lower() not in {"of", "the", "and", "for", "on"}]
    return "".join(w[0].upper() for w in words if w[0].isalpha())


def acronym(text: str) -> str | None:
    """`U.S.` / `US` / `UNSC` as a bare upper-case acronym, or None when the text is not one."""
    bare = text.replace(".", "").replace(" ", "")
    if 2 <= len(bare) <= 6 and bare.isalpha() and bare.isupper():
        return bare
    return None


@lru_cache(maxsize=1)
def _org_skeletons() -> frozenset[str]:
    return frozenset(skeleton(w) for w in TRANSLITERATED_ORG_WORDS)


def looks_like_org(name: str) -> bool:
    tokens = [t for t in _TOKEN_SPLIT.split(fold(name)) if t]
    return any(t in ORG_WORDS or (len(t) > 3 and skeleton(t) in _org_skeletons()) for t in tokens)


def strip_titles(name: str) -> str:
    """A person's name without the titles before it: `PM Haidar Zubeidi` → `Haidar Zubeidi`."""
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(".") in PERSON_TITLES:
        words = words[1:]
    return " ".join(words)
