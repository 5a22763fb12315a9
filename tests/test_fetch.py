"""newsgraph.fetch: canonical URLs, the private-network guard, robots.txt, the polite client, WARC files.

The client is tested against a real HTTP server on 127.0.0.1 (tests/siteserver.py), which the
settings allow; no socket is mocked.
"""

from __future__ import annotations

import gzip
import itertools
import os
import re
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from newsgraph.errors import NewsgraphError
from newsgraph.fetch import (
    FETCH_CODES,
    BlockedURL,
    Fetcher,
    FetchError,
    FetchResult,
    RobotsCache,
    WarcArchive,
    canonical_url,
    check_url,
    is_fetchable,
    user_agent,
)
from newsgraph.fetch.transport import GuardedTransport
from newsgraph.settings import Settings
from tests.siteserver import Site

PAGE = "<html><head><title>A page</title></head><body><p>Some news.</p></body></html>"
NOTHING = frozenset[str]()


def fetch_settings(**changes: Any) -> Settings:
    """Fast settings for tests: 127.0.0.1 allowed, no pacing, short backoff."""
    values: dict[str, Any] = {
        "fetch_allow_hosts": "127.0.0.1",
        "fetch_host_delay": 0.0,
        "fetch_backoff": 0.05,
        "fetch_retries": 3,
        "fetch_max_wait": 10.0,
        "fetch_connect_timeout": 2.0,
        "fetch_read_timeout": 5.0,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(fetch_settings()) as opened:
        yield opened


def fetch_error(fetcher: Fetcher, url: str, **options: Any) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url, **options)
    assert caught.value.code in FETCH_CODES
    return caught.value


