"""WARC input: warcio beside FastWARC on the shared test files and a synthetic crawl, and ingest from a
WARC beside ingest of the same pages as files.

1. Readers. Every file under `warc/` (warcio's test files and the UK Web Archive's, broken ones
   included) is read to the end, or to the first error, by plain warcio (`ArchiveIterator(...,
   arc2warc=True)`, each record's `content_stream()` read), by FastWARC (`ArchiveIterator(...,
   parse_http=True, auto_decode="all")`, each record's `reader` read) and by newsgraph's
   `read_warc` (warcio beneath, with its checks and resync). Speed is the best of several passes,
   over the files both libraries read to the end; the shared set is small (1.4 MB), so speed is
   also measured on a synthetic crawl written with warcio's `WARCWriter` (gzip, one member per
   record): `NEWSGRAPH_BENCH_WARC_PAGES` (default 2,000) HTML responses made from the demo corpus
   pages in `examples/corpus/html`, each copy with a comment and a target URI of its own.
2. Ingest. The same pages are written as `.html` files with a sidecar `.json` giving the URL, and
   each form is ingested with `ingest_paths` into a fresh database with `Settings(processes=2)`
   (`NEWSGRAPH_BENCH_PROCESSES`): pages/s from the WARC against pages/s from the files; target
   ≥ 0.9. Both must give the same articles (same ids).

The reader newsgraph uses is warcio. FastWARC is faster at reading, but reading is a sliver of
ingest time (the ingest rows show it), and warcio reads ARC files, which FastWARC rejects
("Invalid WARC header"), lets us compare each record's Content-Length with what was read (how
truncation is found), and is already a main dependency (the fetcher writes WARC with it).
Neither library resyncs after damage; newsgraph's reader does, over warcio.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT, env_int, result, row, skipped

NAME = "warc"
TITLE = "WARC input — warcio vs FastWARC; ingest from WARC vs from files"
DEFAULT_PAGES = 2000
TARGET_RATIO = 0.9
PASSES = 5
CORPUS = REPO_ROOT / "examples" / "corpus"


# ---- the readers, each as plainly as its documentation has it --------------------------------------


def _error(exc: Exception) -> str:
    """The error a library raised, without the data some messages quote (results hold no data text)."""
    message = re.sub(r"(first line:).*", r"\1 …", " ".join(str(exc).split()))
    return f"{type(exc).__name__}: {message[:120]}"


def read_warcio(path: Path) -> dict[str, Any]:
    from warcio.archiveiterator import ArchiveIterator

    records, body_bytes, error = 0, 0, None
    # warcio writes its warnings (a record not followed by a blank line) to stderr: counted, not printed
    with path.open("rb") as handle, contextlib.redirect_stderr(io.StringIO()):
        iterator = ArchiveIterator(handle, arc2warc=True)
        try:
            for record in iterator:
                body_bytes += len(record.content_stream().read())
                records += 1
        except Exception as exc:
            error = _error(exc)
    return {"records": records, "body_bytes": body_bytes, "error": error, "warnings": iterator.err_count}


def read_fastwarc(path: Path) -> dict[str, Any]:
    from fastwarc.warc import ArchiveIterator

    records, body_bytes, error = 0, 0, None
    with path.open("rb") as handle:
        try:
            for record in ArchiveIterator(handle, parse_http=True, auto_decode="all"):
                body_bytes += len(record.reader.read())
                records += 1
        except Exception as exc:
            error = _error(exc)
    return {"records": records, "body_bytes": body_bytes, "error": error}


def read_newsgraph(path: Path) -> dict[str, Any]:
    from newsgraph.ingest.warc import Skipped, read_warc
    from newsgraph.records import RawDocument, Rejection

    counts: Counter[str] = Counter()
    body_bytes = 0
    for item in read_warc(path, 5_000_000):
        if isinstance(item, RawDocument):
            counts["documents"] += 1
            body_bytes += len(item.content)
        elif isinstance(item, Skipped):
            counts["skipped"] += 1
        elif isinstance(item, Rejection):
            counts["rejections"] += 1
    return {
        "records": sum(counts.values()),
        "body_bytes": body_bytes,
        "error": None,
        "documents": counts["documents"],
        "skipped": counts["skipped"],
        "rejections": counts["rejections"],
    }


def _readers() -> dict[str, Callable[[Path], dict[str, Any]]]:
    readers: dict[str, Callable[[Path], dict[str, Any]]] = {"warcio": read_warcio}
    try:
        import fastwarc.warc  # noqa: F401

        readers["FastWARC"] = read_fastwarc
    except ImportError:
        pass
    readers["newsgraph"] = read_newsgraph
    return readers


def _best_seconds(read: Callable[[Path], dict[str, Any]], paths: list[Path], passes: int) -> float:
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for path in paths:
            read(path)
        best = min(best, time.perf_counter() - started)
    return best


def archive_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and (".warc" in p.name or ".arc" in p.name))


def shared_part(folder: Path) -> dict[str, Any]:
    """Each reader on each shared file: how far it got, and its speed over the files both libraries finish."""
    readers = _readers()
    files = archive_files(folder)
    per_file: dict[str, dict[str, Any]] = {}
    for path in files:
        per_file[str(path.relative_to(folder))] = {name: read(path) for name, read in readers.items()}
    finished = [
        path
        for path in files
        if all(
            per_file[str(path.relative_to(folder))][name]["error"] is None for name in readers if name != "newsgraph"
        )
    ]
    speed = {}
    size = sum(p.stat().st_size for p in finished)
    for name, read in readers.items():
        seconds = _best_seconds(read, finished, PASSES)
        records = sum(per_file[str(p.relative_to(folder))][name]["records"] for p in finished)
        speed[name] = {
            "seconds": seconds,
            "records": records,
            "records_per_s": records / seconds,
            "mb_per_s": size / 1e6 / seconds,
        }
    return {
        "files": per_file,
        "finished": [str(p.relative_to(folder)) for p in finished],
        "bytes": size,
        "speed": speed,
    }


# ---- the synthetic crawl and its twin on disk -------------------------------------------------------


def _corpus_pages() -> list[tuple[str, bytes, str]]:
    """(name, page bytes, url) for each demo page, the URL from the corpus manifest."""
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    urls = {d["path"]: d.get("url") for d in manifest["documents"]}
    pages = []
    for path in sorted((CORPUS / "html").iterdir()):
        if not path.name.endswith((".html", ".html.gz")):
            continue
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        name = path.name.removesuffix(".gz").removesuffix(".html")
        pages.append((name, data, urls.get(f"html/{path.name}") or f"https://corpus.example/{name}"))
    return pages


def _copy_url(url: str, copy: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}newsgraph-bench-copy={copy}"


def prepare(work_dir: Path, count: int) -> dict[str, Any]:
    """Write `count` pages once as a gzipped WARC and once as files with sidecars."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = _corpus_pages()
    warc_path = work_dir / "crawl.warc.gz"
    files_dir = work_dir / "pages"
    if files_dir.exists():
        shutil.rmtree(files_dir)
    body_bytes = 0
    with warc_path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warcinfo_record(warc_path.name, {"software": "newsgraph benchmarks"}))
        for i in range(count):
            name, data, url = pages[i % len(pages)]
            copy = i // len(pages)
            body = data + f"\n<!-- newsgraph-bench copy {copy} -->\n".encode()
            body_bytes += len(body)
            target = _copy_url(url, copy)
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))], "HTTP/1.1"
            )
            record = writer.create_warc_record(target, "response", payload=io.BytesIO(body), http_headers=http)
            writer.write_record(record)
            page = files_dir / f"c{copy:03d}" / f"{name}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_bytes(body)
            page.with_suffix(".json").write_text(json.dumps({"url": target}), encoding="utf-8")
    return {
        "pages": count,
        "distinct_pages": len(pages),
        "warc": str(warc_path),
        "warc_bytes": warc_path.stat().st_size,
        "body_bytes": body_bytes,
        "files_dir": str(files_dir),
    }


