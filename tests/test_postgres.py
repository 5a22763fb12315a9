"""The PostgreSQL store's own promises: clear errors for a server it cannot use, concurrent writers
that lose and duplicate nothing, and `copy-db` from SQLite that resumes where it stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.errors import DatabaseUnavailable
from newsgraph.store.connect import open_reader, open_store
from newsgraph.store.copy import copy_store
from newsgraph.store.migrations import MIGRATIONS
from newsgraph.store.postgres import display_url

from .conftest import CORPUS
from .databases import PgDatabases, store_view, table_counts

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    url = f"postgresql://newsgraph:secret@127.0.0.1:{_free_port()}/kb"
    result = runner.invoke(app, ["stats", "--db", url])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to PostgreSQL at postgresql://newsgraph@127.0.0.1" in lines[0]
    assert "secret" not in result.stderr, "the password is never shown"


def test_a_refused_login_and_a_missing_database_are_clear(pg_databases: PgDatabases) -> None:
    info = pg_databases.admin.info
    pg_databases.admin.execute("DROP ROLE IF EXISTS ng_nologin")
    pg_databases.admin.execute("CREATE ROLE ng_nologin NOLOGIN")
    with pytest.raises(DatabaseUnavailable, match="not permitted to log in"):
        open_store(f"postgresql://ng_nologin@{info.host}:{info.port}/postgres")
    with pytest.raises(DatabaseUnavailable, match='database "ng_absent" does not exist'):
        open_store(f"postgresql://{info.user}@{info.host}:{info.port}/ng_absent")
    empty = pg_databases.url(pg_databases.create(migrated=False))
    with pytest.raises(DatabaseUnavailable, match="no newsgraph database"):
        open_reader(empty)


def test_a_too_old_server_is_refused(pg_databases: PgDatabases, monkeypatch: pytest.MonkeyPatch) -> None:
    import newsgraph.store.postgres as postgres

    monkeypatch.setattr(postgres, "MIN_SERVER_VERSION", 990000)
    with pytest.raises(DatabaseUnavailable, match="newsgraph needs 99 or newer"):
        open_store(pg_databases.url(pg_databases.template))


def test_readers_cannot_write(pg_databases: PgDatabases) -> None:
    reader = open_reader(pg_databases.url(pg_databases.template))
    with reader, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        reader.conn.execute("INSERT INTO sources (name) VALUES (?)", ("Nobody",))


def test_display_url_drops_the_password() -> None:
    assert display_url("postgresql://ann:pw@db.example:5433/news") == "postgresql://ann@db.example:5433/news"


def _ingest(paths: list[Path], db: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"NEWSGRAPH_PROCESSES": "1", "NEWSGRAPH_COMMIT_EVERY": "3"}
    return subprocess.Popen(
        [sys.executable, "-m", "newsgraph.cli", "ingest", *map(str, paths), "--db", db, "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_two_ingests_at_once_store_every_article_exactly_once(
    pg_databases: PgDatabases, demo_db: str, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL promise")
    db = pg_databases.url(pg_databases.create())
    # overlapping inputs: both take the html pages, each takes one more folder
    first = _ingest([CORPUS / "html", CORPUS / "text"], db)
    second = _ingest([CORPUS / "feeds", CORPUS / "html"], db)
    for process in (first, second):
        assert process.wait(timeout=600) == 0, process.stderr.read().decode() if process.stderr else ""
    assert _ingest([CORPUS], db).wait(timeout=600) == 0  # the rest, and the set-level steps over everything
    with open_reader(db) as store:
        total, distinct = store.conn.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM articles").fetchone()
        inputs = store.conn.execute("SELECT COUNT(*), COUNT(DISTINCT (location, raw_hash)) FROM inputs").fetchone()
    alone = store_view(demo_db)  # the same corpus ingested by one run
    together = store_view(db)
    assert total == distinct == len(alone["articles"])
    assert inputs[0] == inputs[1] == len(alone["inputs"])
    for key in ("articles", "entities", "copies", "stories", "inputs"):
        assert together[key] == alone[key], key


def test_copy_db_moves_a_knowledge_base_and_resumes_when_interrupted(
    pg_databases: PgDatabases, demo_db: str, backend: str, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("copies the SQLite demo")
    target = pg_databases.url(pg_databases.create())
    calls = {"n": 0}

    def stop_part_way(table: str, done: int, total: int) -> None:
        calls["n"] += 1
        if table == "mentions" and calls["n"] > 5:
            raise KeyboardInterrupt

    with open_reader(demo_db) as source, open_store(target) as store, pytest.raises(KeyboardInterrupt):
        copy_store(source, store, batch=50, progress=stop_part_way)
    partial = table_counts(target)
    assert 0 < partial["mentions"] < table_counts(demo_db)["mentions"]

    result = runner.invoke(app, ["copy-db", demo_db, target, "--batch", "200", "--json"])
    assert result.exit_code == 0, result.output
    assert '"complete": true' in result.stdout
    counts = {t: n for t, n in table_counts(target).items() if t != "schema_migrations"}
    source_counts = table_counts(demo_db)
    assert counts == {t: source_counts[t] for t in counts}, "every row once: none lost, none twice"
    assert store_view(target) == store_view(demo_db)
    search = runner.invoke(app, ["search", "dam breach", "--db", target, "--json"])
    local = runner.invoke(app, ["search", "dam breach", "--db", demo_db, "--json"])
    assert search.exit_code == 0 and search.stdout.count('"id"') == local.stdout.count('"id"') > 0
    with open_store(target) as store:  # new rows get new ids after the copied ones
        assert store.source_id("A Source Added Later") > max(
            r[0] for r in store.conn.execute("SELECT id FROM sources WHERE name != ?", ("A Source Added Later",))
        )


def test_copy_db_refuses_the_same_database(db: str) -> None:
    open_store(db).close()
    result = runner.invoke(app, ["copy-db", db, db])
    assert result.exit_code == 2 and "two different databases" in result.stderr


def test_the_cli_speaks_to_postgresql(pg_databases: PgDatabases, new_db: Callable[[str], str], backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL URLs")
    db = new_db("cli")
    result = runner.invoke(app, ["migrate", "--db", db, "--json"])
    assert result.exit_code == 0 and f'"latest": "{MIGRATIONS[-1][0]}"' in result.stdout
    result = runner.invoke(app, ["stats", "--db", db, "--json"])
    assert result.exit_code == 0 and '"articles": 0' in result.stdout
