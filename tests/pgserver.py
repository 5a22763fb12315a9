"""A throwaway PostgreSQL cluster for tests and CI (standard library only, so CI can run it with the system python3).

    with Cluster() as pg:
        connect(pg.dsn)  # postgresql://newsgraph@127.0.0.1:PORT/postgres

    python3 -m tests.pgserver start STATEFILE   # prints the DSN, leaves the server running
    python3 -m tests.pgserver stop STATEFILE    # stops it and removes its folder

A fresh temporary folder holds data/, server.log and the socket; auth is trust, fsync off. As root (initdb and
postgres refuse to run as root) the binaries run as the `postgres` system user, created when missing.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

USER = "newsgraph"
TOOLS = ("initdb", "pg_ctl", "postgres")
INITDB = ("--auth=trust", "-U", USER, "--encoding=UTF8", "--no-locale", "--no-sync")
SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


class PgServerError(RuntimeError):
    """Starting or stopping the throwaway cluster failed."""


def find_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: from PATH first, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    candidates = [Path(found).parent] if found else []
    versions = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    candidates += sorted(versions, key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()])[::-1]
    for folder in candidates:
        if all(os.access(folder / tool, os.X_OK) for tool in TOOLS):
            return folder
    return None


def _alive(pidfile: Path) -> bool:
    """Whether the postmaster that pidfile names still runs (a server killed hard leaves a stale file)."""
    try:
        os.kill(int(pidfile.read_text().split()[0]), 0)
    except PermissionError:  # running, as another user
        return True
    except (OSError, ValueError, IndexError):
        return False
    return True


def _postgres_user() -> pwd.struct_passwd:
    """The `postgres` system user (Debian's package makes it), created when missing."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam("postgres")
    with contextlib.suppress(OSError):
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], capture_output=True)
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PgServerError(
            "running as root, and initdb/postgres refuse to run as root; there is no 'postgres' user to run them as "
            "and `useradd --system --no-create-home postgres` could not create it"
        ) from None


class Cluster:
    """A throwaway PostgreSQL server on 127.0.0.1; `dsn` is set once start() has returned."""

    def __init__(self, folder: Path | None = None, port: int | None = None) -> None:
        self.folder = folder  # set by start(), or given to attach to a running cluster (see the CLI's stop)
        self.port = port
        self.dsn = f"postgresql://{USER}@127.0.0.1:{port}/postgres" if port else ""
        self._bin = find_binaries()
        self._as: pwd.struct_passwd | None = _postgres_user() if os.geteuid() == 0 else None

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        if self._bin is None:
            raise PgServerError("no initdb/pg_ctl/postgres on PATH or in /usr/lib/postgresql/*/bin")
        opts: dict[str, Any] = {"cwd": self.folder, "env": {**os.environ, "LC_ALL": "C"}, "stdin": subprocess.DEVNULL}
        if self._as is not None:  # as root, run as the postgres user: initdb and postgres refuse to run as root
            opts.update(user=self._as.pw_uid, group=self._as.pw_gid, extra_groups=[])
        return subprocess.run([str(self._bin / tool), *args], capture_output=True, text=True, **opts)

    def _fail(self, what: str, result: subprocess.CompletedProcess[str] | None = None) -> PgServerError:
        lines = [f"PostgreSQL test cluster: {what}"]
        if result is not None:
            lines.append(
                f"$ {shlex.join(result.args)}  (exit {result.returncode})\n{(result.stdout + result.stderr).strip()}"
            )
        log = self.folder / "server.log" if self.folder else None
        if log and log.exists():
            tail = log.read_text(errors="replace").splitlines()[-20:]
            lines.append(f"last lines of {log}:\n" + "\n".join(tail))
        return PgServerError("\n".join(lines))

    def start(self) -> str:
        """initdb a fresh folder, start the server on a free port, wait until it accepts connections; the DSN."""
        base = Path(tempfile.gettempdir())
        if self._as is not None and not all(os.stat(p).st_mode & stat.S_IXOTH for p in [base, *base.parents]):
            base = Path("/tmp")
        self.folder = Path(tempfile.mkdtemp(prefix="newsgraph-pg-", dir=base))
        try:
            if self._as is not None:
                os.chown(self.folder, self._as.pw_uid, self._as.pw_gid)
            data = str(self.folder / "data")
            init = self._run("initdb", "-D", data, *INITDB)
            if init.returncode != 0:
                raise self._fail("initdb failed", init)
            for _attempt in range(3):  # a free port can be taken between choosing it and the server binding it
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    self.port = s.getsockname()[1]
                opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {shlex.quote(str(self.folder))} {SETTINGS}"
                log = self.folder / "server.log"
                log.unlink(missing_ok=True)
                started = self._run("pg_ctl", "-w", "-t", "60", "-D", data, "-l", str(log), "-o", opts, "start")
                if started.returncode == 0:
                    break
                if not (log.exists() and "could not bind" in log.read_text(errors="replace")):
                    raise self._fail("the server did not start", started)
            else:
                raise self._fail("the server did not start (no free port)", started)
            self._wait_for_port()
        except BaseException:
            self.stop()
            raise
        self.dsn = f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"
        return self.dsn

    def _wait_for_port(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", int(self.port or 0)), 1):
                return
            time.sleep(0.1)
        raise self._fail(f"the server does not accept connections on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        """Stop the server at once (no checkpoint) and remove its folder."""
        if self.folder is None or not self.folder.exists():
            return
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            stopped = self._run("pg_ctl", "-w", "-t", "60", "-D", str(data), "-m", "immediate", "stop")
            if stopped.returncode != 0 and _alive(data / "postmaster.pid"):
                raise self._fail("could not stop the server (its folder is left in place)", stopped)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python3 -m tests.pgserver start|stop STATEFILE", file=sys.stderr)
        return 2
    state = Path(argv[1])
    try:
        if argv[0] == "start":
            cluster = Cluster()
            dsn = cluster.start()
            try:
                state.write_text(json.dumps({"dir": str(cluster.folder), "port": cluster.port, "dsn": dsn}) + "\n")
            except OSError:
                cluster.stop()
                raise
            print(dsn)
        elif state.exists():
            saved = json.loads(state.read_text())
            Cluster(Path(saved["dir"]), int(saved["port"])).stop()
            state.unlink()
    except (PgServerError, OSError, ValueError, KeyError) as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
