"""HTML pages: main text and metadata with trafilatura, paragraphs kept."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import Document

_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\||,?\s+and\s+|\s+&\s+)\s*")
_BY = re.compile(r"^\s*by\s+", re.I)
_STAMP = r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)"
# Publication timestamps in page metadata, in the forms news sites use most.
_TIMESTAMPS = (
    re.compile(
        r"<meta[^>]+(?:property|name|itemprop)=[\"'](?:article:published_time|og:published_time|datePublished|"
        r"pubdate|publishdate|dc\.date\.issued|dcterms\.created|sailthru\.date)[\"'][^>]*?content=[\"']" + _STAMP,
        re.I,
    ),
    re.compile(
        r"<meta[^>]+content=[\"']" + _STAMP + r"[\"'][^>]*?(?:property|name|itemprop)=[\"']"
        r"(?:article:published_time|og:published_time|datePublished|pubdate)[\"']",
        re.I,
    ),
    re.compile(r"[\"']datePublished[\"']\s*:\s*[\"']" + _STAMP, re.I),
)


@dataclass(frozen=True)
class HtmlPage:
    title: str
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...]
    date: str | None
    site: str | None
    url: str | None
    language: str | None
    sections: tuple[str, ...]


def _best_date(day: str | None, stamp: str | None) -> str | None:
    """trafilatura's date, made precise by a metadata timestamp of the same day."""
    if stamp and (day is None or stamp[:10] == day[:10]):
        return stamp
    return day


def split_authors(value: str | None) -> tuple[str, ...]:
    """`By Ana Ruiz and Tom Hale; Staff` → ("Ana Ruiz", "Tom Hale", "Staff")."""
    if not value:
        return ()
    names = []
    for part in _AUTHOR_SPLIT.split(_BY.sub("", value)):
        name = part.strip(" ,.")
        if name and name not in names:
            names.append(name)
    return tuple(names)


_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·:]{1,2}\s+")


def _squash(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in folded if ch.isalnum() and ch.isascii())


def _names_site(segment: str, site: str | None, host: str | None) -> bool:
    squashed = _squash(segment)
    if len(squashed) < 3:
        return False
    if site and (squashed == _squash(site) or (len(squashed) >= 5 and squashed in _squash(site))):
        return True
    if host:
        bare = _squash(host.removeprefix("www.").rsplit(".", 1)[0])
        return squashed == bare or (len(squashed) >= 5 and squashed in bare) or (len(bare) >= 5 and bare in squashed)
    return False


def strip_site_name(title: str, site: str | None, host: str | None) -> str:
    """A headline without the site name that pages append or prepend (`Headline | Example News`)."""
    separators = list(_TITLE_SEPARATOR.finditer(title))
    if not separators:
        return title
    last, first = separators[-1], separators[0]
    if _names_site(title[last.end() :], site, host) and len(title[: last.start()].strip()) >= 10:
        return title[: last.start()].strip()
    if _names_site(title[: first.start()], site, host) and len(title[first.end() :].strip()) >= 10:
        return title[first.end() :].strip()
    return title


def published_timestamp(html: str) -> str | None:
    """The publication time from the page's metadata, when it gives one with a time of day."""
    head = html[:200_000]
    for pattern in _TIMESTAMPS:
        match = pattern.search(head)
        if match:
            return match.group(1)
    return None


def parse_html_page(
    html: str, url: str | None = None, include_comments: bool = False, fallback: bool = False
) -> HtmlPage | None:
    """Main text and metadata of a page, or None when trafilatura finds no main text.

    `fallback` runs trafilatura's second-opinion extractors too: a third slower, and no better
    on the extraction benchmark (see benchmarks/README.md).
    """
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=include_comments, include_tables=True, fast=not fallback
    )
    if not isinstance(document, Document) or not document.text:
        return None
    paragraphs = tuple(p.strip() for p in document.text.split("\n") if p.strip())
    categories = document.categories if isinstance(document.categories, list) else []
    return HtmlPage(
        title=strip_site_name((document.title or "").strip(), document.sitename, document.hostname),
        paragraphs=paragraphs,
        authors=split_authors(document.author),
        date=_best_date(document.date or None, published_timestamp(html)),
        site=(document.sitename or document.hostname or None),
        url=document.url or url,
        language=document.language or None,
        sections=tuple(str(c) for c in categories if c),
    )
