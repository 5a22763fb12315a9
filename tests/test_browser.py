"""The web UI in headless Chromium over a live server: every page type, a click path, the home
page's links, console and CSP, phone width, hostile content, the write endpoints, screenshots.

Needs Chromium at /usr/bin/chromium (CI installs Debian's); skipped without it. No request may
leave 127.0.0.1: any other host is aborted and fails the test. Screenshots go to docs/screenshots
(or to NEWSGRAPH_SCREENSHOTS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from newsgraph.settings import Settings
from newsgraph.store.connect import open_store
from newsgraph.store.copies import find_article

from .browser_server import (
    ARGS,
    CHROMIUM,
    HOSTILE_SIDECAR,
    SLASH_SOURCE,
    Site,
    Tab,
    copy_db,
    hostile_db,
    new_tab,
    serve,
)
from .conftest import CORPUS

# the pages render what the read layer returns, which tests/test_web.py checks on both stores; the
# browser drives them over the SQLite demo (conftest leaves out the PostgreSQL variants)
pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "s3cret"
TIMELINE, MENTIONS, VOLUME = (f"#{chart}[data-drawn=yes] svg" for chart in ("timeline", "mentions", "volume"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.skip(f"headless Chromium tests need {CHROMIUM} (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    opened = new_tab(browser)
    yield opened
    opened.page.context.close()


@pytest.fixture(scope="module")
def site(demo_db: Path, manifest: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo corpus, served; `article` is the republication whose names and numbers were edited."""
    db = copy_db(demo_db, tmp_path_factory.mktemp("browser") / "site.db")
    edited = next(c for c in manifest["copies"] if c["changes"]["numbers"])
    with open_store(db) as store:
        copy, original = (find_article(store, str(CORPUS / edited[k])) for k in ("copy", "original"))
    with serve(db) as base:
        s = Site(base, copy, original, source=edited["original_outlet"])
        s.story = s.api(f"/articles/{copy}")["story"]["id"]
        s.entity = s.api("/entities", q="Haider al-Zubaidi")["items"][0]["id"]
        yield s


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo corpus plus an article with script and markup in its headline, text, source, authors, url."""
    folder = tmp_path_factory.mktemp("hostile")
    db = hostile_db(CORPUS, folder, folder / "hostile.db")
    with serve(db) as base:
        s = Site(base, source=HOSTILE_SIDECAR["source"])
        found = s.api("/search", q="intimidated")["items"][0]
        s.article, s.story = found["id"], s.api(f"/articles/{found['id']}")["story"]["id"]
        yield s


@pytest.fixture(scope="module")
def token_site(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = copy_db(demo_db, tmp_path_factory.mktemp("token") / "token.db")
    with serve(db, Settings(db=str(db), api_token=TOKEN)) as base:
        yield Site(base)


def test_home_lists_stories(tab: Tab, site: Site) -> None:
    page = tab.open(site.url("/"))
    assert page.title() == "Stories · newsgraph"
    assert page.locator("#latest li.card a.title[href^='/stories/']").count() >= 5
    assert "articles from" in page.inner_text("section.summary")
    tab.shot("home")
    tab.assert_clean()


def test_search_shows_hits_and_facets(tab: Tab, site: Site) -> None:
    page = tab.open(site.url("/search?q=dam"))
    assert page.locator("ol.hits > li a[href^='/articles/']").count() >= 3
    assert page.locator("ol.hits .snippet mark").count() >= 3
    headings = page.locator("aside.facets h3").all_inner_texts()
    assert {"Type", "Source", "Entity", "Month"} <= set(headings), headings
    assert page.locator("ul.facet-source a[href*='source=']").count() >= 2
    tab.shot("search")
    tab.assert_clean()


def test_article_shows_entities_quotes_and_what_the_copy_changed(tab: Tab, site: Site) -> None:
    original = site.api(f"/articles/{site.original}")
    page = tab.open(site.url(f"/articles/{site.article}"))
    names = page.locator("#article-text a.ent")
    assert names.count() >= 5
    hrefs = names.evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert all(href.startswith("/entities/") for href in hrefs), hrefs
    assert page.locator("#article-text span.inq").count() >= 1
    assert original["title"] in page.inner_text("section.copy-of h2")
    diff = page.locator("section.copy-of table.sxs")
    assert "Zubaidi" in " ".join(diff.locator("del.name").all_inner_texts())
    assert "Zubeidi" in " ".join(diff.locator("ins.name").all_inner_texts())
    assert "21" in [n.strip() for n in diff.locator("ins.number").all_inner_texts()]
    tab.shot("article")
    page = tab.open(site.url(f"/articles/{site.original}"))
    assert page.locator(f"section.copied-by a[href='/articles/{site.article}']").count() == 1
    tab.assert_clean()


def test_story_draws_its_timeline(tab: Tab, site: Site) -> None:
    story = site.api(f"/stories/{site.story}")
    page = tab.open(site.url(f"/stories/{site.story}"), TIMELINE)
    assert page.inner_text("h1") == story["label"]
    assert page.locator("table.timeline tbody tr").count() == len(story["articles"])
    assert page.locator("table.timeline tr.is-copy").count() >= 1
    assert page.locator("#timeline .scatterlayer .point").count() >= len(story["articles"])
    assert page.locator("p.names a.ent").count() >= 3 and page.locator("ul.quotes li.quote").count() >= 3
    tab.shot("story")
    tab.assert_clean()


def test_entity_shows_who_spells_it_how(tab: Tab, site: Site) -> None:
    page = tab.open(site.url(f"/entities/{site.entity}"), MENTIONS)
    assert page.inner_text("h1").startswith("Haider al-Zubaidi")
    spellings = page.locator("table.spellings tbody th").all_inner_texts()
    assert "Haider al-Zubaidi" in spellings and any("Zubeidi" in s for s in spellings), spellings
    assert page.locator("table.spellings thead a[href^='/sources/']").count() >= 2
    assert page.locator("h2", has_text="Quotes by").count() == page.locator("h2", has_text="Quotes about").count() == 1
    assert page.locator("form.curate").count() == 0, "curation forms without an API token"
    tab.shot("entity")
    tab.assert_clean()


def test_source_shows_volume_and_copies(tab: Tab, site: Site) -> None:
    page = tab.open(site.url(f"/sources/{quote(site.source, safe='')}"), VOLUME)
    assert page.inner_text("h1") == site.source
    copied_by = page.locator("section", has=page.locator("h2", has_text="Copied by"))
    assert "Capital Courier" in copied_by.inner_text()
    tab.shot("source")
    tab.assert_clean()


def test_quotes_list_their_chain_of_appearances(tab: Tab, site: Site) -> None:
    page = tab.open(site.url("/quotes"))
    assert page.locator("ul.quotes > li.quote").count() >= 10
    assert page.locator("ul.quotes > li.quote ol.chain > li:first-child .badge").count() >= 10
    tab.shot("quotes")
    page = tab.open(site.url("/quotes?q=friends+do+not+let"))  # said once, repeated by another outlet
    chain = page.locator("ul.quotes > li.quote ol.chain").first.locator("> li")
    assert chain.count() >= 2 and chain.first.locator(".badge").inner_text() == "first"
    assert all(li.locator("a[href^='/articles/']").count() >= 1 for li in chain.all())
    tab.assert_clean()


def test_check_names_the_original_and_the_changed_name(tab: Tab, site: Site) -> None:
    stored = site.api(f"/articles/{site.original}")
    assert "Duhok" in stored["text"] and "12" in stored["text"]
    text = stored["text"].replace("Duhok", "Dohuk").replace("12", "14")
    page = tab.open(site.url("/check"))
    page.fill("textarea[name=text]", f"{stored['title']}\n\n{text}")
    page.fill("input[name=source]", "Test Wire")
    page.click("form.check button[type=submit]")
    page.wait_for_selector("section.check-result")
    match = page.locator(".check-result .match").filter(has=page.locator(f"a[href='/articles/{site.original}']"))
    assert match.count() == 1, page.inner_text(".check-result")
    assert any("Dohuk" in name for name in match.locator("span.chg.name").all_inner_texts())
    assert any("14" in number for number in match.locator("span.chg.number").all_inner_texts())
    tab.shot("check")
    tab.assert_clean()


def test_api_docs_render_swagger_ui(tab: Tab, site: Site) -> None:
    page = tab.open(site.url("/api/v1/docs"), ".swagger-ui .info .title")
    assert "newsgraph" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() >= 10
    tab.shot("api-docs")
    tab.assert_clean()


def test_click_path_home_story_article_entity_source(tab: Tab, site: Site) -> None:
    page = tab.open(site.url("/"))

    def follow(link: Any, prefix: str) -> str:
        text, href = link.inner_text().strip(), link.get_attribute("href")
        link.click()
        page.wait_for_url(site.url(href))
        assert urlsplit(page.url).path.startswith(prefix)
        return text

    story = follow(page.locator("#latest a.title").first, "/stories/")
    assert page.inner_text("h1") == story
    page.wait_for_selector(TIMELINE, state="attached")
    article = follow(page.locator("table.timeline td a[href^='/articles/']").first, "/articles/")
    assert page.inner_text("h1") == article
    name = page.locator("#article-text a.ent").first
    title = name.get_attribute("title")
    follow(name, "/entities/")
    assert page.inner_text("h1").startswith(title)
    source = follow(page.locator("table.spellings thead a[href^='/sources/']").first, "/sources/")
    assert page.inner_text("h1") == source
    tab.assert_clean()


SPILL = """(chart) => document.querySelector(chart + " .main-svg").getBoundingClientRect().bottom
  - document.querySelector(chart).getBoundingClientRect().bottom"""


def test_charts_keep_their_size_when_the_window_resizes(tab: Tab, site: Site) -> None:
    spill = {}
    for path, chart in ((f"/stories/{site.story}", "#timeline"), (f"/entities/{site.entity}", "#mentions"),
                        (f"/sources/{quote(site.source, safe='')}", "#volume")):  # fmt: skip
        page = tab.open(site.url(path), f"{chart}[data-drawn=yes] svg")
        assert page.evaluate(SPILL, chart) <= 1, path
        page.set_viewport_size({"width": 1000, "height": 800})
        page.wait_for_timeout(500)  # Plotly redraws 100 ms after a resize
        if (over := page.evaluate(SPILL, chart)) > 1:
            spill[path] = over
        page.set_viewport_size({"width": 1280, "height": 900})
    assert spill == {}


def test_every_link_on_the_home_page_loads(tab: Tab, site: Site) -> None:
    page = tab.open(site.url("/"))
    hrefs = page.locator("a[href]").evaluate_all("els => els.map(a => a.href)")
    own = sorted({h.split("#")[0] for h in hrefs if urlsplit(h).netloc == urlsplit(site.base).netloc})
    assert len(own) >= 15
    broken = {h: status for h in own if (status := page.request.get(h).status) != 200}
    assert broken == {}


def test_no_console_errors_or_policy_violations_anywhere(tab: Tab, site: Site) -> None:
    pages = {"/": None, "/search?q=dam": None, f"/articles/{site.article}": None, "/stories": None,
             f"/stories/{site.story}": TIMELINE, "/entities": None, f"/entities/{site.entity}": MENTIONS,
             "/sources": None, f"/sources/{quote(site.source, safe='')}": VOLUME, "/quotes": None,
             "/check": None, "/api/v1/docs": ".swagger-ui .opblock"}  # fmt: skip
    for path, ready in pages.items():
        tab.open(site.url(path), ready)
        assert tab.page.evaluate("window.__csp") == [], path
    assert tab.page.request.get(site.url("/favicon.ico")).status == 200
    tab.assert_clean()


def test_phone_width_has_no_horizontal_scroll(browser: Any, site: Site) -> None:
    tab = new_tab(browser, 390, 844)
    wide = {}
    try:
        for path, ready in (("/", None), (f"/stories/{site.story}", TIMELINE), (f"/articles/{site.article}", None)):
            page = tab.open(site.url(path), ready)
            scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
            if scroll > inner + 1:
                wide[path] = (scroll, page.evaluate(WIDEST))
            if path.startswith("/stories/"):
                tab.shot("story-phone")
        assert wide == {}
        tab.assert_clean()
    finally:
        tab.page.context.close()


WIDEST = """[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))"""
INSPECT = """() => ({xss: typeof window.__xss, onerror: document.querySelectorAll("[onerror]").length,
  js: [...document.querySelectorAll('a[href^="javascript:" i]')].map((a) => a.outerHTML),
  text: document.body.innerText})"""


def _hostile_pages(h: Site) -> dict[str, tuple[str | None, str]]:
    """Page → (what to wait for, a payload it must show as text)."""
    title, source = HOSTILE_SIDECAR["title"], HOSTILE_SIDECAR["source"]
    return {
        f"/articles/{h.article}": (None, "calling it <script>window.__xss=3</script> a fabrication"),
        "/search?q=intimidated": (None, title),
        "/": (None, "<script>window.__xss=4</script>"),
        f"/stories/{h.story}": (TIMELINE, title),
        f"/sources/{quote(source, safe='')}": (VOLUME, source),
        "/quotes?q=intimidated": (None, '<img src=x onerror="window.__xss=8">'),
    }


def test_hostile_content_is_shown_as_text_and_never_runs(tab: Tab, hostile: Site) -> None:
    for path, (ready, payload) in _hostile_pages(hostile).items():
        page = tab.open(hostile.url(path), ready)
        seen = page.evaluate(INSPECT)
        assert seen["xss"] == "undefined", path
        assert seen["onerror"] == 0, path
        assert payload in seen["text"], path
    page = tab.open(hostile.url(f"/articles/{hostile.article}"))
    for author in HOSTILE_SIDECAR["authors"]:
        assert author in page.inner_text("p.meta")
    tab.assert_clean()


def test_hostile_urls_never_become_javascript_links(tab: Tab, hostile: Site) -> None:
    found = {}
    for path, (ready, _) in _hostile_pages(hostile).items():
        if links := tab.open(hostile.url(path), ready).evaluate(INSPECT)["js"]:
            found[path] = links
    assert found == {}


def test_a_source_named_with_a_slash_opens(hostile: Site) -> None:
    for path in ("/sources/", "/api/v1/sources/"):
        assert httpx.get(hostile.url(path + quote(SLASH_SOURCE, safe=""))).status_code == 200, path


CURATE = "/api/v1/entities/curate"


def test_writes_are_refused_without_a_configured_token(site: Site) -> None:
    body = {"action": "rename", "a": "Layla Hamdan", "b": "X"}
    assert httpx.post(site.url(CURATE), json=body).status_code == 403
    assert httpx.post(site.url(CURATE), json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 403
    assert 'class="curate"' not in httpx.get(site.url(f"/entities/{site.entity}")).text


def test_api_curation_needs_the_right_token(token_site: Site) -> None:
    entity = token_site.api("/entities", q="Layla Hamdan")["items"][0]
    body = {"action": "rename", "a": entity["name"], "b": "X"}
    assert httpx.post(token_site.url(CURATE), json=body).status_code == 401
    assert httpx.post(token_site.url(CURATE), json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    done = httpx.post(token_site.url(CURATE), json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert done.status_code == 200, done.text
    assert token_site.api(f"/entities/{entity['id']}")["name"] == "X"


def test_curation_forms_need_the_token_and_our_own_origin(tab: Tab, token_site: Site) -> None:
    entity = token_site.api("/entities", q="Dilshad Amedi")["items"][0]
    page = tab.open(token_site.url(f"/entities/{entity['id']}"))
    forms = page.locator("form.curate")
    assert forms.count() == 3
    form = {"action": "rename", "value": "Governor Amedi", "token": TOKEN,
            "csrf": forms.first.locator("input[name=csrf]").get_attribute("value")}  # fmt: skip
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    action = token_site.url(f"/entities/{entity['id']}/curate")
    foreign = httpx.post(action, data=form, cookies=cookies, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403, foreign.text
    rename = forms.filter(has=page.locator("input[name=action][value=rename]"))
    rename.locator("input[name=value]").fill("Governor Amedi")
    rename.locator("input[name=token]").fill(TOKEN)
    rename.locator("button").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path.startswith("/entities/") and page.inner_text("h1").startswith("Governor Amedi")
    tab.assert_clean()
