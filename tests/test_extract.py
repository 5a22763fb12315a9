"""Turning raw documents into articles: text, title, metadata, and rejections with reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsgraph.extract import extract_article
from newsgraph.extract.dates import date_in_text, date_in_url, normalise_date, utc_timestamp
from newsgraph.extract.textpage import parse_text_page
from newsgraph.ingest import iter_inputs
from newsgraph.records import Article, Location, RawDocument, Rejection, SourceHints
from newsgraph.settings import Settings

from .conftest import FIXTURES


def _article(path: Path) -> Article:
    (raw,) = [r for r in iter_inputs([path]) if isinstance(r, RawDocument)]
    result = extract_article(raw)
    assert isinstance(result, Article), result
    return result


def _raw(content: bytes, fmt: str = "html", **hints: str) -> RawDocument:
    return RawDocument(Location("mem.html"), fmt, content, SourceHints(**hints))  # type: ignore[arg-type]


def test_html_page_main_text_and_metadata() -> None:
    article = _article(FIXTURES / "html" / "harbour-strike.html")
    assert article.title == "Dockworkers walk out at Port Selvane as wage talks collapse"
    assert article.source == "The Coastal Herald"
    assert article.authors == ("Ines Carvalho", "Tomas Wren")
    # the page's own zone is kept, so the day is the day the page gave
    assert article.published == "2026-03-02T07:45:00+01:00" and article.published_from == "metadata"
    assert utc_timestamp(article.published) == "2026-03-02T06:45:00"
    assert article.url == "https://coastalherald.example/business/2026/03/02/port-selvane-strike"
    assert article.language == "en"
    assert len(article.paragraphs) == 5
    assert article.paragraphs[0].startswith("More than 1,400 dockworkers")
    for boilerplate in ("cookies", "Related stories", "All rights reserved", "Ferry timetable"):
        assert boilerplate not in article.text


def test_sidecar_fills_what_the_page_lacks() -> None:
    article = _article(FIXTURES / "html" / "no-meta.html")
    assert article.source == "Lindhaven Gazette"
    assert article.published == "2026-03-03T18:30:00+00:00" and article.published_from == "hint"
    assert article.url == "https://lindhaven-gazette.example/local/footbridge"
    assert "Lindhaven Gazette · Letters" not in article.text


def test_text_page_title_line_gives_site_and_sections() -> None:
    article = _article(FIXTURES / "text" / "ministry.txt")
    assert article.source == "Northern Ledger"
    assert article.sections == ("World News", "Europe")
    assert article.title == "Minister Okonkwo-Hale resigns over procurement inquiry"
    assert len(article.paragraphs) == 3
    assert article.published == "2026-03-05T12:00:00+00:00"


def test_plain_text_headline_and_body() -> None:
    article = _article(FIXTURES / "text" / "plain.txt")
    assert article.title == "Lindhaven library extends weekend opening hours"
    assert article.source is None and article.sections == ()
    assert article.paragraphs[0].startswith("The central library in Lindhaven")


def test_text_page_parser_does_not_mistake_a_sentence_for_a_title_line() -> None:
    page = parse_text_page("Talks resumed - briefly - on Monday.\n\nA second paragraph follows here.")
    assert page.site is None and page.title == "Talks resumed - briefly - on Monday."


def test_same_content_same_id() -> None:
    page = (FIXTURES / "html" / "harbour-strike.html").read_bytes()
    first, second = extract_article(_raw(page)), extract_article(_raw(page))
    assert isinstance(first, Article) and isinstance(second, Article) and first.id == second.id
    changed = extract_article(_raw(page.replace(b"1,400", b"1,500")))
    assert isinstance(changed, Article) and changed.id != first.id


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),
        (b"<html>\x00\x00\x00\x01\x02 binary junk" * 20, "binary"),
        (b"<html><head><title>Cut off", "no_main_text"),
        (b"<html><body><nav><a href='/'>Home</a></nav><footer>(c) 2026</footer></body></html>", "no_main_text"),
        (b"just some words without any markup at all " * 10, "not_html"),
    ],
)
def test_bad_pages_become_rejections_with_reasons(content: bytes, code: str) -> None:
    result = extract_article(_raw(content))
    assert isinstance(result, Rejection)
    assert result.code == code and result.reason and result.location.path == "mem.html"


def test_short_text_is_rejected_with_the_minimum() -> None:
    result = extract_article(_raw(b"Headline\n\nToo short to be an article.", fmt="text"))
    assert isinstance(result, Rejection) and result.code == "too_short" and "120" in result.reason


def test_legacy_encodings_are_decoded() -> None:
    body = "Le conseil municipal a approuvé la passerelle piétonne après six années de débats animés. " * 3
    page = (
        "<html><head><meta charset='iso-8859-1'></head>"
        f"<body><article><h1>Passerelle</h1><p>{body}</p></article></body></html>"
    )
    result = extract_article(_raw(page.encode("latin-1")))
    assert isinstance(result, Article) and "approuvé" in result.text and result.language == "fr"


def test_dates_from_metadata_url_and_text() -> None:
    assert normalise_date("2026-03-04T23:15:00+03:00") == "2026-03-04T23:15:00+03:00"
    assert utc_timestamp("2026-03-04T23:15:00+03:00") == "2026-03-04T20:15:00"
    assert normalise_date("2026-03-04T01:15:00Z") == "2026-03-04T01:15:00+00:00"
    assert normalise_date("2026-03-04") == "2026-03-04"
    assert normalise_date("not a date") is None
    assert date_in_url("https://x.example/world/2026/03/04/story") == "2026-03-04"
    assert date_in_url("https://x.example/20260304/story") == "2026-03-04"
    assert date_in_url("https://x.example/2026/13/40/story") is None
    assert date_in_text("LINDHAVEN, March 4, 2026 — The council") == "2026-03-04"
    assert date_in_text("Published 4 Mar 2026. The council") == "2026-03-04"


_DEPOT_LEDE = (
    "Councillors in Marrowby have backed a plan to turn the empty tram depot on Fenwick Street into a covered "
    "market, after four years of argument over what should become of the building, which has stood boarded up "
    "since a storm tore part of its glass roof away in the spring of 2019."
)
_DEPOT_BODY = (
    "Under the plan, twenty-eight stalls will be let to local growers and bakers at reduced rents for the first "
    "two seasons, and the depot's glass roof will be restored with money from the harbour fund.",
    "Councillor Petra Almond, who led the working group, said the building had stood empty for too long and that "
    "the market would bring people back to the east end of the town on weekday mornings.",
    "Opponents had argued that the site should become a car park. A petition against the market gathered about "
    "nine hundred signatures last winter, though several of its organisers now say they will apply for stalls.",
    "Work on the roof is due to begin in March and is expected to take five months. The first traders could move "
    "in before the autumn fair, the council said, if the restoration stays within its budget.",
    "The depot was built in 1911 for the Marrowby and District tramway and last carried passengers in 1952. It "
    "later served as a bus garage and, for a decade, as a storage yard for the harbour board.",
    "Traders' groups welcomed the vote. The Marrowby Growers' Circle said a dozen of its members had already asked "
    "about stalls, and the town's two remaining bakeries said they would share one near the main doors.",
    "The council will publish the rents and the rules for letting the stalls in January, and has promised that "
    "at least half of them will go to businesses based within ten miles of the harbour.",
)


def _depot_page(body_class: str) -> bytes:
    """A Marrowby Courier story (fictional): a lede, then the body in a container of `body_class`."""
    body = "".join(f"<p>{p}</p>" for p in _DEPOT_BODY)
    return (
        "<!DOCTYPE html><html lang='en'><head><title>Old tram depot to become a covered market | Marrowby Courier"
        "</title></head><body><header><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header><main>"
        "<article><h1>Old tram depot to become a covered market</h1>"
        f"<div class='story-intro'><p>{_DEPOT_LEDE}</p></div><div class='{body_class}'>{body}</div></article>"
        "</main><footer><p>Marrowby Courier, 4 Quay Lane, Marrowby.</p></footer></body></html>"
    ).encode()


def _count_passes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record the `fast` flag of every trafilatura extraction newsgraph runs."""
    from newsgraph.extract import html

    calls: list[bool] = []
    real = html.trafilatura.bare_extraction

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("fast")))
        return real(*args, **kwargs)

    monkeypatch.setattr(html.trafilatura, "bare_extraction", counting)
    return calls


