"""Stories: joining, starting, merging, the time window, and batch/incremental agreement."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.corpus.stories import (
    Story,
    StoryArticle,
    StoryClusterer,
    StorySettings,
    cluster,
    is_year,
    split_story,
    terms,
)
from newsgraph.corpus.story_fit import THRESHOLDS, b_cubed, fit_story_settings
from newsgraph.run import ingest_paths
from newsgraph.settings import Settings
from newsgraph.store import stories as store_stories
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


QUAKE_NORTH = (
    "A magnitude 6.1 earthquake struck Verrano province on Tuesday, killing 14 people and leaving "
    "hundreds of homes without power; rescuers from Corvale searched the rubble of the old market."
)
QUAKE_SOUTH = (
    "A magnitude 5.4 earthquake shook the port of Saltmere on Thursday; 23 people were hurt and "
    "the harbour authority closed the southern docks while engineers checked the cranes."
)


def _quake(ident: str, text: str, day: float, places: dict[str, str], swap: tuple[str, str]) -> StoryArticle:
    text = text.replace(*swap)
    title = "Earthquake " + text.split(";")[0][:60]
    return StoryArticle(ident, DAY + timedelta(days=day), title, terms(title, text), places)


def test_two_events_of_one_kind_in_one_week_are_two_stories_and_each_event_stays_one() -> None:
    north = {"verrano": "place", "corvale": "place"}
    south = {"saltmere": "place"}
    items = [
        _quake("n1", QUAKE_NORTH, 0.0, north, ("rescuers", "rescue teams")),
        _quake("s1", QUAKE_SOUTH, 0.3, south, ("hurt", "injured")),
        _quake("n2", QUAKE_NORTH, 0.5, north, ("struck", "hit")),
        _quake("s2", QUAKE_SOUTH, 0.9, south, ("shook", "rattled")),
        _quake("n3", QUAKE_NORTH, 1.2, north, ("homes", "houses")),
        _quake("s3", QUAKE_SOUTH, 1.6, south, ("checked", "inspected")),
    ]
    stories = cluster(items)
    assert stories["n1"] == stories["n2"] == stories["n3"], "one event's coverage from several outlets"
    assert stories["s1"] == stories["s2"] == stories["s3"]
    assert stories["n1"] != stories["s1"], "two earthquakes in one week, in different places, with other tolls"


def test_a_lone_article_an_arrival_ties_to_a_story_joins_it() -> None:
    north = {"verrano": "place", "corvale": "place"}
    piece = (
        "A baker counts what the night took: two ovens, a cracked roof and the bread he bakes for the whole "
        "street. He slept in his van beside the bakery with his dog and a radio."
    )
    clusterer = StoryClusterer()
    clusterer.add(_quake("n1", QUAKE_NORTH, 0.0, north, ("the", "the")), "s1")
    clusterer.add(_quake("n2", QUAKE_NORTH, 0.2, north, ("struck", "hit")), "s2")
    lone = StoryArticle("l1", DAY + timedelta(days=0.5), "A baker and his ovens", terms("A baker", piece), {})
    assert clusterer.add(lone, "s3") == "s3", "too little in common to join on its own"
    both = QUAKE_NORTH + " " + piece
    tie = StoryArticle("b1", DAY + timedelta(days=0.8), "Verrano earthquake: the baker", terms("Verrano", both), north)
    assert clusterer.add(tie, "s4") == "s1"
    assert clusterer._live(clusterer.story_of["l1"]) == "s1", "the article that ties them puts the lone one in"
    untied = StoryClusterer(StorySettings(bridge_threshold=1.1))
    for item in (_quake("n1", QUAKE_NORTH, 0.0, north, ("the", "the")), lone, tie):
        untied.add(item, "s" + item.id)
    assert untied._live(untied.story_of["l1"]) != untied._live(untied.story_of["n1"])


def test_numbers_count_as_terms_and_years_are_told_apart() -> None:
    counted = terms("Vote in 2031", "A 12-point lead, 7 seats and 2,400 ballots in 1998.")
    assert counted["#2031"] == 2 and counted["#12"] == 1 and counted["#1998"] == 1
    assert "#7" not in counted, "one-digit numbers say little"
    assert is_year("#2031") and is_year("#1998") and not is_year("#2400") and not is_year("#12")


def test_a_story_model_fitted_on_labelled_events_separates_them() -> None:
    north = {"verrano": "place", "corvale": "place"}
    south = {"saltmere": "place"}
    swaps = [("the", "the"), ("struck", "hit"), ("on Tuesday", "early on Tuesday"), ("people", "residents")]
    items = []
    for i, swap in enumerate(swaps):
        items.append(_quake(f"n{i}", QUAKE_NORTH, i * 0.4, north, swap))
        items.append(_quake(f"s{i}", QUAKE_SOUTH.replace("Thursday", "Tuesday"), i * 0.4 + 0.1, south, swap))
    events = {a.id: a.id[0] for a in items}
    kept = fit_story_settings([items], events)
    assert kept.model != StorySettings().model and kept.threshold == StorySettings().threshold
    fitted = fit_story_settings([items], events, thresholds=THRESHOLDS)
    assert fitted.threshold in THRESHOLDS
    assert b_cubed(cluster(items, fitted), events)[2] == 1.0
    with pytest.raises(ValueError, match="both kinds"):
        fit_story_settings([items[:1]], events)


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


def _story_rows(db: Path) -> list[tuple[object, ...]]:
    with open_store(db) as store:
        return store.conn.execute(
            "SELECT id, label, first_seen, last_update, articles, sources, first_article_id FROM stories ORDER BY id"
        ).fetchall()


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
    assert _story_rows(daily) == _story_rows(demo_db)  # labels, dates, counts and first articles too
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
        cluster_stories(store, StorySettings(threshold=0.001, window_days=60), full=True)
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


def test_a_batch_of_newer_articles_puts_stories_back_from_their_saved_sums(
    demo_db: Path, manifest: dict, new_db: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Day by day, no story is made again from its articles (a cost that grows with the story):
    each comes back from the sums saved with it. A batch with older articles still replays."""
    rebuilt: list[list[str]] = []
    original = store_stories._restore_from_articles

    def counting(store: Any, clusterer: Any, stories: list[str], replay_table: str) -> None:
        rebuilt.append(stories)
        original(store, clusterer, stories, replay_table)

    monkeypatch.setattr(store_stories, "_restore_from_articles", counting)
    by_day: dict[str, list[Path]] = defaultdict(list)
    for doc in manifest["documents"]:
        if not doc.get("line"):
            by_day[doc["published"][:10]].append(CORPUS / doc["path"])
    db = new_db("saved")
    with open_store(db) as store:
        for day in sorted(by_day):
            ingest_paths(by_day[day], store, Settings(processes=1))
        assert rebuilt == []
        saved = store.conn.execute("SELECT COUNT(*) FROM story_state").fetchone()[0]
        assert saved == store.conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        ingest_paths([CORPUS / "feeds"], store, Settings(processes=1))  # older items: a replay
        assert rebuilt
    assert _stories(db) == _stories(demo_db)


