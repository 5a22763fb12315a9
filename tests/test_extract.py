"""Turning raw documents into articles: text, title, metadata, and rejections with reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgraph.extract import extract_article
from newsgraph.extract.dates import date_in_text, date_in_url, normalise_date, utc_timestamp
from newsgraph.extract.textpage import parse_text_page
from newsgraph.ingest import iter_inputs
from newsgraph.records import Article, Location, RawDocument, Rejection, SourceHints

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
