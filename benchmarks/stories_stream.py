"""Part 3 of the stories benchmark: the demo corpus ingested in order and shuffled into batches
(the same stories either way?), and `resplit_stories` on it as clustered and clustered too loosely."""

from __future__ import annotations

import json
import math
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT
from benchmarks.stories_ecb_docs import SEED
from benchmarks.stories_scoring import b_cubed

CORPUS = REPO_ROOT / "examples" / "corpus"
STREAM_BATCHES = 4
RESPLIT_LOOSE: dict[str, Any] = {"threshold": 0.001, "window_days": 60.0}  # clusters far too loosely
RESPLIT_MIN_ARTICLES = 6


def _members(store: Any) -> dict[str, str]:
    return dict(store.conn.execute("SELECT article_id, story_id FROM story_members").fetchall())


def stream_part(work_dir: Path) -> dict[str, Any]:
    from newsgraph.ingest.files import list_inputs
    from newsgraph.run.local import ingest_paths
    from newsgraph.settings import Settings
    from newsgraph.store.connect import open_store

    files = list(list_inputs([CORPUS]))
    shuffled = files[:]
    random.Random(SEED).shuffle(shuffled)
    size = math.ceil(len(shuffled) / STREAM_BATCHES)
    batches = [shuffled[i : i + size] for i in range(0, len(shuffled), size)]
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        settings = Settings(processes=1)
        started = time.perf_counter()
        with open_store(Path(tmp) / "ordered.db") as store:
            ingest_paths([CORPUS], store, settings.replace(db=str(Path(tmp) / "ordered.db")))
            ordered = _members(store)
            ordered_seconds = time.perf_counter() - started
            resplit = resplit_part(store)
        with open_store(Path(tmp) / "shuffled.db") as store:
            for batch in batches:
                ingest_paths(batch, store, settings.replace(db=str(Path(tmp) / "shuffled.db")))
            batched = _members(store)
    differing = sorted(a for a in set(ordered) | set(batched) if ordered.get(a) != batched.get(a))
    return {
        "files": len(files),
        "batches": [len(b) for b in batches],
        "articles": len(ordered),
        "stories": len(set(ordered.values())),
        "stories_shuffled": len(set(batched.values())),
        "differing": differing,
        "same": not differing,
        "ordered_seconds": ordered_seconds,
        "resplit": resplit,
    }


def resplit_part(store: Any) -> dict[str, Any]:
    """`resplit_stories` on the demo corpus: on its stories as clustered, and after clustering it far too
    loosely (RESPLIT_LOOSE), against the stories the corpus was written with."""
    from newsgraph.corpus.stories import StorySettings
    from newsgraph.store.stories import cluster_stories, resplit_stories

    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    planned = {
        str(CORPUS / d["path"]) + (f":{d['line']}" if d.get("line") else ""): d["story"] for d in manifest["documents"]
    }

    def by_location() -> dict[str, str]:
        rows = store.conn.execute(
            "SELECT a.location, m.story_id FROM story_members m JOIN articles a ON a.id = m.article_id"
        ).fetchall()
        return {location: story for location, story in rows if location in planned}

    as_clustered = resplit_stories(store, StorySettings(split_min_articles=RESPLIT_MIN_ARTICLES))
    cluster_stories(store, StorySettings(**RESPLIT_LOOSE), full=True)
    loose = by_location()
    gold = {location: planned[location] for location in loose}
    started = time.perf_counter()
    resplit_stories(store, StorySettings(split_min_articles=RESPLIT_MIN_ARTICLES))
    seconds = time.perf_counter() - started
    after = by_location()
    return {
        "split_as_clustered": len(as_clustered["split"]),
        "loose": RESPLIT_LOOSE,
        "planned_stories": len(set(gold.values())),
        "before": {"stories": len(set(loose.values())), "b_cubed": b_cubed(loose, gold)},
        "after": {"stories": len(set(after.values())), "b_cubed": b_cubed(after, gold)},
        "seconds": seconds,
    }
