"""The bundled demo corpus, ingested as `make demo` does, checked against its manifest."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.store import read
from newsgraph.store.connect import open_store

from .conftest import CORPUS


def _location(entry: dict) -> str:
    path = str(CORPUS / entry["path"])
    return f"{path}:{entry['line']}" if entry.get("line") else path


def test_every_planned_article_is_ingested_once(demo_db: Path, manifest: dict) -> None:
    with open_store(demo_db) as store:
        stored = {
            row[0]: row
            for row in store.conn.execute(
                "SELECT a.location, a.title, s.name, a.published FROM articles a JOIN sources s ON s.id = a.source_id"
            )
        }
    expected = {_location(d): d for d in manifest["documents"]}
    assert set(stored) == set(expected)
    for location, doc in expected.items():
        _, title, source, published = stored[location]
        assert source == doc["outlet"], location
        assert published[:16] == doc["published"][:16], location
        assert title == doc["title"], location


def test_every_bad_file_is_rejected_with_a_reason(demo_db: Path, manifest: dict) -> None:
    with open_store(demo_db) as store:
        rejected = {r["location"]: r for r in read.rejections(store)}
    assert set(rejected) == {_location(b) for b in manifest["bad"]}
    assert all(r["reason"] and r["code"] for r in rejected.values())


def test_in_document_name_forms_are_grouped(demo_db: Path, manifest: dict) -> None:
    """Within one article, the surname and possessive forms of a person join the full name."""
    with open_store(demo_db) as store:
        rows = store.conn.execute(
            "SELECT a.location, m.text, m.name_id FROM mentions m JOIN articles a ON a.id = m.article_id"
        ).fetchall()
    by_article: dict[str, dict[str, set[str]]] = {}
    for location, text, entity in rows:
        by_article.setdefault(location, {}).setdefault(text.replace("’", "'").removesuffix("'s"), set()).add(entity)
    checked = 0
    for entity in manifest["entities"]:
        if entity["type"] != "person":
            continue
        for spelling, places in entity.get("occurs_in", {}).items():
            for place in places:
                forms = by_article.get(_location(place), {})
                full = forms.get(spelling)
                if not full or len(spelling.split()) < 2:
                    continue
                surname = spelling.split()[-1].split("-")[-1]
                namesakes = [f for f in forms if len(f.split()) > 1 and f.split()[-1] == surname and f != spelling]
                if namesakes:  # `Okafor` beside Daniel and Grace Okafor is rightly left alone
                    continue
                for form, ids in forms.items():
                    if form.split("-")[-1] == surname and form != spelling and len(form.split()) == 1:
                        assert ids == full, f"{form!r} not grouped with {spelling!r} in {place['path']}"
                        checked += 1
    assert checked >= 10


def test_make_demo_commands_exit_0_and_twice_gives_the_same_counts(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "demo.db")
    summaries = []
    for _ in range(2):
        result = runner.invoke(app, ["ingest", str(CORPUS), "--db", db, "-p", "1", "--json"])
        assert result.exit_code == 0, result.stderr
        summaries.append(json.loads(result.stdout))
        stats = runner.invoke(app, ["stats", "--db", db, "--json"])
        assert stats.exit_code == 0
        summaries[-1]["stats"] = json.loads(stats.stdout)
    first, second = summaries
    assert first["articles"] == 47 and second["articles"] == 0
    # every file read before is skipped (articles and extract rejections); bad JSON lines are re-checked
    assert second["already_done"] == first["documents"] - 2 and second["rejected"] == 2
    for key in ("articles", "sources", "entities", "mentions", "rejections"):
        assert first["stats"][key] == second["stats"][key], key
    assert first["stats"]["rejections"] == 7
