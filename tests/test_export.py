"""Parquet export: every table, row counts and schemas as documented, offsets that still slice the
text, incremental exports with --since, and the command's messages and exit codes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.errors import BadQuery, UserError
from newsgraph.settings import Settings
from newsgraph.store.connect import open_reader, open_store
from newsgraph.store.export import SCHEMAS, TABLES, columns, export_parquet

from .conftest import ROOT

runner = CliRunner()
STORE_COUNTS = {
    "articles": "SELECT COUNT(*) FROM articles",
    "mentions": "SELECT COUNT(*) FROM mentions",
    "entities": "SELECT COUNT(*) FROM entities",
    "quotes": "SELECT COUNT(*) FROM quotes",
    "copy_links": "SELECT COUNT(*) FROM copy_links",
    "stories": "SELECT COUNT(*) FROM stories",
}
NEW_ARTICLE = "\n\n".join(
    [
        "World News - Europe - Northern Ledger",
        "Harbour authority of Varestria approves new ferry terminal",
        "The harbour authority of Varestria approved a new ferry terminal in the port of Lindhaven on Monday, "
        "after two years of consultation with fishing crews and residents of the old quarter.",
        "Ingrid Solvang, who chairs the authority, said the terminal would open in the spring of next year. "
        "“The ferries will no longer block the fishing quay,” Solvang said. The city council of Lindhaven "
        "welcomed the decision.",
    ]
)


def _counts(db: str) -> dict[str, int]:
    with open_reader(db) as store:
        return {table: store.conn.execute(sql).fetchone()[0] for table, sql in STORE_COUNTS.items()}


def _table(folder: Path, name: str) -> pa.Table:
    return ds.dataset(folder / name, format="parquet").to_table()


@pytest.fixture(scope="module")
def exported(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("export") / "out"
    with open_store(demo_db, create=False) as store:
        result = export_parquet(store, folder)
    return folder, result


def test_every_table_written_with_the_stores_row_counts(exported: tuple[Path, dict], demo_db: Path) -> None:
    folder, result = exported
    expected = _counts(demo_db)
    assert all(n > 0 for n in expected.values())  # the demo corpus has rows in every table
    assert result["counts"] == expected
    assert result["since"] is None and result["removed"] == []
    assert sorted(Path(f).parent.name for f in result["files"]) == sorted(expected)
    for name, rows in expected.items():
        parts = list((folder / name).iterdir())
        assert len(parts) == 1 and re.fullmatch(r"part-\d{8}T\d{12}Z\.parquet", parts[0].name)
        assert _table(folder, name).num_rows == rows


def test_schemas_are_the_documented_ones(exported: tuple[Path, dict]) -> None:
    folder, _ = exported
    docs = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    for table in TABLES:
        schema = pq.read_schema(next((folder / table.name).glob("part-*.parquet")))
        assert schema.equals(SCHEMAS[table.name], check_metadata=True), table.name
        section = docs.split(f"### {table.name}\n", 1)[1].split("\n### ", 1)[0]
        documented = [
            (m[1], m[2], m[3] == "yes") for m in re.finditer(r"^\| `(\w+)` \| `([^`]+)` \| (yes|no) \|", section, re.M)
        ]
        assert documented == list(columns(table.name)), table.name
    assert str(SCHEMAS["articles"].field("published_utc").type) == "timestamp[us, tz=UTC]"
    assert SCHEMAS["articles"].field("authors").type == pa.list_(pa.string())
    assert SCHEMAS["entities"].field("unresolved").type == pa.bool_()


def test_mention_offsets_still_slice_their_article(exported: tuple[Path, dict]) -> None:
    folder, _ = exported
    articles = {a["id"]: a for a in _table(folder, "articles").to_pylist()}
    mentions = _table(folder, "mentions").to_pylist()
    assert {m["field"] for m in mentions} <= {"title", "text"}
    for mention in mentions:
        article = articles[mention["article_id"]]
        assert article[mention["field"]][mention["start"] : mention["end"]] == mention["text"]
    for quote in _table(folder, "quotes").to_pylist():
        assert quote["start"] < quote["end"] <= len(articles[quote["article_id"]]["text"])


def test_values_keep_their_meaning(exported: tuple[Path, dict], demo_db: Path) -> None:
    folder, _ = exported
    reader = open_reader(demo_db)
    conn = reader.conn
    articles = {a["id"]: a for a in _table(folder, "articles").to_pylist()}
    ident, authors, published_utc, story = conn.execute(
        "SELECT a.id, a.authors, a.published_utc, m.story_id FROM articles a "
        "JOIN story_members m ON m.article_id = a.id WHERE a.published_utc IS NOT NULL LIMIT 1"
    ).fetchone()
    article = articles[ident]
    assert article["authors"] == json.loads(authors) and article["story_id"] == story
    assert article["published_utc"] == datetime.fromisoformat(published_utc).replace(tzinfo=UTC)
    assert article["ingested_at"].tzinfo is not None
    credited = dict(conn.execute("SELECT id, credited FROM articles").fetchall())
    assert all(a["credited"] == json.loads(credited[i]) for i, a in articles.items())
    links = {(c, o) for c, o in conn.execute("SELECT copy_id, original_id FROM copy_links")}
    assert {(a["id"], a["copy_of"]) for a in articles.values() if a["copy_of"]} == links
    assert all(a["copy_group"] for a in articles.values() if a["copy_of"])
    for link in _table(folder, "copy_links").to_pylist():
        assert 0 < link["containment_copy"] <= 1 and 0 < link["containment_original"] <= 1
        assert link["changes"] is None or isinstance(json.loads(link["changes"]), dict)
    entities = _table(folder, "entities").to_pylist()
    aliases = dict(conn.execute("SELECT entity_id, COUNT(*) FROM names WHERE entity_id IS NOT NULL GROUP BY 1"))
    assert all(len(e["aliases"]) == aliases.get(e["id"], 0) for e in entities)
    assert any(e["name"] in e["aliases"] for e in entities)
    mentions = _table(folder, "mentions")
    assert mentions.column("entity_id").null_count < mentions.num_rows
    reader.close()


def test_batches_stream_into_row_groups(demo_db: Path, tmp_path: Path, exported: tuple[Path, dict]) -> None:
    seen: list[tuple[str, int, bool]] = []
    with open_store(demo_db, create=False) as store:
        result = export_parquet(store, tmp_path / "small", batch_rows=7, progress=lambda *a: seen.append(a))
    assert result["counts"] == exported[1]["counts"]
    articles = pq.ParquetFile(Path(next(f for f in result["files"] if "/articles/" in f)))
    assert articles.metadata.num_row_groups == -(-result["counts"]["articles"] // 7)
    assert ("articles", 7, False) in seen and ("articles", result["counts"]["articles"], True) in seen
    assert _table(tmp_path / "small", "articles").equals(_table(exported[0], "articles"))


def test_full_export_refuses_a_non_empty_folder_unless_overwrite(demo_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    with open_store(demo_db, create=False) as store:
        first = export_parquet(store, folder)
        with pytest.raises(UserError, match=r"not empty.*--overwrite"):
            export_parquet(store, folder)
        (folder / "notes.txt").write_text("mine", encoding="utf-8")
        second = export_parquet(store, folder, overwrite=True)
        with pytest.raises(BadQuery, match="--overwrite"):
            export_parquet(store, folder, since="2026-01-01", overwrite=True)
    assert sorted(second["removed"]) == sorted(first["files"])
    assert all(len(list((folder / t.name).iterdir())) == 1 for t in TABLES)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"  # only its own parts are replaced


def test_bad_since_date(demo_db: Path, tmp_path: Path) -> None:
    with open_store(demo_db, create=False) as store, pytest.raises(BadQuery, match="--since expects a date"):
        export_parquet(store, tmp_path / "out", since="last tuesday-ish")
    assert not (tmp_path / "out").exists()


def test_a_failed_export_leaves_nothing_behind(demo_db: Path, tmp_path: Path) -> None:
    def fail(table: str, rows: int, done: bool) -> None:
        if table == "quotes":
            raise RuntimeError("disk full")

    with open_store(demo_db, create=False) as store, pytest.raises(RuntimeError, match="disk full"):
        export_parquet(store, tmp_path / "out", progress=fail)
    assert not (tmp_path / "out").exists()
    with open_store(demo_db, create=False) as store:  # and the next try starts afresh
        assert export_parquet(store, tmp_path / "out")["counts"] == _counts(demo_db)


def test_since_exports_only_the_articles_ingested_since(
    demo_db: str, tmp_path: Path, settings: Settings, copy_db: Callable[[str], str]
) -> None:
    from newsgraph.run import ingest_paths

    db = copy_db(demo_db)
    folder = tmp_path / "out"
    with open_store(db, create=False) as store:
        store.conn.execute("UPDATE articles SET ingested_at = '2025-06-01T10:00:00+00:00'")
        full = export_parquet(store, folder)
        page = tmp_path / "input" / "ferry.txt"
        page.parent.mkdir()
        page.write_text(NEW_ARTICLE, encoding="utf-8")
        assert ingest_paths([page.parent], store, settings).articles == 1
        (new_id,) = store.conn.execute("SELECT id FROM articles WHERE ingested_at > '2025-06-02'").fetchone()
        new_mentions = store.conn.execute("SELECT COUNT(*) FROM mentions WHERE article_id = ?", (new_id,)).fetchone()
        added = export_parquet(store, folder, since=full["exported_at"])  # as docs/export.md suggests
        assert export_parquet(store, tmp_path / "dated", since="2025-06-02")["counts"] == added["counts"]
    assert added["since"] == full["exported_at"].removesuffix("+00:00")
    counts = added["counts"]
    assert counts["articles"] == 1 and counts["mentions"] == new_mentions[0] > 0
    assert counts["copy_links"] == 0 and counts["entities"] == _counts(db)["entities"]
    written = {Path(f).parent.name: Path(f) for f in added["files"]}
    assert set(written) == {"articles", "mentions", "entities", "stories"} | ({"quotes"} if counts["quotes"] else set())
    assert pq.read_table(written["articles"]).column("id").to_pylist() == [new_id]
    assert set(pq.read_table(written["mentions"]).column("article_id").to_pylist()) == {new_id}
    # the folder now reads as the whole corpus: old parts plus the new one; summaries replaced, not repeated
    assert _table(folder, "articles").num_rows == full["counts"]["articles"] + 1
    assert len(list((folder / "articles").iterdir())) == 2
    assert [p.name for p in (folder / "entities").iterdir()] == [written["entities"].name]
    assert _table(folder, "entities").num_rows == counts["entities"]
    assert sorted(added["removed"]) == sorted(f for f in full["files"] if "/entities/" in f or "/stories/" in f)

    with open_store(db, create=False) as store:  # nothing new since: no empty parts pile up
        again = export_parquet(store, folder, since="2030-01-01")
    assert again["counts"]["articles"] == 0
    assert {Path(f).parent.name for f in again["files"]} == {"entities", "stories"}


def test_cli_export_and_its_exit_codes(demo_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cli"
    result = runner.invoke(app, ["export", "--format", "csv", str(folder), "--db", str(demo_db)])
    assert result.exit_code == 2 and "--format must be parquet" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    result = runner.invoke(app, ["export", str(folder), "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 2 and "no database" in result.stderr and not (tmp_path / "missing.db").exists()
    result = runner.invoke(app, ["export", str(folder), "--db", str(demo_db), "--since", "soon"])
    assert result.exit_code == 2 and "--since expects a date" in result.stderr

    result = runner.invoke(app, ["export", "--format", "parquet", str(folder), "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"] == _counts(demo_db) and len(data["files"]) == 6 and result.stderr == ""
    result = runner.invoke(app, ["export", str(folder), "--db", str(demo_db)])
    assert result.exit_code == 2 and "not empty" in result.stderr
    result = runner.invoke(app, ["export", str(folder), "--db", str(demo_db), "--overwrite"])
    assert result.exit_code == 0 and "full export: 6 files" in result.stdout
    assert f"{data['counts']['articles']} rows" in result.stdout and "replaced 6 older parts" in result.stdout
    assert "exporting articles" in result.stderr
