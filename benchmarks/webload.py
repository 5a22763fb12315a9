"""A bounded HTTP load client for the web benchmark, run in a process of its own.

`python -m benchmarks.webload URL ... [--requests N] [--concurrency C] [--json]` loads each URL in
turn with one persistent `httpx.Client`: a few warm-up requests, then N sequential requests (→ p50,
p95, mean, max latency in ms), then M requests from C threads sharing the client (→ requests/s;
for a URL whose mean latency exceeds the concurrent phase's cap, 1 / its mean latency instead).
`--export URL` streams one response instead and counts its non-empty lines (`--export-csv URL`:
its CSV records, less the header) → seconds, time to first byte, bytes, rows. Every response must
be 200: any other status, or a transport error, is counted as an error, never timed as a success.
Each phase stops after its requests or its seconds (`--seconds`, `--concurrent-seconds`),
whichever comes first. Only 127.0.0.1 and localhost are accepted.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import json
import math
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

MARK = "NEWSGRAPH-WEBLOAD "
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _check_local(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"webload only talks to 127.0.0.1 or localhost, not {host!r} ({url})")


def _one(client: httpx.Client, url: str) -> tuple[float, int | str, int]:
    """(seconds, status or error name, bytes) for one GET, the body read whole."""
    started = time.perf_counter()
    try:
        response = client.get(url)
        size = len(response.content)
        status: int | str = response.status_code
    except httpx.HTTPError as exc:
        return time.perf_counter() - started, type(exc).__name__, 0
    return time.perf_counter() - started, status, size


@dataclass(frozen=True)
class Phases:
    """How much load a URL gets: warm-up, then a sequential and a concurrent phase, each capped in time."""

    requests: int = 200
    seconds: float = 4.0
    concurrent_requests: int = 100
    concurrent_seconds: float = 2.0
    concurrency: int = 4
    warmup: int = 3  # or 1 s of them, whichever is fewer


def load(client: httpx.Client, url: str, phases: Phases) -> dict[str, Any]:
    """Sequential latency and concurrent throughput of one URL."""
    requests, concurrency = phases.requests, phases.concurrency
    warm_until = time.perf_counter() + min(1.0, phases.seconds)
    for _ in range(phases.warmup):
        _one(client, url)
        if time.perf_counter() > warm_until:
            break
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    sizes: list[int] = []
    started = time.perf_counter()
    capped = False
    for _ in range(requests):
        seconds, status, size = _one(client, url)
        statuses[str(status)] += 1
        if status == 200:
            latencies.append(seconds * 1000)
            sizes.append(size)
        if time.perf_counter() - started > phases.seconds:
            capped = statuses.total() < requests
            break
    sequential_seconds = time.perf_counter() - started

    parallel: Counter[str] = Counter()
    mean_s = sum(latencies) / len(latencies) / 1000 if latencies else 0.0
    # a URL slower than the whole concurrent phase would overrun it by C requests: its req/s is sequential
    sequential_only = mean_s > phases.concurrent_seconds
    lock = threading.Lock()
    deadline = time.perf_counter() + phases.concurrent_seconds

    def worker() -> None:
        while time.perf_counter() < deadline:
            with lock:
                if parallel.total() >= phases.concurrent_requests:
                    return
                parallel["pending"] += 1
            _seconds, status, _size = _one(client, url)
            with lock:
                parallel["pending"] -= 1
                parallel[str(status)] += 1

    begun = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(0 if sequential_only else concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    concurrent_seconds = time.perf_counter() - begun
    del parallel["pending"]
    done = parallel.total()
    errors = Counter({s: n for s, n in statuses.items() if s != "200"})
    errors.update({s: n for s, n in parallel.items() if s != "200"})
    return {
        "url": url,
        "requests": statuses.total(),
        "ok": statuses["200"],
        "capped": capped,
        "errors": dict(errors),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "mean_ms": sum(latencies) / len(latencies) if latencies else None,
        "max_ms": max(latencies) if latencies else None,
        "sequential_seconds": sequential_seconds,
        "concurrency": concurrency,
        "concurrent_requests": done,
        "concurrent_ok": parallel["200"],
        "concurrent_seconds": concurrent_seconds,
        "requests_per_s": (
            (1 / mean_s if mean_s else None)
            if sequential_only
            else (parallel["200"] / concurrent_seconds if concurrent_seconds and done else None)
        ),
        "requests_per_s_sequential": sequential_only,
        "bytes_mean": sum(sizes) / len(sizes) if sizes else None,
    }


def _text_lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """UTF-8 chunks as lines, each with its line end (what `csv.reader` wants)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    tail = ""
    for chunk in chunks:
        parts = (tail + decoder.decode(chunk)).split("\n")
        tail = parts.pop()
        for part in parts:
            yield part + "\n"
    tail += decoder.decode(b"", final=True)
    if tail:
        yield tail


