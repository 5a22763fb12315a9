"""Entity resolution in groups: the names cut into groups that cannot affect each other, each
group resolved alone by `resolve_names`, and the results put together. The entities are those of
`resolve_names` over all the names at once. The Dask runner resolves the groups on a cluster
(`run/dask_entities.py`); a store resolves again only the groups a batch touches
(`store/entities.py`), which keeps each name's group.

A group is a connected component of the graph on names whose edges are
- a pair `_candidate_pairs` compares (a compared blocking key in common: not one whose block holds
  more than MAX_BLOCK names overall, and a refined key only where its parent's does) that
  `same_entity` or `vowel_apart` holds for: `resolve_names` does nothing with any other pair it
  compares;
- a lone surname (a one-word person name) and the lone surnames of its skeleton spelt like it
  (`spelt_alike`): `resolve_names` takes such spellings together;
- a lone surname and every full person name it could be the family name of (a skeleton variant in
  common, a `u:` key) whose family name it is spelt like, unless that family-name block is too
  large to compare: these are the only full names a lone surname can join, and the entities they
  are in the only ones its decision reads;
- two names of two words or more with one whole-name key (`name_key`): `settle_weak_types` pools
  their votes, so a store that settles the types of a group's names alone settles them as over all;
- the two names of a merge rule.
Names a split rule takes out of their entities keep their edges: more edges than needed, never fewer.

Why no step looks across groups. Every union of `resolve_names` joins an edge, so its entities
(union-find components) never leave a group. `_join_shorter_forms` and `_join_lone_spellings` read
the entities, sizes and middle names of the two names of an edge. The lone-surname step counts the
entities its candidates (the full names it is spelt like, tied to it) are in. `_settle_by_context`
scans every record but counts only those whose entity is a candidate, and compares co-mention sets,
which each record carries whole: the ids in them are compared, never looked up. Rules name their
names by id, and every group gets all the rules. The steps go through the names in sorted order
with decisions that depend on what came before, but each decision reads and changes one group's
entities only, so a group alone sees its own steps in the same order and the same state. An
entity's id hashes the smallest id among its names, the same in its group. So a group's resolution
is the whole one's restricted to its names.

The one rule that looks at the whole set is MAX_BLOCK: a block too large overall is not compared
(its refined blocks are, if it has any), and a lone surname whose family-name block is too large
stays unresolved. The oversized keys are counted once over the whole set (or given, counted over a
store) and every group gets them, so a group skips the blocks the whole set skips. A lone surname's
spellings are still one group there, as `resolve_names` joins them.

Judging the compared pairs is most of the work, so it can run on a cluster too, in a first round of
tasks: the blocks are dealt among them by their numbers of pairs, and each pair is judged once, in
the first block its names share. The client builds the groups from the pairs that matter; a second
round resolves the groups. A group's own blocks are small, so judging them again costs little.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from newsgraph.corpus import entities
from newsgraph.corpus.entities import (
    NameRecord,
    Resolution,
    Rule,
    compared_keys,
    name_id,
    oversized_of,
    pooled_spellings,
    resolve_names,
)
from newsgraph.corpus.matching import NameForm, parse_name, same_entity, spelt_alike, vowel_apart
from newsgraph.enrich.namekeys import skeleton_variants

Entry = tuple[str, str]  # a name's text and type, as `parse_name` takes them
BlockTask = tuple[dict[int, Entry], list[tuple[str, list[int]]], frozenset[str]]  # names, blocks, skipped keys
MapTasks = Callable[[Callable[[Any], Any], list[Any]], list[Any]]  # runs a task on each item, results in order
T = TypeVar("T")


def in_process(task: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    return [task(item) for item in items]


def _is_full(form: NameForm) -> bool:
    """Whether `_candidate_pairs` compares the name: it has Latin letters and is not a lone surname."""
    return bool(form.tokens) and not (form.kind == "person" and form.single)


def _surname_keys(form: NameForm) -> set[str]:
    """A lone surname's skeleton variants, or a full person name's family-name ones (`u:` keys)."""
    if not form.tokens or form.kind != "person":
        return set()
    return {"u:" + v for v in skeleton_variants(form.tokens[0] if form.single else form.tokens[-1])}


def acts(a: NameForm, b: NameForm) -> bool:
    """Whether `resolve_names` does anything with a compared pair."""
    return same_entity(a, b) or vowel_apart(a, b)


@dataclass(frozen=True)
class _Names:
    """The names as `_candidate_pairs` blocks them: in id order, each with its form and keys."""

    records: list[NameRecord]
    forms: list[NameForm]
    keys: list[set[str]]  # blocking keys of a full form; none for the others
    blocks: dict[str, list[int]]
    skipped: frozenset[str]  # keys whose blocks are too large to compare

    @classmethod
    def of(cls, records: Iterable[NameRecord], oversized: frozenset[str] | None = None) -> _Names:
        by_id = {r.id: r for r in records}  # one record an id, the last, as in `resolve_names`
        ordered = [by_id[i] for i in sorted(by_id)]
        forms = [parse_name(r.text, r.type) for r in ordered]
        skipped = oversized_of(forms) if oversized is None else oversized
        keys = [compared_keys(f, skipped) if _is_full(f) else set() for f in forms]
        blocks: dict[str, list[int]] = defaultdict(list)
        for n, own in enumerate(keys):
            for key in own:
                blocks[key].append(n)
        return cls(ordered, forms, keys, dict(blocks), skipped)


def judged_pairs(task: BlockTask) -> list[tuple[int, int]]:
    """Run on a worker: the pairs of these blocks that `resolve_names` acts on, each judged in the
    first block its two names share."""
    entries, blocks, skipped = task
    forms = {n: parse_name(text, kind) for n, (text, kind) in entries.items()}
    keys = {n: compared_keys(form, skipped) for n, form in forms.items()}
    found = []
    for key, members in blocks:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if min(keys[a] & keys[b]) == key and acts(forms[a], forms[b]):
                    found.append((a, b))
    return found


def deal(items: Sequence[T], weights: Sequence[int], bins: int) -> list[list[T]]:
    """Items dealt into at most `bins` lists of about equal weight, the heaviest first."""
    dealt: list[list[T]] = [[] for _ in range(max(1, min(bins, len(items))))]
    loads = [(0, n) for n in range(len(dealt))]
    for weight, n_item in sorted(((w, i) for i, w in enumerate(weights)), key=lambda wi: -wi[0]):
        load, n = heapq.heappop(loads)
        dealt[n].append(items[n_item])
        heapq.heappush(loads, (load + weight, n))
    return [part for part in dealt if part]


def _block_tasks(names: _Names, tasks: int) -> list[BlockTask]:
    blocks = [(k, m) for k, m in sorted(names.blocks.items()) if len(m) > 1]
    out: list[BlockTask] = []
    for part in deal(blocks, [len(m) * (len(m) - 1) // 2 for _, m in blocks], tasks):
        needed = sorted({n for _, members in part for n in members})
        entries = {n: (names.records[n].text, names.records[n].type) for n in needed}
        out.append((entries, part, names.skipped))
    return out


def _join_lone_surnames(names: _Names, components: entities.UnionFind[int]) -> None:
    """Tie each lone surname to the lone surnames of its skeleton spelt like it, and, where its
    family-name block is compared, to the full person names whose family name it is spelt like."""
    forms = names.forms
    surnames: dict[str, list[int]] = defaultdict(list)
    by_skeleton: dict[str, list[int]] = defaultdict(list)
    for n, form in enumerate(forms):
        for key in _surname_keys(form):
            surnames[key].append(n)
        if form.single and _surname_keys(form):
            by_skeleton[form.skeletons[0]].append(n)
    for singles in by_skeleton.values():
        for i, a in enumerate(singles):
            for b in singles[i + 1 :]:
                if spelt_alike(forms[a].tokens[0], forms[b].tokens[0]):
                    components.union(a, b)
    for key, members in surnames.items():
        if "s:" + key[2:] in names.skipped:
            continue  # too common to be guessed
        singles = [n for n in members if forms[n].single]
        fulls = [n for n in members if not forms[n].single]
        for single in singles:
            token = forms[single].tokens[0]
            components.join([single, *(n for n in fulls if spelt_alike(token, forms[n].tokens[-1]))])


def name_groups(
    records: Iterable[NameRecord],
    rules: Iterable[Rule] = (),
    map_tasks: MapTasks = in_process,
    tasks: int = 1,
    oversized: frozenset[str] | None = None,
) -> list[list[NameRecord]]:
    """The records in groups that `resolve_names` resolves independently (see the module's
    docstring), largest first, each in id order. `map_tasks` runs the judging of compared pairs,
    cut into `tasks` pieces."""
    names = _Names.of(records, oversized)
    components = entities.UnionFind(range(len(names.records)))
    for pairs in map_tasks(judged_pairs, _block_tasks(names, tasks)):
        for a, b in pairs:
            components.union(a, b)
    _join_lone_surnames(names, components)
    index = {r.id: n for n, r in enumerate(names.records)}
    for spellings in pooled_spellings(names.records).values():
        components.join([index[r.id] for r in spellings])
    for rule in rules:
        if rule.action == "merge" and name_id(rule.a) in index and name_id(rule.b) in index:
            components.union(index[name_id(rule.a)], index[name_id(rule.b)])
    grouped: dict[int, list[NameRecord]] = defaultdict(list)
    for n, record in enumerate(names.records):
        grouped[components.find(n)].append(record)
    return sorted(grouped.values(), key=lambda group: (-len(group), group[0].id))


def resolve_groups(
    groups: Iterable[Sequence[NameRecord]], rules: Sequence[Rule], oversized: frozenset[str]
) -> Resolution:
    """Run on a worker: each group resolved alone, the results merged."""
    return merge_resolutions(resolve_names(group, rules, oversized) for group in groups)


def merge_resolutions(parts: Iterable[Resolution]) -> Resolution:
    """The resolutions of disjoint groups as one, entities in the order `resolve_names` gives them."""
    members: dict[str, list[str]] = {}
    merged = Resolution(acting=set())
    for part in parts:
        members.update(part.members)
        merged.unresolved |= part.unresolved
        merged.renamed.update(part.renamed)
        merged.group_of.update(part.group_of)
        merged.acting = None if merged.acting is None or part.acting is None else merged.acting | part.acting
    for entity, names in sorted(members.items(), key=lambda item: item[1][0]):
        merged.members[entity] = names
        merged.entity_of.update(dict.fromkeys(names, entity))
    return merged


def resolve_in_groups(
    records: Iterable[NameRecord],
    rules: Iterable[Rule] = (),
    map_tasks: MapTasks = in_process,
    tasks: int = 1,
    oversized: frozenset[str] | None = None,
) -> Resolution:
    """What `resolve_names(records, rules, oversized)` gives, worked out in `tasks` pieces a round by
    `map_tasks`."""
    rules = list(rules)
    records = list(records)
    if oversized is None:
        oversized = oversized_of(parse_name(r.text, r.type) for r in {r.id: r for r in records}.values())
    groups = name_groups(records, rules, map_tasks, tasks, oversized)
    # a group's cost grows faster than its size (pairs in its blocks, candidates scored over it)
    batches = deal(groups, [len(group) ** 2 for group in groups], tasks)
    return merge_resolutions(map_tasks(partial(resolve_groups, rules=rules, oversized=oversized), batches))
