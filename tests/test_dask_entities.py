"""Entity resolution in groups (the Dask runner's): exactly the entities of `resolve_names` over all
the names at once — on the names of the fixtures, the demo corpus and the shared name lists, with
curation rules, with co-mentions that settle lone surnames, and with prefix blocks over MAX_BLOCK."""

from __future__ import annotations

import csv
import logging
import random
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from newsgraph.corpus import entities
from newsgraph.corpus.entities import NameRecord, Resolution, Rule, name_id, resolve_names
from newsgraph.corpus.entity_groups import name_groups, resolve_in_groups
from newsgraph.run import ingest_paths
from newsgraph.run.dask_entities import cluster_resolver
from newsgraph.settings import Settings
from newsgraph.store.connect import open_store
from newsgraph.store.entities import resolve_entities

from .conftest import CORPUS, SHARED

ENTITY_FIXTURES = Path(__file__).resolve().parent / "fixtures_entities"
NAME_LISTS = SHARED / "names"
Names = tuple[list[NameRecord], list[Rule]]


def _stored_names(tmp_path: Path, inputs: Path) -> list[NameRecord]:
    """The records `resolve_entities` hands its resolver after ingesting `inputs` (`_region`,
    `_records` and `_context` of the store), every name of the store."""
    seen: list[NameRecord] = []

    def capture(records: Iterable[NameRecord], rules: Iterable[Rule], oversized: frozenset[str]) -> Resolution:
        seen.extend(records)
        return resolve_names(seen, rules, oversized)

    with open_store(tmp_path / "names.db") as store:
        ingest_paths([inputs], store, Settings(processes=1))
        looked_up = dict(store.conn.execute("SELECT id, entity_id FROM names").fetchall())
        resolve_entities(store, full=True, resolver=capture)
        # the store's own run, which looks co-mentions up for the names that need them only, agrees
        assert dict(store.conn.execute("SELECT id, entity_id FROM names").fetchall()) == looked_up
    return seen


def _curation(records: list[NameRecord], seed: int) -> list[Rule]:
    """Rules of every kind between names of different entities: merges, splits of names out of
    their entities, renames, a merge undone by a later split and a split undone by a later merge."""
    rng = random.Random(seed)
    text = {r.id: r.text for r in records}
    groups = list(resolve_names(records).members.values())
    several = [g for g in groups if len(g) > 1] or groups
    rules: list[Rule] = []
    for _ in range(6):
        first, second = rng.sample(groups, 2)
        rules.append(Rule("merge", text[rng.choice(first)], text[rng.choice(second)]))
    rules += [Rule("split", text[g[-1]]) for g in rng.sample(several, min(4, len(several)))]
    rules += [Rule("rename", text[rng.choice(g)], f"Entity {n}") for n, g in enumerate(rng.sample(groups, 3))]
    a, b, c = (text[rng.choice(g)] for g in rng.sample(groups, 3))
    rules += [Rule("merge", a, b), Rule("split", a), Rule("split", c), Rule("merge", c, b)]
    return rules


def assert_resolved_alike(records: list[NameRecord], rules: list[Rule]) -> None:
    """The grouped resolution equals the whole one, entities in the same order."""
    whole = resolve_names(records, rules)
    grouped = resolve_in_groups(records, rules, tasks=5)
    assert grouped == whole
    assert list(grouped.members) == list(whole.members)


@pytest.fixture(scope="module")
def fixture_names(tmp_path_factory: pytest.TempPathFactory) -> list[NameRecord]:
    return _stored_names(tmp_path_factory.mktemp("fixtures"), ENTITY_FIXTURES)


@pytest.fixture(scope="module")
def corpus_names(tmp_path_factory: pytest.TempPathFactory) -> list[NameRecord]:
    return _stored_names(tmp_path_factory.mktemp("corpus"), CORPUS)


