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
from functools import cached_property, lru_cache

from rapidfuzz.distance import JaroWinkler

from newsgraph.enrich.namekeys import (
    ORG_WORDS,
    acronym,
    fold,
    initials,
    kept_letters,
    name_tokens,
    nickname_of,
    numbers_as_digits,
    patronym,
    skeleton,
    skeleton_variants,
    strip_titles,
    undigit,
)

MATCHING = "matching.v10"
CLOSE_LABEL_TOKEN = 0.9  # Jaro-Winkler on skeletons for one token of an organisation or place name
# Jaro-Winkler on the spellings of a lone person name and the word it is compared with: one word says
# little, so its skeleton's agreement is not enough (`Igor` / `Acker`, `Velez` / `Walid`)
LONE_NAME_SPELLING = 0.75
_FUNCTION_WORDS = frozenset({"of", "the", "and", "for", "on", "in", "de", "&"})
_ARTICLES = frozenset({"al", "el"})
# the Arabic article written as it is pronounced and joined by a hyphen: `an-Nusra`, `ash-Sham`, `ut-Tahrir`
_ATTACHED_ARTICLE = re.compile(r"(?<![a-z0-9])(?:a[dlnrstz]|ash|e[dlnrstz]|u[dlnrstz])-(?=[a-z])")
_POSSESSIVE_S = re.compile(r"['’]s\b", re.I)
_QUALIFIER = re.compile(r"\(([^()]*)\)")
# Abbreviated words of organisation names, written out.
_ABBREVIATIONS = {
    "intl": "international",
    "natl": "national",
    "dept": "department",
    "univ": "university",
    "govt": "government",
    "assn": "association",
    "mfg": "manufacturing",
    "bros": "brothers",
}
# Countries and unions abbreviated at the head of an organisation's name, written out.
_LEADING_ABBREVIATIONS = {
    "us": ("united", "states"),
    "usa": ("united", "states"),
    "uk": ("united", "kingdom"),
    "un": ("united", "nations"),
    "eu": ("european", "union"),
    "uae": ("united", "arab", "emirates"),
}
# Legal forms, each with its kind where the kind tells companies apart: a joint-stock company and a
# limited-liability company of one name (`… AG` / `… GmbH`) are two companies. `None`: says nothing.
_LEGAL_FORM_KINDS: dict[str, str | None] = {
    "open joint stock company": "stock",
    "closed joint stock company": "stock",
    "public joint stock company": "stock",
    "joint stock company": "stock",
    "public limited company": "stock",
    "limited liability company": "limited",
    "gesellschaft mit beschrankter haftung": "limited",
    "aktiengesellschaft": "stock",
    "societatea cu raspundere limitata": "limited",
    "sp z o o": "limited",
    "sp z oo": "limited",
    "s a": "stock",
    "s p a": "stock",
    "s r l": "limited",
    "l l c": "limited",
    "ag": "stock",
    "sa": "stock",
    "spa": "stock",
    "nv": "stock",
    "plc": "stock",
    "jsc": "stock",
    "ojsc": "stock",
    "pjsc": "stock",
    "cjsc": "stock",
    "oao": "stock",
    "pao": "stock",
    "zao": "stock",
    "gmbh": "limited",
    "llc": "limited",
    "ooo": "limited",
    "bv": "limited",
    "sarl": "limited",
    "srl": "limited",
    "lp": "partnership",
    "llp": "partnership",
    **dict.fromkeys("inc incorporated ltd limited co corp corporation company sas ab as oy".split()),
}
_LONG_LEGAL_FORMS = sorted(
    (tuple(form.split()) for form in _LEGAL_FORM_KINDS if " " in form or len(form) > 5), key=len, reverse=True
)
_LEGAL_FORMS = frozenset(form for form in _LEGAL_FORM_KINDS if " " not in form)
_PERSON_LEGAL_FORMS = frozenset({"llc", "ltd", "inc", "gmbh", "sa", "ag", "plc", "corp"})
_PATRONYMIC_END = re.compile(r"\b(?:bin|ibn|ben)[\s\-]+[a-z]+$")
# Generic words of Arabic names of armed groups and parties, and the English words that translate
# them, compared as one (`Jabhat al-Nusra` / `Nusra Front`, `Kata'ib Hezbollah` / `Hezbollah Brigades`);
# matched by skeleton, since their spellings vary (`Kata'ib`, `Kataeb`).
_TRANSLATED_ORG_WORDS = {
    "jabhat": "front",
    "jabha": "front",
    "kataib": "brigades",
    "harakat": "movement",
    "haraka": "movement",
    "jaysh": "army",
    "jaish": "army",
    "hizb": "party",
}
# A word that describes what kind of body a name belongs to without telling two apart: `Ansar Allah
# movement` is `Ansar Allah`, `Harakat Ahrar al-Sham` is `Ahrar al-Sham`.
_DESCRIPTOR_WORDS = frozenset({"movement"})


