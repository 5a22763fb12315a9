"""Shared fixtures: small project-written inputs, one settings object, throwaway databases."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newsgraph.settings import Settings
from newsgraph.store.sqlite import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = ROOT / "examples" / "corpus"
SHARED = Path(os.environ.get("NEWSGRAPH_DATA", ROOT.parent / "shared" / "data"))
SEED = SHARED / "seed" / "000_b3787cf0a3305124.txt"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """In-process settings: one worker, small batches, no config file from the environment."""
    return Settings(processes=1, commit_every=4)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "test.db") as opened:
        yield opened


@pytest.fixture(scope="session")
def manifest() -> dict:
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path:
    """The demo corpus ingested once per test session (read-only for tests: copy it to change it)."""
    from newsgraph.run import ingest_paths

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with open_store(path) as store:
        ingest_paths([CORPUS], store, settings.replace(commit_every=16))
    return path


@pytest.fixture
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.skip(f"reference page not present at {SEED}")
    return SEED
