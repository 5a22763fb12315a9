"""Throwaway databases for tests: SQLite files, and PostgreSQL databases on a test server.

The PostgreSQL server is the one `NEWSGRAPH_TEST_POSTGRES` names (CI starts one, see `.ci/run`),
or a throwaway cluster this session starts itself (`tests/pgserver.py`) when the server
binaries are installed. Each test gets a database of its own, cloned from one that is already
migrated, and dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import psycopg
from psycopg import sql

BACKENDS = ("sqlite", "postgresql")
_names = itertools.count()


class PgDatabases:
    """Creates and drops databases on one server."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.admin = psycopg.connect(dsn, autocommit=True)
        self.prefix = f"ng_test_{os.getpid()}"
        self.twins: dict[str, str] = {}  # a database's URL -> an untouched copy to clone from
        self.template = self.create(migrated=False)
        from newsgraph.store.connect import open_store

        open_store(self.url(self.template)).close()  # migrate once; every fresh database is a copy

    def url(self, name: str) -> str:
        info = self.admin.info
        return f"postgresql://{info.user}@{info.host}:{info.port}/{name}"

    def create(self, migrated: bool = True, template: str | None = None) -> str:
        name = f"{self.prefix}_{next(_names)}"
        source = template or (self.template if migrated else "template0")
        self.admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(source))
        )
        return name

    def drop(self, name: str) -> None:
        self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def close(self) -> None:
        for (name,) in self.admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (self.prefix + "%",)
        ):
            self.drop(name)
        self.admin.close()


def name_of(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def sqlite_target(folder: Path, name: str = "test.db") -> str:
    return str(folder / name)


def table_counts(target: str) -> dict[str, int]:
    """Rows in every table of a store, to show that something wrote nothing."""
    from newsgraph.store.connect import open_reader

    with open_reader(target) as store:
        if store.backend == "sqlite":
            listing = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            listing = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        tables = [r[0] for r in store.conn.execute(listing).fetchall()]
        return {t: store.conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def store_view(target: str) -> dict[str, object]:
    """What a user sees of a store: articles, entities (as their name sets), copy links, stories, inputs."""
    from newsgraph.store.connect import open_reader

    with open_reader(target) as store:
        conn = store.conn
        articles = {row[0] for row in conn.execute("SELECT id FROM articles")}
        entities: dict[str, set[str]] = {}
        for entity_id, name in conn.execute("SELECT e.id, n.name FROM entities e JOIN names n ON n.entity_id = e.id"):
            entities.setdefault(entity_id, set()).add(name)
        copies = {tuple(row) for row in conn.execute("SELECT copy_id, original_id FROM copy_links").fetchall()}
        stories: dict[str, set[str]] = {}
        for story_id, article_id in conn.execute("SELECT story_id, article_id FROM story_members"):
            stories.setdefault(story_id, set()).add(article_id)
        inputs = {tuple(row) for row in conn.execute("SELECT location, raw_hash, outcome, ref FROM inputs").fetchall()}
    return {
        "articles": articles,
        "entities": {frozenset(names) for names in entities.values()},
        "copies": copies,
        "stories": {frozenset(members) for members in stories.values()},
        "inputs": inputs,
    }