@dataclass(frozen=True)
class NameForm:
    """A name prepared for comparison: folded tokens without particles, and their skeletons."""

    text: str
    kind: str  # person, org, place, group, facility, event
    tokens: tuple[str, ...]
    skeletons: tuple[str, ...]
    acronym: str | None
    patronym: str | None = None  # person: the name after `bin`/`ibn`/`ben`
    patronymic_end: bool = False  # person: the last name follows `bin`/`ibn` (`Mohammed bin Salman`)
    given_initials: str = ""  # person: initials of a hyphenated given name (`Jean-Claude` → jc)
    qualifier: tuple[str, ...] = ()  # organisation: skeletons of a bracketed qualifier, `(Schweiz)`
    legal: frozenset[str] = frozenset()  # organisation: kinds of the legal forms it gives
    whole: str = ""  # organisation: the skeleton of every word joined, legal forms included

    @property
    def single(self) -> bool:
        return len(self.tokens) == 1

    @cached_property
    def joined(self) -> str:
        """The whole name as one skeleton: `Kim Jong Un` = `Kim Jong-un`, `Ansar Allah` = `Ansarallah`."""
        return skeleton("".join(self.tokens))

    @cached_property
    def joined_variants(self) -> frozenset[str]:
        return skeleton_variants("".join(self.tokens))

    @cached_property
    def joined_kept(self) -> str:
        """The kept letters of the whole name (`kept_letters`): names whose joined variants meet agree in them."""
        return kept_letters("".join(self.tokens))

    @cached_property
    def has_initial(self) -> bool:
        return any(len(t) == 1 for t in self.tokens)


def _reorder(text: str) -> str:
    """`Kadhimi, Mustafa` → `Mustafa Kadhimi` (one comma, a short tail);
    `bin Salman Mohammed` → `Mohammed bin Salman` (a name that opens with its patronym), and
    `Salman Mohammed bin` → `Mohammed bin Salman` (a list's family-name-first order)."""
    if text.count(",") == 1:
        head, tail = (part.strip() for part in text.split(","))
        if head and tail and len(tail.split()) <= 3:
            return f"{tail} {head}"
    words = text.split()
    if len(words) >= 3 and words[0].lower() in {"bin", "ibn"}:
        return " ".join(words[2:] + words[:2])
    if len(words) >= 3 and words[-1].lower() in {"bin", "ibn"}:  # `Salman Mohammed bin`
        return " ".join(words[1:] + words[:1])
    return text


def _hyphen_initials(name: str) -> str:
    words = fold(name).split()
    parts = [p for p in words[0].split("-") if p] if len(words) >= 2 else []
    return "".join(p[0] for p in parts) if len(parts) >= 2 else ""


def _drop_person_legal_form(text: str) -> str:
    """`Nicolás Maduro LLC` → `Nicolás Maduro`: a company's legal form written after a person's name."""
    words = text.split()
    last = words[-1] if words else ""
    if len(words) >= 3 and (last.isupper() or "." in last) and fold(last).replace(" ", "") in _PERSON_LEGAL_FORMS:
        return " ".join(words[:-1])
    return text


def _label_key(token: str) -> str:
    """A token of an organisation or place name for comparison: a skeleton, or for a short token
    (`BWI`, `BAE`, a number) a key that keeps vowel classes, since short skeletons collide."""
    return _fine(token) if len(token) <= 4 else skeleton(token)


