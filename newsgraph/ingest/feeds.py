"""Feeds, news sitemaps and homepages: bytes in, the article links they list out.

RSS 0.9x/1.0/2.0 and Atom are read with feedparser (which recovers entries from ill-formed
feeds); JSON Feed is plain JSON; sitemaps (news sitemaps, and sitemap indexes naming further
sitemaps) are read with lxml, with entities and network access off. A homepage is searched for
the feeds it announces. Anything unusable raises `FeedError` with a reason, which the caller
records as a rejection.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from lxml import html as lxml_html

from newsgraph.errors import NewsgraphError

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
    "application/x-rss+xml",
    "text/rss+xml",
    "text/plain",
    "text/html",  # a homepage, or a feed served with the wrong type
    "application/xhtml+xml",
    "application/octet-stream",
    "application/x-gzip",
    "application/gzip",
)
MAX_ENTRIES = 5_000  # links taken from one feed or sitemap
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


class FeedError(NewsgraphError):
    code = "E300"


@dataclass(frozen=True)
class FeedEntry:
    """One article a feed or sitemap lists."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601, UTC when the feed gave a zone


@dataclass(frozen=True)
class Feed:
    kind: str  # rss, atom, json, sitemap, sitemapindex, homepage
    title: str | None
    entries: tuple[FeedEntry, ...] = ()
    feeds: tuple[str, ...] = ()  # sitemaps an index names, or feeds a homepage announces
    problem: str | None = None  # what was wrong with a feed that still gave entries


def _iso(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return None


def _absolute(link: str | None, base: str) -> str | None:
    if not link or not isinstance(link, str):
        return None
    url = urljoin(base, link.strip())
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None


def _start(content: bytes) -> bytes:
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()


def parse_feed(content: bytes, url: str, content_type: str | None = None) -> Feed:
    """The links a feed, sitemap or homepage offers; FeedError when it offers none."""
    head = _start(content)
    if not head:
        raise FeedError("empty response")
    if head.startswith(b"{"):
        return _json_feed(content, url)
    if b"<urlset" in head or b"<sitemapindex" in head or (b"<?xml" in head and _is_sitemap(content)):
        return _sitemap(content, url)
    if head.startswith((b"<!doctype html", b"<html")) or (
        content_type and "html" in content_type and b"<rss" not in head and b"<feed" not in head
    ):
        return _homepage(content, url)
    return _xml_feed(content, url, content_type)


def _xml_feed(content: bytes, url: str, content_type: str | None) -> Feed:
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed: Any = feedparser.parse(content, response_headers=headers, sanitize_html=False)
    entries = []
    for entry in parsed.entries[:MAX_ENTRIES]:
        link = entry.get("link") or next(
            (x.get("href") for x in entry.get("links", []) if x.get("rel", "alternate") == "alternate"), None
        )
        absolute = _absolute(link, url)
        if absolute:
            with warnings.catch_warnings():  # feedparser warns when `published` falls back on `updated`
                warnings.simplefilter("ignore", DeprecationWarning)
                published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
            entries.append(FeedEntry(absolute, entry.get("title") or None, published))
    error = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(error, feedparser.NonXMLContentType | feedparser.CharacterEncodingOverride):
        error = None  # about the headers or the declared encoding, not the feed
    problem = f"{type(error).__name__}: {error}" if error is not None else None
    version = parsed.get("version") or ""
    if not entries and (problem or not version):
        raise FeedError(f"not a readable feed ({problem})" if problem else "not a feed: no RSS or Atom channel found")
    kind = "atom" if version.startswith("atom") else "rss"
    return Feed(kind, parsed.feed.get("title") or None, tuple(entries), problem=problem)


def _json_feed(content: bytes, url: str) -> Feed:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedError(f"not a readable JSON Feed: {exc}") from None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise FeedError("JSON that is not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedError("JSON Feed without an items list")
    base = data.get("home_page_url") if isinstance(data.get("home_page_url"), str) else url
    entries = []
    for item in items[:MAX_ENTRIES]:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or (item.get("id") if str(item.get("id", "")).startswith("http") else None)
        absolute = _absolute(link if isinstance(link, str) else None, base or url)
        if absolute:
            published = item.get("date_published") or item.get("date_modified")
            title = item.get("title")
            entries.append(
                FeedEntry(
                    absolute,
                    title if isinstance(title, str) and title else None,
                    published if isinstance(published, str) else None,
                )
            )
    title = data.get("title")
    return Feed("json", title if isinstance(title, str) else None, tuple(entries))


def _is_sitemap(content: bytes) -> bool:
    head = content[:2048].lower()
    return b"<urlset" in head or b"<sitemapindex" in head


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _sitemap(content: bytes, url: str) -> Feed:
    try:
        root = etree.fromstring(content, _SAFE_XML)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not a readable sitemap: {exc}") from None
    if root is None:
        raise FeedError("not a readable sitemap: no XML root")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        locs = [_absolute(el.text, url) for el in root.iter() if _local(el.tag) == "loc"]
        return Feed("sitemapindex", None, feeds=tuple(x for x in locs if x)[:MAX_ENTRIES])
    if kind != "urlset":
        raise FeedError(f"not a sitemap: root element <{kind}>")
    entries = []
    for node in root:
        if _local(node.tag) != "url":
            continue
        fields: dict[str, str] = {}
        for child in node.iter():
            name = _local(child.tag)
            if name in ("loc", "lastmod", "publication_date", "title") and child.text and name not in fields:
                fields[name] = child.text.strip()
        link = _absolute(fields.get("loc"), url)
        if link:
            entries.append(
                FeedEntry(link, fields.get("title"), fields.get("publication_date") or fields.get("lastmod"))
            )
        if len(entries) >= MAX_ENTRIES:
            break
    return Feed("sitemap", None, tuple(entries))


def _homepage(content: bytes, url: str) -> Feed:
    """A page's announced feeds: `<link rel="alternate" type="application/rss+xml" href=…>` and kin."""
    try:
        doc = lxml_html.fromstring(content)
    except (etree.ParserError, ValueError) as exc:
        raise FeedError(f"not a readable page: {exc}") from None
    feeds = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and any(t in kind for t in ("rss", "atom", "feed+json", "rdf")):
            absolute = _absolute(link.get("href"), url)
            if absolute and absolute not in feeds:
                feeds.append(absolute)
    title = doc.findtext(".//title")
    return Feed("homepage", title.strip() if title else None, feeds=tuple(feeds))
