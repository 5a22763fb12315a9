"""Entity resolution on a Dask cluster: the names cut into groups that cannot affect each other,
each group resolved on a worker by `resolve_names`, and the results put together. The entities are
those of `resolve_names` over all the names at once.

A group is a connected component of the graph on names whose edges are
- a pair `_candidate_pairs` compares (a blocking key in common, save a prefix key whose block holds
  more than MAX_BLOCK names overall) that `same_entity` or `vowel_apart` holds for: `resolve_names`
  does nothing with any other pair it compares;
- a lone surname (a one-word person name) and every full person name it could be the family name of,
  and the other lone surnames of its skeleton: every name holding a skeleton variant (`u:` key)
  that some lone surname holds (a token's skeleton is among its variants);
- the two names of a merge rule.
Names a split rule takes out of their entities keep their edges: more edges than needed, never fewer.

Why no step looks across groups. Every union of `resolve_names` joins an edge, so its entities
(union-find components) never leave a group. `_join_shorter_forms` and `_join_lone_spellings` read
the entities, sizes and middle names of the two names of an edge. The lone-surname step counts the
entities its candidates (`u:` keys) are in. `_settle_by_context` scans every record but counts only
those whose entity is a candidate, and compares co-mention sets, which each record carries whole: the
ids in them are compared, never looked up. Rules name their names by id, and every group gets all
the rules. The steps go through the names in sorted order with decisions that depend on what came
before, but each decision reads and changes one group's entities only, so a group alone sees its own
steps in the same order and the same state. An entity's id hashes the smallest id among its names,
the same in its group. So a group's resolution is the whole one's restricted to its names.

The one rule that looks at the whole set is MAX_BLOCK: a prefix block that is too large overall is
skipped, but a group holding a few of its names compares them. That changes nothing unless two
names of a group share such a block and no compared key, and `same_entity` or `vowel_apart` holds
for them: `name_groups` checks exactly those pairs, and where one is found puts the whole block into
one group, which then skips it as the whole set does. For the same reason a task resolves its
groups one by one, never as one set.

Judging the compared pairs is most of the work, so it runs on the cluster too, in a first round of
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

from distributed import Client

from newsgraph.corpus import entities
from newsgraph.corpus.entities import NameRecord, Resolution, Rule, name_id, resolve_names
from newsgraph.corpus.matching import NameForm, blocking_keys, parse_name, same_entity, vowel_apart
from newsgraph.enrich.namekeys import skeleton_variants
from newsgraph.store.entities import Resolver

TASKS_PER_WORKER = 4  # tasks a round is cut into per worker thread, so that big pieces balance
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


def _acts(a: NameForm, b: NameForm) -> bool:
    """Whether `resolve_names` does anything with a compared pair."""
    return same_entity(a, b) or vowel_apart(a, b)


@dataclass(frozen=True)
class _Names:
    """The names as `_candidate_pairs` blocks them: in id order, each with its form and keys."""

    records: list[NameRecord]
    forms: list[NameForm]
    keys: list[set[str]]  # blocking keys of a full form; none for the others
    blocks: dict[str, list[int]]
    skipped: frozenset[str]  # prefix keys whose blocks are too large to compare

    @classmethod
    def of(cls, records: Iterable[NameRecord]) -> _Names:
        by_id = {r.id: r for r in records}  # one record an id, the last, as in `resolve_names`
        ordered = [by_id[i] for i in sorted(by_id)]
        forms = [parse_name(r.text, r.type) for r in ordered]
        keys = [blocking_keys(form) if _is_full(form) else set() for form in forms]
        blocks: dict[str, list[int]] = defaultdict(list)
        for n, own in enumerate(keys):
            for key in own:
                blocks[key].append(n)
        skipped = (k for k, members in blocks.items() if len(members) > entities.MAX_BLOCK and k.startswith("p:"))
        return cls(ordered, forms, keys, dict(blocks), frozenset(skipped))


def judged_pairs(task: BlockTask) -> list[tuple[int, int]]:
    """Run on a worker: the pairs of these blocks that `resolve_names` acts on, each judged in the
    first block its two names share."""
    entries, blocks, skipped = task
    forms = {n: parse_name(text, kind) for n, (text, kind) in entries.items()}
    keys = {n: blocking_keys(form) - skipped for n, form in forms.items()}
    found = []
    for key, members in blocks:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if min(keys[a] & keys[b]) == key and _acts(forms[a], forms[b]):
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
    compared = [(k, m) for k, m in sorted(names.blocks.items()) if len(m) > 1 and k not in names.skipped]
    out: list[BlockTask] = []
    for part in deal(compared, [len(m) * (len(m) - 1) // 2 for _, m in compared], tasks):
        needed = sorted({n for _, members in part for n in members})
        entries = {n: (names.records[n].text, names.records[n].type) for n in needed}
        out.append((entries, part, names.skipped))
    return out


def name_groups(
    records: Iterable[NameRecord], rules: Iterable[Rule] = (), map_tasks: MapTasks = in_process, tasks: int = 1
) -> list[list[NameRecord]]:
    """The records in groups that `resolve_names` resolves independently (see the module's
    docstring), largest first, each in id order. `map_tasks` runs the judging of compared pairs,
    cut into `tasks` pieces."""
    names = _Names.of(records)
    components = entities.UnionFind(range(len(names.records)))
    for pairs in map_tasks(judged_pairs, _block_tasks(names, tasks)):
        for a, b in pairs:
            components.union(a, b)
    surnames: dict[str, list[int]] = defaultdict(list)
    for n, form in enumerate(names.forms):
        for key in _surname_keys(form):
            surnames[key].append(n)
    for members in surnames.values():
        if any(names.forms[n].single for n in members):
            components.join(members)
    index = {r.id: n for n, r in enumerate(names.records)}
    for rule in rules:
        if rule.action == "merge" and name_id(rule.a) in index and name_id(rule.b) in index:
            components.union(index[name_id(rule.a)], index[name_id(rule.b)])
    pending = sorted(names.skipped)
    while conflicts := {key for key in pending if _compared_apart(names, key, components)}:
        for key in sorted(conflicts):  # the whole block in one group, which skips it too
            components.join(names.blocks[key])
        pending = [key for key in pending if key not in conflicts]
    grouped: dict[int, list[NameRecord]] = defaultdict(list)
    for n, record in enumerate(names.records):
        grouped[components.find(n)].append(record)
    return sorted(grouped.values(), key=lambda group: (-len(group), group[0].id))


def _compared_apart(names: _Names, key: str, components: entities.UnionFind[int]) -> bool:
    """Whether a group holding some (not all) names of this skipped prefix block compares two of
    them that the whole set never compares, and finds them the same or a vowel apart."""
    by_group: dict[int, list[int]] = defaultdict(list)
    for n in names.blocks[key]:
        by_group[components.find(n)].append(n)
    for group in by_group.values():
        if len(group) > entities.MAX_BLOCK:
            continue  # skipped in the group as well
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if not (names.keys[a] & names.keys[b]) - names.skipped and _acts(names.forms[a], names.forms[b]):
                    return True
    return False


def resolve_groups(groups: Iterable[Sequence[NameRecord]], rules: Sequence[Rule]) -> Resolution:
    """Run on a worker: each group resolved alone, the results merged."""
    return merge_resolutions(resolve_names(group, rules) for group in groups)


def merge_resolutions(parts: Iterable[Resolution]) -> Resolution:
    """The resolutions of disjoint groups as one, entities in the order `resolve_names` gives them."""
    members: dict[str, list[str]] = {}
    merged = Resolution()
    for part in parts:
        members.update(part.members)
        merged.unresolved |= part.unresolved
        merged.renamed.update(part.renamed)
    for entity, names in sorted(members.items(), key=lambda item: item[1][0]):
        merged.members[entity] = names
        merged.entity_of.update(dict.fromkeys(names, entity))
    return merged


def resolve_in_groups(
    records: Iterable[NameRecord], rules: Iterable[Rule] = (), map_tasks: MapTasks = in_process, tasks: int = 1
) -> Resolution:
    """What `resolve_names(records, rules)` gives, worked out in `tasks` pieces a round by `map_tasks`."""
    rules = list(rules)
    groups = name_groups(records, rules, map_tasks, tasks)
    # a group's cost grows faster than its size (pairs in its blocks, candidates scored over it)
    batches = deal(groups, [len(group) ** 2 for group in groups], tasks)
    return merge_resolutions(map_tasks(partial(resolve_groups, rules=rules), batches))


def cluster_resolver(client: Client) -> Resolver:
    """A resolver for `resolve_entities` that runs `resolve_in_groups` on the client's cluster, a few
    tasks a worker thread: the client sends names and rules, never the store."""

    def map_tasks(task: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        if not items:
            return []
        with client.as_current():  # the runner's client is nobody's default
            futures = client.map(task, client.scatter(items), pure=False)
            return list(client.gather(futures))

    def resolve(records: Iterable[NameRecord], rules: Iterable[Rule]) -> Resolution:
        threads = sum(client.nthreads().values()) or 1
        return resolve_in_groups(records, rules, map_tasks, threads * TASKS_PER_WORKER)

    return resolve
