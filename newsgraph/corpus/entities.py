"""Cross-document entity resolution: one entity per real person, organisation and place.

The input is the set of *names* the corpus uses — the most complete form of each in-article
name group (`enrich.grouping`), with the type most articles gave it. Names are compared only
within blocks that share a key (`matching.blocking_keys`), and every pair judged the same
(`matching.same_entity`) is joined. A surname standing alone (an article that never gives the
full name) joins the lone spellings and the one full name it fits, by skeleton and by spelling
(`matching.spelt_alike`); when it fits several full names, it stays unresolved rather
than being guessed — unless the articles around it settle the question (co-mentioned names).
A shorter form of a fuller name (`Hillary Clinton` / `Hillary Rodham Clinton`) joins it last, and
only where the corpus does not show two people behind the link: never an entity whose names give
other middle names than its own entity's (`George Walker Bush`, with `George W. Bush`, stays apart
from `George Herbert Walker Bush`, with `George H. W. Bush`), and when it fits two such entities it
joins neither and stays unresolved.

The result depends only on the set of names and the curation rules, never on the order or the
batches in which articles arrived, so ingesting a corpus in one batch or ten gives the same
entities. Curation rules (merge, split, rename) are applied on every run.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Generic, TypeVar

from newsgraph.corpus.matching import (
    MATCHING,
    NameForm,
    adds_names,
    blocking_keys,
    middle_names_differ,
    parse_name,
    refined_parent,
    same_entity,
    spelt_alike,
    vowel_apart,
)
from newsgraph.enrich.namekeys import name_key, name_tokens, normalise_apostrophes, skeleton_variants
from newsgraph.records import content_hash

RESOLUTION = f"resolution.v3+{MATCHING}"
MAX_BLOCK = 400  # a block of more names than this is compared only through its refined blocks (if any)
TIE_MARGIN = 2  # co-mentions needed, and needed ahead of the runner-up, to settle an ambiguous surname


def name_norm(text: str) -> str:
    """The identity of a name string: apostrophes folded, case and spacing ignored."""
    return " ".join(normalise_apostrophes(text).lower().split())


def name_id(text: str) -> str:
    return content_hash("name", name_norm(text), length=16)


@lru_cache(maxsize=200_000)
def _full_name_key(text: str) -> str | None:
    """A full name's transliteration key (`name_key`); None for a one-word name."""
    return name_key(text) if len(name_tokens(text)) >= 2 else None


def name_index_keys(text: str) -> set[str]:
    """The keys `name_keys` holds for a name (see `_index_keys`)."""
    return set(_index_keys(text))


@lru_cache(maxsize=100_000)  # a name recurs in article after article
def _index_keys(text: str) -> frozenset[str]:
    """The blocking keys of a name under either reading (person, or organisation/place), so a
    name's block is known before its type is settled by votes; with the keys of the other ties
    that put two names in one group (`corpus.entity_groups`): its whole-name key (`n:`, the
    spellings whose votes `settle_weak_types` pools) and, read as a lone surname, its skeletons
    (`l:`)."""
    person = parse_name(text, "person")
    keys = blocking_keys(person) | blocking_keys(parse_name(text, "org"))
    whole = _full_name_key(text)
    if whole is not None:
        keys.add("n:" + whole)
    if person.tokens and person.single:
        keys.update("l:" + variant for variant in skeleton_variants(person.tokens[0]))
    return frozenset(keys)


@dataclass(frozen=True)
class NameRecord:
    """One distinct name in the corpus, with what resolution needs to know about it."""

    id: str
    text: str
    type: str
    articles: int = 1
    context: frozenset[str] = frozenset()  # ids of names co-mentioned with it


@dataclass(frozen=True)
class Rule:
    """A curation rule: merge two names' entities, split a name off its entity, or rename an entity."""

    action: str  # merge, split, rename
    a: str
    b: str = ""


@dataclass(frozen=True)
class _LoneSpellings:
    """Lone surnames of one skeleton spelt alike (`_spelt_alike_sets`), and the full names they may join."""

    idents: list[str]
    alike: list[str]  # the full names their skeleton fits whose family name they are spelt like
    too_common: bool  # their family-name block is oversized: not guessed
    split_off: bool  # a curation rule splits one of them off

    @property
    def settled(self) -> bool:
        """Whether resolution decides which full name they join."""
        return not self.too_common and not self.split_off