# -- canonical URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.COM/News/Story", "http://example.com/News/Story"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        # tracking parameters go, meaningful ones stay in their order
        ("https://ex.com/a?utm_source=tw&utm_medium=social&id=7", "https://ex.com/a?id=7"),
        ("https://ex.com/a?fbclid=IwAR0&gclid=x&mc_cid=1&mc_eid=2", "https://ex.com/a"),
        ("https://ex.com/a?page=2&UTM_Campaign=x&sort=new", "https://ex.com/a?page=2&sort=new"),
        ("https://ex.com/a?z=1&a=2", "https://ex.com/a?z=1&a=2"),
        ("https://ex.com/a?gallery=3&game=1&cid=9&source=x", "https://ex.com/a?gallery=3&game=1&cid=9&source=x"),
        ("https://ex.com/a?print&lang=", "https://ex.com/a?print&lang="),
        ("https://ex.com/a?x=1&&y=2&", "https://ex.com/a?x=1&y=2"),
        ("https://ex.com/a?q=a+b&tag=c%2Fd", "https://ex.com/a?q=a+b&tag=c%2Fd"),
        ("https://ex.com/a?CMP=share_btn_tw&xtor=RSS-1&pk_campaign=x&ncid=rss", "https://ex.com/a"),
        ("https://ex.com/?utm_source=x", "https://ex.com/"),
        # paths: dot segments, escapes, reserved characters kept
        ("https://ex.com/a/./b/../c", "https://ex.com/a/c"),
        ("https://ex.com/%7euser/%e2%82%ac", "https://ex.com/~user/%E2%82%AC"),
        ("https://ex.com/caf\u00e9 au lait", "https://ex.com/caf%C3%A9%20au%20lait"),
        ("https://ex.com/a+b;c=d/(1)", "https://ex.com/a+b;c=d/(1)"),
        ("https://medium.com/@writer/a-story-1f2e", "https://medium.com/@writer/a-story-1f2e"),
        ("https://ex.com/a/", "https://ex.com/a/"),
        # hosts
        ("https://xn--bcher-kva.example/a", "https://bücher.example/a"),
        ("http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"),
        ("https://user:Secret@Ex.com/a", "https://user:Secret@ex.com/a"),
        # AMP variants map to the page
        ("https://www.ex.com/news/amp/world-123", "https://www.ex.com/news/world-123"),
        ("https://ex.com/2024/05/story/amp/", "https://ex.com/2024/05/story/"),
        ("https://ex.com/2024/05/story/amp", "https://ex.com/2024/05/story"),
        ("https://ex.com/story?amp=1", "https://ex.com/story"),
        ("https://ex.com/story?amp", "https://ex.com/story"),
        ("https://ex.com/story?outputType=amp&id=2", "https://ex.com/story?id=2"),
        ("https://ex.com/story.amp.html", "https://ex.com/story.html"),
        ("https://www-ex-com.cdn.ampproject.org/c/s/www.ex.com/story/amp/?usqp=mq331AQ", "https://www.ex.com/story/"),
        ("https://www.google.com/amp/s/www.ex.com/a/story?amp=1", "https://www.ex.com/a/story"),
        ("https://ex-com.cdn.ampproject.org/c/ex.com/b", "http://ex.com/b"),
        # … and only clear AMP patterns
        ("https://ex.com/ampere/amplifier", "https://ex.com/ampere/amplifier"),
        ("https://ex.com/story?amp=0", "https://ex.com/story?amp=0"),
        ("https://amp.ex.com/story", "https://amp.ex.com/story"),
        ("https://ex.com/examples.html", "https://ex.com/examples.html"),
        # not web URLs: unchanged
        ("mailto:desk@ex.com", "mailto:desk@ex.com"),
        ("javascript:void(0)", "javascript:void(0)"),
        ("/relative/path", "/relative/path"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_canonical_url_is_idempotent() -> None:
    for url in ("https://Ex.com/a/../b?utm_source=x&q=1#f", "https://ex.com/story/amp/?amp=1", "https://ex.com/é"):
        once = canonical_url(url)
        assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("url", "fetchable"),
    [
        ("https://example.com/a", True),
        ("http://127.0.0.1:8000/", True),
        ("HTTPS://EX.COM", True),
        ("http://[::1]/", True),
        ("ftp://example.com/file", False),
        ("file:///etc/passwd", False),
        ("mailto:someone@example.com", False),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//example.com/a", False),
        ("/a/b", False),
        ("http:///path", False),
        ("https://example.com:99999/", False),
        ("https://example.com:port/", False),
        ("http://exa mple.com/", False),
        ("", False),
    ],
)
def test_is_fetchable(url: str, fetchable: bool) -> None:
    assert is_fetchable(url) is fetchable


# -- the private-network guard -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.8.9.10:8080/",
        "http://10.1.2.3/x",
        "http://172.16.0.1/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://0.0.0.0/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://224.0.0.1/",  # multicast
        "http://255.255.255.255/",
        "http://240.0.0.1/",  # reserved
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[::ffff:10.0.0.1]/",
        "http://[2002:a00:1::]/",  # 6to4 of 10.0.0.1
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://localhost/",  # a name resolving to loopback
        "http://LOCALHOST.:8000/",
        "http://2130706433/",  # 127.0.0.1 written as a number
    ],
)
def test_guard_refuses_private_addresses(url: str) -> None:
    with pytest.raises(BlockedURL) as caught:
        check_url(url, NOTHING)
    assert caught.value.code == "blocked"
    assert isinstance(caught.value, NewsgraphError)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)"])
def test_guard_refuses_other_schemes(url: str) -> None:
    with pytest.raises(BlockedURL, match="scheme"):
        check_url(url, NOTHING)


@pytest.mark.parametrize("url", ["http://93.184.215.14/", "https://8.8.8.8:8443/a", "http://[2606:4700:4700::1111]/"])
def test_guard_lets_public_addresses_through(url: str) -> None:
    check_url(url, NOTHING)