@lru_cache(maxsize=200_000)
def parse_name(text: str, kind: str) -> NameForm:
    short = acronym(text)
    if kind == "person":
        plain = _drop_person_legal_form(strip_titles(_reorder(undigit(text))))
        tokens = tuple(name_tokens(plain))
        return NameForm(
            text=text,
            kind=kind,
            tokens=tokens,
            skeletons=tuple(skeleton(t) for t in tokens),
            acronym=short,
            patronym=patronym(plain),
            patronymic_end=len(tokens) >= 2 and _PATRONYMIC_END.search(fold(plain)) is not None,
            given_initials=_hyphen_initials(plain),
        )
    qualifier: tuple[str, ...] = ()
    body = text
    bracket = _QUALIFIER.search(text)
    if bracket and _QUALIFIER.sub(" ", text).strip():
        qualifier = tuple(_label_key(t) for t in _org_words(bracket.group(1)))
        body = _QUALIFIER.sub(" ", text)
    words = _org_words(_POSSESSIVE_S.sub("", body))
    kept, legal = _drop_legal_forms(words)
    tokens = tuple(_translated(t) for t in kept if t not in _ARTICLES) or tuple(kept)
    return NameForm(
        text=text,
        kind=kind,
        tokens=tokens,
        skeletons=tuple(_label_key(t) for t in tokens),
        acronym=short or (initials(body) if len(tokens) > 1 else None),
        qualifier=qualifier,
        legal=legal,
        whole=skeleton("".join(t for t in words if t not in _ARTICLES)),
    )


@lru_cache(maxsize=1)
def _translation_skeletons() -> dict[str, str]:
    return {skeleton(word): english for word, english in _TRANSLATED_ORG_WORDS.items()}


def _translated(token: str) -> str:
    """A generic Arabic word of a group's name as the English word that translates it."""
    return _translation_skeletons().get(skeleton(token), token) if len(token) > 3 else token


def _org_words(text: str) -> list[str]:
    folded = _ATTACHED_ARTICLE.sub("", fold(text.replace("&", " and "), digits=True))
    words = numbers_as_digits([t for t in re.split(r"[\s\-]+", folded) if t])
    if words and words[0] in _LEADING_ABBREVIATIONS:  # `U.S. Department of State`, `UN Security Council`
        words = [*_LEADING_ABBREVIATIONS[words[0]], *words[1:]]
    return [_ABBREVIATIONS.get(t, t) for t in words if t not in _FUNCTION_WORDS]


@lru_cache(maxsize=1)
def _legal_form_skeletons() -> dict[tuple[str, ...], tuple[str, ...]]:
    return {tuple(skeleton(w) for w in form): form for form in _LONG_LEGAL_FORMS}


def _drop_legal_forms(words: list[str]) -> tuple[list[str], frozenset[str]]:
    """The words without legal forms, and the kinds of those forms. Long forms are found by
    skeleton, so a misspelt `Aktiengeselschaft` or `Joynt Stock Company` is still one."""
    kinds: set[str | None] = set()
    skeletons = [skeleton(w) for w in words]
    present = set(skeletons)
    for form_skeleton, form in _legal_form_skeletons().items():
        if form_skeleton[0] not in present:
            continue  # most names give no word of most forms
        n = len(form)
        for start in range(len(words) - n + 1):
            if len(words) > n and tuple(skeletons[start : start + n]) == form_skeleton:
                if n == 1 and len(words[start]) < 6:
                    continue  # a short word is a legal form only as written
                kinds.add(_LEGAL_FORM_KINDS[" ".join(form)])
                words = words[:start] + words[start + n :]
                skeletons = skeletons[:start] + skeletons[start + n :]
                present = set(skeletons)
                break
    kept = [t for t in words if t not in _LEGAL_FORMS]
    if not kept:
        return words, frozenset(k for k in kinds if k)
    kinds.update(_LEGAL_FORM_KINDS[t] for t in words if t in _LEGAL_FORMS)
    return kept, frozenset(k for k in kinds if k)


