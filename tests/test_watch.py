"""Following sources live, against a real HTTP server on 127.0.0.1: polls, conditional requests,
restarts, failures that stay contained, WARC evidence that re-ingests to the same articles."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.run import ingest_paths
from newsgraph.run.watch import PollSummary, Watcher, parse_interval, watch
from newsgraph.settings import Settings
from newsgraph.store.base import Store
from newsgraph.store.connect import open_store
from newsgraph.store.follow import follow_source, followed_sources

from .siteserver import Site

TOWNS = ["Kessab Vale", "Dorrin Ford", "Ulmar Heights", "Brask Hollow", "Tevin Cross", "Marrow Quay"]


def _page(n: int) -> str:
    town = TOWNS[n % len(TOWNS)]
    paras = [
        f"Volunteers in {town} worked through the night of day {n} to raise the flood wall by another "
        f"{n + 2} courses of sandbags, the town's emergency officer, Ilse Varnow, told reporters.",
        f"The river gauge at the old mill read {3 + n / 10:.1f} metres at dawn, and the council said it had "
        f"ordered {40 + n} more pallets of sand from the depot at Orrick.",
        f"\u201cWe have done this before and we will do it again,\u201d said Varnow, who has led the {town} "
        f"response for {n + 3} years. Schools in the district stayed closed for a {n % 3 + 1}-day stretch.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f"<!doctype html><html><head><title>{town} raises its flood wall, report {n}</title>"
        f'<meta property="og:site_name" content="Vale Post">'
        f'<meta property="article:published_time" content="2026-04-{n % 28 + 1:02d}T08:00:00+00:00"></head>'
        f"<body><article><h1>{town} raises its flood wall, report {n}</h1>{body}</article></body></html>"
    )


def _rss(site: Site, numbers: range) -> str:
    items = "".join(
        f"<item><title>Report {n}</title><link>{site.url(f'/news/{n}?utm_source=feed')}</link></item>" for n in numbers
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Vale Post</title>{items}</channel></rss>'


@pytest.fixture
def site() -> Site:
    with Site() as running:
        for n in range(8):
            running.route(f"/news/{n}", _page(n))
        running.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        yield running


@pytest.fixture
def config(tmp_path: Path) -> Settings:
    return Settings(
        db=str(tmp_path / "watch.db"),
        processes=1,
        fetch_allow_hosts="127.0.0.1",
        fetch_host_delay=0,
        fetch_backoff=0.01,
        data_dir=str(tmp_path / "data"),
        watch_interval=0.1,
    )


def _articles(store: Store) -> dict[str, str]:
    return dict(store.conn.execute("SELECT id, url FROM articles").fetchall())


def test_two_polls_and_a_restart_ingest_every_article_once(site: Site, config: Settings) -> None:
    site.route("/feed.xml", _rss(site, range(5)), content_type="application/rss+xml", etag='"v1"')
    with open_store(config.db) as store:
        follow_source(store, site.url("/feed.xml"))
        (first,) = watch(store, config, once=True)
        assert first.ingest.articles == 5 and first.fetched == 5
        stored = _articles(store)
        assert len(stored) == 5
        assert all("utm_source" not in url for url in stored.values()), "tracking parameters dropped"
        time.sleep(0.2)
        (second,) = watch(store, config, once=True)
    assert second.not_modified == 1 and second.fetched == 0
    feed_requests = site.requested("/feed.xml")
    assert feed_requests[-1].get("if-none-match") == '"v1"', "the second poll is a conditional request"
    # a restart: new process state, the feed gains three entries; only those are fetched
    site.route("/feed.xml", _rss(site, range(8)), content_type="application/rss+xml", etag='"v2"')
    time.sleep(0.2)
    with open_store(config.db) as store:
        (third,) = watch(store, config, once=True)
        assert third.fetched == 3 and third.ingest.articles == 3
        assert len(_articles(store)) == 8
        (row,) = followed_sources(store)
    assert all(site.routes[f"/news/{n}"].hits == 1 for n in range(8)), "every page fetched once"
    assert row["articles"] == 8 and row["errors"] == 0 and row["kind"] == "rss"


def test_warc_evidence_reingests_to_the_same_articles(site: Site, config: Settings, tmp_path: Path) -> None:
    site.route("/feed.xml", _rss(site, range(6)), content_type="application/rss+xml")
    with open_store(config.db) as store:
        follow_source(store, site.url("/feed.xml"))
        watch(store, config, once=True)
        watched = _articles(store)
        captured = store.conn.execute("SELECT COUNT(*) FROM captures WHERE article_id IS NOT NULL").fetchone()[0]
    assert captured == 6
    warcs = sorted((Path(config.data_dir) / "warc").glob("*.warc.gz"))
    assert warcs
    from fastapi.testclient import TestClient

    from newsgraph.web.app import create_app

    some = sorted(watched)[0]
    with TestClient(create_app(config.db, config)) as client:
        shown = client.get(f"/api/v1/articles/{some}/capture")
        assert shown.status_code == 200 and shown.headers["content-type"].startswith("text/plain")
        assert "sandbox" in shown.headers["content-security-policy"]
        assert f"WARC-Target-URI: {watched[some]}" in shown.text and "raises its flood wall" in shown.text
        assert "the page as captured" in client.get(f"/articles/{some}").text
    with open_store(tmp_path / "again.db") as store:
        summary = ingest_paths(warcs, store, config)
        assert summary.articles == 6
        assert _articles(store) == watched


def test_a_dead_or_broken_feed_never_stops_the_others(site: Site, config: Settings) -> None:
    site.route("/feed.xml", _rss(site, range(3)), content_type="application/rss+xml")
    site.route("/broken.xml", "<rss><channel><item><title>", content_type="application/rss+xml")
    site.route("/private-feed.xml", "no", status=404)
    site.route(
        "/mixed.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>M</title>'
        f"<item><link>{site.url('/private/secret')}</link></item>"
        "<item><link>http://10.20.30.40/intranet</link></item>"
        f"<item><link>{site.url('/missing')}</link></item></channel></rss>",
        content_type="application/rss+xml",
    )
    with open_store(config.db) as store:
        for path in ("/broken.xml", "/private-feed.xml", "/mixed.xml", "/feed.xml"):
            follow_source(store, site.url(path))
        (poll,) = watch(store, config, once=True)
        assert poll.ingest.articles == 3 and poll.failed_sources == 2
        rows = {r["url"].rsplit("/", 1)[1]: r for r in followed_sources(store)}
        dead = rows["private-feed.xml"]
        assert dead["errors"] == 1 and dead["last_status"] == "http_error" and "404" in dead["last_error"]
        assert rows["broken.xml"]["last_status"] == "bad_feed"
        codes = dict(store.conn.execute("SELECT code, COUNT(*) FROM rejections GROUP BY code").fetchall())
    assert codes.get("bad_feed") == 1
    assert codes.get("robots_disallowed") == 1 and codes.get("blocked") == 1 and codes.get("http_error") == 1
    assert not site.requested("/private/secret"), "robots.txt is honoured"


def test_a_homepage_leads_to_its_feed(site: Site, config: Settings) -> None:
    site.route("/rss.xml", _rss(site, range(2)), content_type="application/rss+xml")
    site.route("/", '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head></html>')
    with open_store(config.db) as store:
        follow_source(store, site.url("/"))
        (poll,) = watch(store, config, once=True)
        (row,) = followed_sources(store)
    assert poll.ingest.articles == 2
    assert row["kind"] == "homepage" and row["feed_url"] == site.url("/rss.xml")


def test_cli_follow_list_watch_unfollow(site: Site, config: Settings, tmp_path: Path) -> None:
    site.route("/feed.xml", _rss(site, range(2)), content_type="application/rss+xml")
    sources = tmp_path / "sources.txt"
    sources.write_text(f"# our feeds\n{site.url('/feed.xml')}  # the wire\n\n")
    runner = CliRunner()
    env = {
        "NEWSGRAPH_ALLOW_HOSTS": "127.0.0.1",
        "NEWSGRAPH_FETCH_HOST_DELAY": "0",
        "NEWSGRAPH_DATA_DIR": config.data_dir,
    }
    db = ["--db", config.db]
    assert runner.invoke(app, ["follow", "--file", str(sources), *db], env=env).exit_code == 0
    result = runner.invoke(app, ["watch", "--once", "--json", *db], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["articles"] == 2
    listing = runner.invoke(app, ["follow", "--list", "--json", *db], env=env)
    (row,) = [json.loads(line) for line in listing.stdout.splitlines()]
    assert row["articles"] == 2 and row["last_status"] == "ok"
    assert runner.invoke(app, ["unfollow", site.url("/feed.xml"), *db], env=env).exit_code == 0
    assert runner.invoke(app, ["unfollow", site.url("/feed.xml"), *db], env=env).exit_code == 2
    assert runner.invoke(app, ["follow", "ftp://example.org/feed", *db], env=env).exit_code == 2
    assert runner.invoke(app, ["watch", "--interval", "soon", *db], env=env).exit_code == 2


def test_failing_sources_back_off_and_recover(store: Store) -> None:
    from datetime import datetime

    from newsgraph.store.follow import record_poll

    follow_source(store, "https://feeds.example/dead.xml")

    def wait() -> float:
        (row,) = followed_sources(store)
        return (datetime.fromisoformat(row["next_poll"]) - datetime.fromisoformat(row["last_poll"])).total_seconds()

    record_poll(store, "https://feeds.example/dead.xml", "timeout", 60, error="timed out")
    assert wait() == 60
    record_poll(store, "https://feeds.example/dead.xml", "timeout", 60, error="timed out")
    assert wait() == 120
    record_poll(store, "https://feeds.example/dead.xml", "ok", 60)
    assert wait() == 60 and followed_sources(store)[0]["errors"] == 0


def test_intervals_read_as_durations() -> None:
    assert parse_interval("90") == 90 and parse_interval("10m") == 600 and parse_interval("2h") == 7200


@pytest.mark.slow
def test_sigterm_stops_between_documents_and_a_restart_finishes(site: Site, config: Settings) -> None:
    for n in range(8):
        site.routes[f"/news/{n}"].delay = 0.3
    site.route("/feed.xml", _rss(site, range(8)), content_type="application/rss+xml")
    with open_store(config.db) as store:
        follow_source(store, site.url("/feed.xml"))
    env = {
        **os.environ,
        "NEWSGRAPH_ALLOW_HOSTS": "127.0.0.1",
        "NEWSGRAPH_FETCH_HOST_DELAY": "0",
        "NEWSGRAPH_DATA_DIR": config.data_dir,
        "NEWSGRAPH_PROCESSES": "1",
    }
    command = [sys.executable, "-m", "newsgraph.cli", "watch", "--db", config.db, "--interval", "1h"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while site.routes["/news/2"].hits == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()
    with open_store(config.db) as store:
        first = _articles(store)
        assert 0 < len(first) < 8
        Watcher(store, config).close()
        watch(store, config.replace(watch_interval=0.1), once=True)
        assert len(_articles(store)) == 8
    assert all(site.routes[f"/news/{n}"].hits == 1 for n in range(8)), "nothing fetched twice after the restart"


@pytest.mark.shared
def test_real_feeds_served_over_http_queue_the_links_they_list(config: Settings) -> None:
    from .conftest import SHARED
    from .test_feeds import _expected_links

    fixtures = SHARED / "feeds" / "feed-rs" / "feed-rs" / "fixture"
    if not fixtures.is_dir():
        pytest.skip(f"feed-rs fixtures not present at {fixtures}")
    types = {".xml": "application/rss+xml", ".json": "application/feed+json"}
    expected: dict[str, set[str]] = {}
    with Site() as site, open_store(config.db) as store:
        for path in sorted(fixtures.glob("*/*")):
            serde = path.with_name(path.name.rsplit(".", 1)[0] + ".serde.json")
            if path.name.endswith(".serde.json") or not serde.is_file():
                continue
            route = f"/{path.parent.name}/{path.name}"
            site.route(route, path.read_bytes(), content_type=types.get(path.suffix, "application/xml"))
            follow_source(store, site.url(route))
            expected[site.url(route)] = {link for link in _expected_links(serde)[0] if link.startswith("http")}
        summary = PollSummary()
        Watcher(store, config).poll_sources(summary)
        queued: dict[str, set[str]] = {}
        for url, followed in store.conn.execute("SELECT url, followed_url FROM seen_urls"):
            queued.setdefault(followed, set()).add(url)
    assert summary.sources == len(expected) >= 50 and summary.failed_sources == 0
    from newsgraph.fetch import canonical_url

    for feed, links in expected.items():
        assert {canonical_url(link) for link in links} <= queued.get(feed, set()), feed
