"""Process control for the web benchmark: the servers, their memory, and the load client's process.

Each server runs in a session of its own (so stopping it stops its children too): started,
waited for until it answers, its RSS (process and children) read with psutil, and always
stopped — SIGTERM, then SIGKILL. The load client (`benchmarks/webload.py`) runs as a second
process and answers one JSON line.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT, marked_outcome

HOST = "127.0.0.1"
START_TIMEOUT = 60.0


def _script(name: str, module: str) -> list[str]:
    """The console script beside this interpreter, else `python -m module`."""
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


def serve_command(db: str | Path, port: int) -> list[str]:
    """`newsgraph serve` (the console script beside this interpreter), or `NEWSGRAPH_BENCH_WEB_COMMAND`."""
    template = os.environ.get("NEWSGRAPH_BENCH_WEB_COMMAND")
    if template:
        values = {"python": sys.executable, "db": str(db), "host": HOST, "port": str(port)}
        return [part.format(**values) for part in template.split()]
    return [*_script("newsgraph", "newsgraph.cli"), "serve", "--db", str(db), "--host", HOST, "--port", str(port)]


def serve_missing() -> str | None:
    """Why `newsgraph serve` cannot run here, or None when it can."""
    if os.environ.get("NEWSGRAPH_BENCH_WEB_COMMAND"):
        return None
    command = [*_script("newsgraph", "newsgraph.cli"), "serve", "--help"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`newsgraph serve --help` could not run: {exc}"
    if done.returncode != 0:
        return f"`newsgraph serve` is not available yet (`serve --help` exited {done.returncode})"
    return None


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on HOST just now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Server:
    """A server process in its own session: started, waited for, measured (RSS), always stopped."""

    def __init__(self, name: str, command: list[str], port: int, log: Path) -> None:
        self.name, self.command, self.port, self.log = name, command, port, log
        self.base = f"http://{HOST}:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def __enter__(self) -> Server:
        self.started = time.perf_counter()
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                self.command, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_ready(self, path: str) -> float:
        """Seconds from the start until `path` answers (any status)."""
        import httpx

        while time.perf_counter() - self.started < START_TIMEOUT:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; its log:\n{self._log_tail()}")
            try:
                httpx.get(self.base + path, timeout=5, trust_env=False)
                return time.perf_counter() - self.started
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT:.0f} s; its log:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-2000:]

    def rss(self) -> int:
        import psutil

        try:
            root = psutil.Process(self.proc.pid if self.proc else 0)
            return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
        except psutil.Error:
            return 0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


class RssPeak:
    """The peak RSS of a server while a block runs, sampled every 10 ms, beside the RSS just before."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.before = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> RssPeak:
        self.before = self.peak = self.server.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.server.rss())

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss())
            self._stop.wait(0.01)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / 1e6


def datasette_command(db: Path, port: int, settings: tuple[str, ...]) -> list[str]:
    """`datasette serve FILE` on HOST:port with `--setting NAME VALUE` for each pair in `settings`."""
    command = [*_script("datasette", "datasette"), "serve", str(db), "--host", HOST, "--port", str(port)]
    for i in range(0, len(settings), 2):
        command += ["--setting", settings[i], settings[i + 1]]
    return command


def client(args: list[str], timeout: float) -> dict[str, Any]:
    """Run the load client in its own process; its JSON answer."""
    from benchmarks.webload import MARK

    command = [sys.executable, "-m", "benchmarks.webload", "--json", *args]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
    return marked_outcome(done.stdout, done.stderr, done.returncode, MARK, "load client")


def exported(server: Server, path: str, csv_rows: bool = False) -> dict[str, Any]:
    """Stream `path` whole from the load client while sampling the server's RSS."""
    args = ["--export-csv" if csv_rows else "--export", server.base + path, "--export-seconds", "60"]
    with RssPeak(server) as rss:
        answer = client(args, timeout=300)["exports"][0]
    answer.update(rss_before_mb=rss.before / 1e6, rss_peak_mb=rss.peak / 1e6, rss_growth_mb=rss.growth_mb)
    return answer


def load_all(urls: list[str], requests: int, concurrent: int, seconds: float) -> dict[str, dict[str, Any]]:
    """Each URL's figures from one run of the load client, by URL."""
    args = [
        "--requests",
        str(requests),
        "--seconds",
        str(seconds),
        "--concurrent-requests",
        str(concurrent),
        "--concurrent-seconds",
        str(seconds * 0.4),
        *urls,
    ]
    timeout = (seconds * 1.4 + 35) * 2 * len(urls) + 120  # a request may take up to 30 s past a cap
    return {item["url"]: item for item in client(args, timeout=timeout)["loads"]}


def preflight(base: str, path: str) -> dict[str, Any]:
    """One GET: status, type, size, and how many items or rows a JSON answer holds."""
    import httpx

    try:
        response = httpx.get(base + path, timeout=60, trust_env=False)
    except httpx.HTTPError as exc:
        return {"status": type(exc).__name__, "type": "", "bytes": 0}
    info: dict[str, Any] = {"status": response.status_code, "type": response.headers.get("content-type", "")}
    info["bytes"] = len(response.content)
    if "json" in info["type"] and response.status_code == 200:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for key in ("items", "rows"):
                if isinstance(body.get(key), list):
                    info[key] = len(body[key])
    return info


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        number = float(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a number of seconds, got {value!r}") from None
    if number <= 0:
        raise SystemExit(f"{name} must be above 0, got {number}")
    return number