def test_guard_allow_hosts_with_and_without_port() -> None:
    check_url("http://127.0.0.1:8000/", frozenset({"127.0.0.1"}))
    check_url("http://localhost:8000/", frozenset({"localhost:8000"}))
    check_url("http://LocalHost/", frozenset({"localhost"}))
    check_url("http://[::1]:9000/", frozenset({"[::1]"}))
    with pytest.raises(BlockedURL):
        check_url("http://localhost:9000/", frozenset({"localhost:8000"}))
    with pytest.raises(BlockedURL):
        check_url("http://10.0.0.1/", frozenset({"127.0.0.1"}))


def test_guard_checks_addresses_again_when_connecting(site: Site) -> None:
    """The transport refuses a private address even when the URL was never checked (DNS rebinding)."""
    site.route("/secret", "no")
    with httpx.Client(transport=GuardedTransport(NOTHING)) as client, pytest.raises(BlockedURL):
        client.get(site.url("/secret"))
    assert site.requested("/secret") == []
    with httpx.Client(transport=GuardedTransport(frozenset({"127.0.0.1"}))) as client:
        assert client.get(site.url("/secret")).text == "no"


# -- robots.txt, without a server ----------------------------------------------------------------


class FakeRobots:
    """A robots.txt fetch answering what the test sets, counting calls, on a clock the test moves."""

    def __init__(self, status: int, body: bytes = b"", error: FetchError | None = None) -> None:
        self.status, self.body, self.error = status, body, error
        self.calls: list[str] = []
        self.now = 1000.0

    def __call__(self, url: str) -> tuple[int, bytes]:
        self.calls.append(url)
        if self.error is not None:
            raise self.error
        return self.status, self.body

    def clock(self) -> float:
        return self.now


def test_robots_rules_are_cached_per_origin_for_the_ttl() -> None:
    fake = FakeRobots(200, b"User-agent: *\nDisallow: /private\nCrawl-delay: 2.5\n")
    cache = RobotsCache(fake, ttl=100, clock=fake.clock)
    assert cache.allowed("https://ex.com/news/1", "newsgraph")
    assert not cache.allowed("https://ex.com/private/x", "newsgraph")
    assert cache.crawl_delay("https://ex.com/", "newsgraph") == 2.5
    assert fake.calls == ["https://ex.com/robots.txt"]
    cache.allowed("http://ex.com/a", "newsgraph")  # another scheme is another origin
    cache.allowed("https://ex.com:8443/a", "newsgraph")  # so is another port
    assert len(fake.calls) == 3
    fake.now += 101
    cache.allowed("https://ex.com/news/1", "newsgraph")
    assert len(fake.calls) == 4


def test_robots_4xx_allows_everything_and_5xx_disallows_for_a_while() -> None:
    missing = FakeRobots(404, b"<html>not found</html>")
    cache = RobotsCache(missing, clock=missing.clock)
    assert cache.allowed("https://ex.com/anything", "newsgraph")

    failing = FakeRobots(503)
    cache = RobotsCache(failing, ttl=86400, retry_after=600, clock=failing.clock)
    rules = cache.rules("https://ex.com/a")
    assert rules.unreachable and rules.failure == "retry_later"
    assert not cache.allowed("https://ex.com/a", "newsgraph")
    failing.now += 599
    cache.allowed("https://ex.com/a", "newsgraph")
    assert len(failing.calls) == 1
    failing.status, failing.body = 200, b"User-agent: *\nAllow: /\n"
    failing.now += 2
    assert cache.allowed("https://ex.com/a", "newsgraph")
    assert len(failing.calls) == 2


def test_robots_unreachable_and_redirect_loops() -> None:
    down = FakeRobots(0, error=FetchError("connection_failed", "refused", "https://ex.com/robots.txt"))
    rules = RobotsCache(down, clock=down.clock).rules("https://ex.com/a")
    assert rules.unreachable and rules.failure == "connection_failed"
    looping = FakeRobots(0, error=FetchError("too_many_redirects", "loop", "https://ex.com/robots.txt"))
    assert RobotsCache(looping, clock=looping.clock).allowed("https://ex.com/a", "newsgraph")