@dataclass
class Resolution:
    """Which entity each name belongs to, and the names left unresolved (ambiguous short forms)."""

    entity_of: dict[str, str] = field(default_factory=dict)  # name id → entity id
    members: dict[str, list[str]] = field(default_factory=dict)  # entity id → name ids
    unresolved: set[str] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)  # entity id → display name from a rule
    # name id → its group's id (`corpus.entity_groups`), where the resolution was made in groups
    group_of: dict[str, str] = field(default_factory=dict, compare=False)
    # the compared pairs `resolve_names` acted on (`Judged`), each smaller id first; None: not known
    acting: set[tuple[str, str]] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Judged:
    """What an earlier resolution judged: the compared pairs it acted on (`same_entity` or
    `vowel_apart` held) among the names not `fresh`. A pair's verdict depends only on its two
    names as read (text and type) and on whether a block they share is compared, so pairs of names
    that have not changed since need not be judged again; only pairs with a fresh name are. Fresh:
    a name new to the earlier resolution, read with another type, or in an acted pair that only a
    block grown too large to compare since compared (a pair that shares another compared block is
    judged as before)."""

    fresh: frozenset[str]
    acting: frozenset[tuple[str, str]]


WEAK_TYPE_ARTICLES = 1  # a type label from this few articles gives way to a better-attested spelling's
_SETTLED_TYPES = frozenset({"person", "org", "place"})


def pooled_spellings(records: Iterable[NameRecord]) -> dict[str, list[NameRecord]]:
    """The spellings of one full name (two words or more), by their transliteration key, in the
    order given: the names whose type votes `settle_weak_types` pools."""
    keyed: dict[str, list[NameRecord]] = defaultdict(list)
    for record in records:
        key = _full_name_key(record.text)
        if key is not None:
            keyed[key].append(record)
    return keyed


def settle_weak_types(records: Iterable[NameRecord]) -> list[NameRecord]:
    """Names whose type rests on one article take the type of the other spellings of the same full
    name (two words or more, one transliteration key) when those rest on more articles: a person
    the model called a place once (`Bashir Kathemi`, beside `Bashir Kazemi` the person in three)
    is compared as a person. A one-word name keeps its own type: `Jordan` the country and `Jordan`
    the given name are told apart by their articles, not by their spelling."""
    listed = list(records)
    keyed = pooled_spellings(listed)
    settled = []
    for record in listed:
        key = _full_name_key(record.text)
        if record.articles <= WEAK_TYPE_ARTICLES and key is not None:
            votes: Counter[str] = Counter()
            for other in keyed[key]:
                if other.id != record.id:
                    votes[other.type] += other.articles
            if votes:
                best, count = max(sorted(votes.items()), key=lambda kv: kv[1])
                if best != record.type and best in _SETTLED_TYPES and count > record.articles:
                    record = replace(record, type=best)
        settled.append(record)
    return settled


K = TypeVar("K", str, int)


class UnionFind(Generic[K]):
    """Components of items joined pairwise; the smallest item of a component is its root."""

    def __init__(self, items: Iterable[K]) -> None:
        self.parent: dict[K, K] = {item: item for item in items}

    def find(self, item: K) -> K:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: K, b: K) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller id wins, so the result does not depend on the order of unions
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra

    def join(self, members: Sequence[K]) -> None:
        """One component of all `members`."""
        for other in members[1:]:
            self.union(members[0], other)


def oversized_of(forms: Iterable[NameForm]) -> frozenset[str]:
    """The oversized keys among these names' blocking keys."""
    counts: Counter[str] = Counter(key for form in forms for key in blocking_keys(form))
    return frozenset(key for key, count in counts.items() if count > MAX_BLOCK)


def compared(key: str, oversized: frozenset[str]) -> bool:
    """Whether a block is compared: not oversized, and if refined, refining an oversized block (a
    refined block of a compared one holds no pair that block does not)."""
    parent = refined_parent(key)
    return key not in oversized and (parent is None or parent in oversized)


def compared_keys(form: NameForm, oversized: frozenset[str]) -> set[str]:
    """The name's blocking keys whose blocks are compared (`compared`)."""
    return {key for key in blocking_keys(form) if compared(key, oversized)}


