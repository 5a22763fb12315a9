"""Following the news: poll followed feeds, sitemaps and homepages, fetch the new article pages
politely, keep every response in WARC files, and run the pages through the ingest pipeline.

State lives in the store (`store/follow.py`): conditional-GET validators, next poll times and
backoff, every URL seen in canonical form. A restart carries on without refetching; a stop
(Ctrl-C, SIGTERM) takes effect between documents, and what was fetched is written first.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from newsgraph.errors import UserError
from newsgraph.fetch import HTML_TYPES, Fetcher, FetchError, FetchResult, WarcArchive, canonical_url
from newsgraph.ingest.feeds import FEED_TYPES, Feed, FeedError, parse_feed
from newsgraph.records import Location, RawDocument, Rejection, SourceHints
from newsgraph.run.local import IngestSummary, ingest_documents, run_corpus_steps
from newsgraph.settings import Settings
from newsgraph.store.base import Store
from newsgraph.store.follow import (
    add_seen,
    due_sources,
    link_articles,
    mark_failed,
    mark_fetched,
    next_due,
    now_iso,
    pending_urls,
    record_poll,
)

MAX_SITEMAPS = 50  # child sitemaps read from one sitemap index
PAGE_RETRIES = 3  # polls a page that failed for a passing reason is tried again on
TRANSIENT = {"timeout", "connection_failed", "retry_later"}  # and an HTTP 5xx
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_interval(text: str) -> float:
    """`90`, `90s`, `10m`, `2h`, `1d` → seconds."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise UserError(f"--interval expects a duration such as 90s, 10m or 2h, got {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@dataclass
class PollSummary:
    sources: int = 0
    not_modified: int = 0
    failed_sources: int = 0
    new_urls: int = 0
    fetched: int = 0
    deferred: int = 0
    fetch_failures: Counter[str] = field(default_factory=Counter)
    ingest: IngestSummary = field(default_factory=IngestSummary)
    seconds: float = 0.0
    stopped: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "sources_polled": self.sources,
            "not_modified": self.not_modified,
            "failed_sources": self.failed_sources,
            "new_urls": self.new_urls,
            "fetched": self.fetched,
            "deferred": self.deferred,
            "fetch_failures": dict(sorted(self.fetch_failures.items())),
            "articles": self.ingest.articles,
            "duplicates": self.ingest.duplicates,
            "rejected": self.ingest.rejected,
            "rejections_by_code": dict(sorted(self.ingest.rejections.items())),
            "seconds": round(self.seconds, 2),
            "stopped": self.stopped,
        }


