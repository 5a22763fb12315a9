"""The Dask runner: the same store as the local runner, re-runs that skip what is done, failed partitions
retried and reported, and the `--engine dask` command line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.records import Rejection
from newsgraph.run.dask import (
    DaskIngestSummary,
    PartitionResult,
    ingest_paths_dask,
    partition_size,
    plan_partitions,
    process_partition,
)
from newsgraph.run.local import ingest_paths
from newsgraph.settings import Settings
from newsgraph.store.connect import open_store

from .conftest import CORPUS
from .databases import store_view

WORKERS = 2


def flaky_partition(
    paths: list[str], settings: Settings, done: frozenset[tuple[str, str]], marker: str, broken: str, once: str
) -> PartitionResult:
    """A partition task that always fails on the file named `broken` and fails once on the file named `once`
    (a marker file remembers the first try across worker processes)."""
    names = {Path(p).name for p in paths}
    if broken in names:
        raise RuntimeError(f"cannot process {broken}")
    if once in names and not Path(marker).exists():
        Path(marker).write_text("tried", encoding="utf-8")
        raise RuntimeError(f"first try of {once} fails")
    return process_partition(paths, settings, done)


def test_partitions_keep_big_files_whole_and_group_small_ones(tmp_path: Path) -> None:
    files = [tmp_path / name for name in ("a.html", "b.txt", "feed.jsonl", "c.html", "crawl.warc.gz", "d.htm")]
    assert plan_partitions(files, 2) == [
        [files[0], files[1]],
        [files[2]],
        [files[4]],
        [files[3], files[5]],
    ]
    assert partition_size(42, 2, 8) == 8  # never below one chunk
    assert partition_size(10_000, 4, 8) == 64  # never above eight chunks
    assert partition_size(600, 4, 8) == 38  # about four partitions per worker between


def test_process_partition_skips_done_inputs(settings: Settings) -> None:
    paths = [str(CORPUS / "bad" / "empty.html"), str(CORPUS / "feeds" / "gws-wire.jsonl")]
    first = process_partition(paths, settings, frozenset())
    assert first.documents == 7 and first.already_done == 0 and len(first.outcomes) == 7
    codes = {
        str(o.location): o.code if isinstance(o, Rejection) else o.rejection and o.rejection.code
        for o in first.outcomes
    }
    assert codes[paths[0]] == "empty" and codes[paths[1] + ":4"] == "bad_json"
    done = frozenset((str(o.location), o.raw_hash) for o in first.outcomes if o.raw_hash)
    again = process_partition(paths, settings, done)
    assert again.documents == 7 and again.already_done == len(done) == 6
    # a line that is not JSON has no content hash: it is rejected again, as by the local runner
    assert [str(o.location) for o in again.outcomes] == [paths[1] + ":4"]


def test_process_partition_fails_on_a_file_the_worker_cannot_see(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(FileNotFoundError, match="not found on the worker"):
        process_partition([str(tmp_path / "gone.html")], settings, frozenset())


@pytest.fixture(scope="module")
def corpus_dbs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, DaskIngestSummary]:
    """The demo corpus ingested by the local runner and by the Dask runner (two workers), once."""
    folder = tmp_path_factory.mktemp("dask")
    settings = Settings(processes=1, commit_every=16)
    local_db, dask_db = folder / "local.db", folder / "dask.db"
    with open_store(local_db) as store:
        ingest_paths([CORPUS], store, settings)
    with open_store(dask_db) as store:
        summary = ingest_paths_dask([CORPUS], store, settings, workers=WORKERS)
    return local_db, dask_db, summary


@pytest.mark.slow
def test_dask_builds_the_same_store_as_the_local_runner(corpus_dbs: tuple[Path, Path, DaskIngestSummary]) -> None:
    local_db, dask_db, summary = corpus_dbs
    assert summary.failed_partitions == [] and not summary.interrupted
    assert summary.partitions > WORKERS  # the work was spread, and partitions finished in any order
    local, dask = store_view(local_db), store_view(dask_db)
    assert local["articles"] and local["stories"] and local["copies"]
    for key in ("articles", "entities", "copies", "stories", "inputs"):
        assert dask[key] == local[key], key
    assert summary.articles == len(local["articles"])


@pytest.mark.slow
def test_a_dask_rerun_skips_everything_done(corpus_dbs: tuple[Path, Path, DaskIngestSummary], tmp_path: Path) -> None:
    _, dask_db, first = corpus_dbs
    copy = tmp_path / "again.db"
    shutil.copy(dask_db, copy)
    with open_store(copy) as store:
        again = ingest_paths_dask([CORPUS], store, Settings(processes=1), workers=WORKERS)
    assert again.documents == first.documents
    assert again.articles == 0 and again.duplicates == 0
    # every input read before is done, but those rejected before they had content (no hash) are looked at again
    inputs = store_view(dask_db)["inputs"]
    assert again.already_done == len(inputs) > 0
    assert again.documents - again.already_done == again.rejected
    assert store_view(copy) == store_view(dask_db)


@pytest.mark.slow
def test_a_failed_partition_is_retried_then_reported_and_the_others_are_written(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(processes=1, commit_every=16)
    task = partial(
        flaky_partition,
        marker=str(tmp_path / "tried"),
        broken="partner-feed.jsonl",  # fails every try
        once="gws-wire.jsonl",  # fails once: the retry writes it
    )
    with open_store(tmp_path / "failed.db") as store:
        summary = ingest_paths_dask([corpus], store, settings, workers=WORKERS, task=task)
        written = {row[0] for row in store.conn.execute("SELECT location FROM inputs")}
    assert (tmp_path / "tried").exists()
    broken = str(corpus / "feeds" / "partner-feed.jsonl")
    assert summary.failed_partitions == [
        {"files": [broken], "error": "RuntimeError: cannot process partner-feed.jsonl"}
    ]
    assert not any(location.startswith(broken) for location in written)  # not done: a re-run tries it
    assert any(location.startswith(str(corpus / "feeds" / "gws-wire.jsonl")) for location in written)
    assert summary.articles > 0 and summary.as_dict()["failed_partitions"] == summary.failed_partitions

    with open_store(tmp_path / "failed.db") as store:
        rerun = ingest_paths_dask([corpus], store, settings, workers=WORKERS)
        written = {row[0] for row in store.conn.execute("SELECT location FROM inputs")}
    assert rerun.failed_partitions == []
    # the lines that were done nowhere before (one of them is rejected with no content hash: never "done")
    expected = [o for o in process_partition([broken], settings, frozenset()).outcomes if o.raw_hash]
    assert sum(1 for location in written if location.startswith(broken + ":")) == len(expected) == 5
    assert rerun.articles + rerun.duplicates == len(expected)


runner = CliRunner()


@pytest.mark.slow
def test_cli_ingest_with_the_dask_engine_then_serve(
    corpus_dbs: tuple[Path, Path, DaskIngestSummary], new_db: Callable[[str], str]
) -> None:
    """`ingest --engine dask --workers 2 --db …` on either store, then `serve`: the local runner's stories."""
    from fastapi.testclient import TestClient

    from newsgraph.web.app import create_app

    local_db, _, summary = corpus_dbs
    db = new_db("cli")
    result = runner.invoke(
        app, ["ingest", str(CORPUS), "--engine", "dask", "--workers", str(WORKERS), "--db", db, "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["articles"] == summary.articles and report["documents"] == summary.documents
    assert report["failed_partitions"] == [] and report["partitions"] == summary.partitions
    assert "dask dashboard: http://127.0.0.1:" in result.stderr
    local, dask = store_view(str(local_db)), store_view(db)
    for key in ("articles", "entities", "copies", "stories"):
        assert dask[key] == local[key], key

    def served(target: str) -> list[tuple[str, str, int]]:
        with TestClient(create_app(target)) as client:
            items = client.get("/api/v1/stories", params={"limit": 200}).json()["items"]
            assert client.get("/").status_code == 200
        return sorted((s["id"], s["label"], s["article_count"]) for s in items)

    assert served(db) == served(str(local_db)) != []


@pytest.mark.parametrize(
    "flags",
    [["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:8786"], ["--engine", "spark"]],
)
def test_cli_dask_options_need_the_dask_engine(tmp_path: Path, flags: list[str]) -> None:
    db = tmp_path / "x.db"
    result = runner.invoke(app, ["ingest", str(CORPUS), "--db", str(db), *flags])
    assert result.exit_code == 2
    assert "error:" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not db.exists()


def test_cli_workers_and_scheduler_exclude_each_other(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["ingest", str(CORPUS), "--db", str(tmp_path / "x.db"), "--engine", "dask", "--workers", "2",
         "--scheduler", "tcp://127.0.0.1:8786"],
    )  # fmt: skip
    assert result.exit_code == 2 and "--scheduler brings its own workers" in result.stderr