def _candidate_pairs(
    forms: Mapping[str, NameForm], oversized: frozenset[str], fresh: frozenset[str] | None = None
) -> Iterable[tuple[str, str]]:
    """Each pair of names sharing a compared block, once: in the first block (by key) they share.
    With `fresh`, only the pairs with a fresh name."""
    keys = {ident: compared_keys(form, oversized) for ident, form in forms.items()}
    blocks: dict[str, list[str]] = defaultdict(list)
    for ident in sorted(forms):
        for key in keys[ident]:
            blocks[key].append(ident)
    for key, members in blocks.items():
        if fresh is not None and fresh.isdisjoint(members):
            continue
        for i, a in enumerate(members):
            mine = keys[a]
            later = members[i + 1 :]
            for b in later if fresh is None or a in fresh else [b for b in later if b in fresh]:
                if min(mine & keys[b]) == key:
                    yield a, b


ContextOf = Callable[[Sequence[str]], Mapping[str, frozenset[str]]]  # name ids → their co-mentions


def resolve_names(
    records: Iterable[NameRecord],
    rules: Iterable[Rule] = (),
    oversized: frozenset[str] | None = None,
    context_of: ContextOf | None = None,
    judged: Judged | None = None,
) -> Resolution:
    """Group names into entities. Pure: the same records, rules and `oversized` always give the same
    result. `oversized` names the blocking keys too large to compare, as counted over the whole
    corpus (a store's names, when these records are some of them); by default, over these records.
    A lone surname whose family-name block is oversized is too common to be guessed: it stays
    unresolved. `context_of`, when given, supplies the co-mentions of the names that settling a
    lone surname reads (the records' own are used otherwise), so only those are looked up.
    `judged`, when given, spares judging again the pairs an earlier resolution judged (`Judged`);
    the result is the same."""
    by_id = {r.id: r for r in records}
    forms = {i: parse_name(r.text, r.type) for i, r in by_id.items()}
    rules = list(rules)
    # a later rule wins: a split undoes earlier merges of that name, a merge undoes an earlier split
    last_split = {name_id(r.a): i for i, r in enumerate(rules) if r.action == "split"}
    merges = [
        (i, name_id(r.a), name_id(r.b))
        for i, r in enumerate(rules)
        if r.action == "merge" and last_split.get(name_id(r.a), -1) < i and last_split.get(name_id(r.b), -1) < i
    ]
    merged_after = {n for _, a, b in merges for n in (a, b)}
    split_off = {n for n in last_split if n not in merged_after}
    uf = UnionFind(by_id)
    ties = UnionFind(by_id)  # the names' groups (`corpus.entity_groups`): every pair acted on, tied

    if oversized is None:
        oversized = oversized_of(forms.values())
    # names with no Latin letters to compare (another script) stand alone
    full = {i: f for i, f in forms.items() if f.tokens and not (f.kind == "person" and f.single)}
    shorter_forms: dict[str, list[str]] = defaultdict(list)  # a shorter name → the fuller names it fits
    vowel_links: dict[str, list[str]] = defaultdict(list)  # a one-word name → those it matches but a vowel
    acting: set[tuple[str, str]] = set()
    pairs = _candidate_pairs(full, oversized, None if judged is None else judged.fresh)
    if judged is not None:  # the pairs acted on before, of names that have not changed since
        known = ((a, b) for a, b in sorted(judged.acting) if a in full and b in full)
        pairs = itertools.chain(pairs, (ab for ab in known if ab[0] not in judged.fresh and ab[1] not in judged.fresh))
    for a, b in pairs:
        pair = (a, b) if a < b else (b, a)
        if a in split_off or b in split_off:
            if same_entity(full[a], full[b]) or vowel_apart(full[a], full[b]):
                ties.union(a, b)
                acting.add(pair)
            continue
        if same_entity(full[a], full[b]):
            ties.union(a, b)
            acting.add(pair)
            if adds_names(full[a], full[b]):
                short, long = (a, b) if len(full[a].tokens) < len(full[b].tokens) else (b, a)
                shorter_forms[short].append(long)
            else:
                uf.union(a, b)
        elif vowel_apart(full[a], full[b]):
            ties.union(a, b)
            acting.add(pair)
            vowel_links[a].append(b)
            vowel_links[b].append(a)
    unresolved: set[str] = set()
    _join_shorter_forms(shorter_forms, full, uf, unresolved)
    _join_lone_spellings(vowel_links, full, uf)

    # surnames standing alone: join the one full name they fit
    surnames: dict[str, list[str]] = defaultdict(list)
    for ident, form in full.items():
        if form.kind == "person":
            for variant in skeleton_variants(form.tokens[-1]):
                surnames[variant].append(ident)
    singles = sorted(i for i, f in forms.items() if f.tokens and f.kind == "person" and f.single)
    same_single: dict[str, list[str]] = defaultdict(list)
    for ident in singles:
        same_single[forms[ident].skeletons[0]].append(ident)
    names_of: dict[str, list[str]] = defaultdict(list)  # entity root → its names, kept up to date below
    for ident in by_id:
        names_of[uf.find(ident)].append(ident)
    lone_sets: list[_LoneSpellings] = []
    for idents in same_single.values():
        for spelling in _spelt_alike_sets(idents, forms):
            token = forms[spelling[0]].tokens[0]
            variants = skeleton_variants(token)
            fitting = [i for v in sorted(variants) for i in surnames.get(v, [])]  # full names it could be
            lone = _LoneSpellings(
                spelling,
                [i for i in fitting if spelt_alike(token, forms[i].tokens[-1])],
                any("s:" + v in oversized for v in variants),
                any(i in split_off for i in spelling),
            )
            ties.join(spelling)
            if lone.settled:  # the full names it may join are the only others its decision reads
                ties.join([spelling[0], *lone.alike])
            lone_sets.append(lone)
    if context_of is not None:
        _look_up_context(lone_sets, uf, names_of, by_id, context_of)

    def join(a: str, b: str) -> None:
        ra, rb = uf.find(a), uf.find(b)
        if ra != rb:
            uf.union(ra, rb)
            names_of[uf.find(ra)] = names_of.pop(ra) + names_of.pop(rb)

    for lone in lone_sets:
        for other in lone.idents[1:]:
            join(lone.idents[0], other)
        if lone.too_common and not lone.split_off:
            unresolved.update(lone.idents)
        if not lone.settled:
            continue
        candidates = sorted({uf.find(i) for i in lone.alike})
        if len(candidates) == 1:
            join(lone.idents[0], candidates[0])
        elif len(candidates) > 1:
            chosen = _settle_by_context(lone.idents, candidates, by_id, names_of)
            if chosen is None:
                unresolved.update(lone.idents)
            else:
                join(lone.idents[0], chosen)

    for _, a, b in merges:
        if a in by_id and b in by_id:
            uf.union(a, b)
    for spellings in pooled_spellings(by_id[i] for i in sorted(by_id)).values():
        ties.join([r.id for r in spellings])
    for rule in rules:
        if rule.action == "merge" and name_id(rule.a) in by_id and name_id(rule.b) in by_id:
            ties.union(name_id(rule.a), name_id(rule.b))

    result = Resolution(unresolved=unresolved, group_of={ident: ties.find(ident) for ident in by_id}, acting=acting)
    groups: dict[str, list[str]] = defaultdict(list)
    for ident in sorted(by_id):
        groups[uf.find(ident)].append(ident)
    for root, members in groups.items():
        entity = content_hash("entity", root, length=16)
        result.members[entity] = members
        for member in members:
            result.entity_of[member] = entity
    for rule in rules:
        if rule.action == "rename":
            target = result.entity_of.get(name_id(rule.a))
            if target is not None:
                result.renamed[target] = rule.b
    return result


