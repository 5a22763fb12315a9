"""The entities benchmark's synthetic corpus: entity names built from syllable lists (Arabic-,
Russian- and English/African-style persons, companies, armed groups, places), their spellings, and
`Processed` records mentioning them with Zipf-like frequency."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from newsgraph.records import EntityType

MENTIONS_PER_ARTICLE = 20
BATCH = 500

_AR_GIVEN_ON = "Ha Mu Ah Ka Sa Ja Fa Na Ra Ta Ya Ba Wa Za Qa Kha Sha Ab Is Hu".split()
_AR_GIVEN_CODA = "mid rim mir mal ris bil sim dir lid hir jid fiq san zim ruq min dan sar shad bar".split()
_AR_SUR_ON = "Zu Ka Ha Ja Ba Sa Ma Ta Na Da Ra Qa Sha Kha Ghu Du Ju Ru Mu Fa".split()
_AR_SUR_MID = "bai dhi za ra ri sa wa ha la ya ma ka ti bu ja".split()
_AR_SUR_END = "di mi ni ri si wi hi li bi ti ki".split()
_RU_GIVEN = (
    "Aleksandr Sergei Dmitri Yevgeny Mikhail Andrei Nikolai Vladimir Ivan Oleg Igor Pavel Yuri Anatoly Viktor "
    "Konstantin Maksim Aleksei Grigory Boris Vasily Fyodor Arkady Gennady Leonid Valery Stanislav Timofei Ilya "
    "Yelena Tatyana Natalya Olga Irina Svetlana Yekaterina Anastasia"
).split()
_RU_ROOT = (
    "Tar Pet Sok Kuz Mor Vol Bel Gor Lav Med Nov Pop Sid Zhuk Kras Orl Kot Sem Fed Grom Kis Lys Bar Mel Chern".split()
)
_RU_MID = ["as", "ol", "en", "ik", "ar", "ub", "in", "an", "ush", "ed", "el", ""]
_RU_END = "ov ev in enko sky ko yuk ich".split()
_EN_GIVEN = (
    "John Daniel Grace Samuel Mary Peter Joseph Sarah David Emmanuel Chinedu Olusegun Amina Kwame Thabo Ngozi "
    "Fatima Tendai Kofi Abena Michael Elizabeth James Ruth Musa Halima Sipho Wanjiru"
).split()
_EN_SUR_ON = "Oka Ade Mba Olu Nwa Ken Mwa Kam Obi Eze Ako Ban Dla Ma Mu Ose Ya Wan Ndi Chi".split()
_EN_SUR_MID = ["", "n", "ri", "do", "ka", "si", "mbe"]
_EN_SUR_END = "for yemi nde chukwu ta lu ngi wale ga bu mini sa kwe tope zi jiru".split()
_CO_ON = "Al Nor Tri Ver Sol Gal Mar Pet Ros Kas Zen Ori Tel Vis Ark Qan Bru Dex Fal Hel Jun Lum Pax Sib".split()
_CO_MID = ["", "d", "m", "tr", "v", "l", "p", "ng"]
_CO_END = "ex ava ion tek gaz neft ora ant ico ura com stro".split()
_CO_SECTOR = "Oil Gas Trading Shipping Holding Energy Mining Logistics Construction Telecom Steel Cement".split()
_CO_FORM = ["Company", "Group", "Corporation", "Limited", "LLC", "PJSC", "Bank"]
_ARMED_HEAD = ["Kata'ib", "Saraya", "Jaysh", "Liwa", "Harakat", "Asa'ib", "Ansar", "Jabhat"]
_ARMED_WORD = "Nur Haq Salam Fath Imam Mahdi Shuhada Quds Islam Tawhid Ummah Furqan Badr Karama Nasr Hussein".split()
_PLACE_ON = (
    "Dah Kir Bas Mos Fal Ram Sam Tik Har Naj Hil Kut Zak Sul Amar Dar Khan Jal Sin Bak Mir Qar Tal Yaz Ur".split()
)
_PLACE_MID = ["", "m", "nd", "sh", "b", "g", "rv", "t", "z", "l", "n", "p"]
_PLACE_END = "uk ra ul uja adi arra rit iba af la ah awa ek in abad iyah".split()
_ONSET_C = "b d f g h j k l m n p q r s t v z kh sh gh".split()
_CODA_C = "b d f g k l m n r s t z sh".split()
_FORM_WORDS = frozenset(w.lower() for w in _CO_FORM)
_OUTLETS = [f"Synthetic Outlet {n}" for n in range(24)]
_LABEL = {"person": "PERSON", "org": "ORG", "place": "GPE"}

_AR_SWAPS = [
    ("ai", "ei"),
    ("ai", "ay"),
    ("u", "ou"),
    ("u", "o"),
    ("i", "ee"),
    ("i", "e"),
    ("q", "k"),
    ("Q", "Gh"),
    ("dh", "z"),
    ("dh", "d"),
    ("j", "dj"),
    ("J", "Dj"),
    ("s", "ss"),
    ("m", "mm"),
    ("a", "e"),
    ("Kh", "H"),
]
_RU_SWAPS = [
    ("Ye", "E"),
    ("y", "iy"),
    ("y", "i"),
    ("ks", "x"),
    ("sky", "skiy"),
    ("sky", "ski"),
    ("ov", "off"),
    ("ei", "ey"),
    ("s", "ss"),
    ("zh", "j"),
    ("kh", "ch"),
    ("ii", "iy"),
    ("Aleks", "Alex"),
    ("ya", "ia"),
]
_PLACE_SWAPS = [("o", "u"), ("u", "o"), ("a", "e"), ("iyah", "iya"), ("iyah", "iyeh"), ("k", "q"), ("ah", "a")]


def _cvc(rng: random.Random) -> str:
    """A capitalised consonant-vowel-consonant syllable, for onsets beyond the fixed lists."""
    return (rng.choice(_ONSET_C) + rng.choice("aeiou") + rng.choice(_CODA_C)).capitalize()


def _swap(text: str, swaps: list[tuple[str, str]], rng: random.Random) -> str:
    options = [(a, b) for a, b in swaps if a in text]
    if not options:
        return text
    a, b = rng.choice(options)
    spots = [m.start() for m in re.finditer(re.escape(a), text)]
    at = rng.choice(spots)
    return text[:at] + b + text[at + len(a) :]


def _arabic_person(rng: random.Random) -> tuple[str, Callable[[str], str]]:
    given = rng.choice(_AR_GIVEN_ON) + rng.choice(_AR_GIVEN_CODA)
    family = rng.choice(_AR_SUR_ON) + rng.choice(_AR_SUR_MID) + rng.choice(_AR_SUR_END)
    prefix = "al-" if rng.random() < 0.6 else ""
    base = f"{given} {prefix}{family}"

    def variant(text: str) -> str:
        roll = rng.random()
        if roll < 0.2 and "al-" in text:
            return text.replace("al-", rng.choice(["Al-", "", "el-", "Al "]), 1)
        if roll < 0.3 and "al-" not in text and "Al" not in text:
            head, _, tail = text.partition(" ")
            return f"{head} al-{tail}"
        return _swap(text, _AR_SWAPS, rng)

    return base, variant


def _russian_person(rng: random.Random) -> tuple[str, Callable[[str], str]]:
    given = rng.choice(_RU_GIVEN)
    family = rng.choice(_RU_ROOT) + rng.choice(_RU_MID) + rng.choice(_RU_END)
    if given[-1] == "a" and family.endswith(("ov", "ev", "in")):
        family += "a"
    elif given[-1] == "a" and family.endswith("sky"):
        family = family[:-1] + "aya"
    return f"{given} {family}", lambda text: _swap(text, _RU_SWAPS, rng)


def _english_person(rng: random.Random) -> tuple[str, Callable[[str], str]]:
    given = rng.choice(_EN_GIVEN)
    family = rng.choice(_EN_SUR_ON) + rng.choice(_EN_SUR_MID) + rng.choice(_EN_SUR_END)
    middle = rng.choice(_EN_GIVEN)
    base = f"{given} {family}"

    def variant(text: str) -> str:
        # from the base form: a variant of a variant would stack middle names ("F. F.")
        head, tail = given, family
        roll = rng.random()
        if roll < 0.4:
            return f"{head} {middle[0]}. {tail}"
        if roll < 0.7:
            return f"{head} {middle} {tail}"
        return f"{head} {tail.replace('o', 'ọ', 1)}" if "o" in tail else f"{head[0]}. {tail}"

    return base, variant


def _company(rng: random.Random) -> tuple[str, Callable[[str], str]]:
    word = (rng.choice(_CO_ON) if rng.random() < 0.5 else _cvc(rng)) + rng.choice(_CO_MID) + rng.choice(_CO_END)
    sector, form = rng.choice(_CO_SECTOR), rng.choice(_CO_FORM)
    base = f"{word} {form}" if form == "Bank" else f"{word} {sector} {form}"
    short = {"Company": "Co", "Corporation": "Corp", "Limited": "Ltd", "Group": "Grp"}

    def variant(text: str) -> str:
        roll = rng.random()
        if roll < 0.35 and form in short:
            return text.replace(form, short[form])
        if roll < 0.55:
            return text.upper()
        if roll < 0.75 and form == "PJSC":
            return f"PJSC {text.replace(' PJSC', '')}"
        return text.replace(f" {form}", "") if form != "Bank" else f"{form} {word}"

    return base, variant


def _armed_group(rng: random.Random) -> tuple[str, Callable[[str], str]]:
    head = rng.choice(_ARMED_HEAD)
    first, second = rng.sample(_ARMED_WORD, 2)
    base = f"{head} al-{first}" if rng.random() < 0.5 else f"{head} {first} al-{second}"
    swaps = [
        ("Kata'ib", "Kataib"),
        ("Kata'ib", "Kataeb"),
        ("Kata'ib", "Kata’ib"),
        ("Saraya", "Sarayat"),
        ("Jaysh", "Jaish"),
        ("Jaysh", "Jeish"),
        ("Asa'ib", "Asaib"),
        ("Harakat", "Haraket"),
        ("al-", "al "),
        ("al-", "el-"),
        ("Nur", "Nour"),
        ("Nur", "Noor"),
        ("Haq", "Haqq"),
        ("Quds", "Qods"),
        ("Mahdi", "Mehdi"),
        ("Hussein", "Husayn"),
        ("Badr", "Badir"),
    ]
    return base, lambda text: _swap(text, swaps, rng)


def _place(rng: random.Random) -> tuple[str, Callable[[str], str]]:
    base = (
        (rng.choice(_PLACE_ON) if rng.random() < 0.3 else _cvc(rng)) + rng.choice(_PLACE_MID) + rng.choice(_PLACE_END)
    )
    if rng.random() < 0.15:
        base = f"Tel {base}"
    return base, lambda text: _swap(text, _PLACE_SWAPS, rng)


_MAKERS: list[tuple[str, float, Callable[[random.Random], tuple[str, Callable[[str], str]]]]] = [
    ("person", 0.30, _arabic_person),
    ("person", 0.15, _russian_person),
    ("person", 0.20, _english_person),
    ("org", 0.12, _company),
    ("org", 0.08, _armed_group),
    ("place", 0.15, _place),
]


def _identity(kind: str, base: str) -> tuple[str, ...]:
    """What makes two generated names one name: the words for organisations (any order, legal form
    and `al-` aside), the whole string otherwise. Independent of newsgraph's matcher."""
    if kind != "org":
        return (kind, base.lower())
    words = base.lower().replace("al-", "").split()
    return (kind, *sorted(w for w in words if w not in _FORM_WORDS))