def test_a_story_comes_back_from_its_state_as_it_was() -> None:
    items = [article(f"a{i}", FLOOD, i / 4, ["Aldmoor"]) for i in range(3)]
    clusterer = StoryClusterer()
    for item in items:
        clusterer.add(item, "s-" + item.id)
    (story,) = clusterer.live_stories()
    back = Story.from_state(story.id, list(story.members), story.state())
    assert back == story


def test_stories_put_back_from_their_sums_are_found_and_merged_as_if_never_put_away() -> None:
    """A batch's clusterer takes the active stories back from their saved sums and enters in its
    postings only their keys that the batch's articles have; it still finds each story, lets it
    take articles and ties a lone article's story to another, exactly as the clusterer that never
    stopped."""
    shelter = "The sports hall opened as a shelter; the Red Cross brought blankets and hot meals for families."
    before_cut = [
        article("f0", FLOOD, 0, ["aldmoor"]),
        article("f1", FLOOD.replace("boats", "dinghies"), 0.05, ["aldmoor"]),
        article("g0", shelter, 0.1),  # too few shared words: a story of its own, for now
        article("m0", FIRE, 0.2, ["brackwater"]),
    ]
    after_cut = [  # the flood's reports that take in the shelter tie the two stories
        article("b0", f"{FLOOD} {shelter}", 0.5, ["aldmoor"]),
        article("b1", f"{FLOOD} {shelter}".replace("farms", "fields"), 0.6, ["aldmoor"]),
        article("m1", FIRE.replace("night", "morning"), 0.7, ["brackwater"]),
    ]
    whole = StoryClusterer()
    for a in [*before_cut, *after_cut]:
        whole.add(a, "s-" + a.id)
    expected = {a: whole._live(s) for a, s in whole.story_of.items()}

    before = StoryClusterer()
    for a in before_cut:
        before.add(a, "s-" + a.id)
    assert len(before.live_stories()) == 3
    after = StoryClusterer()
    after.df, after.seen, after.latest = before.df.copy(), before.seen, before.latest
    vocabulary = frozenset({t for a in after_cut for t in a.terms} | {"E:" + e for a in after_cut for e in a.entities})
    for story in before.live_stories():
        after.restore_state(Story.from_state(story.id, list(story.members), story.state()), vocabulary)
    left_out = set().union(*(s.keys for s in after.stories.values())) - vocabulary
    assert len(after.partial) == 3 and set(after.postings) <= vocabulary and left_out
    # whatever keys are asked for, in the vocabulary or not, the stories that have them are found
    for keys in ({"E:aldmoor"}, set(list(left_out)[:2]), {"E:brackwater", *list(left_out)[-1:]}, {"nothing"}):
        assert after._holding(keys) == {s.id for s in after.stories.values() if s.keys & keys}
    for a in after_cut:
        after.add(a, "s-" + a.id)
    placed = {a: after._live(s) for a, s in after.story_of.items()}

    assert placed == expected
    assert expected["g0"] == expected["f0"] == expected["b1"] and expected["m1"] == expected["m0"] != expected["f0"]


def test_a_replay_moves_only_the_members_of_stories_merged_away() -> None:
    """After a replay, the members to move in the store are those of the stories merged into
    others; the members of stories left as they were are not rewritten."""
    clusterer = StoryClusterer()
    clusterer.add(article("a", FLOOD, 0), "s1")
    clusterer.add(article("c", FIRE, 0.5), "s2")
    clusterer.add(article("d", "A chess match in Corvale went to a tie-break after six hours of play.", 0.6), "s3")
    final = {"b": clusterer.add(article("b", FIRE, 1), "s4")}  # the article placed again, into s2
    older, newer = clusterer.stories["s1"], clusterer.stories["s2"]
    clusterer._merge(newer, older)  # as `_maybe_merge` does when the two converge

    moved = store_stories._moved_by_merges(clusterer, final)

    assert moved == {"c": "s1"}, "c moves with its story; a, d and the replayed b do not"