def test_second_pass_recovers_a_body_the_fast_pass_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    # the body sits in a container whose class reads like page furniture: the fast pass keeps only the lede
    page = _depot_page("sidebar-layout__content")
    calls = _count_passes(monkeypatch)
    result = extract_article(_raw(page))
    assert isinstance(result, Article)
    assert calls == [True, False]  # the fast pass, then the one with the fallback extractors
    for paragraph in _DEPOT_BODY:
        assert paragraph in result.text
    # with the second pass off, only the lede is found
    fast_only = extract_article(_raw(page), Settings(extraction_rescue_ratio=0))
    assert isinstance(fast_only, Article)
    assert _DEPOT_BODY[0] not in fast_only.text and _DEPOT_LEDE in fast_only.text


def test_fast_result_is_kept_when_it_holds_the_page_text(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_passes(monkeypatch)
    result = extract_article(_raw(_depot_page("story-body")))
    assert isinstance(result, Article)
    assert calls == [True]  # no second pass
    assert result.text.startswith(_DEPOT_LEDE) and result.text.endswith(_DEPOT_BODY[-1])
    assert result.title == "Old tram depot to become a covered market"


def test_second_pass_judges_paragraph_text_not_menus() -> None:
    from trafilatura.utils import load_html

    from newsgraph.extract.html import needs_second_pass

    tree = load_html(_depot_page("story-body").decode())
    assert tree is not None
    assert not needs_second_pass(tree, (_DEPOT_LEDE, *_DEPOT_BODY))
    # a menu found instead of the story: short lines count as nothing found
    assert needs_second_pass(tree, ("Home", "News", "Sport", "Weather", "Sign in"))
    assert not needs_second_pass(tree, ("Home", "News"), ratio=0)


@pytest.mark.parametrize("name", [*sorted(p.name for p in (FIXTURES / "html").glob("*.html")), "depot"])
def test_shown_author_agrees_with_trafilaturas_xpaths(name: str) -> None:
    from trafilatura.htmlprocessing import prune_unwanted_nodes
    from trafilatura.metadata import extract_metainfo
    from trafilatura.utils import load_html
    from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

    from newsgraph.extract.shown import shown_author

    if name == "depot":  # bylines in the places the XPaths look, one inside a discarded sidebar
        html = (
            _depot_page("story-body")
            .decode()
            .replace(
                "<h1>",
                "<div class='sidebar'><span class='author'>Desk</span></div>"
                "<p class='byline'>By <a rel='author' href='/staff/ruth-okafor'>Ruth Okafor</a>"
                "<time>4 March 2026</time></p><h1>",
            )
        )
    else:
        html = (FIXTURES / "html" / name).read_text(encoding="utf-8")
    ours, theirs = load_html(html), load_html(html)
    assert ours is not None and theirs is not None
    expected = extract_metainfo(prune_unwanted_nodes(theirs, AUTHOR_DISCARD_XPATHS), AUTHOR_XPATHS, len_limit=120)
    assert shown_author(ours) == expected
    if name == "depot":
        assert expected == "Ruth Okafor"
