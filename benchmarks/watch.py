"""Following feeds: `watch --once` over a local site of 2,000 article pages behind 20 feeds, beside
`ingest` of the same pages from disk, and watch's memory over polls of unchanged feeds.

The pages are the scrapinghub pages, written `NEWSGRAPH_BENCH_WATCH_PAGES` times in all (default
2,000) with a trailing comment each, so every page is a distinct input. Python's `http.server`
serves them from a second process on 127.0.0.1 (it answers If-Modified-Since with 304), with 20
RSS feeds of 100 items each. The same pages lie on disk with a sidecar giving the URL they are
served at, so both sides make the same articles.

Phases, each in a fresh interpreter with `processes=2`: ingest from disk, watch (follow the 20
feeds, one poll at a per-host delay of 0: the pipeline's rate, not politeness), ingest from disk
again. Watch is compared with the mean of the disk runs on either side, since this machine's speed
drifts over minutes. After its first poll the watch phase polls the unchanged feeds 10 more times
(conditional requests, 304s) and records its resident memory after each.
"""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT, env_int, result, row, skipped
from benchmarks.throughput import PeakRss

NAME = "watch"
TITLE = "Watch — following 20 feeds of 2,000 pages vs ingest from disk"
DEFAULT_PAGES = 2000
FEEDS = 20
TARGET_RATIO = 0.9
IDLE_POLLS = 10
FLAT_MB = 25.0  # RSS growth over the idle polls that still counts as flat
PHASE_TIMEOUT = 1800
MARK = "NEWSGRAPH-BENCH-RESULT "


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(data_dir: Path, work_dir: Path, count: int, port: int) -> dict[str, Any]:
    """The site (pages and feeds) and the same pages on disk with sidecars naming their URLs."""
    from benchmarks.extraction import load_pages

    pages = load_pages(data_dir / "extraction" / "scrapinghub")
    site, disk = work_dir / "site", work_dir / "disk"
    for folder in (site / "a", disk):
        folder.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    urls = []
    for i in range(count):
        _, path, _, _ = pages[i % len(pages)]
        data = gzip.decompress(path.read_bytes()) + f"\n<!-- newsgraph-bench page {i} -->\n".encode()
        name = f"{i:05d}.html"
        (site / "a" / name).write_bytes(data)
        (disk / name).write_bytes(data)
        url = f"{base}/a/{name}"
        (disk / name).with_suffix(".json").write_text(json.dumps({"url": url}), encoding="utf-8")
        urls.append(url)
    per_feed = -(-count // FEEDS)
    for f in range(FEEDS):
        items = "".join(
            f"<item><title>page {i}</title><link>{url}</link></item>"
            for i, url in enumerate(urls[f * per_feed : (f + 1) * per_feed], start=f * per_feed)
        )
        (site / f"feed-{f:02d}.xml").write_text(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>feed {f}</title>{items}</channel></rss>',
            encoding="utf-8",
        )
    return {"pages": count, "distinct_pages": len(pages), "feeds": FEEDS, "base": base}


# ---- phases (each in its own process) -------------------------------------------------------------


def _settings(work_dir: Path, db: Path) -> Any:
    from newsgraph.settings import Settings

    return Settings(
        db=str(db),
        processes=2,
        fetch_allow_hosts="127.0.0.1",
        fetch_host_delay=0.0,
        data_dir=str(work_dir / "data"),
        watch_interval=0.01,
    )


def _phase_disk(work_dir: Path, tag: str) -> dict[str, Any]:
    from newsgraph.run import ingest_paths
    from newsgraph.store.connect import open_store

    db = work_dir / f"disk-{tag}.db"
    db.unlink(missing_ok=True)
    settings = _settings(work_dir, db)
    with open_store(db) as store:
        started = time.perf_counter()
        summary = ingest_paths([work_dir / "disk"], store, settings)
        seconds = time.perf_counter() - started
        ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY id")]
    return {"seconds": seconds, "articles": summary.articles, "rejected": summary.rejected, "ids": ids}


def _phase_watch(work_dir: Path, base: str) -> dict[str, Any]:
    import shutil
    import threading

    import psutil

    from newsgraph.run.watch import Watcher
    from newsgraph.store.connect import open_store
    from newsgraph.store.follow import follow_source

    db = work_dir / "watch.db"
    db.unlink(missing_ok=True)
    shutil.rmtree(work_dir / "data", ignore_errors=True)
    settings = _settings(work_dir, db)
    me = psutil.Process()
    with open_store(db) as store:
        for f in range(FEEDS):
            follow_source(store, f"{base}/feed-{f:02d}.xml")
        watcher = Watcher(store, settings, stop=threading.Event())
        started = time.perf_counter()
        first = watcher.poll()
        seconds = time.perf_counter() - started
        rss = []
        for _ in range(IDLE_POLLS):
            time.sleep(0.02)  # past the (tiny) interval: every feed is due again
            idle = watcher.poll()
            rss.append(me.memory_info().rss)
            if idle.not_modified != FEEDS:
                raise RuntimeError(f"an idle poll saw {idle.not_modified} of {FEEDS} feeds unchanged")
        watcher.close()
        ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY id")]
    return {
        "seconds": seconds,
        "articles": first.ingest.articles,
        "fetched": first.fetched,
        "rejected": first.ingest.rejected,
        "idle_rss": rss,
        "ids": ids,
    }


def _phase_main(argv: list[str]) -> None:
    phase, work_dir, arg = argv[0], Path(argv[1]), argv[2]
    outcome = _phase_watch(work_dir, arg) if phase == "watch" else _phase_disk(work_dir, arg)
    print(MARK + json.dumps(outcome), flush=True)


def measure(phase: str, work_dir: Path, arg: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.watch", phase, str(work_dir), arg]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid) as peak:
        try:
            out, err = proc.communicate(timeout=PHASE_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise RuntimeError(f"watch benchmark phase {phase!r} ran over {PHASE_TIMEOUT} s") from None
    lines = [line for line in out.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"watch benchmark phase {phase!r} failed (exit {proc.returncode}):\n{err[-3000:]}")
    outcome: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
    outcome["peak_rss_bytes"] = peak.peak
    return outcome


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    if not (data_dir / "extraction" / "scrapinghub" / "ground-truth.json").is_file():
        return skipped(NAME, TITLE, "data absent: extraction/scrapinghub not found")
    count = env_int("NEWSGRAPH_BENCH_WATCH_PAGES", DEFAULT_PAGES)
    work = work_dir / "watch"
    if work.exists():
        import shutil

        shutil.rmtree(work)
    port = _free_port()
    info = prepare(data_dir, work, count, port)
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(work / "site")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        disk_a = measure("disk", work, "a")
        watched = measure("watch", work, info["base"])
        disk_b = measure("disk", work, "b")
    finally:
        server.terminate()
        server.wait(timeout=10)
    disk_seconds = (disk_a["seconds"] + disk_b["seconds"]) / 2
    disk_rate = disk_a["articles"] / disk_seconds if disk_seconds else 0.0
    watch_rate = watched["articles"] / watched["seconds"] if watched["seconds"] else 0.0
    ratio = watch_rate / disk_rate if disk_rate else 0.0
    idle = [b / 1e6 for b in watched["idle_rss"]]
    growth = idle[-1] - idle[1] if len(idle) > 1 else 0.0
    same = watched["ids"] == disk_a["ids"]
    rows = [
        row("articles/s, end to end (2 processes)", [watch_rate, disk_rate], fmt=".1f"),
        row(
            "watch --once / ingest from disk",
            [ratio, 1.0],
            f"≥ {TARGET_RATIO}",
            ratio >= TARGET_RATIO,
            fmt=".2f",
        ),
        row("articles", [watched["articles"], disk_a["articles"]], fmt=",d"),
        row("same articles (ids) as from disk", ["yes" if same else "no", "—"], "identical", same),
        row("pages fetched", [watched["fetched"], None], fmt=",d"),
        row(
            f"RSS over {IDLE_POLLS} polls of unchanged feeds: growth after the 2nd (MB)",
            [growth, None],
            f"≤ {FLAT_MB:.0f} MB",
            growth <= FLAT_MB,
            fmt=".1f",
        ),
        row(
            "peak RSS, process tree (MB)", [watched["peak_rss_bytes"] / 1e6, disk_a["peak_rss_bytes"] / 1e6], fmt=".0f"
        ),
    ]
    notes = [
        f"{info['pages']:,} pages ({info['distinct_pages']} scrapinghub pages repeated, each with a comment of its "
        f"own) behind {FEEDS} RSS feeds, served by Python's http.server in a second process on 127.0.0.1.",
        f"Disk runs: {disk_a['seconds']:.1f} s and {disk_b['seconds']:.1f} s (mean {disk_seconds:.1f} s); watch "
        f"{watched['seconds']:.1f} s, fetching every page and writing it to WARC before the pipeline.",
        "Idle-poll RSS (MB): " + ", ".join(f"{x:.0f}" for x in idle) + ".",
    ]
    raw = {
        k: {kk: vv for kk, vv in v.items() if kk != "ids"}
        for k, v in (("disk_a", disk_a), ("disk_b", disk_b), ("watch", watched))
    }
    return result(NAME, TITLE, ["watch", "ingest from disk"], rows, notes, raw)


if __name__ == "__main__":
    _phase_main(sys.argv[1:])
