"""Benchmarks for newsgraph, each measured beside an anchor run on the same data in the same run.

Every benchmark is a module with `run(data_dir, work_dir) -> dict`; the dict it returns is a
*result*: a table of rows (ours beside the anchor, a target and pass/fail), notes, and the raw
numbers. `python -m benchmarks` runs them and writes `benchmarks/results/latest.{md,json}`.

Results never hold text from the data sets: only scores, counts, timings and file ids.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
RESULTS_DIR = PACKAGE_DIR / "results"
WORK_DIR = PACKAGE_DIR / ".work"
DEFAULT_DATA = "../shared/data"  # relative to the repository root

BENCHMARKS = (
    "extraction",
    "metadata",
    "throughput",
    "entities",
    "grouping",
    "transliteration",
    "quotes",
    "copies",
    "stories",
    "web",
    "warc",
    "watch",
    "dedup",
    "dask",
    "postgres",
    "incremental",
)


def marked_outcome(out: str, err: str, returncode: int, mark: str, what: str) -> dict[str, Any]:
    """What a benchmark's child process reported: the JSON on the last line of `out` that starts
    with `mark`. A child that failed, or printed no such line, raises with its exit code and the end
    of its standard error (`what` names it in the message)."""
    lines = [line for line in out.splitlines() if line.startswith(mark)]
    if returncode != 0 or not lines:
        raise RuntimeError(f"{what} failed (exit {returncode}):\n{err[-3000:]}")
    outcome: dict[str, Any] = json.loads(lines[-1][len(mark) :])
    return outcome


def data_dir() -> Path:
    """The shared data folder: `$NEWSGRAPH_DATA` (relative to the current folder) or ../shared/data."""
    value = os.environ.get("NEWSGRAPH_DATA")
    if value:
        return Path(value).expanduser().resolve()
    return (REPO_ROOT / DEFAULT_DATA).resolve()


def env_int(name: str, default: int, minimum: int = 1) -> int:
    """An integer from the environment, or `default` when unset; a clear error when it is not one."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {value!r}") from None
    if number < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, got {number}")
    return number


def row(
    metric: str,
    values: Sequence[float | int | str | None],
    target: str = "",
    passed: bool | None = None,
    fmt: str = ".3f",
) -> dict[str, Any]:
    """One table row: a metric, one value per column, the target and whether it was met."""
    return {"metric": metric, "values": list(values), "target": target, "pass": passed, "format": fmt}


def result(
    name: str,
    title: str,
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    notes: Sequence[str] = (),
    raw: dict[str, Any] | None = None,
    status: str = "ok",
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "status": status,
        "columns": list(columns),
        "rows": rows,
        "notes": list(notes),
        "raw": raw or {},
    }


def skipped(name: str, title: str, reason: str) -> dict[str, Any]:
    return result(name, title, [], [], notes=[reason], status="skipped")


def _cell(value: float | int | str | None, fmt: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return format(value, fmt)


def markdown_table(res: dict[str, Any]) -> str:
    """A result as a markdown table (ours, anchors, target, pass/fail) followed by its notes."""
    lines = []
    if res["rows"]:
        header = ["metric", *res["columns"], "target", "pass/fail"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * len(res["columns"]) + ["---", "---"]) + "|")
        for r in res["rows"]:
            verdict = {True: "pass", False: "**FAIL**", None: "—"}[r["pass"]]
            cells = [r["metric"], *(_cell(v, r["format"]) for v in r["values"]), r["target"] or "—", verdict]
            lines.append("| " + " | ".join(cells) + " |")
    if res["notes"]:
        if lines:
            lines.append("")
        lines.extend(f"- {note}" for note in res["notes"])
    return "\n".join(lines)