def _joined_agree(a: NameForm, b: NameForm) -> bool:
    """Names written with a word split or joined (`Kim Jong Un` / `Kim Jong-un`, `SiemensAG`). Only
    between different numbers of words: across a word boundary vowels and doubled letters run
    together (`Michel Obama` and `Michelle Obama` would agree)."""
    if a.has_initial or b.has_initial:
        return False  # an initial can vanish into a joined skeleton (`John H. W.` → johnhw → `John W.`)
    if len(a.tokens) != len(b.tokens) and (
        a.joined == b.joined or (a.joined_kept == b.joined_kept and a.joined_variants & b.joined_variants)
    ):
        return True
    if not (a.whole or b.whole):
        return False  # person names: no legal form to look for (and no joined skeleton to read)
    # a legal form written onto the name (`SiemensAG`)
    ja, jb = a.joined, b.joined
    return (a.whole not in {"", ja} and a.whole == jb) or (b.whole not in {"", jb} and b.whole == ja)


def _fine(token: str) -> str:
    """For very short names, a key that keeps vowel classes: `Qaim` ≠ `Qom`, `Haq` = `Haqq`."""
    out: list[str] = []
    for ch in token:
        cls = {"e": "i", "y": "i", "o": "u", "w": "u"}.get(ch, ch)
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)


def _same_token(a: str, b: str, sa: str, sb: str) -> bool:
    """Name tokens agree when their transliteration skeletons do. No looser spelling is accepted:
    `Zubaidi`/`Zubairi` and `Tarasov`/`Tarakov` are different family names."""
    if sa == sb or skeleton_variants(a) & skeleton_variants(b):
        return True
    # a dropped inner vowel (Persian `Tahmasebi` / `Tahmasbi`, `Zawahiri` / `Zawahri`), same first and
    # last letters, in names of six letters or more
    if min(len(a), len(b)) >= 6 and min(len(sa), len(sb)) >= 5 and _elided(sa) == _elided(sb):
        return True
    return _transposed(a, b)


def _transposed(a: str, b: str) -> bool:
    """Two neighbouring letters typed the wrong way round after the first two (`Marcon` / `Macron`):
    a slip of the keyboard, not another name. The first two letters must agree (`Kirsten` ≠ `Kristen`)."""
    if len(a) != len(b) or len(a) < 5 or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[0] >= 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


def _elided(s: str) -> str:
    return s[0] + s[1:-1].replace("a", "") + s[-1]


def _same_given(a: str, b: str, sa: str, sb: str) -> bool:
    if len(a) == 1 or len(b) == 1:
        return a[:1] == b[:1]
    return _same_token(a, b, sa, sb) or nickname_of(a, b) or nickname_of(b, a) or _abu_joined(a, b)


def _abu_joined(a: str, b: str) -> bool:
    """`Abubakr` / `Abu Bakr`: a kunya written as one word, beside the name whose `Abu` was dropped."""
    long, short = (a, b) if len(a) > len(b) else (b, a)
    return len(short) >= 3 and long.startswith("abu") and long[3:] == short