def test_robots_groups_match_the_product_token() -> None:
    body = b"User-agent: newsgraph\nDisallow: /no-newsgraph\n\nUser-agent: example\nDisallow: /\n"
    cache = RobotsCache(FakeRobots(200, body))
    assert not cache.allowed("https://ex.com/no-newsgraph/1", "newsgraph")
    assert cache.allowed("https://ex.com/other", "newsgraph")


# -- the client against a real server ------------------------------------------------------------


def test_fetch_a_page(site: Site, fetcher: Fetcher) -> None:
    site.route("/page", PAGE, headers={"X-Served-By": "test"})
    result = fetcher.fetch(site.url("/page"))
    assert isinstance(result, FetchResult)
    assert result.status == 200 and result.content == PAGE.encode()
    assert result.url == result.final_url == site.url("/page")
    assert result.redirects == ()
    assert result.headers["x-served-by"] == "test"
    assert result.content_type == "text/html"
    assert datetime.strptime(result.fetched_at, "%Y-%m-%dT%H:%M:%SZ").year >= 2024
    assert result.elapsed >= 0
    assert result.request_headers["user-agent"].startswith("newsgraph/")
    assert result.request_headers["accept-encoding"] == "gzip, deflate"


def test_user_agent_names_newsgraph_and_the_contact(site: Site) -> None:
    site.route("/page", PAGE)
    with Fetcher(fetch_settings(fetch_contact="https://example.org/crawler")) as fetcher:
        fetcher.fetch(site.url("/page"))
    agent = site.requested("/page")[0]["user-agent"]
    assert re.fullmatch(r"newsgraph/\S+ \(\+https://example\.org/crawler\)", agent)
    assert site.requested("/robots.txt")[0]["user-agent"] == agent
    assert re.fullmatch(r"newsgraph/[^\s()]+", user_agent(""))


