"""Who copied whom and what they changed: fingerprints, copy links, diffs, source originality."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.corpus.copies import (
    COMMON_HASH,
    CopyRules,
    candidate_pairs,
    classify,
    fingerprint,
    overlap,
    quoted_words,
    sample_bytes,
    sample_entries,
    shared_sample_pairs,
    words,
    words_and_quotes,
)
from newsgraph.corpus.diff import diff_texts
from newsgraph.run import ingest_paths
from newsgraph.settings import Settings
from newsgraph.store.base import Store
from newsgraph.store.connect import open_store
from newsgraph.store.copies import copy_group, describe_copies, find_article, match_copies, source_originality
from newsgraph.store.migrations import MIGRATIONS, statements

from .conftest import CORPUS

COPY_FIXTURES = Path(__file__).resolve().parent / "fixtures_copies"
BODY = " ".join(
    f"Sentence {n} of the report says the council met on day {n} and voted on plan {n} for the river district."
    for n in range(40)
)


def test_fingerprint_ignores_punctuation_quote_marks_and_spacing() -> None:
    a = fingerprint("“The port,” she said — it’s closed.\n\nNothing moved.")
    b = fingerprint('"The port," she said - its closed. Nothing   moved.')
    assert a.text_hash == b.text_hash


def test_containment_finds_partial_and_embedded_copies() -> None:
    words = BODY.split()
    first_third = " ".join(words[: len(words) // 3])
    embedded = "Unrelated opening about the weather and a football match. " * 30 + first_third
    rules = CopyRules()
    for copy in (first_third, embedded):
        pair = overlap(BODY, copy)
        assert classify(pair, rules) == "partial", pair
    assert classify(overlap(BODY, BODY.replace("council", "Council")), rules) in {"exact", "near_duplicate"}
    other = " ".join(
        f"Another text {n} about a harvest festival in the hills, with music on day {n}." for n in range(40)
    )
    assert classify(overlap(BODY, other), rules) is None


def test_a_word_for_word_copy_is_one_passage_of_all_its_words() -> None:
    copy = BODY.replace("council", "Council")  # the same words: case is not a difference
    pair = overlap(BODY, copy)
    words = len(words_and_quotes(BODY)[0])
    assert pair.exact and pair.passages == ((0, 0, words),) and pair.shared_words == words
    assert pair.in_a == pair.in_b == 1.0 and classify(pair, CopyRules()) == "exact"
    changed = overlap(BODY, copy.replace("Council", "assembly", 1))
    assert not changed.exact and 0 < changed.shared_words < words


def test_sentence_diff_calls_out_names_and_numbers() -> None:
    original = "The minister, Teodor Vasilescou, met 12 envoys. The talks ended at noon. Rain fell."
    copy = "A new opening line. The minister, Teodor Vasilescu, met 21 envoys. Rain fell. The talks ended at noon."
    diff = diff_texts(original, copy)
    assert [str(c) for c in diff.names] == ["Vasilescou → Vasilescu"]
    assert [str(c) for c in diff.numbers] == ["12 → 21"]
    assert diff.added == ["A new opening line."]
    assert diff.moved and not diff.removed


def _ingest(db: Path, *paths: Path, settings: Settings) -> Store:
    store = open_store(db)
    ingest_paths(list(paths), store, settings)
    return store


def test_republished_page_is_linked_to_its_original_with_its_changes(
    tmp_path: Path, settings: Settings, new_db: Callable[[str], str]
) -> None:
    with _ingest(new_db("c"), COPY_FIXTURES, settings=settings) as store:
        copy = find_article(store, str(COPY_FIXTURES / "copy.txt"))
        group = copy_group(store, copy)
        assert group is not None and group["articles"] == 2, "the same-event report is not a copy"
        assert group["original"]["source"] == "Northern Ledger" and not group["original_unknown"]
        (link,) = group["links"]
        assert link["copy"]["source"] == "Lemmeny Star" and link["lag_seconds"] == 22.5 * 3600
        changes = link["changes"]
        assert "Vasilescou → Vasilescu" in changes["names"] and "12 → 21" in changes["numbers"]
        assert changes["sentences_added"] >= 1 and changes["sentences_removed"] >= 1
        assert changes["headline"] and changes["attribution_dropped"]
        assert copy_group(store, find_article(store, str(COPY_FIXTURES / "same-event.txt"))) is None


def test_seed_copy_is_linked_when_the_seed_is_present(
    tmp_path: Path, seed_path: Path, settings: Settings, new_db: Callable[[str], str]
) -> None:
    text = seed_path.read_text(encoding="utf-8")
    paragraphs = text.split("\n\n")
    body = paragraphs[2:]
    copied = [*body[:3], *body[4:]]  # one paragraph dropped
    copy_text = "\n\n".join(
        ["Iraq - News - Tigris Daily", "Embassy row deepens", "A new lead paragraph written for this copy.", *copied]
    ).replace("Khadimi", "Kadhimi")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed_path, folder / "seed.txt")
    (folder / "seed.json").write_text(json.dumps({"published": "2020-09-28T10:00:00Z"}))
    (folder / "copy.txt").write_text(copy_text, encoding="utf-8")
    (folder / "copy.json").write_text(json.dumps({"published": "2020-09-29T10:00:00Z"}))
    with _ingest(new_db("s"), folder, settings=settings) as store:
        group = copy_group(store, find_article(store, str(folder / "copy.txt")))
        assert group is not None and group["original"]["source"] == "Baghdadpost"
        (link,) = group["links"]
        assert "Khadimi → Kadhimi" in link["changes"]["names"]
        assert link["changes"]["sentences_removed"] >= 1 and link["changes"]["sentences_added"] >= 1


def test_demo_republication_found_and_diffed(demo_db: Path, manifest: dict) -> None:
    runner = CliRunner()
    with open_store(demo_db) as store:
        links = store.conn.execute("SELECT copy_id, original_id FROM copy_links").fetchall()
        planned = {
            (find_article(store, str(CORPUS / c["copy"])), find_article(store, str(CORPUS / c["original"])))
            for c in manifest["copies"]
        }
        assert set(links) == planned, "every planned copy found, and nothing else (same-story reports are not copies)"
        rows = {r["source"]: r for r in source_originality(store)}
        assert rows["Capital Courier"]["copies_from"] == [{"source": "Tigris Daily", "articles": 1}]
    edited = next(c for c in manifest["copies"] if c["changes"]["numbers"])
    result = runner.invoke(
        app, ["diff", str(CORPUS / edited["copy"]), str(CORPUS / edited["original"]), "--db", str(demo_db), "--json"]
    )
    assert result.exit_code == 0
    summary = json.loads(result.stdout)["summary"]
    assert "12 → 21" in summary["numbers"]
    assert any("Zubeidi" in change for change in summary["names"])
    listing = runner.invoke(app, ["copies", str(CORPUS / edited["copy"]), "--db", str(demo_db), "--json"])
    group = json.loads(listing.stdout)
    assert group["original"]["source"] == edited["original_outlet"]
    (link,) = [lk for lk in group["links"] if lk["copy"]["source"] == edited["copy_outlet"]]
    assert {"copy", "original", "containment", "changes"} <= set(link)
    readable = runner.invoke(app, ["copies", "--db", str(demo_db)])
    added = link["changes"]["sentences_added"]
    assert f"{added} sentence{'s' if added != 1 else ''} added" in readable.stdout


def test_batches_give_the_same_links(tmp_path: Path, settings: Settings, new_db: Callable[[str], str]) -> None:
    with _ingest(new_db("one"), CORPUS, COPY_FIXTURES, settings=settings) as one:
        expected = one.conn.execute("SELECT copy_id, original_id, kind FROM copy_links ORDER BY 1").fetchall()
    with open_store(new_db("many")) as many:
        for path in [COPY_FIXTURES / "copy.txt", CORPUS / "text", COPY_FIXTURES, CORPUS]:
            ingest_paths([path], many, settings)
        assert many.conn.execute("SELECT copy_id, original_id, kind FROM copy_links ORDER BY 1").fetchall() == expected


def test_worker_processes_give_the_same_links_and_diffs(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, new_db: Callable[[str], str]
) -> None:
    import newsgraph.store.copies as store_copies

    query = "SELECT copy_id, original_id, kind, containment_copy, changes FROM copy_links ORDER BY 1"
    with _ingest(new_db("one"), CORPUS, COPY_FIXTURES, settings=settings) as one:
        expected = one.conn.execute(query).fetchall()
    monkeypatch.setattr(store_copies, "PARALLEL_MIN", 1)  # the fixtures are few: use the workers anyway
    with _ingest(new_db("two"), CORPUS, COPY_FIXTURES, settings=settings) as two:
        two.conn.execute("UPDATE copy_links SET changes = NULL")
        match_copies(two, full=True, workers=2)
        assert two.conn.execute(query).fetchall() == expected


def _samples(*texts: str) -> list[bytes]:
    return [sample_bytes(fingerprint(t)) for t in texts]


def test_candidates_come_from_shared_samples_and_need_a_new_article() -> None:
    other = " ".join(f"Harvest note {n}: the orchard at hill {n} sold {n * 3} crates of pears." for n in range(40))
    samples = _samples(BODY, other, BODY[: len(BODY) // 2])
    every = np.ones(3, dtype=bool)
    assert [(i, j) for i, j, _ in candidate_pairs(samples, every, 0.3)] == [(0, 2)]
    # only pairs with a new article: the half copy is old, so is the body; nothing to do
    assert candidate_pairs(samples, np.array([False, True, False]), 0.3) == []
    assert [(i, j) for i, j, _ in candidate_pairs(samples, np.array([False, False, True]), 0.3)] == [(0, 2)]


def test_a_passage_in_very_many_articles_is_furniture_not_evidence() -> None:
    footer = " ".join(f"Subscribe to the Lantern Gazette newsletter edition {n} today." for n in range(12))
    texts = [
        f"{footer} " + " ".join(f"Story {k} line {n}: the ferry {k} left pier {n} late." for n in range(20))
        for k in range(COMMON_HASH + 1)
    ]
    assert candidate_pairs(_samples(*texts), np.ones(len(texts), dtype=bool), 0.3) == []
    few = texts[:3]  # the same footer in three articles is shared text, and counts
    assert len(candidate_pairs(_samples(*few), np.ones(3, dtype=bool), 0.3)) == 3


def test_links_without_a_stored_diff_are_described_later_and_shown_meanwhile(
    tmp_path: Path, settings: Settings, new_db: Callable[[str], str]
) -> None:
    with _ingest(new_db("c"), CORPUS / "html", COPY_FIXTURES, settings=settings) as store:
        expected = store.conn.execute("SELECT copy_id, changes FROM copy_links ORDER BY 1").fetchall()
        assert expected and all(changes for _, changes in expected)
        store.conn.execute("UPDATE copy_links SET changes = NULL")
        shown = copy_group(store, expected[0][0])
        assert shown is not None
        link = next(lk for lk in shown["links"] if lk["copy"]["id"] == expected[0][0])
        assert link["changes"] == json.loads(expected[0][1])
        assert match_copies(store)["described"] == len(expected), "an ingest after an interrupted one describes them"
        assert store.conn.execute("SELECT copy_id, changes FROM copy_links ORDER BY 1").fetchall() == expected
        assert describe_copies(store) == 0


def test_fingerprints_without_inline_samples_are_backfilled(
    tmp_path: Path, settings: Settings, new_db: Callable[[str], str]
) -> None:
    with _ingest(new_db("c"), CORPUS / "html", COPY_FIXTURES, settings=settings) as store:
        expected = store.conn.execute("SELECT copy_id, original_id, kind FROM copy_links ORDER BY 1").fetchall()
        store.conn.execute("UPDATE fingerprints SET sample = NULL")
        store.conn.execute("DELETE FROM copy_links")
        store.conn.execute("DELETE FROM copy_pairs")
        match_copies(store, full=True)
        assert store.conn.execute("SELECT count(*) FROM fingerprints WHERE sample IS NULL").fetchone() == (0,)
        assert store.conn.execute("SELECT copy_id, original_id, kind FROM copy_links ORDER BY 1").fetchall() == expected


def test_a_store_made_before_inline_samples_upgrades(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.db")
    conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS[:5]:
        for statement in statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'then')", (name,))
    conn.commit()
    conn.close()
    with open_store(tmp_path / "old.db") as store:
        columns = {row[1] for row in store.conn.execute("PRAGMA table_info(fingerprints)")}
        assert "sample" in columns
        assert store.conn.execute("SELECT name FROM sqlite_master WHERE name = 'copy_index'").fetchone() is None


def test_a_shared_quotation_is_not_a_copy_but_a_copy_with_changed_names_is() -> None:
    statement = (
        "“We reopened the eastern crossing at dawn because the river had fallen far enough for trucks, and we will "
        "keep it open day and night until every stranded family has reached the shelters in Moravka,” the mayor said."
    )
    first = (
        "Flood waters eased across the valley on Sunday as crews cleared mud from the main road into town. "
        f"{statement} Volunteers handed out blankets and bread from the school gym, where dozens slept on mats. "
        "Forecasters warned that heavier rain could return by the middle of the week across the northern hills."
    )
    second = (
        "Residents of Moravka returned to ruined homes on Sunday, many finding cellars still full of water. "
        f"{statement} Farmers said the harvest in the lower fields was lost and asked the regional council for help, "
        "while engineers began checking two bridges damaged when the river burst its banks on Thursday."
    )
    rules = CopyRules(min_containment=0.2, min_shared_words=20)
    assert classify(overlap(first, second), rules) is None
    names = ["Ilse Marovic", "Tomas Brenner", "Ana Kettle", "Piet Olander"]
    sentences = [
        f"On day {n} the inspector {names[n % 4]} counted {n * 7} damaged houses along the canal road and sent the "
        "list to the district office before the evening meeting began."
        for n in range(12)
    ]
    altered = [
        s.replace(names[n % 4], names[(n + 1) % 4]).replace(f" {n * 7} ", f" {n * 7 + 3} ")
        for n, s in enumerate(sentences)
    ]
    assert classify(overlap(" ".join(sentences), " ".join(altered)), CopyRules()) in {"near_duplicate", "partial"}


def test_quoted_words_follow_the_quote_marks_and_end_with_the_paragraph() -> None:
    text = (
        'The mayor said: “Open the road now.” Crews moved in.\n"We stay, she said.\nRain fell 5\'10" deep at dawn.'
        " ΟΔΟΣ «Αθηνάς» it’s"
    )
    flags = quoted_words(text)
    assert words_and_quotes(text)[0] == words(text)
    assert len(flags) == len(words(text))
    marked = [w.decode() for w, q in zip(words(text), flags, strict=True) if q]
    # the second paragraph's quotation is never closed, so it ends with its paragraph; the stray
    # inch mark in the third opens a quotation, which the guillemets there close and reopen
    assert marked == ["open", "the", "road", "now", "we", "stay", "she", "said", "deep", "at", "dawn", "οδος", "its"]


def test_reports_quoting_the_same_statements_are_not_copies_whatever_their_length() -> None:
    first_statement = (
        "“The eastern crossing reopened at dawn because the river fell far enough for trucks, and it stays open day "
        "and night until every stranded family reaches the shelters,”"
    )
    second_statement = (
        "“Nobody in this valley has seen water this high since the dam was built, and we will rebuild every bridge "
        "that was lost before the first snow,”"
    )
    first = (
        "Flood waters eased across the valley on Sunday as crews cleared mud from the main road into town. "
        f"{first_statement} the mayor said. {second_statement} she added. "
        "Volunteers handed out blankets and bread from the school gym, where dozens slept on mats."
    )
    second = (
        "Residents of Moravka returned to ruined homes on Sunday, many finding cellars still full of water. "
        f"{first_statement} the mayor said. {second_statement} she added. "
        "Farmers said the harvest in the lower fields was lost and asked the regional council for help."
    )
    pair = overlap(first, second)
    assert pair.shared_words >= 50 and pair.containment >= 0.5  # the quotations alone are most of each text
    assert classify(pair, CopyRules()) is None
    # the same narrative around those statements is a copy
    copy = first.replace("Flood waters eased", "Floodwaters eased").replace("dozens slept", "many slept")
    assert classify(overlap(first, copy), CopyRules()) in {"near_duplicate", "partial"}


def test_matching_new_articles_reads_only_the_hashes_they_have() -> None:
    other = " ".join(f"Harvest note {n}: the orchard at hill {n} sold {n * 3} crates of pears." for n in range(40))
    samples = _samples(BODY, other, BODY[: len(BODY) // 2], other[len(other) // 3 :])
    dirty = np.array([False, False, True, True])
    counts = np.array([len(s) // 8 for s in samples])
    wanted = np.unique(np.frombuffer(samples[2] + samples[3], dtype="<i8"))
    hashes, owners = sample_entries(([(i, s)] for i, s in enumerate(samples)), wanted)
    assert len(hashes) < sum(counts), "hashes no new article has are not kept"
    assert shared_sample_pairs(hashes, owners, counts, dirty, 0.3) == candidate_pairs(samples, dirty, 0.3)
    assert [(i, j) for i, j, _ in candidate_pairs(samples, dirty, 0.3)] == [(0, 2), (1, 3)]


def test_side_by_side_rows_reuse_the_diffs_alignment() -> None:
    from newsgraph.corpus.diff import diff_texts, side_by_side

    original = "The dam broke on Monday. Twelve people died in Duhok. Officials blamed the rain.\n\nRepairs begin."
    copy = "Repairs begin. The dam broke on Tuesday. Twenty people died in Dohuk. A new line was added here."
    diff = diff_texts(original, copy)
    assert side_by_side(original, copy, diff.alignment) == side_by_side(original, copy)
    same = diff_texts(original, original)
    assert side_by_side(original, original, same.alignment) == side_by_side(original, original)
    assert {row["status"] for row in side_by_side(original, original, same.alignment)} == {"same"}