def same_person(a: NameForm, b: NameForm) -> bool:
    """Full names (two tokens or more) that can be the same person; a lone name agrees with a
    full name's family name (`Erdogan` / `Recep Tayyip Erdogan`)."""
    if _joined_agree(a, b):
        return True
    if a.single or b.single:
        if a.single and b.single:
            x, y = a.tokens[0], b.tokens[0]
            return (bool(skeleton_variants(x) & skeleton_variants(y)) and spelt_alike(x, y)) or _transposed(x, y)
        lone, full = (a, b) if a.single else (b, a)
        x, y = lone.tokens[0], full.tokens[-1]
        if _transposed(x, y):
            return True
        return _same_token(x, y, lone.skeletons[0], full.skeletons[-1]) and spelt_alike(x, y)
    if not _same_token(a.tokens[-1], b.tokens[-1], a.skeletons[-1], b.skeletons[-1]):
        return _family_name_added(a, b) or _family_name_added(b, a)
    if (
        a.patronym
        and b.patronym
        and not _same_given(a.patronym, b.patronym, skeleton(a.patronym), skeleton(b.patronym))
    ):
        return False  # `Mohammed bin Salman` / `Mohammed bin Zayed`: different fathers
    if _long_short_form(a, b) or _long_short_form(b, a):
        return False
    if not _same_given(a.tokens[0], b.tokens[0], a.skeletons[0], b.skeletons[0]) and not _given_initials(a, b):
        # a first name left out: `Tayyip Erdogan` for `Recep Tayyip Erdogan`
        shorter, longer = sorted((a, b), key=lambda f: len(f.tokens))
        return len(longer.tokens) > len(shorter.tokens) >= 2 and any(
            _same_given(shorter.tokens[0], t, shorter.skeletons[0], s)
            for t, s in zip(longer.tokens[1:-1], longer.skeletons[1:-1], strict=True)
        )
    # middle names: where both give them, the shorter list must be found in order in the longer
    # (`Mohammad Abbas Akhund` in `Mohammad Abdul Abbas Akhund`); initials alone must agree in full
    # (`George W. Bush` ≠ `George H. W. Bush`)
    middle_a, middle_b = a.tokens[1:-1], b.tokens[1:-1]
    if middle_a and middle_b:
        if all(len(t) == 1 for t in middle_a + middle_b):
            return middle_a == middle_b
        if (len(middle_a[0]) == 1 or len(middle_b[0]) == 1) and middle_a[0][0] != middle_b[0][0]:
            return False  # initials start from the first middle name: `George H. W.` ≠ `George Walker`
        return _in_order(*sorted((middle_a, middle_b), key=len))
    return True


def spelt_alike(lone: str, other: str) -> bool:
    """Whether a lone name is spelt close enough to the word it is compared with for transliterations
    of one name (`Zubaidi` / `Zubeidi`, `Kadhimi` / `Khadimi`, `Adrian` / `Adrien`): the same class of
    first vowel (`Lawrow` read as `Lavrov` too) and a Jaro-Winkler similarity of at least
    LONE_NAME_SPELLING. Two names whose transliteration skeletons agree but whose letters do not
    (`Giuly` / `Kolo`) stay apart."""
    same_class = bool(_first_vowels(lone) & _first_vowels(other))
    return same_class and JaroWinkler.similarity(lone, other) >= LONE_NAME_SPELLING


def _first_vowels(token: str) -> set[str]:
    """The first vowel's class, as written and with the German and Polish w read as v (`Lawrow`)."""
    return {_first_vowel(token), _first_vowel(token.replace("w", "v"))}


def _given_initials(a: NameForm, b: NameForm) -> bool:
    """`J.-C. Juncker`, `JC Juncker` / `Jean-Claude Juncker`: a hyphenated given name by its initials."""
    return any(
        x.given_initials and len(y.tokens[0]) == len(x.given_initials) and y.tokens[0] == x.given_initials
        for x, y in ((a, b), (b, a))
    )


def _long_short_form(short: NameForm, long: NameForm) -> bool:
    """A two-word form of a name that gives three middle names or more (`Muhammad al-Tamimi` for
    `Muhammad Saleh Ahmad Hassan al-Tamimi`) says too little to join it: the first and family names
    of a long Arabic name are shared by its bearer's relatives."""
    return len(short.tokens) == 2 and len(long.tokens) >= 5


def _family_name_added(short: NameForm, long: NameForm) -> bool:
    """`Mohammed bin Salman` / `Mohammad bin Salman Al Saud`: a name that ends with the father's name
    and the same name with the family name after it. Both must name the father with `bin`/`ibn`."""
    return (
        short.patronymic_end
        and short.patronym is None
        and long.patronym is not None
        and len(long.tokens) > len(short.tokens)
        and _same_given(short.tokens[-1], long.patronym, short.skeletons[-1], skeleton(long.patronym))
        and _same_given(short.tokens[0], long.tokens[0], short.skeletons[0], long.skeletons[0])
    )


