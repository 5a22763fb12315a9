"""The store on both backends: migrations, idempotent batches, search, rejections and resuming."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newsgraph.errors import BadQuery, DatabaseUnavailable
from newsgraph.run import ingest_paths
from newsgraph.settings import Settings
from newsgraph.store import read
from newsgraph.store.base import Store
from newsgraph.store.connect import open_store
from newsgraph.store.migrations import MIGRATIONS
from newsgraph.store.pg_schema import MIGRATIONS as PG_MIGRATIONS

from .conftest import FIXTURES


def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Everything a user can see in the database, in a stable order (timestamps left out)."""
    queries = {
        "articles": "SELECT id, title, text, published, location FROM articles ORDER BY id",
        "sources": "SELECT name FROM sources ORDER BY name",
        "mentions": 'SELECT article_id, field, start, "end", name_id FROM mentions ORDER BY 1, 2, 3',
        "names": "SELECT id, name, entity_id, dirty FROM names ORDER BY id",
        "entities": "SELECT id, type, name, article_count, mention_count, first_seen, last_seen FROM entities "
        "ORDER BY id",
        "quotes": 'SELECT id, article_id, kind, start, "end", speaker_name_id, cluster_id FROM quotes ORDER BY id',
        "rejections": "SELECT location, stage, code FROM rejections ORDER BY 1, 2, 3",
    }
    seen = {name: store.conn.execute(sql).fetchall() for name, sql in queries.items()}
    seen["search"] = [(hit["id"],) for hit in read.search(store, "refinery")]
    return seen


def test_migrations_are_recorded_in_order(store: Store) -> None:
    names = [row[0] for row in store.conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS] == [name for name, _ in PG_MIGRATIONS]
    if store.backend == "sqlite":
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_applies_nothing_twice(db: str) -> None:
    open_store(db).close()
    with open_store(db) as again:
        assert again.conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_ingest_twice_changes_nothing(store: Store, settings: Settings) -> None:
    first = ingest_paths([FIXTURES], store, settings)
    before = snapshot(store)
    second = ingest_paths([FIXTURES], store, settings)
    assert first.articles == 6 and first.rejected == 2
    assert second.articles == 0 and second.already_done == 6
    assert snapshot(store) == before


def test_same_article_from_two_places_is_stored_once(tmp_path: Path, store: Store, settings: Settings) -> None:
    page = (FIXTURES / "html" / "harbour-strike.html").read_bytes()
    (tmp_path / "a.html").write_bytes(page)
    (tmp_path / "b.html").write_bytes(page)
    summary = ingest_paths([tmp_path / "a.html", tmp_path / "b.html"], store, settings)
    assert summary.articles == 1 and summary.duplicates == 1
    assert store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1


def test_entities_count_articles_and_aliases(store: Store, settings: Settings) -> None:
    ingest_paths([FIXTURES], store, settings)
    people = {e["name"]: e for e in read.top_entities(store, "person", 50)}
    haddadin = people["Faisal Haddadin"]
    assert haddadin["articles"] == 2, "the spokesman appears in both wire stories"
    achterberg = people["Rosalind Achterberg"]
    assert {a["name"] for a in achterberg["aliases"]} == {"Rosalind Achterberg", "Achterberg"}


def test_search_ranks_and_filters(store: Store, settings: Settings) -> None:
    ingest_paths([FIXTURES], store, settings)
    hits = read.search(store, "refinery")
    assert {h["source"] for h in hits} == {"Gulf Wire Service"} and len(hits) == 2
    assert all(h["snippet"][s:e].lower().startswith("refiner") for h in hits for s, e in h["highlights"])
    assert read.search(store, "refinery", source="Northern Ledger") == []
    assert len(read.search(store, "refinery", since="2026-03-06T12:00")) == 1
    assert read.search(store, 'dockworkers! "(Selvane') != [], "punctuation in a query cannot break it"
    with pytest.raises(BadQuery):
        read.search(store, "refinery", since="yesterday-ish")
    assert len(read.search(store, '"refinery" OR "dockworkers"', raw=True)) > 2, "a raw query has the backend's syntax"
    if store.backend == "sqlite":
        with pytest.raises(BadQuery):
            read.search(store, "(((", raw=True)
    else:  # websearch syntax has no errors: a query of no words finds nothing
        assert read.search(store, "(((", raw=True) == []


def test_stats_and_rejections(store: Store, settings: Settings) -> None:
    ingest_paths([FIXTURES], store, settings)
    data = read.stats(store)
    assert (data["articles"], data["sources"], data["rejections"]) == (6, 4, 2)
    assert data["rejections_by_code"] == {"bad_json": 1, "missing_field": 1}
    rows = read.rejections(store)
    assert [r["location"].rsplit("/", 1)[-1] for r in rows] == ["wire.jsonl:3", "wire.jsonl:4"]


def test_a_fixed_input_is_no_longer_rejected(tmp_path: Path, store: Store, settings: Settings) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"")
    ingest_paths([tmp_path], store, settings)
    assert [r["code"] for r in read.rejections(store)] == ["empty"]
    page.write_bytes((FIXTURES / "html" / "harbour-strike.html").read_bytes())
    ingest_paths([tmp_path], store, settings)
    assert read.rejections(store) == []
    assert read.stats(store)["articles"] == 1


def test_unusable_database_paths_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        open_store(tmp_path / "missing-folder" / "x.db")
    with pytest.raises(DatabaseUnavailable, match="no database"):
        open_store(tmp_path / "absent.db", create=False)
    (tmp_path / "junk.db").write_bytes(b"this is not a database file" * 100)
    with pytest.raises(DatabaseUnavailable, match="cannot open"):
        open_store(tmp_path / "junk.db")


def test_a_failed_batch_leaves_nothing_behind(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = store._write_analysis

    def failing(analysis: object, rows: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise sqlite3.OperationalError("disk I/O error")
        original(analysis, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "_write_analysis", failing)
    with pytest.raises(sqlite3.OperationalError):
        ingest_paths([FIXTURES], store, settings.replace(commit_every=100))
    assert store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM inputs").fetchone()[0] == 0


def test_listing_pages_through_dated_then_undated_articles_once(store: Store, settings: Settings) -> None:
    from newsgraph.store.articles import list_articles

    ingest_paths([FIXTURES], store, settings)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY id").fetchall()]
    store.conn.execute("UPDATE articles SET published_utc = NULL WHERE id IN (?, ?)", (ids[0], ids[3]))
    seen, cursor = [], None
    while True:
        page = list_articles(store, limit=2, cursor=cursor)
        seen += [item["id"] for item in page["items"]]
        if not page["next"]:
            break
        cursor = page["next"]
    assert sorted(seen) == ids and len(seen) == len(set(seen)), "every article once"
    dated = store.conn.execute(
        "SELECT id FROM articles WHERE published_utc IS NOT NULL ORDER BY published_utc DESC, id DESC"
    ).fetchall()
    undated = sorted({r[0] for r in store.conn.execute("SELECT id FROM articles WHERE published_utc IS NULL")})
    assert {ids[0], ids[3]} <= set(undated) and len(dated) >= 2
    assert seen == [r[0] for r in dated] + undated[::-1], "newest first, then the undated by id"