def test_conditional_get_gets_304(site: Site, fetcher: Fetcher) -> None:
    modified = "Wed, 01 May 2024 10:00:00 GMT"
    site.route("/feed", PAGE, etag='"v1"', last_modified=modified)
    first = fetcher.fetch(site.url("/feed"))
    assert first.status == 200 and first.etag == '"v1"' and first.last_modified == modified
    second = fetcher.fetch(site.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304 and second.not_modified and second.content == b""
    assert second.etag == '"v1"' and second.last_modified == modified
    sent = site.requested("/feed")[1]
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == modified


def test_429_with_retry_after_is_retried(site: Site, fetcher: Fetcher) -> None:
    route = site.route("/busy", PAGE, statuses=[429], headers={"Retry-After": "1"})
    started = time.monotonic()
    result = fetcher.fetch(site.url("/busy"))
    assert result.status == 200 and result.content == PAGE.encode()
    assert route.hits == 2
    assert time.monotonic() - started >= 0.9  # the Retry-After was honoured


def test_503_twice_then_200(site: Site, fetcher: Fetcher) -> None:
    route = site.route("/flaky", PAGE, statuses=[503, 503])
    assert fetcher.fetch(site.url("/flaky")).status == 200
    assert route.hits == 3


def test_5xx_after_the_retries_is_an_http_error(site: Site) -> None:
    route = site.route("/down", "oops", status=502)
    with Fetcher(fetch_settings(fetch_retries=1)) as fetcher:
        error = fetch_error(fetcher, site.url("/down"))
    assert error.code == "http_error" and "502" in error.reason
    assert route.hits == 2


def test_4xx_is_not_retried(site: Site, fetcher: Fetcher) -> None:
    error = fetch_error(fetcher, site.url("/missing"))
    assert error.code == "http_error" and "404" in error.reason
    assert len(site.requested("/missing")) == 1


def test_a_long_retry_after_gives_retry_later(site: Site, fetcher: Fetcher) -> None:
    route = site.route("/later", PAGE, status=503, headers={"Retry-After": "3600"})
    error = fetch_error(fetcher, site.url("/later"))
    assert error.code == "retry_later" and error.retry_at is not None
    wait = datetime.strptime(error.retry_at, "%Y-%m-%dT%H:%M:%S%z") - datetime.now(UTC)
    assert 3500 < wait.total_seconds() <= 3600
    assert route.hits == 1


def test_a_5xx_that_says_when_defers_after_the_retries(site: Site) -> None:
    site.route("/maintenance", "back soon", status=503, headers={"Retry-After": "5"})
    with Fetcher(fetch_settings(fetch_retries=0)) as fetcher:
        error = fetch_error(fetcher, site.url("/maintenance"))
    assert error.code == "retry_later" and "503" in error.reason and error.retry_at is not None


def test_retry_after_as_an_http_date(site: Site, fetcher: Fetcher) -> None:
    site.route("/dated", PAGE, status=429, headers={"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"})
    error = fetch_error(fetcher, site.url("/dated"))
    assert error.code == "retry_later" and error.retry_at is not None and error.retry_at.startswith("2100-01-01")


def test_redirects_are_followed_and_recorded(site: Site, fetcher: Fetcher) -> None:
    site.route("/old", status=301, headers={"Location": "/middle"})
    site.route("/middle", status=302, headers={"Location": site.url("/new#top")})
    site.route("/new", PAGE)
    result = fetcher.fetch(site.url("/old"))
    assert result.status == 200 and result.content == PAGE.encode()
    assert result.redirects == (site.url("/old"), site.url("/middle"))
    assert result.url == site.url("/old") and result.final_url == site.url("/new")


def test_too_many_redirects(site: Site) -> None:
    site.route("/loop", status=302, headers={"Location": "/loop"})
    with Fetcher(fetch_settings(fetch_max_redirects=3)) as fetcher:
        error = fetch_error(fetcher, site.url("/loop"))
    assert error.code == "too_many_redirects"
    assert len(site.requested("/loop")) == 4


@pytest.mark.parametrize(
    "location",
    ["http://localhost:{port}/secret", "http://192.168.0.1/admin", "http://[::1]:{port}/secret", "file:///etc/passwd"],
)
def test_a_redirect_to_a_private_address_is_blocked(site: Site, fetcher: Fetcher, location: str) -> None:
    site.route("/secret", "internal")
    site.route("/jump", status=302, headers={"Location": location.format(port=site.port)})
    error = fetch_error(fetcher, site.url("/jump"))
    assert error.code == "blocked"
    assert site.requested("/secret") == []  # refused before connecting: nothing was sent


def test_robots_disallow_and_robots_fetched_once_per_host(site: Site, fetcher: Fetcher) -> None:
    robots = site.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.route("/private/page", PAGE)
    site.route("/public", PAGE)
    assert fetch_error(fetcher, site.url("/private/page")).code == "robots_disallowed"
    assert fetcher.fetch(site.url("/public")).status == 200
    assert fetcher.fetch(site.url("/public")).status == 200
    assert not fetcher.allowed(site.url("/private/other"))
    assert site.requested("/private/page") == []
    assert robots.hits == 1


def test_robots_on_a_redirect_target(site: Site, fetcher: Fetcher) -> None:
    site.route("/robots.txt", "User-agent: newsgraph\nDisallow: /kept\n", content_type="text/plain")
    site.route("/go", status=302, headers={"Location": "/kept/page"})
    site.route("/kept/page", PAGE)
    assert fetch_error(fetcher, site.url("/go")).code == "robots_disallowed"
    assert site.requested("/kept/page") == []


def test_robots_server_error_defers_the_host(site: Site, fetcher: Fetcher) -> None:
    site.route("/robots.txt", "down", status=503)
    site.route("/page", PAGE)
    error = fetch_error(fetcher, site.url("/page"))
    assert error.code == "retry_later" and error.retry_at is not None
    assert site.requested("/page") == []


def test_crawl_delay_applies_when_longer_than_the_host_delay(site: Site) -> None:
    site.route("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain")
    site.route("/a", PAGE)
    with Fetcher(fetch_settings(fetch_host_delay=0.0)) as fetcher:
        assert fetcher.fetch(site.url("/a")).status == 200
    times = dict(zip([path for _, path, _ in site.requests], site.request_times, strict=True))
    assert times["/a"] - times["/robots.txt"] >= 0.25


def test_a_pause_longer_than_max_wait_defers(site: Site) -> None:
    site.route("/robots.txt", "User-agent: *\nCrawl-delay: 120\n", content_type="text/plain")
    site.route("/a", PAGE)
    with Fetcher(fetch_settings(fetch_max_wait=1.0)) as fetcher:
        error = fetch_error(fetcher, site.url("/a"))  # two minutes after the robots.txt request
    assert error.code == "retry_later" and error.retry_at is not None
    assert site.requested("/a") == []


def test_too_large_with_content_length(site: Site) -> None:
    site.route("/big", b"x" * 5000)
    with Fetcher(fetch_settings(fetch_max_bytes=1000)) as fetcher:
        assert fetch_error(fetcher, site.url("/big")).code == "too_large"


def test_too_large_without_content_length(site: Site) -> None:
    site.route("/stream", b"x" * 200_000, chunked=True)
    site.route("/small", b"y" * 500, chunked=True)
    with Fetcher(fetch_settings(fetch_max_bytes=100_000)) as fetcher:
        assert fetch_error(fetcher, site.url("/stream")).code == "too_large"
        small = fetcher.fetch(site.url("/small"))
    assert small.content == b"y" * 500
    assert small.headers["transfer-encoding"] == "chunked" and "content-length" not in small.headers


def test_a_gzip_bomb_is_too_large(site: Site) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire, 50 MB inflated
    double = gzip.compress(gzip.compress(b"\0" * 200_000_000))  # a few hundred bytes, 200 MB inflated
    site.route("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    site.route("/bomb2", double, headers={"Content-Encoding": "gzip, gzip"}, chunked=True)
    with Fetcher(fetch_settings(fetch_max_bytes=1_000_000)) as fetcher:
        assert fetch_error(fetcher, site.url("/bomb")).code == "too_large"
        assert fetch_error(fetcher, site.url("/bomb2")).code == "too_large"


def test_compressed_bodies_are_decoded(site: Site, fetcher: Fetcher) -> None:
    site.route("/gz", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    site.route("/br", b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
    site.route("/broken", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    assert fetcher.fetch(site.url("/gz")).content == PAGE.encode()
    assert fetch_error(fetcher, site.url("/br")).code == "bad_encoding"
    assert fetch_error(fetcher, site.url("/broken")).code == "bad_encoding"


def test_wrong_content_type(site: Site, fetcher: Fetcher) -> None:
    site.route("/image", b"\x89PNG....", content_type="image/png")
    site.route("/feed.xml", "<rss/>", content_type="application/rss+xml; charset=utf-8")
    error = fetch_error(fetcher, site.url("/image"))
    assert error.code == "wrong_type" and "image/png" in error.reason
    assert fetch_error(fetcher, site.url("/feed.xml")).code == "wrong_type"
    assert fetcher.fetch(site.url("/feed.xml"), accept=("application/rss+xml", "text/xml")).content == b"<rss/>"
    assert fetcher.fetch(site.url("/image"), accept=None).status == 200
    assert site.requested("/feed.xml")[-1]["accept"] == "application/rss+xml, text/xml"


def test_a_slow_server_times_out(site: Site) -> None:
    site.route("/slow", PAGE, delay=2.0)
    with Fetcher(fetch_settings(fetch_read_timeout=0.5)) as fetcher:
        started = time.monotonic()
        assert fetch_error(fetcher, site.url("/slow")).code == "timeout"
    assert time.monotonic() - started < 1.9


def test_a_refused_connection_fails_after_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Fetcher(fetch_settings(fetch_retries=1)) as fetcher:
        error = fetch_error(fetcher, f"http://127.0.0.1:{port}/page")
    assert error.code == "connection_failed"  # robots.txt could not be reached either


def test_requests_to_one_host_are_paced(site: Site) -> None:
    site.route("/one", PAGE)
    site.route("/two", PAGE)
    with Fetcher(fetch_settings(fetch_host_delay=0.3)) as fetcher:
        fetcher.fetch(site.url("/one"))
        fetcher.fetch(site.url("/two"))
    times = dict(zip([path for _, path, _ in site.requests], site.request_times, strict=True))
    assert times["/two"] - times["/one"] >= 0.25
    assert times["/one"] - times["/robots.txt"] >= 0.25


def test_one_request_at_a_time_per_host(site: Site) -> None:
    """Threads share one fetcher: robots.txt is asked for once, and requests to a host never overlap."""
    paths = [f"/p{n}" for n in range(4)]
    for path in paths:
        site.route(path, PAGE, delay=0.1)
    with Fetcher(fetch_settings()) as fetcher, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda p: fetcher.fetch(site.url(p)), paths))
    assert [r.status for r in results] == [200] * 4
    assert len(site.requested("/robots.txt")) == 1
    starts = sorted(t for (_, path, _), t in zip(site.requests, site.request_times, strict=True) if path in paths)
    assert all(later - earlier >= 0.08 for earlier, later in itertools.pairwise(starts))


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://127.0.0.1/file", "blocked"),
        ("file:///etc/passwd", "blocked"),
        ("javascript:alert(1)", "blocked"),
        ("not a url", "bad_url"),
        ("http:///path", "bad_url"),
        ("http://127.0.0.1:99999/", "bad_url"),
        ("http://10.0.0.1/", "blocked"),
    ],
)
def test_urls_that_are_refused(fetcher: Fetcher, url: str, code: str) -> None:
    error = fetch_error(fetcher, url)
    assert error.code == code and isinstance(error, NewsgraphError)


def test_a_transport_can_be_given() -> None:
    """Tests elsewhere can swap the network for httpx.MockTransport; the URL guard still applies."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=PAGE.encode())

    with Fetcher(fetch_settings(), transport=httpx.MockTransport(answer)) as fetcher:
        assert fetcher.fetch("http://93.184.215.14/page").content == PAGE.encode()
        assert fetch_error(fetcher, "http://10.0.0.1/page").code == "blocked"
    assert seen == ["/robots.txt", "/page"]


# -- WARC ---------------------------------------------------------------------------------------


def result_for(url: str, body: bytes, **changes: Any) -> FetchResult:
    values: dict[str, Any] = {
        "url": url,
        "final_url": url,
        "status": 200,
        "headers": {"content-type": "text/html", "content-encoding": "gzip", "content-length": "12"},
        "content": body,
        "fetched_at": "2024-05-01T10:00:00Z",
        "elapsed": 0.1,
        "etag": None,
        "last_modified": None,
        "request_headers": {"host": "news.example", "user-agent": "newsgraph/test", "accept": "text/html"},
        "reason": "OK",
        "raw_headers": (
            ("Content-Type", "text/html"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ),
    }
    values.update(changes)
    return FetchResult(**values)


def records_at(path: Path, offset: int) -> Iterator[Any]:
    with path.open("rb") as handle:
        handle.seek(offset)
        yield from ArchiveIterator(handle)


def test_warc_round_trip(tmp_path: Path) -> None:
    with WarcArchive(tmp_path, max_bytes=10_000_000) as archive:
        name1, offset1 = archive.write(result_for("https://news.example/a?id=1", b"<p>first</p>"))
        name2, offset2 = archive.write(result_for("https://news.example/b", b"<p>second</p>", status=404, reason="X"))
    assert name1 == name2 and offset2 > offset1 > 0
    assert re.fullmatch(r"newsgraph-\d{14}-00001\.warc\.gz", name1)
    path = tmp_path / name1

    with path.open("rb") as handle:
        kinds = [record.rec_type for record in ArchiveIterator(handle)]
    assert kinds == ["warcinfo", "response", "request", "response", "request"]

    records = records_at(path, offset1)
    response = next(records)
    assert response.rec_type == "response"
    assert response.rec_headers.get_header("WARC-Target-URI") == "https://news.example/a?id=1"
    assert response.rec_headers.get_header("WARC-Date") == "2024-05-01T10:00:00Z"
    assert response.http_headers.get_statuscode() == "200"
    assert response.http_headers.get_header("Content-Encoding") is None
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.http_headers.get_header("Content-Length") == str(len(b"<p>first</p>"))
    assert [v for k, v in response.http_headers.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert response.content_stream().read() == b"<p>first</p>"
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    request = next(records)
    assert request.rec_type == "request"
    assert request.rec_headers.get_header("WARC-Concurrent-To") == response_id
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.get_header("User-Agent") == "newsgraph/test"

    second = next(records_at(path, offset2))
    assert second.rec_headers.get_header("WARC-Target-URI") == "https://news.example/b"
    assert second.http_headers.get_statuscode() == "404"
    assert second.content_stream().read() == b"<p>second</p>"


def test_warc_files_rotate(tmp_path: Path) -> None:
    bodies = [os.urandom(3_000) for _ in range(3)]  # incompressible, so each record passes max_bytes
    archive = WarcArchive(tmp_path / "warc", max_bytes=2_000, prefix="test")
    written = [archive.write(result_for(f"https://news.example/{n}", body)) for n, body in enumerate(bodies)]
    archive.close()
    names = [name for name, _ in written]
    assert len(set(names)) == 3 and names == archive.files
    assert [name[-13:] for name in names] == ["00001.warc.gz", "00002.warc.gz", "00003.warc.gz"]
    assert all(re.fullmatch(r"test-\d{14}-\d{5}\.warc\.gz", name) for name in names)
    for n, (name, offset) in enumerate(written):
        with (tmp_path / "warc" / name).open("rb") as handle:
            first = next(iter(ArchiveIterator(handle)))
            assert first.rec_type == "warcinfo"
            assert first.rec_headers.get_header("WARC-Filename") == name
        record = next(records_at(tmp_path / "warc" / name, offset))
        assert record.rec_headers.get_header("WARC-Target-URI") == f"https://news.example/{n}"
        assert record.content_stream().read() == bodies[n]


def test_warc_keeps_a_fetched_page(site: Site, fetcher: Fetcher, tmp_path: Path) -> None:
    site.route("/old", status=301, headers={"Location": "/story"})
    site.route("/story", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip", "X-Id": "7"})
    result = fetcher.fetch(site.url("/old"))
    with WarcArchive(tmp_path, max_bytes=1_000_000) as archive:
        name, offset = archive.write(result)
    records = records_at(tmp_path / name, offset)
    response = next(records)
    assert response.rec_headers.get_header("WARC-Target-URI") == site.url("/story")
    assert response.rec_headers.get_header("WARC-Date") == result.fetched_at
    assert response.http_headers.get_header("X-Id") == "7"
    assert response.http_headers.get_header("Content-Encoding") is None
    assert response.content_stream().read() == PAGE.encode()
    request = next(records)
    assert request.http_headers.get_header("If-None-Match") is None
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline.startswith("/story ")