def vowel_apart(a: NameForm, b: NameForm) -> bool:
    """One-word organisation or place names whose skeletons agree but whose first vowels differ in
    class (`Basra` / `Busra`, `Dahuk` / `Duhok`): two names, or one name spelt two ways; the corpus
    decides (`corpus.entities`)."""
    if a.kind != b.kind or a.kind == "person" or not (a.single and b.single):
        return False
    x, y = a.tokens[0], b.tokens[0]
    return (
        len(x) > 4
        and len(y) > 4
        and _first_vowel(x) != _first_vowel(y)
        and bool(skeleton_variants(x) & skeleton_variants(y))
    )


def adds_names(a: NameForm, b: NameForm) -> bool:
    """Whether two person names judged the same agree only as a shorter form and a longer one that
    adds names (`Hillary Clinton` / `Hillary Rodham Clinton`): the shorter form may belong to
    another bearer of those names, so the corpus decides (`corpus.entities`)."""
    return (
        a.kind == b.kind == "person"
        and len(a.tokens) != len(b.tokens)
        and min(len(a.tokens), len(b.tokens)) >= 2
        and not _joined_agree(a, b)
    )


def middle_names_differ(a: NameForm, b: NameForm) -> bool:
    """Two person names with the same given and family names and middle names that disagree
    (`George W. Bush` / `George H. W. Bush`): two people, whatever names link them."""
    return (
        a.kind == b.kind == "person"
        and len(a.tokens) >= 3
        and len(b.tokens) >= 3
        and _same_token(a.tokens[-1], b.tokens[-1], a.skeletons[-1], b.skeletons[-1])
        and _same_given(a.tokens[0], b.tokens[0], a.skeletons[0], b.skeletons[0])
        and not same_person(a, b)
    )


