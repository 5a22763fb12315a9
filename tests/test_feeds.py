"""Feeds, sitemaps and homepages: the article links they list, from real feeds and broken ones."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from newsgraph.ingest.feeds import FeedError, parse_feed

from .conftest import SHARED

FEED_RS = SHARED / "feeds" / "feed-rs" / "feed-rs" / "fixture"
FEEDPARSER = SHARED / "feeds" / "feedparser"
BASE = "https://news.example/feed"


def test_rss_atom_json_feed_and_sitemaps() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Vale Post</title>
      <item><title>Flood wall raised</title><link>/2026/03/flood-wall</link>
        <pubDate>Tue, 03 Mar 2026 08:00:00 +0200</pubDate></item>
      <item><title>No link here</title></item></channel></rss>"""
    feed = parse_feed(rss, BASE)
    assert feed.kind == "rss" and feed.title == "Vale Post"
    (entry,) = feed.entries
    assert entry.url == "https://news.example/2026/03/flood-wall" and entry.title == "Flood wall raised"
    assert entry.published == "2026-03-03T06:00:00+00:00"
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><title>T</title>
      <link rel="alternate" href="https://news.example/a"/><updated>2026-03-04T10:00:00Z</updated></entry></feed>"""
    assert [e.url for e in parse_feed(atom, BASE).entries] == ["https://news.example/a"]
    jsonfeed = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "url": "/j/1"}]}
    assert [e.url for e in parse_feed(json.dumps(jsonfeed).encode(), BASE).entries] == ["https://news.example/j/1"]
    sitemap = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://news.example/s/1</loc>
      <news:news><news:publication_date>2026-03-05</news:publication_date><news:title>S</news:title></news:news>
      </url></urlset>"""
    (entry,) = parse_feed(sitemap, BASE).entries
    assert (entry.url, entry.title, entry.published) == ("https://news.example/s/1", "S", "2026-03-05")
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>
      <loc>https://news.example/sitemap-1.xml</loc></sitemap></sitemapindex>"""
    assert parse_feed(index, BASE).feeds == ("https://news.example/sitemap-1.xml",)


def test_homepage_announces_its_feeds() -> None:
    page = b"""<!doctype html><html><head><title>Vale Post</title>
      <link rel="alternate" type="application/rss+xml" href="/rss.xml">
      <link rel="alternate" type="application/atom+xml" href="https://news.example/atom.xml">
      <link rel="stylesheet" href="/site.css"></head><body>hi</body></html>"""
    feed = parse_feed(page, "https://news.example/", "text/html")
    assert feed.kind == "homepage"
    assert feed.feeds == ("https://news.example/rss.xml", "https://news.example/atom.xml")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   ",
        b"<html><body>no feeds</body>",
        b"{not json",
        b'{"version": "1"}',
        b"<rss><channel><item>",
        b"\x00\xff",
    ],
)
def test_unusable_input_is_a_feed_error_with_a_reason(content: bytes) -> None:
    try:
        feed = parse_feed(content, BASE)
    except FeedError as exc:
        assert exc.message
    else:  # a page without feeds parses, and announces none
        assert feed.kind == "homepage" and not feed.feeds and not feed.entries


def test_entity_bombs_are_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">
      <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://news.example/&lol3;</loc></url></urlset>"""
    feed = parse_feed(bomb, BASE)
    assert all(len(e.url) < 200 for e in feed.entries)


def _expected_links(serde: Path) -> tuple[list[str], int]:
    data = json.loads(serde.read_text(encoding="utf-8"))
    links = []
    for entry in data.get("entries", []):
        hrefs = [link["href"] for link in entry.get("links", []) if link.get("rel") in (None, "alternate")]
        if hrefs:
            links.append(hrefs[0])
    return links, len(data.get("entries", []))


@pytest.mark.shared
def test_real_feeds_give_the_links_their_parses_expect() -> None:
    if not FEED_RS.is_dir():
        pytest.skip(f"feed-rs fixtures not present at {FEED_RS}")
    checked = 0
    for path in sorted(FEED_RS.glob("*/*")):
        serde = path.with_name(path.name.rsplit(".", 1)[0] + ".serde.json")
        if path.name.endswith(".serde.json") or not serde.is_file():
            continue
        expected, entries = _expected_links(serde)
        feed = parse_feed(path.read_bytes(), BASE)
        got = [e.url for e in feed.entries]
        # every link the reference parse found, and no more links than entries (an RSS guid that is a
        # permalink counts as the item's link, as the RSS 2.0 specification says)
        paths = {urlsplit(u).path or "/" for u in got}
        assert all((urlsplit(urljoin(BASE, link)).path or "/") in paths for link in expected), path.name
        assert len(got) <= entries, path.name
        checked += 1
    assert checked >= 50


@pytest.mark.shared
@pytest.mark.parametrize("group", ["illformed", "encoding", "wellformed", "json"])
def test_feedparser_cases_never_crash(group: str) -> None:
    import feedparser

    folder = FEEDPARSER / group
    if not folder.is_dir():
        pytest.skip(f"feedparser fixtures not present at {folder}")
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        content = path.read_bytes()
        try:
            feed = parse_feed(content, BASE)
        except FeedError as exc:
            assert exc.message
            continue
        reference = feedparser.parse(content, response_headers={"content-location": BASE})
        linked = [e for e in reference.entries if e.get("link")]
        if feed.kind in ("rss", "atom"):
            assert len(feed.entries) == len(linked), path.name  # entries recovered wherever feedparser recovers them