def _join_shorter_forms(
    shorter_forms: Mapping[str, list[str]], forms: Mapping[str, NameForm], uf: UnionFind[str], unresolved: set[str]
) -> None:
    """Join each shorter name to the fuller names it fits, unless that would put two people in one
    entity: an entity is not joined to one whose names give other middle names than its own, and a
    shorter name that fits two entities kept apart that way joins neither (it stays unresolved when
    nothing else holds it)."""
    middled: dict[str, list[str]] = defaultdict(list)  # entity root → its names with middle names
    for ident, form in sorted(forms.items()):
        if form.kind == "person" and len(form.tokens) >= 3:
            middled[uf.find(ident)].append(ident)

    def apart(x: str, y: str) -> bool:
        return any(middle_names_differ(forms[a], forms[b]) for a in middled.get(x, ()) for b in middled.get(y, ()))

    def join(x: str, y: str) -> None:
        uf.union(x, y)
        root = uf.find(x)
        merged = middled.pop(x, []) + middled.pop(y, [])
        if merged:
            middled[root] = merged

    sizes = Counter(uf.find(i) for i in forms) if shorter_forms else Counter()
    for short in sorted(shorter_forms):
        own = uf.find(short)
        targets = sorted({uf.find(long) for long in shorter_forms[short]} - {own})
        targets = [t for t in targets if not apart(own, t)]
        if any(apart(x, y) for n, x in enumerate(targets) for y in targets[n + 1 :]):
            if own == short and sizes[own] <= 1:
                unresolved.add(short)
            continue
        for target in targets:
            join(uf.find(short), uf.find(target))


