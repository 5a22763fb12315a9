"""What the browser tests stand on: the real app under uvicorn in a background thread over a copy
of a database, a corpus with one hostile article, and a watched browser tab."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn

from newsgraph.settings import Settings
from newsgraph.store.connect import open_store
from newsgraph.web.app import create_app

HOSTILE_TEXT = """\
Minister <script>window.__xss=1</script> Karim Nassar denies <img src=x onerror="window.__xss=2"> report

BAGHDAD — Finance Minister Karim Nassar on Tuesday denied a report that the central bank had sold dollars \
below the official rate, calling it <script>window.__xss=3</script> a fabrication spread by speculators.

“We will not be intimidated by <img src=x onerror="window.__xss=8"> rumours, and the dinar is stable,” \
Nassar told reporters at the ministry in Baghdad. He said the bank would publish its auction figures every week.

Traders on Baghdad's al-Kifah street said the rate had barely moved. One money changer said customers had \
<a href="javascript:alert(1)">clicked through</a> to a page that no longer exists.
"""
HOSTILE_SIDECAR = {
    "url": "javascript:alert(1)",
    "published": "2026-03-31T09:00:00Z",
    "source": 'Evil <img src=x onerror="window.__xss=5"> News',
    "title": '<script>window.__xss=4</script> Hostile headline <img src=x onerror="window.__xss=6">',
    "authors": ["<script>window.__xss=7</script> Reporter", "javascript:alert(1)"],
}
# A source whose name holds a slash (wire desks are often named "AP/Reuters"): its page must open too.
SLASH_SOURCE = "Wire/Desk"
SLASH_TEXT = """\
Basra port reopens after dredging works

BASRA — The port of Umm Qasr reopened to container ships on Monday after three weeks of dredging works in \
the Khor Abdullah channel, the General Company for Ports of Iraq said. Director Farhan al-Fartousi said the \
channel was now 15 metres deep and that traffic would be back to normal by the end of the week.
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(db: Path, settings: Settings | None = None) -> Iterator[str]:
    """The app over `db`, answering at the yielded base URL until the block ends."""
    app = create_app(str(db), settings or Settings(db=str(db)))
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{config.port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{config.port}"
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(base + "/", timeout=5).status_code == 200:
                break
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the server at {base} did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(15)


def copy_db(source: Path, target: Path) -> Path:
    """A consistent copy of a database, its write-ahead log included."""
    with open_store(source) as store:
        store.conn.execute("VACUUM INTO ?", (str(target),))
    return target


def hostile_db(corpus: Path, folder: Path, target: Path) -> Path:
    """The demo corpus plus one article whose every field carries markup and script, ingested into `target`."""
    from newsgraph.run import ingest_paths

    shutil.copytree(corpus, folder / "corpus")
    extra = folder / "corpus" / "zz-hostile"
    extra.mkdir()
    (extra / "hostile-report.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (extra / "hostile-report.json").write_text(json.dumps(HOSTILE_SIDECAR), encoding="utf-8")
    (extra / "wire-desk.txt").write_text(SLASH_TEXT, encoding="utf-8")
    sidecar = {"source": SLASH_SOURCE, "published": "2026-03-29T08:00:00Z", "url": "https://wire.example/basra"}
    (extra / "wire-desk.json").write_text(json.dumps(sidecar), encoding="utf-8")
    with open_store(target) as store:
        ingest_paths([folder / "corpus"], store, Settings(processes=1))
    return target


CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
SHOTS = Path(os.environ.get("NEWSGRAPH_SCREENSHOTS") or Path(__file__).resolve().parents[1] / "docs" / "screenshots")
MAX_SHOT_BYTES = 400_000
DRAWN = "[...document.querySelectorAll('[data-chart]')].every((e) => e.dataset.drawn && e.querySelector('svg'))"
# CSP violations are also logged as console errors; this records them where the page cannot hide them.
WATCH = """window.__csp = []; document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));"""


@dataclass
class Site:
    base: str
    article: str = ""  # demo: an edited republication, whose page has the side-by-side diff
    original: str = ""  # demo: what it copies
    story: str = ""  # the article's story
    entity: str = ""
    source: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def api(self, path: str, **params: Any) -> Any:
        answer = httpx.get(f"{self.base}/api/v1{path}", params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()


@dataclass
class Tab:
    page: Any
    errors: list[str] = field(default_factory=list)  # console errors, uncaught exceptions
    foreign: list[str] = field(default_factory=list)  # requests to another host (aborted)
    dialogs: list[str] = field(default_factory=list)

    def open(self, url: str, ready: str | None = None) -> Any:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        if ready:
            self.page.wait_for_selector(ready, state="attached")
        return self.page

    def shot(self, name: str) -> None:
        """The whole page at its width. The viewport is made as tall as the page and charts are drawn
        at that size: a capture that resized the window would resize the charts (see the resize test)."""
        page, size = self.page, self.page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        if height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": height})
            if page.locator("[data-chart]").count():
                page.reload()
                page.wait_for_function(DRAWN)
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled")
        if (bytes_ := path.stat().st_size) >= MAX_SHOT_BYTES:  # a long page: keep as much of its top as fits
            clip = {"x": 0, "y": 0, "width": size["width"], "height": int(height * 0.9 * MAX_SHOT_BYTES / bytes_)}
            page.screenshot(path=str(path), clip=clip, animations="disabled")
        page.set_viewport_size(size)
        assert path.stat().st_size < MAX_SHOT_BYTES, f"{path} is {path.stat().st_size:,} bytes"

    def assert_clean(self) -> None:
        csp = self.page.evaluate("window.__csp || []")
        assert (self.errors, csp, self.foreign, self.dialogs) == ([], [], [], [])


def new_tab(browser: Any, width: int = 1280, height: int = 900) -> Tab:
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    tab = Tab(page)

    def route(r: Any) -> None:
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            tab.foreign.append(r.request.url)
            r.abort()

    def console(message: Any) -> None:
        if message.type == "error":
            tab.errors.append(f"{page.url}: {message.text} {message.location.get('url', '')}")

    def dialog(d: Any) -> None:
        tab.dialogs.append(f"{page.url}: {d.type} {d.message}")
        d.dismiss()

    context.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda error: tab.errors.append(f"{page.url}: uncaught {error}"))
    page.on("dialog", dialog)
    return tab
