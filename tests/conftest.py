"""Shared fixtures: small project-written inputs, one settings object, throwaway databases."""

from __future__ import annotations

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


@pytest.fixture
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.skip(f"reference page not present at {SEED}")
    return SEED