class Watcher:
    """One knowledge base's followed sources, polled through one polite fetcher and one archive."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        fetcher: Fetcher | None = None,
        archive: WarcArchive | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.fetcher = fetcher or Fetcher(settings)
        self.archive = archive or WarcArchive(Path(settings.data_dir) / "warc", settings.warc_max_bytes)
        self.stop = stop or threading.Event()

    def close(self) -> None:
        self.fetcher.close()
        self.archive.close()

    # ---- one poll ---------------------------------------------------------------------------

    def poll(self, progress: Callable[[int], None] | None = None) -> PollSummary:
        """Poll every due source, fetch every new page, ingest them, and run the corpus steps."""
        started = time.perf_counter()
        summary = PollSummary()
        self.poll_sources(summary)
        captured: list[tuple[str, int, str, str]] = []
        ingest_documents(self._pages(summary, captured), self.store, self.settings, summary.ingest, progress)
        link_articles(self.store, captured)
        if summary.ingest.articles:
            run_corpus_steps(self.store, self.settings, summary.ingest)
        summary.stopped = self.stop.is_set()
        summary.seconds = time.perf_counter() - started
        return summary

    def poll_sources(self, summary: PollSummary) -> None:
        """Poll every due source and queue the new links it lists (no page is fetched here)."""
        for source in due_sources(self.store, now_iso()):
            if self.stop.is_set():
                break
            self._poll_source(source, summary)

    def _reject(self, stage: str, code: str, reason: str, url: str) -> None:
        self.store.write_batch([Rejection(stage, code, reason, Location(url))])

    def _get_feed(self, url: str, etag: str | None = None, modified: str | None = None) -> FetchResult:
        result = self.fetcher.fetch(url, etag=etag, last_modified=modified, accept=FEED_TYPES)
        if result.status != 304:
            self.archive.write(result)
        return result

    def _poll_source(self, source: dict[str, Any], summary: PollSummary) -> None:
        summary.sources += 1
        url, interval = source["url"], self.settings.watch_interval
        try:
            result = self._get_feed(source["feed_url"], source["etag"], source["last_modified"])
            if result.status == 304:
                summary.not_modified += 1
                record_poll(self.store, url, "not_modified", interval)
                return
            feed = parse_feed(result.content, result.final_url, result.headers.get("content-type"))
            feed_url = source["feed_url"]
            if feed.kind == "homepage":  # poll the first feed it announces, and keep polling that
                if not feed.feeds:
                    raise FeedError("the page announces no RSS, Atom or JSON feed")
                feed_url = feed.feeds[0]
                result = self._get_feed(feed_url)
                feed = parse_feed(result.content, result.final_url, result.headers.get("content-type"))
            entries = self._entries(feed)
        except FetchError as exc:
            summary.failed_sources += 1
            record_poll(self.store, url, exc.code, interval, error=exc.reason, retry_at=exc.retry_at)
            return
        except FeedError as exc:
            summary.failed_sources += 1
            record_poll(self.store, url, "bad_feed", interval, error=exc.message)
            self._reject("fetch", "bad_feed", exc.message, source["feed_url"])
            return
        new = add_seen(self.store, url, ((canonical_url(e.url), e.published) for e in entries))
        summary.new_urls += new
        kind = "homepage" if feed_url != source["feed_url"] or source["kind"] == "homepage" else feed.kind
        record_poll(
            self.store,
            url,
            "ok",
            interval,
            etag=result.etag,
            last_modified=result.last_modified,
            kind=kind,
            feed_url=feed_url,
            entries=new,
        )

    def _entries(self, feed: Feed) -> list[Any]:
        """A feed's entries; a sitemap index's, gathered from the sitemaps it names."""
        if feed.kind != "sitemapindex":
            return list(feed.entries)
        entries: list[Any] = []
        for child in feed.feeds[:MAX_SITEMAPS]:
            if self.stop.is_set():
                break
            try:
                part = parse_feed(self._get_feed(child).content, child)
            except (FetchError, FeedError) as exc:
                self._reject("fetch", "bad_feed", f"sitemap {child}: {exc}", child)
                continue
            entries.extend(part.entries)
        return entries

    # ---- pages ------------------------------------------------------------------------------

    def _pages(self, summary: PollSummary, captured: list[tuple[str, int, str, str]]) -> Iterator[RawDocument]:
        """Fetch each pending URL once, archive it, and hand it to the pipeline as a document."""
        for item in pending_urls(self.store, now_iso()):
            if self.stop.is_set():
                return
            url = item["url"]
            try:
                result = self.fetcher.fetch(url, accept=HTML_TYPES)
            except FetchError as exc:
                retry = exc.retry_at
                passing = exc.code in TRANSIENT or (exc.code == "http_error" and exc.reason.startswith("HTTP 5"))
                if retry is None and passing and item["attempts"] + 1 < PAGE_RETRIES:
                    retry = now_iso()  # tried again at the next poll
                mark_failed(self.store, url, f"{exc.code}: {exc.reason}", retry)
                if retry:
                    summary.deferred += 1
                else:
                    summary.fetch_failures[exc.code] += 1
                    self._reject("fetch", exc.code, exc.reason, url)
                continue
            warc_file, offset = self.archive.write(result)
            location = Location(str(self.archive.folder / warc_file), line=offset)
            mark_fetched(self.store, url, (warc_file, offset, url, result.fetched_at, result.status))
            captured.append((warc_file, offset, str(location), url))
            summary.fetched += 1
            summary.ingest.documents += 1
            yield RawDocument(location, "html", result.content, SourceHints(url=canonical_url(result.final_url)))


def watch(
    store: Store,
    settings: Settings,
    once: bool = False,
    on_poll: Callable[[PollSummary], None] | None = None,
    stop: threading.Event | None = None,
    watcher: Watcher | None = None,
) -> list[PollSummary]:
    """Poll until stopped (or once). SIGTERM and Ctrl-C stop it between documents."""
    stop = stop or threading.Event()
    watcher = watcher or Watcher(store, settings, stop=stop)
    summaries: list[PollSummary] = []
    previous: dict[signal.Signals, Any] = {}

    def stop_now(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, stop_now)
    try:
        while not stop.is_set():
            summary = watcher.poll()
            summaries.append(summary)
            if on_poll is not None:
                on_poll(summary)
            if once:
                break
            _sleep_until(next_due(store), stop, settings.watch_interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        watcher.close()
    return summaries


def _sleep_until(when: str | None, stop: threading.Event, interval: float) -> None:
    wait = interval
    if when:
        wait = (datetime.fromisoformat(when) - datetime.now(UTC)).total_seconds()
    stop.wait(max(1.0, min(wait, interval)))