def _listed_names() -> Iterator[tuple[str, str]]:
    """(text, type) of every name in the shared name lists: opensanctions' pairs and checks, the
    Putin spellings, and the Arabic names with their English forms, each also as a lone name and
    paired into full names so that lone surnames have one full name to join, or several."""
    folder = NAME_LISTS / "opensanctions"
    with (folder / "name_bench_cases.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kind = "person" if row["schema"] == "Person" else "org"
            yield row["name1"], kind
            yield row["name2"], kind
    kind = "person"
    for line in (folder / "checks.yml").read_text(encoding="utf-8").splitlines():
        if found := re.match(r"\s*schema:\s*(\S+)", line):
            kind = "person" if found.group(1) == "Person" else "org"
        elif found := re.match(r"\s*name:\s*(.+?)\s*$", line):
            yield found.group(1).strip("'\""), kind
    for line in (folder / "putin_names.txt").read_text(encoding="utf-8").splitlines():
        yield line.strip(), "person"
    english: list[str] = []
    for path in sorted((NAME_LISTS / "google-ar2en").glob("ar2en-*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            arabic, _, latin = line.partition("\t")
            yield arabic, "person"
            english.append(latin.strip().capitalize())
    for n, word in enumerate(english):
        yield word, "person"
        yield f"{english[(n * 7) % len(english)]} {word}", "person"


@pytest.fixture(scope="module")
def listed_names() -> list[NameRecord]:
    """The shared name lists as records, with co-mentions drawn by topic: a name's articles mention
    names of its topic, so some ambiguous lone surnames are settled by context and some are not."""
    if not (NAME_LISTS / "opensanctions").is_dir() or not (NAME_LISTS / "google-ar2en").is_dir():
        pytest.skip(f"shared name lists not present at {NAME_LISTS}")
    rng = random.Random(20_260_401)
    kinds: dict[str, tuple[str, str]] = {}  # name id → (text, type): the first spelling and type listed
    for text, kind in _listed_names():
        if text.strip():
            kinds.setdefault(name_id(text), (text, kind))
    pools = [[name_id(f"topic {t} name {i}") for i in range(8)] for t in range(40)]
    records = []
    for ident, (text, kind) in kinds.items():
        topic = pools[int(ident, 16) % len(pools)] if rng.random() < 0.8 else rng.choice(pools)
        context = frozenset(rng.sample(topic, rng.randint(0, 5)))
        records.append(NameRecord(ident, text, kind, rng.randint(1, 9), context))
    return sorted(records, key=lambda r: r.id)


def test_fixture_names_resolve_alike_in_groups(fixture_names: list[NameRecord]) -> None:
    assert_resolved_alike(fixture_names, [])
    assert_resolved_alike(fixture_names, _curation(fixture_names, 1))


def test_demo_corpus_names_resolve_alike_in_groups(corpus_names: list[NameRecord]) -> None:
    assert_resolved_alike(corpus_names, [])
    groups = name_groups(corpus_names, tasks=3)
    assert sorted(r.id for g in groups for r in g) == sorted(r.id for r in corpus_names)
    assert len(groups) > len(corpus_names) // 2  # the names do split: most groups are one entity
    for seed in range(3):
        assert_resolved_alike(corpus_names, _curation(corpus_names, seed))


@pytest.mark.shared
def test_shared_name_lists_resolve_alike_in_groups(listed_names: list[NameRecord]) -> None:
    assert len(listed_names) > 3_000
    assert_resolved_alike(listed_names, _curation(listed_names, 7))


@pytest.mark.shared
def test_small_max_block_keeps_groups_exact(listed_names: list[NameRecord], monkeypatch: pytest.MonkeyPatch) -> None:
    """With prefix blocks over MAX_BLOCK everywhere, groups hold some names of skipped blocks."""
    monkeypatch.setattr(entities, "MAX_BLOCK", 6)
    assert_resolved_alike(listed_names, _curation(listed_names, 3))


def test_co_mentions_reach_across_groups() -> None:
    """A lone surname settled by co-mentions of names in other groups (an organisation, a place)."""
    hillary, bill = name_id("Hillary Clinton"), name_id("Bill Clinton")
    senate, state, arkansas = name_id("US Senate"), name_id("State Department"), name_id("Arkansas")
    records = [
        NameRecord(hillary, "Hillary Clinton", "person", 3, frozenset({senate, state})),
        NameRecord(bill, "Bill Clinton", "person", 3, frozenset({arkansas})),
        NameRecord(name_id("Clinton"), "Clinton", "person", 2, frozenset({senate, state})),
        NameRecord(senate, "US Senate", "org"),
        NameRecord(state, "State Department", "org"),
        NameRecord(arkansas, "Arkansas", "place"),
    ]
    assert_resolved_alike(records, [])
    assert [len(g) for g in name_groups(records)] == [3, 1, 1, 1]
    assert resolve_in_groups(records).entity_of[name_id("Clinton")] == resolve_names(records).entity_of[hillary]


def _reza_names() -> Names:
    """Three Reza Tahmasebis: a short form that fits one fuller name through a compared key
    (`tahmasebi`) and another only through a prefix block (`tah` under the initial r), and a rule
    that merges it with the second; two more names fill the prefix block."""
    names = ["Reza Tahmasebi", "Reza Ali Tahmasebi", "Reza Hassan Tahmasbi", "Rami Tahiri", "Rafiq Tahir"]
    return [NameRecord(name_id(n), n, "person") for n in names], [Rule("merge", names[0], names[2])]


def test_a_skipped_prefix_block_is_not_compared_in_a_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """`tah` under r holds five names, over MAX_BLOCK: never compared overall, so the short form joins the
    one fuller name it fits and then, by the rule, the other. A group holding the three Rezas alone
    would compare them, find the short form fitting two people and leave it unresolved, were it not
    given the whole set's oversized keys."""
    monkeypatch.setattr(entities, "MAX_BLOCK", 3)
    records, rules = _reza_names()
    whole = resolve_names(records, rules)
    assert len(whole.members) == 3 and not whole.unresolved
    assert_resolved_alike(records, rules)
    groups = name_groups(records, rules)
    assert [len(g) for g in groups] == [3, 1, 1]
    assert resolve_names(groups[0], rules).unresolved  # alone, with its own counts
    assert resolve_in_groups(records, rules) == whole


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as connected,
    ):
        yield connected


def test_cluster_resolver_on_a_local_cluster(client: Client, corpus_names: list[NameRecord]) -> None:
    resolve = cluster_resolver(client)
    rules = _curation(corpus_names, 2)
    assert resolve(corpus_names, rules) == resolve_names(corpus_names, rules)
    assert resolve([], rules) == resolve_names([], rules)


def test_a_lone_surname_is_grouped_with_the_full_names_it_is_spelt_like() -> None:
    """`Giuly` and `Kolo` share a transliteration skeleton but are not spelt alike, so the lone
    `Kolo` can join only `Nadia Kolo`: the two families are groups of their own, and a batch that
    names one of them leaves the other alone."""
    texts = ["Kolo", "Nadia Kolo", "Odile Giuly", "Giuly"]
    records = [NameRecord(name_id(t), t, "person", 2) for t in texts]
    groups = sorted(sorted(r.text for r in g) for g in name_groups(records))
    assert groups == [["Giuly", "Odile Giuly"], ["Kolo", "Nadia Kolo"]]
    whole = resolve_names(records)
    assert len({whole.group_of[r.id] for r in records}) == 2
    assert whole.entity_of[name_id("Kolo")] == whole.entity_of[name_id("Nadia Kolo")]
    assert whole.entity_of[name_id("Giuly")] != whole.entity_of[name_id("Kolo")]
    assert_resolved_alike(records, [])
