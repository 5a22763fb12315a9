"""In-document name grouping: every form an article uses for one person, organisation or place.

News style names a person in full once and then by surname, possessive or, at times, a
misspelling: `Mustafa al-Kadhimi` … `Khadimi` … `Khadimi’s`. Grouping joins these to the
most complete form. A short form that could belong to two full names (`Okafor` with both
`Daniel Okafor` and `Grace Okafor` in the text) joins the one it repeats as written, else the one
named nearest before it, as a reader would take it; when neither is named before it, it stays on
its own rather than being guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz.distance import JaroWinkler

from newsgraph.enrich.namekeys import (
    acronym,
    clean_surface,
    initials,
    looks_like_org,
    name_key,
    name_tokens,
    normalise_apostrophes,
    skeleton,
    strip_titles,
)
from newsgraph.records import Alias, EntityType, NameGroup

LABEL_TYPES: dict[str, EntityType] = {
    "PERSON": "person",
    "ORG": "org",
    "GPE": "place",
    "LOC": "place",
    "NORP": "group",
    "FAC": "facility",
    "EVENT": "event",
}
# Entity types whose short forms may refer to one another (NER often tags a surname as ORG).
_NAME_LIKE = {"person", "org", "group"}
FUZZY_MIN = 0.9  # Jaro-Winkler on skeletons for a misspelt short form to join a full name
GROUPING = "grouping.v3"


@dataclass(frozen=True)
class Span:
    """An entity span as the NER model gave it, before grouping."""

    field: str
    start: int
    end: int
    text: str
    label: str
    sentence: int = -1  # where the span's sentence starts in the field, when the parse gives sentences


@dataclass
class _Group:
    type: EntityType
    members: list[int] = field(default_factory=list)  # indices of spans
    skeletons: set[str] = field(default_factory=set)
    last: str = ""
    full_key: str = ""
    initials: str = ""
    forms: set[str] = field(default_factory=set)  # its names as written, apostrophes folded, lower case
    positions: list[tuple[bool, int]] = field(default_factory=list)  # where its members are: title first
    sentences: set[tuple[str, int]] = field(default_factory=set)  # the sentences its full name is named in
    fragments: set[int] = field(default_factory=set)  # members that are pieces of its name: they do not vote


def _position(span: Span) -> tuple[bool, int]:
    return (span.field != "title", span.start)


def _nearest_before(groups: list[_Group], candidates: list[int], position: tuple[bool, int]) -> int | None:
    """The candidate group named nearest before `position`, or None when none is."""
    latest = {c: max((p for p in groups[c].positions if p < position), default=None) for c in candidates}
    named = [(p, c) for c, p in latest.items() if p is not None]
    return max(named)[1] if named else None


def _form(name: str) -> str:
    return normalise_apostrophes(name).lower()


def _compatible(group_type: str, span_type: str) -> bool:
    if group_type == span_type:
        return True
    return group_type in _NAME_LIKE and span_type in _NAME_LIKE


def _span_type(span: Span, name: str) -> EntityType:
    kind = LABEL_TYPES[span.label]
    if kind in {"person", "group"} and looks_like_org(name):
        return "org"
    return kind


def usable(span: Span) -> bool:
    """Entity spans worth grouping: known label, some capital letter, not absurdly long."""
    if span.label not in LABEL_TYPES:
        return False
    name = clean_surface(span.text)
    return bool(name) and len(name) <= 100 and any(ch.isupper() for ch in name)


def group_spans(spans: list[Span]) -> tuple[list[int], list[NameGroup]]:
    """Assign every usable span to a group; returns the group index per span and the groups.

    Spans are taken longest first, so full names found anywhere in the text anchor their short forms.
    """
    names = [clean_surface(s.text) for s in spans]
    types = [_span_type(s, n) for s, n in zip(spans, names, strict=True)]
    names = [strip_titles(n) if t == "person" else n for n, t in zip(names, types, strict=True)]
    tokens = [[skeleton(t) for t in name_tokens(n)] for n in names]
    order = sorted(range(len(spans)), key=lambda i: (-len(tokens[i]), _position(spans[i])))
    groups: list[_Group] = []
    assignment = [-1] * len(spans)

    for i in order:
        key = " ".join(tokens[i])
        kind = types[i]
        target = _find_group(groups, key, tokens[i], names[i], kind, _position(spans[i]))
        if target is None and len(tokens[i]) == 1:
            target = _fragment_of(groups, tokens[i][0], kind, spans[i])
            if target is not None:
                groups[target].fragments.add(i)
        if target is None:
            group = _Group(type=kind)
            group.skeletons = set(tokens[i])
            group.last = tokens[i][-1] if tokens[i] else ""
            group.full_key = key
            group.initials = initials(names[i]) if len(tokens[i]) > 1 else ""
            groups.append(group)
            target = len(groups) - 1
        groups[target].members.append(i)
        groups[target].forms.add(_form(names[i]))
        groups[target].positions.append(_position(spans[i]))
        if len(tokens[i]) > 1 and spans[i].sentence >= 0:
            groups[target].sentences.add((spans[i].field, spans[i].sentence))
        assignment[i] = target

    built = [_build(groups[g], spans, names, types) for g in range(len(groups))]
    return assignment, built


def _find_group(
    groups: list[_Group], key: str, tokens: list[str], name: str, kind: EntityType, position: tuple[bool, int]
) -> int | None:
    # 1. the same name (after transliteration folding), whatever label the model gave each
    for index, group in enumerate(groups):
        if group.full_key == key:
            return index
    # 2. a short form: its tokens are all in exactly one longer name
    if tokens:
        candidates = [
            index
            for index, group in enumerate(groups)
            if len(group.skeletons) > len(tokens)
            and set(tokens) <= group.skeletons
            # a person's surname joins whatever the model called it (`like Tarasov's` tagged a place)
            and (_compatible(group.type, kind) or (group.type == "person" and tokens == [group.last]))
        ]
        if len(candidates) > 1:
            # it fits several: the one full name it repeats as written, if just one does (`Al-Rahimi` is
            # Hassan Al-Rahimi's, not Ali Rahimi's); else, of those, the one named nearest before it
            written = _form(name)
            exact = [c for c in candidates if any(f.endswith(" " + written) for f in groups[c].forms)]
            return exact[0] if len(exact) == 1 else _nearest_before(groups, exact or candidates, position)
        if len(candidates) == 1:
            return candidates[0]
        # a surname that repeats exactly the last name of one full name, whatever the model called that
        # (`Rahmani` after an `Ali Rahmani` tagged a place): that name, before any looser fit below
        repeats = [i for i, g in enumerate(groups) if len(g.skeletons) > 1 and tokens == [g.last]]
        if repeats and kind in _NAME_LIKE:
            return repeats[0] if len(repeats) == 1 else _nearest_before(groups, repeats, position)
    # 3. an acronym of a longer name (US → United States)
    short = acronym(name)
    if short:
        candidates = [i for i, g in enumerate(groups) if g.initials == short and g.type == kind]
        if len(candidates) == 1:
            return candidates[0]
    # 4. a misspelt surname (Khadimi for Kadhimi): one close match among full names' last tokens, when
    # no full name in the article has the word itself (then it is that one's, or another person's)
    if (
        len(tokens) == 1
        and len(tokens[0]) >= 4
        and kind in _NAME_LIKE
        and not any(tokens[0] in g.skeletons for g in groups if len(g.skeletons) > 1)
    ):
        candidates = [
            index
            for index, group in enumerate(groups)
            if group.type == "person"
            and len(group.skeletons) > 1
            and JaroWinkler.similarity(tokens[0], group.last) >= FUZZY_MIN
        ]
        if len(candidates) == 1:
            return candidates[0]
    return None


def _fragment_of(groups: list[_Group], token: str, kind: EntityType, span: Span) -> int | None:
    """The longer name a one-word span is a piece of, when that name is written in the same sentence.

    The model at times tags a word of a name it has just found whole as a name of its own, of
    another type: `Hassan` as a place beside `Hassan Al-Rahimi`, `Harash` as a person beside `the
    Tel Harash Dam`. A place joins only a person's name: beside `the Central Bank of Iraq` or
    `Baghdad International Airport`, `Iraq` and `Baghdad` are the country and the city.
    """
    if span.sentence < 0:
        return None
    here = (span.field, span.sentence)
    found = [
        index
        for index, group in enumerate(groups)
        if len(group.skeletons) > 1
        and token in group.skeletons
        and here in group.sentences
        and (kind != "place" or group.type == "person")
    ]
    return found[0] if len(found) == 1 else None


def _vote_type(labels: list[str], types: list[EntityType], org_words: bool) -> EntityType:
    """One type for a group whose mentions the model labelled differently.

    Organisation words decide for an organisation; a place label as often as a person label
    decides for a place; any person label beats organisation (the model's usual slip on
    surnames); otherwise the majority.
    """
    counts = Counter(labels)
    places = counts["GPE"] + counts["LOC"]
    if org_words and not places:
        return "org"
    if places and places >= counts["PERSON"]:
        return "place"
    if counts["PERSON"]:
        return "person"
    return Counter(types).most_common(1)[0][0]


def _build(group: _Group, spans: list[Span], names: list[str], types: list[EntityType]) -> NameGroup:
    members = group.members
    counts = Counter(names[i] for i in members)
    # one alias per spelling; apostrophe styles count as the same spelling
    by_form: dict[str, tuple[str, int]] = {}
    for form, count in counts.items():
        norm = normalise_apostrophes(form).lower()
        kept = by_form.get(norm)
        by_form[norm] = (kept[0], kept[1] + count) if kept else (form, count)
    first_seen = {names[i]: n for n, i in enumerate(sorted(members, key=lambda m: _position(spans[m])))}
    best = max(
        by_form.values(),
        key=lambda fc: (len(name_tokens(fc[0])), fc[1], -first_seen.get(fc[0], 0)),
    )[0]
    voters = [i for i in members if i not in group.fragments] or members
    kind = _vote_type(
        [spans[i].label for i in voters], [types[i] for i in voters], any(looks_like_org(names[i]) for i in voters)
    )
    aliases = tuple(Alias(form, count) for form, count in sorted(by_form.values(), key=lambda fc: (-fc[1], fc[0])))
    return NameGroup(name=best, type=kind, aliases=aliases, count=len(members), key=name_key(best))
