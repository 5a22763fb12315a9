"""PostgreSQL beside SQLite: ingest rate, `copy_store` of the web store, the web pages at 20,000 articles.

A throwaway cluster (`tests/pgserver.py`: fsync, synchronous_commit and full_page_writes off on its
command line) holds one fresh database a phase, each with `synchronous_commit = on` (PostgreSQL's
default) set per database; fsync and full_page_writes cannot be set that way and stay off.

1. ingest: the throughput benchmark's prepared scrapinghub pages (`NEWSGRAPH_BENCH_PG_PAGES`,
   default 543 = 3 × 181, distinct inputs) through `newsgraph ingest DIR --db X -p 2 --quiet`,
   each in a fresh process: SQLite, PostgreSQL, SQLite again (fresh databases); PostgreSQL is
   compared with the mean of the two SQLite runs, since this machine drifts over minutes;
2. copy: the web benchmark's 20,000-article SQLite store (`webdb.build`) into a fresh PostgreSQL
   database with `copy_store`; every table's row count checked;
3. web: `newsgraph serve` over the SQLite store and over that copy at once, every URL of the web
   benchmark's plan (`web.plan`, its cursor page too) loaded by one `load_all` run, the two
   backends' URLs back to back, with the web benchmark's request counts and caps.
CPU seconds are counted over each phase: ours (this process and its finished children, which
include the ingest and serve processes), the PostgreSQL server's processes, and the rest of the
machine (other work running beside us).
"""

from __future__ import annotations

import contextlib
import json
import math
import resource
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT, env_int, result, row, skipped
from benchmarks.pgwrite import write_rate
from benchmarks.throughput import PeakRss, machine_cpu, prepare
from benchmarks.web import DEFAULT_REQUESTS, DEFAULT_SECONDS, TARGET_P95_MS, _cell, _good, add_cursor_page, pick, plan
from benchmarks.webserve import (
    Server,
    _script,
    env_float,
    free_ports,
    load_all,
    preflight,
    serve_command,
    serve_missing,
)

NAME = "postgres"
TITLE = "PostgreSQL beside SQLite — ingest, copy-db and the web pages at 20,000 articles"
DEFAULT_PAGES = 543
WRITE_PAGES = 362  # pages processed once, then written into each store (the single writer's rate)
TARGET_RATIO = 0.8
PHASE_TIMEOUT = 1200
SETTINGS = ("server_version", "fsync", "synchronous_commit", "full_page_writes", "shared_buffers", "work_mem")


class Cpu:
    """CPU seconds over a block: ours (this process and its reaped children), the PostgreSQL server's, the rest."""

    def __init__(self, postmaster: int) -> None:
        self.postmaster = postmaster
        self.seconds: dict[str, float] = {}

    def _postgres(self) -> float:
        import psutil

        try:
            root = psutil.Process(self.postmaster)
            t = root.cpu_times()
            total = t.user + t.system + t.children_user + t.children_system  # backends that ended: reaped
            children = root.children(recursive=True)
        except psutil.Error:
            return 0.0
        for child in children:
            with contextlib.suppress(psutil.Error):
                c = child.cpu_times()
                total += c.user + c.system
        return total

    def _now(self) -> tuple[float, float, float, float]:
        busy, steal = machine_cpu()
        usage = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
        return busy, sum(u.ru_utime + u.ru_stime for u in usage), self._postgres(), steal

    def __enter__(self) -> Cpu:
        self._start = self._now()
        return self

    def __exit__(self, *exc: object) -> None:
        busy, ours, pg, steal = (b - a for a, b in zip(self._start, self._now(), strict=True))
        self.seconds = {"ours": ours, "postgres": pg, "others": max(0.0, busy - ours - pg), "steal": steal}


def _cpu_text(s: dict[str, float]) -> str:
    return f"ours {s['ours']:.0f}, PostgreSQL {s['postgres']:.0f}, others {s['others']:.0f}, steal {s['steal']:.0f}"


