"""Shared fixtures: small project-written inputs, one settings object, throwaway databases."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsgraph.settings import Settings
from newsgraph.store.base import Store
from newsgraph.store.connect import open_store
from tests.databases import BACKENDS, PgDatabases, name_of

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = ROOT / "examples" / "corpus"
SHARED = Path(os.environ.get("NEWSGRAPH_DATA", ROOT.parent / "shared" / "data"))
SEED = SHARED / "seed" / "000_b3787cf0a3305124.txt"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run on the SQLite store only (tests/test_browser.py says why)."""
    dropped = [
        item
        for item in items
        if item.get_closest_marker("browser")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("backend") == "postgresql"  # type: ignore[attr-defined]
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(scope="session")
def settings() -> Settings:
    """In-process settings: one worker, small batches, no config file from the environment."""
    return Settings(processes=1, commit_every=4)


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    """Databases on the test PostgreSQL server: the one NEWSGRAPH_TEST_POSTGRES names, or a throwaway one."""
    from tests.pgserver import Cluster, find_binaries

    dsn = os.environ.get("NEWSGRAPH_TEST_POSTGRES")
    cluster = None
    if not dsn:
        if find_binaries() is None:
            message = "no PostgreSQL server: install postgresql, or set NEWSGRAPH_TEST_POSTGRES"
            if os.environ.get("NEWSGRAPH_REQUIRE_POSTGRES"):
                pytest.fail(message)
            pytest.skip(message)
        cluster = Cluster()
        dsn = cluster.start()
    databases = PgDatabases(dsn)
    try:
        yield databases
    finally:
        databases.close()
        if cluster is not None:
            cluster.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend a test runs on: every test that takes a store runs on both."""
    return str(request.param)


@pytest.fixture
def db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty store's `--db` target on each backend: a SQLite file, or a PostgreSQL URL."""
    if backend == "sqlite":
        yield str(tmp_path / "test.db")
        return
    databases: PgDatabases = request.getfixturevalue("pg_databases")
    name = databases.create()
    try:
        yield databases.url(name)
    finally:
        databases.drop(name)


@pytest.fixture
def new_db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """Makes new, empty stores on this test's backend: `new_db("name")` is a `--db` target."""
    made: list[str] = []

    def make(name: str) -> str:
        if backend == "sqlite":
            return str(tmp_path / f"{name}.db")
        databases: PgDatabases = request.getfixturevalue("pg_databases")
        made.append(databases.create())
        return databases.url(made[-1])

    yield make
    if made:
        databases: PgDatabases = request.getfixturevalue("pg_databases")
        for name in made:
            databases.drop(name)


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    with open_store(db) as opened:
        yield opened


@pytest.fixture(scope="session")
def manifest() -> dict:
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_db(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, settings: Settings
) -> str:
    """The demo corpus ingested once per test session and backend (read-only for tests: `copy_db`
    gives a copy to change)."""
    from newsgraph.run import ingest_paths

    if backend == "sqlite":
        target = str(tmp_path_factory.mktemp("demo") / "demo.db")
    else:
        databases: PgDatabases = request.getfixturevalue("pg_databases")
        target = databases.url(databases.create())
    with open_store(target) as store:
        ingest_paths([CORPUS], store, settings.replace(commit_every=16))
    if backend != "sqlite":  # an untouched twin to clone copies from (a database in use cannot be)
        databases.twins[target] = databases.create(template=name_of(target))
    return target


@pytest.fixture
def copy_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """A writable copy of a store (the demo's): a SQLite file, or a PostgreSQL database."""

    def copy(source: str) -> str:
        if source.startswith("postgresql://"):
            databases: PgDatabases = request.getfixturevalue("pg_databases")
            return databases.url(databases.create(template=databases.twins[source]))
        target = tmp_path / f"copy-{len(list(tmp_path.glob('copy-*.db')))}.db"
        with open_store(source) as store:  # a consistent copy, WAL included
            store.conn.execute("VACUUM INTO ?", (str(target),))
        return str(target)

    return copy


@pytest.fixture
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.skip(f"reference page not present at {SEED}")
    return SEED