def _in_order(shorter: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Whether each name of `shorter` agrees with a name of `longer`, in the same order."""
    remaining = iter(longer)
    return all(any(_same_given(x, y, skeleton(x), skeleton(y)) for y in remaining) for x in shorter)


_BACK_VOWEL = re.compile(r"[ou]|a[uw](?![aeiouy])")
_VOWEL = re.compile(r"[aeiouy]")


def _first_vowel(token: str) -> str:
    """The class of a one-word name's first vowel: back (o, u, and aw/au said as o) or front.
    Transliterations of one vowel stay in one class (`Kirkuk` / `Karkuk`, `Busra` / `Bosra`,
    `Mosul` / `Mawsil`), while names told apart only by it differ (`Basra` / `Busra`)."""
    first = _VOWEL.search(token)
    if first is None:
        return ""
    return "back" if _BACK_VOWEL.match(token, first.start()) else "front"


def _same_length(x: str, y: str, raw_x: str, raw_y: str) -> bool:
    """Skeletons that differ by a changed letter, not an added syllable (`Petrochemical` ≠
    `Petromechanical`), save the t of the Arabic construct state (`Saraya` / `Sarayat`), which
    follows the word as written (`Melli` / `Mellat` differ)."""
    return len(x) == len(y) or _construct_state(raw_x, raw_y) or _construct_state(raw_y, raw_x)


def _construct_state(word: str, longer: str) -> bool:
    return longer in {word + "t", word.removesuffix("h") + "t"} and word[-1:] in {"a", "h"}


def same_label(a: NameForm, b: NameForm) -> bool:
    """Organisation or place names that agree token by token (any order), or by acronym."""
    if a.legal and b.legal and not a.legal & b.legal:
        return False  # `… AG` and `… GmbH`: two companies
    if a.qualifier and b.qualifier and a.qualifier != b.qualifier:
        return False  # `Bank (Hong Kong)` / `Bank (Singapore)`
    if _joined_agree(a, b):
        return True
    if a.single and b.single:
        # one-word names must agree exactly: fuzzy single words chain (`Karbala` ~ `Kabul`)
        x, y = a.tokens[0], b.tokens[0]
        if len(x) <= 4 or len(y) <= 4:
            return _fine(x) == _fine(y) or (a.acronym is not None and a.acronym == b.acronym)
        return _first_vowel(x) == _first_vowel(y) and bool(skeleton_variants(x) & skeleton_variants(y))
    if a.skeletons == b.skeletons or sorted(a.skeletons) == sorted(b.skeletons):
        return True
    if a.acronym and b.acronym and (a.acronym == b.acronym) and (a.single or b.single):
        return True
    if len(a.tokens) != len(b.tokens):
        return _described(a, b) or _described(b, a)
    pairs = list(zip(sorted(a.tokens), sorted(b.tokens), strict=True))
    exact = sum(_label_key(x) == _label_key(y) for x, y in pairs)
    if exact == 0 and len(pairs) > 1:
        return False
    return all(
        _label_key(x) == _label_key(y)
        or (
            x[:1] == y[:1]
            and min(len(x), len(y)) >= 5
            and _same_length(skeleton(x), skeleton(y), x, y)
            and JaroWinkler.similarity(skeleton(x), skeleton(y)) >= CLOSE_LABEL_TOKEN
        )
        for x, y in pairs
    )


def _described(plain: NameForm, described: NameForm) -> bool:
    """`Ansar Allah` / `Ansar Allah movement`: a name and the same name with a word saying what it is."""
    rest = tuple(s for t, s in zip(described.tokens, described.skeletons, strict=True) if t not in _DESCRIPTOR_WORDS)
    return 0 < len(rest) == len(plain.tokens) < len(described.tokens) and sorted(rest) == sorted(plain.skeletons)


def same_entity(a: NameForm, b: NameForm) -> bool:
    """Whether two names of the same type can refer to one entity."""
    if a.kind != b.kind:
        return False
    if a.kind == "person":
        return same_person(a, b)
    return same_label(a, b)


def blocking_keys(form: NameForm) -> set[str]:
    """Keys that any name it can match shares with it, so only names in a shared block are compared.

    A surname or label-token key also comes refined (`s:…|h`, `t:…|bm`), by the given name's initial or
    the initials of the label's other distinctive tokens, which two names that match share. A block too
    large to compare (a common surname in a big corpus) is compared through its refined blocks instead
    (`refined_parent`). A full person name's family name is also blocked by its first three letters
    under the given name's initial (`p:tah.r`), for the family names spelt with another skeleton
    (`Tahmasebi` / `Tahmasbi`): without the initial, that block holds every family name of those
    letters, and a new name is judged against all of them."""
    keys: set[str] = set()
    if not form.tokens:
        return keys
    if form.kind == "person":
        surnames = set(skeleton_variants(form.tokens[-1]))
        if not form.single:  # a family name of another skeleton (`Zawahri`), among one given initial's names
            keys.add(f"p:{form.tokens[-1][:3]}.{form.tokens[0][:1]}")
        if len(form.tokens) >= 3:  # a family name written in two words: `Kim Jong Un` / `Kim Jong-un`
            surnames.update(skeleton_variants(form.tokens[-2] + form.tokens[-1]))
        if form.patronym:  # `Mohammad bin Salman Al Saud` / `Mohammed bin Salman`
            surnames.update(skeleton_variants(form.patronym))
        keys.update("s:" + variant for variant in surnames)
        if not form.single:
            keys.update(f"s:{variant}|{form.tokens[0][:1]}" for variant in surnames)
        return keys
    distinctive = [t for t in form.tokens if t not in ORG_WORDS and len(t) > 2] or list(form.tokens)
    for n, token in enumerate(distinctive):
        others = "".join(sorted(t[:1] for m, t in enumerate(distinctive) if m != n and t not in _DESCRIPTOR_WORDS))
        for value in skeleton_variants(token):
            keys.add("t:" + value)
            keys.add(f"t:{value}|{others}")
            keys.add("p:" + value[:3])
    if form.acronym:
        keys.add("a:" + form.acronym.lower())
    return keys


def refined_parent(key: str) -> str | None:
    """The block a refined key (`s:…|h`) refines, or None for a key that refines none."""
    parent, bar, _ = key.partition("|")
    return parent if bar else None


__all__ = [
    "MATCHING",
    "NameForm",
    "adds_names",
    "blocking_keys",
    "middle_names_differ",
    "parse_name",
    "refined_parent",
    "same_entity",
    "same_label",
    "same_person",
    "spelt_alike",
    "vowel_apart",
]