def export(client: httpx.Client, url: str, max_seconds: float, csv_rows: bool = False) -> dict[str, Any]:
    """Stream one response: seconds, time to first byte, bytes, and non-empty lines or CSV records."""
    started = time.perf_counter()
    state: dict[str, Any] = {"first": None, "bytes": 0, "stopped": False}
    records = 0

    def chunks(response: httpx.Response) -> Iterator[bytes]:
        for chunk in response.iter_bytes():
            if state["first"] is None:
                state["first"] = time.perf_counter() - started
            state["bytes"] += len(chunk)
            yield chunk
            if time.perf_counter() - started > max_seconds:
                state["stopped"] = True
                return

    status: int | str
    try:
        with client.stream("GET", url, timeout=httpx.Timeout(max_seconds, connect=5.0)) as response:
            status = response.status_code
            if csv_rows:
                records = sum(1 for _ in csv.reader(_text_lines(chunks(response)))) - 1  # less the header
            else:
                records = sum(1 for line in _text_lines(chunks(response)) if line.strip())
    except (httpx.HTTPError, csv.Error, UnicodeDecodeError) as exc:
        status = type(exc).__name__
    if state["stopped"]:
        status = "stopped"
    return {
        "url": url,
        "status": status,
        "seconds": time.perf_counter() - started,
        "first_byte_seconds": state["first"],
        "bytes": state["bytes"],
        "rows": max(records, 0),
        "kind": "csv" if csv_rows else "lines",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.webload", description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*", metavar="URL")
    d = Phases()
    parser.add_argument("--requests", type=int, default=d.requests, help="sequential requests a URL")
    parser.add_argument("--seconds", type=float, default=d.seconds, help="cap on the sequential phase")
    parser.add_argument("--concurrent-requests", type=int, default=d.concurrent_requests)
    parser.add_argument("--concurrent-seconds", type=float, default=d.concurrent_seconds)
    parser.add_argument("--concurrency", type=int, default=d.concurrency, help="threads in the concurrent phase")
    parser.add_argument("--warmup", type=int, default=d.warmup, help="untimed requests first")
    parser.add_argument("--export-seconds", type=float, default=60.0, help="cap on each export")
    parser.add_argument("--export", metavar="URL", action="append", default=[], help="stream URL, count lines")
    parser.add_argument("--export-csv", metavar="URL", action="append", default=[], help="stream URL, count CSV rows")
    parser.add_argument("--json", action="store_true", help="print one JSON line (for the benchmark)")
    args = parser.parse_args(argv)
    for url in [*args.urls, *args.export, *args.export_csv]:
        _check_local(url)
    if min(args.requests, args.concurrent_requests, args.concurrency) < 1:
        parser.error("--requests, --concurrent-requests and --concurrency must be at least 1")
    limits = httpx.Limits(max_connections=max(4, args.concurrency), max_keepalive_connections=max(4, args.concurrency))
    with httpx.Client(timeout=TIMEOUT, limits=limits, trust_env=False) as client:
        phases = Phases(
            args.requests,
            args.seconds,
            args.concurrent_requests,
            args.concurrent_seconds,
            args.concurrency,
            args.warmup,
        )
        loads = [load(client, u, phases) for u in args.urls]
        exports = [export(client, u, args.export_seconds) for u in args.export]
        exports += [export(client, u, args.export_seconds, csv_rows=True) for u in args.export_csv]
    if args.json:
        print(MARK + json.dumps({"loads": loads, "exports": exports}), flush=True)
        return 0
    for item in loads:
        print(
            f"{item['p50_ms'] or 0:8.1f} {item['p95_ms'] or 0:8.1f} ms p50/p95 {item['requests_per_s'] or 0:8.1f} "
            f"req/s  errors {item['errors'] or '-'}  {item['url']}"
        )
    for item in exports:
        print(
            f"{item['seconds']:8.2f} s {item['rows']:8d} {item['kind']} {item['bytes']:12,d} bytes {item['status']} "
            f"{item['url']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