def _database(dsn: str, name: str) -> str:
    """A fresh database `name` on the cluster (synchronous_commit on); its URL."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
        conn.execute(f"ALTER DATABASE {name} SET synchronous_commit = on")
    return f"{dsn.rsplit('/', 1)[0]}/{name}"


def _server_facts(url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url) as conn:
        facts = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SETTINGS}  # type: ignore[index]
        facts["database_bytes"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    return facts


def ingest(pages: Path, target: str | Path, processes: int, postmaster: int) -> dict[str, Any]:
    """`newsgraph ingest PAGES --db TARGET` in a fresh process: summary, wall time, CPU, peak RSS, what it stored."""
    from newsgraph.store.connect import open_reader

    command = [*_script("newsgraph", "newsgraph.cli"), "ingest", str(pages), "--db", str(target)]
    command += ["-p", str(processes), "--quiet", "--json"]
    with Cpu(postmaster) as cpu:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with PeakRss(proc.pid) as rss:
            out, err = proc.communicate(timeout=PHASE_TIMEOUT)
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` exited {proc.returncode}:\n{err[-3000:]}")
    summary = json.loads(out.strip().splitlines()[-1])
    with open_reader(target) as store:
        ids = sorted(r[0] for r in store.conn.execute("SELECT id FROM articles").fetchall())
        stored = {t: int(store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in ("mentions", "quotes")}
    rate = summary["articles"] / summary["seconds"] if summary["seconds"] else 0.0
    run = {"summary": summary, "wall_seconds": wall, "rate": rate, "peak_rss_bytes": rss.peak, "cpu": cpu.seconds}
    return run | stored | {"ids": ids, "stored_articles": len(ids), "distinct_ids": len(set(ids))}


def copy(source: Path, url: str, postmaster: int) -> dict[str, Any]:
    from newsgraph.store.connect import open_reader, open_store
    from newsgraph.store.copy import copy_store

    with Cpu(postmaster) as cpu, open_reader(source) as src, open_store(url) as dst:
        started = time.perf_counter()
        report = copy_store(src, dst)
        seconds = time.perf_counter() - started
    short = [t["table"] for t in report["tables"] if t["target_rows"] != t["source_rows"]]
    return {"report": report, "seconds": seconds, "short": short, "cpu": cpu.seconds}


def web(db: Path, url: str, work: Path, postmaster: int) -> dict[str, Any]:
    """Both servers at once; every URL of the web plan on each, back to back, in one load client run."""
    requests = env_int("NEWSGRAPH_BENCH_WEB_REQUESTS", DEFAULT_REQUESTS)
    seconds = env_float("NEWSGRAPH_BENCH_WEB_SECONDS", DEFAULT_SECONDS)
    entries = plan(pick(db))
    ports = free_ports(2)
    with (
        Cpu(postmaster) as cpu,
        Server("serve SQLite", serve_command(db, ports[0]), ports[0], work / "serve-sqlite.log") as lite,
        Server("serve PostgreSQL", serve_command(url, ports[1]), ports[1], work / "serve-pg.log") as pg,
    ):
        started = {"sqlite": lite.wait_ready("/"), "postgres": pg.wait_ready("/")}
        cursor_problem = add_cursor_page(entries, lite.base)
        urls = []
        for e in entries:
            e["label"] = e["label"].split(" ↔")[0]  # web.py's label names datasette's page too
            for side, server in (("sqlite", lite), ("postgres", pg)):
                e[f"{side}_check"] = preflight(server.base, e["ours"])
                urls.append(server.base + e["ours"])
        clock = time.perf_counter()
        loads = load_all(urls, requests, requests // 2 or 1, seconds)
        load_seconds = time.perf_counter() - clock
        for e in entries:
            e["sqlite"], e["postgres"] = loads[lite.base + e["ours"]], loads[pg.base + e["ours"]]
        rss = {"sqlite": lite.rss() / 1e6, "postgres": pg.rss() / 1e6}
    facts = {"requests": requests, "cap_seconds": seconds, "load_seconds": load_seconds, "start_seconds": started}
    return facts | {"entries": entries, "rss_after_mb": rss, "cursor_problem": cursor_problem, "cpu": cpu.seconds}


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    from tests.pgserver import Cluster, find_binaries

    if find_binaries() is None:
        return skipped(NAME, TITLE, "no PostgreSQL binaries (initdb, pg_ctl, postgres) on PATH or /usr/lib/postgresql")
    if not (data_dir / "extraction" / "scrapinghub" / "ground-truth.json").is_file():
        return skipped(NAME, TITLE, "data absent: extraction/scrapinghub not found")
    missing = serve_missing()
    if missing:
        return skipped(NAME, TITLE, missing)
    from benchmarks.webdb import build

    count = env_int("NEWSGRAPH_BENCH_PG_PAGES", DEFAULT_PAGES)
    processes = env_int("NEWSGRAPH_BENCH_PROCESSES", 2)
    work = work_dir / NAME
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    prepared = prepare(data_dir, work, count)
    pages = Path(prepared["pages_dir"])
    db = build(work_dir)
    with Cluster() as cluster:
        assert cluster.folder is not None
        postmaster = int((cluster.folder / "data" / "postmaster.pid").read_text().split()[0])
        lite_a = ingest(pages, work / "ingest-a.db", processes, postmaster)
        pg_url = _database(cluster.dsn, "bench_ingest")
        pg = ingest(pages, pg_url, processes, postmaster)
        lite_b = ingest(pages, work / "ingest-b.db", processes, postmaster)
        facts = _server_facts(pg_url)
        written = write_rate(pages, work / "write.db", _database(cluster.dsn, "bench_write"), WRITE_PAGES)
        web_url = _database(cluster.dsn, "bench_web")
        copied = copy(db.path, web_url, postmaster)
        copied["database_bytes"] = _server_facts(web_url)["database_bytes"]
        served = web(db.path, web_url, work, postmaster)
    runs = {"sqlite_a": lite_a, "postgres": pg, "sqlite_b": lite_b}
    raw = {"prepared": prepared, "processes": processes, "postgres": facts, "copy": copied, "web": served}
    raw["write"] = written
    raw["same_ids"] = lite_a["ids"] == pg["ids"] == lite_b["ids"]
    raw["ingest"] = {k: {f: v for f, v in r.items() if f != "ids"} for k, r in runs.items()}
    rows, notes = _report(raw, db)
    return result(NAME, TITLE, ["SQLite", "PostgreSQL", "PG / SQLite"], rows, notes, raw)


def _report(raw: dict[str, Any], db: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The table rows and the notes."""
    lite_a, pg, lite_b = (raw["ingest"][k] for k in ("sqlite_a", "postgres", "sqlite_b"))
    facts, copied, served = raw["postgres"], raw["copy"], raw["web"]
    lite_rate = (lite_a["rate"] + lite_b["rate"]) / 2
    ratio = raw["ingest_ratio"] = pg["rate"] / lite_rate if lite_rate else 0.0
    per_cpu = [
        r["summary"]["articles"] / ((r["cpu"]["ours"] + r["cpu"]["postgres"]) or 1) for r in (lite_a, pg, lite_b)
    ]
    lite_cpu, pg_cpu = (per_cpu[0] + per_cpu[2]) / 2, per_cpu[1]
    whole = all(r["distinct_ids"] == r["stored_articles"] == r["summary"]["articles"] for r in (lite_a, pg, lite_b))
    rows_copied, tables = copied["report"]["rows_copied"], copied["report"]["tables"]
    write = raw["write"]
    lite_written = write["sqlite"]["articles_per_second"]
    write_ratio = write["postgres"]["articles_per_second"] / lite_written if lite_written else None
    rows = [
        row(
            "ingest: articles/s (timed section; SQLite: mean of 2 runs) · ratio",
            [lite_rate, pg["rate"], ratio],
            f"ratio ≥ {TARGET_RATIO}",
            ratio >= TARGET_RATIO,
            fmt=".2f",
        ),
        row(
            "ingest: articles per CPU-second (ingest processes + PostgreSQL server; steadier under other load)",
            [lite_cpu, pg_cpu, pg_cpu / lite_cpu if lite_cpu else None],
            fmt=".2f",
        ),
        row(
            "ingest: articles stored (SQLite a · b | PostgreSQL)",
            [f"{lite_a['stored_articles']} · {lite_b['stored_articles']}", str(pg["stored_articles"]), None],
            "same ids, none twice",
            raw["same_ids"] and whole,
        ),
        row(
            "ingest: mentions · quotes stored",
            [f"{lite_a['mentions']:,} · {lite_a['quotes']:,}", f"{pg['mentions']:,} · {pg['quotes']:,}", None],
            "equal",
            (lite_a["mentions"], lite_a["quotes"]) == (pg["mentions"], pg["quotes"]),
        ),
        row(
            "ingest: peak RSS of the ingest process tree (MB)",
            [max(lite_a["peak_rss_bytes"], lite_b["peak_rss_bytes"]) / 1e6, pg["peak_rss_bytes"] / 1e6, None],
            fmt=",.0f",
        ),
        row(
            "single writer: articles/s written by BatchWriter (outcomes processed beforehand)",
            [write["sqlite"]["articles_per_second"], write["postgres"]["articles_per_second"], write_ratio],
            fmt=",.1f",
        ),
        row(
            "single writer: set-level steps over those articles (s)",
            [write["sqlite"]["corpus_step_seconds"], write["postgres"]["corpus_step_seconds"], None],
            fmt=".1f",
        ),
        row(
            f"copy-db (copy_store) of {db.counts['articles']:,} articles: seconds · rows/s",
            [None, f"{copied['seconds']:.1f} s · {rows_copied / copied['seconds']:,.0f} rows/s", None],
        ),
        row(
            "copy-db: tables whose row count matches",
            [None, f"{len(tables) - len(copied['short'])} of {len(tables)} ({rows_copied:,} rows)", None],
            "all",
            not copied["short"],
        ),
    ]
    ratios = []
    for e in served["entries"]:
        lite, pgl = e["sqlite"], e["postgres"]
        share = pgl["p95_ms"] / lite["p95_ms"] if _good(lite) and _good(pgl) and lite["p95_ms"] else None
        if share is not None:
            ratios.append((share, e["label"]))
        passed = _good(pgl) and pgl["p95_ms"] < TARGET_P95_MS
        target = f"PG p95 < {TARGET_P95_MS:.0f} ms"
        rows.append(row(e["label"], [_cell(lite), _cell(pgl), share], target, passed, fmt=".2f"))
    worst = max(ratios, default=(0.0, "—"))
    geo = math.exp(sum(math.log(r) for r, _ in ratios) / len(ratios)) if ratios else 0.0
    rows.append(row(f"web: p95 PG / SQLite over {len(ratios)} URLs, geometric mean", [None, None, geo], fmt=".2f"))
    rows.append(row("web: p95 PG / SQLite, worst", [None, f"`{worst[1]}`", worst[0]], fmt=".2f"))
    runs = (lite_a, pg, lite_b)
    walls = " · ".join(f"{r['summary']['seconds']:.1f} s ({r['wall_seconds']:.1f} s wall)" for r in runs)
    notes = [
        f"PostgreSQL {facts['server_version']} (throwaway cluster from tests/pgserver.py on 127.0.0.1, TCP): "
        f"fsync={facts['fsync']}, full_page_writes={facts['full_page_writes']} (cluster command line: nothing "
        f"reaches the disk, which flatters its writes), synchronous_commit={facts['synchronous_commit']} (set on "
        f"each benchmark database, PostgreSQL's default), shared_buffers={facts['shared_buffers']}, "
        f"work_mem={facts['work_mem']}. SQLite: WAL, synchronous=NORMAL (fsync at checkpoints), on local disk.",
        f"Ingest: {raw['prepared']['pages']} pages ({raw['prepared']['distinct_pages']} scrapinghub pages made "
        f"distinct, the throughput benchmark's `prepare`), `newsgraph ingest DIR --db X -p {raw['processes']} "
        "--quiet --json`, fresh database and process each, in the order SQLite, PostgreSQL, SQLite. Timed section "
        f"(the summary's seconds: after start-up and migration) {walls}; SQLite runs {lite_a['rate']:.2f} and "
        f"{lite_b['rate']:.2f} articles/s. Rejected {pg['summary']['rejected']} (PG) · "
        f"{lite_a['summary']['rejected']} (SQLite).",
        "CPU seconds per ingest run (SQLite a | PostgreSQL | SQLite b): "
        + " | ".join(_cpu_text(r["cpu"]) for r in runs)
        + "; 'others' is the rest of the machine (other work beside us): much of it makes the ratio unreliable.",
        f"copy-db: `copy_store(open_reader(sqlite), open_store(url))`, batch 5,000, into a fresh database; "
        f"{copied['seconds']:.1f} s, target {copied['database_bytes'] / 1e6:,.0f} MB; CPU {_cpu_text(copied['cpu'])}."
        + (f" Short tables: {', '.join(copied['short'])}." if copied["short"] else ""),
        f"Web: {db.counts['articles']:,} articles (webdb.py, key {db.key}); `newsgraph serve` on each backend at "
        f"once; every URL of web.py's plan, SQLite and PostgreSQL back to back in one load client: "
        f"{served['requests']} sequential requests (p50 / p95, capped at {served['cap_seconds']:.1f} s), "
        f"{served['requests'] // 2 or 1} from 4 threads (req/s); loading took {served['load_seconds']:.0f} s; CPU "
        f"{_cpu_text(served['cpu'])} (ours: both servers and the client). Server RSS after (MB): SQLite "
        f"{served['rss_after_mb']['sqlite']:.0f}, PostgreSQL {served['rss_after_mb']['postgres']:.0f} (not counting "
        "the PostgreSQL server).",
    ]
    notes.append(
        f"Single writer (benchmarks/pgwrite.py): {write['documents']} pages extracted and enriched once in this "
        f"process ({write['processing_seconds']:.0f} s, not timed), then the same outcomes written with "
        f"`BatchWriter` (commit_every 64) into a fresh SQLite file and a fresh PostgreSQL database: "
        f"{write['sqlite']['write_seconds']:.1f} s and {write['postgres']['write_seconds']:.1f} s for "
        f"{write['sqlite']['articles']} · {write['postgres']['articles']} articles; set-level steps by step "
        f"(SQLite | PostgreSQL): {write['sqlite']['steps']} | {write['postgres']['steps']}."
    )
    if served["cursor_problem"]:
        notes.append(f"Cursor page not measured: {served['cursor_problem']}.")
    return rows, notes
