"""Where an article's CPU time goes: `make profile` (or `python -m benchmarks.profiling [PATH] [-n N]`).

Ingests up to N documents from PATH (default: the scrapinghub pages under ../shared/data, else
examples/corpus) into a throwaway SQLite store in this one process, under cProfile, and prints the
own time (`tottime`) of every function summed by the part of the pipeline its code belongs to —
the language model, HTML extraction, newsgraph's extraction, entity grouping, quotations, the
store — in milliseconds per article, then the ten functions of newsgraph with the most own time.
The set-level steps after the ingest are shown apart, by step, from the ingest summary.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks import REPO_ROOT, data_dir

# (label, path fragments of the code it covers), first match wins
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("language model (spaCy, thinc, numpy)", ("spacy/", "thinc/", "numpy/", "en_core_web", "blis/")),
    (
        "HTML extraction (trafilatura, lxml, justext, courlan, htmldate)",
        ("/trafilatura/", "/lxml", "/justext/", "/courlan/", "/htmldate/"),
    ),
    ("language identification (py3langid)", ("/py3langid/",)),
    ("newsgraph: extraction (extract/)", ("/newsgraph/extract/",)),
    (
        "newsgraph: quotations (enrich/quotes, reported, speakers, cues)",
        (
            "/newsgraph/enrich/quotes",
            "/newsgraph/enrich/reported",
            "/newsgraph/enrich/speakers",
            "/newsgraph/enrich/cues",
        ),
    ),
    ("newsgraph: entities in the article (enrich/analysis, grouping, namekeys)", ("/newsgraph/enrich/",)),
    ("newsgraph: fingerprints and set-level steps (corpus/)", ("/newsgraph/corpus/",)),
    ("newsgraph: store writes (store/)", ("/newsgraph/store/", "sqlite3")),
    (
        "newsgraph: reading inputs (ingest/, run/, gzip)",
        ("/newsgraph/ingest/", "/newsgraph/run/", "_compression.py", "gzip.py", "codecs"),
    ),
)
OTHER = "everything else (the standard library, other packages)"


def _part(filename: str) -> str:
    for label, fragments in PARTS:
        if any(fragment in filename for fragment in fragments):
            return label
    return OTHER


def _default_input() -> Path:
    pages = data_dir() / "extraction" / "scrapinghub" / "html"
    return pages if pages.is_dir() else REPO_ROOT / "examples" / "corpus"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=None, help="files or a folder to ingest")
    parser.add_argument("-n", "--documents", type=int, default=60, help="documents to ingest (default 60)")
    args = parser.parse_args(argv)
    from newsgraph.ingest.files import list_inputs
    from newsgraph.run import ingest_paths
    from newsgraph.settings import Settings
    from newsgraph.store.connect import open_store

    source = args.path or _default_input()
    files = list(list_inputs([source]))[: args.documents]
    settings = Settings(processes=1)
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "profile.db") as store:
        from newsgraph.enrich.nlp import load_pipeline

        load_pipeline(settings.model)  # the model's loading is not an article's cost
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        summary = ingest_paths(files, store, settings)
        profile.disable()
        wall = time.perf_counter() - started
    stats = pstats.Stats(profile)
    by_part: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for (filename, line, function), (_, _, own, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~" and callers:  # a built-in: its time goes to the code that called it
            shares = {caller: timing[2] for caller, timing in callers.items()}
            spread = sum(shares.values()) or 1.0
            for (caller_file, _, _), share in shares.items():
                by_part[_part(caller_file)] += own * share / spread
            continue
        by_part[_part(filename)] += own
        if "/newsgraph/" in filename:
            ours[f"{filename.split('/newsgraph/')[-1]}:{line} {function}"] += own
    articles = max(1, summary.articles)
    steps = {name: getattr(summary, name) or {} for name in ("resolution", "quotes", "copies", "stories")}
    total = sum(by_part.values())
    print(f"{summary.articles} articles from {len(files)} files under {source} in {wall:.1f} s, one process")
    print(f"{'part':<75} {'ms/article':>10} {'share':>6}")
    for part, seconds in by_part.most_common():
        print(f"{part:<75} {1000 * seconds / articles:>10.1f} {seconds / total:>6.1%}")
    print(f"{'total (profiled own time)':<75} {1000 * total / articles:>10.1f}")
    print(
        "\nset-level steps after the ingest (s): " + ", ".join(f"{k} {v.get('seconds', 0)}" for k, v in steps.items())
    )
    print("\nnewsgraph functions with the most own time (ms/article):")
    for name, seconds in ours.most_common(int(os.environ.get("NEWSGRAPH_PROFILE_TOP", "10"))):
        print(f"  {1000 * seconds / articles:7.2f}  {name}")
    print("\n(cProfile adds its own overhead to every Python call, so read the shares, not the absolute times)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