def _spelt_alike_sets(idents: Sequence[str], forms: Mapping[str, NameForm]) -> list[list[str]]:
    """Lone names of one skeleton, in sets of spellings close enough to be one name
    (`matching.spelt_alike`, joined in chains), each set in the order given."""
    sets = UnionFind(idents)
    for a, b in itertools.combinations(idents, 2):
        if sets.find(a) != sets.find(b) and spelt_alike(forms[a].tokens[0], forms[b].tokens[0]):
            sets.union(a, b)
    members: dict[str, list[str]] = defaultdict(list)
    for ident in idents:
        members[sets.find(ident)].append(ident)
    return list(members.values())


def _join_lone_spellings(links: Mapping[str, list[str]], forms: Mapping[str, NameForm], uf: UnionFind[str]) -> None:
    """A one-word name spelt with another vowel than a name it otherwise matches (`Dahuk` / `Duhok`)
    joins it only when that spelling stands alone and the names it fits are one entity: where each
    side has spellings of its own (`Basra`, `Basrah` / `Busra`, `Bosra`) they are two names."""
    members = Counter(uf.find(i) for i in forms)
    for ident in sorted(links):
        own = uf.find(ident)
        if members[own] > 1:
            continue
        targets = {uf.find(other) for other in links[ident]}
        if len(targets) == 1:
            uf.union(ident, targets.pop())


def _look_up_context(
    lone_sets: Sequence[_LoneSpellings],
    uf: UnionFind[str],
    names_of: Mapping[str, list[str]],
    by_id: dict[str, NameRecord],
    context_of: Callable[[list[str]], Mapping[str, frozenset[str]]],
) -> None:
    """Fill in the co-mentions `_settle_by_context` will read, and only those: a lone spelling that
    fits several entities, the names of those entities, and the lone spellings that may join one of
    them first (co-mentions are the costly part of a lookup in a large store)."""
    settled = [(lone.idents, {uf.find(i) for i in lone.alike}) for lone in lone_sets if lone.settled]
    contested = {root for _, roots in settled if len(roots) > 1 for root in roots}
    if not contested:
        return
    needed = {i for root in contested for i in names_of[root]}
    needed |= {i for idents, roots in settled if roots & contested for i in idents}
    found = context_of(sorted(needed))
    for ident in needed:
        by_id[ident] = replace(by_id[ident], context=found.get(ident, frozenset()))


def _settle_by_context(
    idents: list[str], candidates: list[str], by_id: Mapping[str, NameRecord], members: Mapping[str, list[str]]
) -> str | None:
    """The candidate whose names share clearly more co-mentions with the surname's articles, if any.
    `members` lists each entity root's names."""
    context: set[str] = set()
    for ident in idents:
        context |= by_id[ident].context
    scores: Counter[str] = Counter()
    for root in candidates:
        scores[root] = sum(len(by_id[ident].context & context) for ident in members[root])
    ranked = scores.most_common()
    if not ranked or ranked[0][1] < TIE_MARGIN:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < TIE_MARGIN:
        return None
    return ranked[0][0]


def preferred_name(names: Iterable[tuple[str, int]]) -> str:
    """The entity's display name: the most complete form, the most used among equally complete ones,
    in mixed case where any form is (`Basra` over a dateline's `BASRA`)."""
    return max(names, key=lambda nc: (not nc[0].isupper(), len(nc[0].split()), nc[1], nc[0]))[0]