def synth_entities(count: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    """`count` entities as (type, spellings), spellings distinct across the whole set."""
    from newsgraph.corpus.entities import name_norm

    used: set[str] = set()
    bases: set[tuple[str, ...]] = set()
    entities: list[tuple[str, list[str]]] = []
    weights = [w for _, w, _ in _MAKERS]
    while len(entities) < count:
        kind, _, maker = rng.choices(_MAKERS, weights)[0]
        base, variant = maker(rng)
        identity = _identity(kind, base)
        if name_norm(base) in used or identity in bases:
            continue
        spellings = [base]
        used.add(name_norm(base))
        bases.add(identity)
        wanted = rng.choices([1, 2, 3, 4], [0.35, 0.30, 0.20, 0.15])[0]
        for _ in range(12):
            if len(spellings) >= wanted:
                break
            candidate = variant(rng.choice(spellings))
            if name_norm(candidate) not in used:
                used.add(name_norm(candidate))
                spellings.append(candidate)
        entities.append((kind, spellings))
    return entities


def _surname(text: str) -> str:
    return text.split()[-1]


def synth_batches(
    entities: list[tuple[str, list[str]]], mentions: int, rng: random.Random, truth: dict[str, set[int]]
) -> Iterator[list[Any]]:
    """`Processed` records (an article and its analysis each), `BATCH` at a time, ~20 mentions an article.

    Fills `truth`: name id → the entities that name was written for.
    """
    from newsgraph.corpus.entities import name_id
    from newsgraph.enrich.namekeys import name_key
    from newsgraph.records import Alias, Analysis, Article, Location, Mention, NameGroup, Processed, content_hash

    articles = max(1, mentions // MENTIONS_PER_ARTICLE)
    cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(entities))))
    order = list(range(len(entities)))
    rng.shuffle(order)  # Zipf rank independent of the generation order
    batch: list[Any] = []
    for n in range(articles):
        budget = mentions // articles + (1 if n < mentions % articles else 0)
        picks: list[int] = []
        for choice in rng.choices(order, cum_weights=cum, k=max(1, budget // 2) * 2):
            if choice not in picks:
                picks.append(choice)
            if len(picks) >= max(1, budget // 2):
                break
        counts = [1] * len(picks)
        for _ in range(budget - len(picks)):
            counts[rng.randrange(len(picks))] += 1
        groups, spans, pieces, offset = [], [], [], 0
        for g, (entity, count) in enumerate(zip(picks, counts, strict=True)):
            written, spellings = entities[entity]
            kind = cast("EntityType", written)
            full = rng.choices(spellings, [3] + [1] * (len(spellings) - 1))[0]
            person = kind == "person"
            name = _surname(full) if person and rng.random() < 0.03 else full
            forms = [name] + ([_surname(name)] * (count - 1) if person else [name] * (count - 1))
            truth.setdefault(name_id(name), set()).add(entity)
            alias_counts = Counter(forms)
            groups.append(
                NameGroup(
                    name=name,
                    type=kind,
                    aliases=tuple(Alias(f, c) for f, c in alias_counts.most_common()),
                    count=count,
                    key=name_key(name),
                )
            )
            for form in forms:
                spans.append(Mention("text", offset, offset + len(form), form, _LABEL[kind], kind, g))
                pieces.append(form + " was named in the report. ")
                offset += len(pieces[-1])
        text = "".join(pieces).strip()
        article_id = content_hash("newsgraph-bench-entities", n)
        location = Location(f"synthetic/entities/{n:06d}.txt")
        day = 1 + n % 28
        article = Article(
            id=article_id,
            location=location,
            format="text",
            title=f"Synthetic article {n}",
            text=text,
            source=_OUTLETS[n % len(_OUTLETS)],
            url=None,
            authors=(),
            published=f"2024-{1 + n % 12:02d}-{day:02d}T12:00:00+00:00",
            published_from="hint",
            language="en",
            raw_hash=article_id,
        )
        analysis = Analysis(article_id, tuple(spans), tuple(groups), "benchmark.synthetic")
        batch.append(Processed(location, article_id, article=article, analysis=analysis))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