def synthetic_speed(warc_path: Path) -> dict[str, Any]:
    out = {}
    size = warc_path.stat().st_size
    for name, read in _readers().items():
        outcome = read(warc_path)
        seconds = _best_seconds(read, [warc_path], 3)
        out[name] = outcome | {
            "seconds": seconds,
            "records_per_s": outcome["records"] / seconds,
            "mb_per_s": size / 1e6 / seconds,
        }
    return out


def ingest(paths: list[Path], db: Path, processes: int) -> dict[str, Any]:
    from newsgraph.run.local import ingest_paths
    from newsgraph.settings import Settings
    from newsgraph.store.connect import open_store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    settings = Settings().replace(db=str(db), processes=processes)
    with open_store(db) as store:
        started = time.perf_counter()
        summary = ingest_paths(paths, store, settings)
        seconds = time.perf_counter() - started
        ids = sorted(r[0] for r in store.conn.execute("SELECT id FROM articles"))
    return {"seconds": seconds, "summary": summary.as_dict(), "ids": ids}


# ---- the benchmark ----------------------------------------------------------------------------------


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    folder = data_dir / "warc"
    if not folder.is_dir():
        return skipped(NAME, TITLE, f"data absent: {folder} not found")
    count = env_int("NEWSGRAPH_BENCH_WARC_PAGES", DEFAULT_PAGES)
    processes = env_int("NEWSGRAPH_BENCH_PROCESSES", 2)
    work_dir = work_dir / NAME
    work_dir.mkdir(parents=True, exist_ok=True)

    shared = shared_part(folder)
    prepared = prepare(work_dir, count)
    synthetic = synthetic_speed(Path(prepared["warc"]))
    # files, WARC, files again: this machine's speed drifts over minutes; the WARC run is compared
    # with the mean of the two file runs
    disk_runs = [ingest([Path(prepared["files_dir"])], work_dir / "files.db", processes)]
    from_warc = ingest([Path(prepared["warc"])], work_dir / "warc.db", processes)
    disk_runs.append(ingest([Path(prepared["files_dir"])], work_dir / "files.db", processes))
    same_articles = all(run["ids"] == from_warc["ids"] for run in disk_runs)
    warc_rate = from_warc["summary"]["articles"] / from_warc["seconds"]
    disk_rates = [r["summary"]["articles"] / r["seconds"] for r in disk_runs]
    disk_rate = sum(disk_rates) / len(disk_rates)
    ratio = warc_rate / disk_rate if disk_rate else 0.0

    share = synthetic["newsgraph"]["seconds"] / from_warc["seconds"] if from_warc["seconds"] else 0.0
    names = list(_readers())
    files = shared["files"]
    total = len(files)
    arcs = [f for f in files if ".arc" in Path(f).name]

    def finished(name: str, among: list[str]) -> str:
        return f"{sum(files[f][name]['error'] is None for f in among)} of {len(among)}"

    def cell(name: str, values: dict[str, dict[str, Any]], key: str) -> float | None:
        return values[name][key] if name in values else None

    columns = ["warcio", "FastWARC", "newsgraph"]
    rows = [
        row(
            f"synthetic crawl ({count:,} responses, gzip): records/s",
            [cell(n, synthetic, "records_per_s") for n in columns],
            fmt=",.0f",
        ),
        row("synthetic crawl: MB/s (compressed file)", [cell(n, synthetic, "mb_per_s") for n in columns], fmt=".1f"),
        row(
            f"shared files both libraries finish ({len(shared['finished'])}): records/s",
            [cell(n, shared["speed"], "records_per_s") for n in columns],
            fmt=",.0f",
        ),
        row("shared files: MB/s", [cell(n, shared["speed"], "mb_per_s") for n in columns], fmt=".1f"),
        row(
            "shared files read to the end without an error",
            [finished(n, list(files)) if n in names else None for n in columns],
        ),
        row("ARC files read to the end", [finished(n, arcs) if n in names else None for n in columns]),
        row(
            "shared files: records read (all files)",
            [sum(files[f][n]["records"] for f in files) if n in names else None for n in columns],
            fmt=",d",
        ),
        row("ingest pages/s from the WARC", [None, None, warc_rate], fmt=".1f"),
        row("ingest pages/s from the same pages as files", [None, None, disk_rate], fmt=".1f"),
        row(
            "ratio WARC / files",
            [None, None, ratio],
            f"≥ {TARGET_RATIO}",
            ratio >= TARGET_RATIO and same_articles,
            fmt=".2f",
        ),
    ]
    broken = [
        f"`{Path(f).name}`: " + "; ".join(f"{n} {_outcome(files[f][n])}" for n in names)
        for f in files
        if any(files[f][n]["error"] for n in names)
    ]
    notes = [
        f"Shared set: {total} files under `warc/` ({len(arcs)} ARC); speed is the best of {PASSES} passes over "
        f"the {len(shared['finished'])} files warcio and FastWARC both read to the end "
        f"({shared['bytes'] / 1e6:.2f} MB); the synthetic crawl is {prepared['warc_bytes'] / 1e6:.1f} MB "
        f"({prepared['body_bytes'] / 1e6:.1f} MB of pages, {prepared['distinct_pages']} distinct demo pages).",
        "Where a library stops: " + " · ".join(broken) if broken else "No library stopped on any file.",
        "newsgraph reads every file to the end: damaged records become `bad_warc_record` rejections and reading "
        "goes on after them; it counts records as documents + skipped + rejections.",
        f"Ingest: `ingest_paths` with {processes} processes on {os.cpu_count()} CPUs, each run into a fresh "
        f"database; files, WARC, files again (file runs {disk_rates[0]:.1f} and {disk_rates[1]:.1f} pages/s). "
        f"Same articles from both: {'yes' if same_articles else 'NO'} ({from_warc['summary']['articles']} "
        f"from the WARC, {disk_runs[0]['summary']['articles']} from the files).",
        f"Reading is {share:.1%} of ingest time here (read_warc over the crawl "
        f"{synthetic['newsgraph']['seconds']:.2f} s, ingest {from_warc['seconds']:.0f} s). Reader chosen: warcio "
        "(reads ARC, lets truncation be found from Content-Length, a main dependency already); FastWARC's speed "
        "would matter only if reading, not extraction and NER, bounded ingest.",
    ]
    versions = {name: _version(name) for name in ("warcio", "fastwarc")}
    notes.append(f"Versions: warcio {versions['warcio']}, FastWARC {versions['fastwarc'] or 'not installed'}.")
    raw = {
        "versions": versions,
        "shared": shared,
        "prepared": prepared,
        "synthetic": synthetic,
        "ingest": {
            "warc": {k: v for k, v in from_warc.items() if k != "ids"},
            "files": [{k: v for k, v in r.items() if k != "ids"} for r in disk_runs],
            "same_articles": same_articles,
            "warc_pages_per_s": warc_rate,
            "files_pages_per_s": disk_rate,
            "ratio": ratio,
        },
    }
    return result(NAME, TITLE, columns, rows, notes, raw)


def _outcome(read: dict[str, Any]) -> str:
    records = f"{read['records']} record{'' if read['records'] == 1 else 's'}"
    if read["error"]:
        return f"stops after {records} ({read['error']})"
    extra = f", {read['rejections']} rejected" if read.get("rejections") else ""
    if read.get("warnings"):
        extra += f", warns of {read['warnings']} on stderr and returns it as whole"
    return f"reads {records}{extra}"


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None
