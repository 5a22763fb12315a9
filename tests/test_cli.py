"""The command line as a user meets it: output, --json, exit codes and messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from newsgraph import __version__
from newsgraph.cli import app

from .conftest import FIXTURES

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_ingest_stats_search_rejections_json(tmp_path: Path, new_db: Callable[[str], str]) -> None:
    db = new_db("cli")
    code, out, _ = run("ingest", str(FIXTURES), "--db", db, "--processes", "1", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["articles"] == 6 and summary["rejected"] == 2

    code, out, _ = run("stats", "--db", db, "--json")
    stats = json.loads(out)
    assert code == 0 and (stats["articles"], stats["sources"], stats["rejections"]) == (6, 4, 2)
    assert stats["entities"] > 0
    assert any(e["name"] == "Faisal Haddadin" for e in stats["top_entities"]["person"])

    code, out, _ = run("search", "footbridge", "--db", db, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 1 and rows[0]["source"] == "Lindhaven Gazette"

    code, out, _ = run("rejections", "--db", db, "--json")
    codes = sorted(json.loads(line)["code"] for line in out.splitlines())
    assert code == 0 and codes == ["bad_json", "missing_field"]

    code, out, _ = run("search", "footbridge", "--db", db)
    assert code == 0 and "Council approves river footbridge" in out


def test_ingest_text_summary(tmp_path: Path) -> None:
    code, out, _ = run("ingest", str(FIXTURES / "text"), "--db", str(tmp_path / "t.db"), "-p", "1")
    assert code == 0 and "2 new articles" in out


def test_analyze_json_report() -> None:
    code, out, _ = run("analyze", str(FIXTURES / "text" / "ministry.txt"), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["source"] == "Northern Ledger" and report["language"] == "en"
    assert report["title"] == "Minister Okonkwo-Hale resigns over procurement inquiry"
    people = {e["name"]: e for e in report["entities"] if e["type"] == "person"}
    assert "Okonkwo-Hale" in people["Adaeze Okonkwo-Hale"]["aliases"]
    assert {"Katarina Vidmar", "Bartholomew Fenn"} <= set(people)


def test_analyze_jsonl_line() -> None:
    code, out, _ = run("analyze", str(FIXTURES / "jsonl" / "wire.jsonl"), "--line", "2", "--json")
    assert code == 0 and json.loads(out)["title"] == "Qaryat refinery fire brought under control"


def test_user_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    code, _, err = run("analyze", str(tmp_path / "missing.html"))
    assert code == 2 and "no such file" in err and "Traceback" not in err
    code, _, err = run("ingest", str(tmp_path / "missing"), "--db", str(tmp_path / "x.db"))
    assert code == 2 and "no such file or folder" in err
    assert not (tmp_path / "x.db").exists(), "a failed command creates no database"
    code, _, err = run("stats", "--db", str(tmp_path / "absent.db"))
    assert code == 2 and "no database" in err
    code, _, err = run("ingest", str(FIXTURES), "--db", str(tmp_path / "no" / "such" / "dir.db"))
    assert code == 2 and "does not exist" in err
    code, _, _ = run("search", "x", "--no-such-flag")
    assert code == 2
    (tmp_path / "empty.html").write_bytes(b"")
    code, _, err = run("analyze", str(tmp_path / "empty.html"))
    assert code == 2 and "empty" in err


def test_migrate_brings_an_older_database_up_to_date(tmp_path: Path) -> None:
    import sqlite3

    from newsgraph.store.migrations import MIGRATIONS, statements

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS[:6]:  # a database made before following and the read indexes
        for statement in statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, '2026-01-01')", (name,))
    conn.commit()
    conn.close()
    code, out, _ = run("migrate", "--db", str(db), "--json")
    assert code == 0
    assert json.loads(out)["latest"] == MIGRATIONS[-1][0]
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")] == [
            name for name, _ in MIGRATIONS
        ]
        assert conn.execute("SELECT COUNT(*) FROM followed").fetchone() == (0,)
    code, _, err = run("migrate", "--db", str(tmp_path / "missing.db"))
    assert code == 2 and "no database" in err
