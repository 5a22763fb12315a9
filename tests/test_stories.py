"""Stories: joining, starting, merging, the time window, and batch/incremental agreement."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.corpus.stories import StoryArticle, StoryClusterer, StorySettings, cluster, split_story, terms
from newsgraph.run import ingest_paths
from newsgraph.settings import Settings
from newsgraph.store.connect import open_store
from newsgraph.store.stories import cluster_stories, resplit_stories

from .conftest import CORPUS

DAY = datetime(2026, 5, 1, 9, 0)
FLOOD = "The river burst its banks in Aldmoor, flooding farms; rescuers used boats to reach families on roofs."
FIRE = "A fire destroyed the timber mill in Brackwater; firefighters fought the blaze through the night."


def article(ident: str, text: str, day: float, names: Iterable[str] = (), copy_of: str | None = None) -> StoryArticle:
    return StoryArticle(
        ident, DAY + timedelta(days=day), text[:40], terms(text[:40], text), dict.fromkeys(names, "place"), copy_of
    )


def test_similar_article_joins_and_different_one_starts_a_story() -> None:
    clusterer = StoryClusterer()
    first = clusterer.add(article("a", FLOOD, 0, ["aldmoor"]), "s1")
    same = clusterer.add(article("b", FLOOD.replace("rescuers", "volunteers"), 0.5, ["aldmoor"]), "s2")
    other = clusterer.add(article("c", FIRE, 0.6, ["brackwater"]), "s3")
    assert first == same == "s1" and other == "s3"


def test_time_window_closes_a_story() -> None:
    clusterer = StoryClusterer(StorySettings(window_days=7))
    clusterer.add(article("a", FLOOD, 0, ["aldmoor"]), "s1")
    assert clusterer.add(article("b", FLOOD, 3, ["aldmoor"]), "s2") == "s1"
    assert clusterer.add(article("c", FLOOD, 20, ["aldmoor"]), "s3") == "s3", "three weeks later it is a new story"


def test_a_copy_always_joins_its_original_story() -> None:
    clusterer = StoryClusterer()
    clusterer.add(article("a", FLOOD, 0), "s1")
    clusterer.add(article("b", FIRE, 0.1), "s2")
    assert clusterer.add(article("c", "Completely different words about a chess match.", 1, copy_of="a"), "s3") == "s1"


def test_converging_stories_merge_into_the_older() -> None:
    clusterer = StoryClusterer(StorySettings(threshold=0.9, merge_threshold=0.5))
    clusterer.add(article("a", FLOOD, 0), "s1")
    assert clusterer.add(article("b", FLOOD + " " + FLOOD, 0.2), "s2") == "s1", "merged on arrival"
    assert {s.id for s in clusterer.live_stories()} == {"s1"}


def test_order_of_arrival_does_not_matter_when_times_are_kept() -> None:
    items = [
        article(f"a{i}", FLOOD if i % 2 else FIRE, i / 3, ["aldmoor" if i % 2 else "brackwater"]) for i in range(12)
    ]
    shuffled = items[:]
    random.Random(7).shuffle(shuffled)
    assert cluster(items) == cluster(shuffled)


def _planned(manifest: dict) -> dict[str, str]:
    return {
        str(CORPUS / d["path"]) + (f":{d['line']}" if d.get("line") else ""): d["story"] for d in manifest["documents"]
    }


def _stories(db: Path) -> dict[str, str]:
    with open_store(db) as store:
        return dict(
            store.conn.execute(
                "SELECT a.location, m.story_id FROM story_members m JOIN articles a ON a.id = m.article_id"
            ).fetchall()
        )


def test_demo_stories_come_out_as_written(demo_db: Path, manifest: dict) -> None:
    planned, found = _planned(manifest), _stories(demo_db)
    by_plan: dict[str, set[str]] = defaultdict(set)
    for location, story in planned.items():
        by_plan[story].add(found[location])
    for story, ids in by_plan.items():
        assert len(ids) == 1, f"{story} split into {len(ids)} stories"
    owners = defaultdict(set)
    for story, (ident,) in ((s, tuple(i)) for s, i in by_plan.items()):
        owners[ident].add(story)
    assert all(len(plans) == 1 for plans in owners.values()), "two planned stories fell into one"
    for a, b in manifest["similar_story_pairs"]:
        assert by_plan[a] != by_plan[b]
    for copy in manifest["copies"]:
        assert found[str(CORPUS / copy["copy"])] == found[str(CORPUS / copy["original"])]


def test_day_by_day_and_shuffled_ingests_give_the_same_stories(
    tmp_path: Path, demo_db: Path, manifest: dict, new_db: Callable[[str], str]
) -> None:
    expected = _stories(demo_db)
    by_day: dict[str, list[Path]] = defaultdict(list)
    for doc in manifest["documents"]:
        if not doc.get("line"):
            by_day[doc["published"][:10]].append(CORPUS / doc["path"])
    settings = Settings(processes=1)
    daily, shuffled = new_db("daily"), new_db("shuffled")
    with open_store(daily) as store:
        for day in sorted(by_day):
            ingest_paths(by_day[day], store, settings)
        ingest_paths([CORPUS / "feeds"], store, settings)  # the feeds arrive last, with older items
    assert _stories(daily) == expected
    files = [p for day in by_day.values() for p in day] + [CORPUS / "feeds"]
    random.Random(3).shuffle(files)
    with open_store(shuffled) as store:
        for chunk in (files[i : i + 9] for i in range(0, len(files), 9)):
            ingest_paths(chunk, store, settings)
    assert _stories(shuffled) == expected


def test_story_commands(demo_db: str, copy_db: Callable[[str], str]) -> None:
    db = copy_db(demo_db)
    runner = CliRunner()
    result = runner.invoke(app, ["stories", "--db", str(db), "--json", "--entity", "Haydar al-Zubaydi"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all({"id", "label", "articles"} <= set(r) for r in rows)
    assert all({"id", "location", "source", "published"} <= set(a) for a in rows[0]["articles"])
    detail = json.loads(runner.invoke(app, ["story", rows[0]["id"], "--db", str(db), "--json"]).stdout)
    assert detail["first_source"] == detail["articles"][0]["source"]
    assert detail["timeline"] and detail["top_entities"]
    missing = runner.invoke(app, ["story", "nope", "--db", str(db)])
    assert missing.exit_code == 2


def _vectors(items: dict[str, str]) -> dict[str, dict[str, float]]:
    clusterer = StoryClusterer()
    return {ident: clusterer._tfidf(terms(text[:40], text)) for ident, text in items.items()}


def test_a_story_grown_over_two_events_splits_and_a_coherent_one_does_not() -> None:
    flood = {f"f{i}": f"{FLOOD} Day {i} of the Aldmoor flood." for i in range(5)}
    fire = {f"m{i}": f"{FIRE} Brackwater mill fire, report {i}." for i in range(4)}
    # a copy of the first flood report with a paragraph on the fire added: it goes with its original
    copy = {"c0": f"{flood['f0']} {FIRE}"}
    vectors = _vectors({**flood, **fire, **copy})
    members = ["f0", "m0", "f1", "c0", "m1", "f2", "m2", "f3", "m3", "f4"]
    parts = split_story(members, vectors, {"c0": "f0"})
    assert parts == [["f0", "f1", "c0", "f2", "f3", "f4"], ["m0", "m1", "m2", "m3"]]
    assert split_story(list(flood), vectors, {}) == [list(flood)]
    # a part too small to stand alone goes back to the part it resembles most
    assert split_story(["f0", "f1", "f2", "m0"], vectors, {}) == [["f0", "f1", "f2", "m0"]]


def test_resplit_undoes_an_over_grown_story_and_leaves_planned_stories_whole(
    demo_db: str, copy_db: Callable[[str], str], manifest: dict
) -> None:
    db = copy_db(demo_db)
    planned = _planned(manifest)
    with open_store(db) as store:
        assert resplit_stories(store)["split"] == [], "the demo's stories are coherent: nothing to split"
        cluster_stories(store, StorySettings(threshold=0.05, window_days=60, time_decay=0.0), full=True)
        before = len(set(_stories(db).values()))
        result = resplit_stories(store, StorySettings(split_min_articles=6))
    found = _stories(db)
    assert result["split"] and len(set(found.values())) > before
    by_plan: dict[str, set[str]] = defaultdict(set)
    for location, story in planned.items():
        by_plan[story].add(found[location])
    assert all(len(ids) == 1 for ids in by_plan.values()), "no planned story is cut in two"
    runner = CliRunner()
    again = runner.invoke(app, ["resplit", "--db", str(db), "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["split"] == []
