"""HTML pages: main text and metadata with trafilatura, paragraphs kept.

The page is parsed once. trafilatura's fast extraction runs first; when it finds too little of
the page's paragraph text (`needs_second_pass`), the extraction is run again with trafilatura's
fallback extractors (readability, jusText) and that result is kept. Metadata comes last, from the
same tree, with the parts of `trafilatura.metadata.extract_metadata` newsgraph uses (`page_metadata`;
htmldate's date search only when the page's meta tags give no publication time).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import trafilatura
from courlan import extract_domain
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_authors, normalize_json
from trafilatura.metadata import (
    JSON_MINIFY,
    META_URL,
    examine_meta,
    extract_catstags,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import DEFAULT_CONFIG, Document, set_date_params
from trafilatura.utils import line_processing, load_html

from newsgraph.extract.bylines import AUTHOR_LABELS, names_only, page_authors
from newsgraph.extract.bylines import split_authors as split_authors  # re-exported for callers of this module
from newsgraph.extract.jsonld import ld_blocks
from newsgraph.extract.shown import shown_author

# The fallback pass runs when the page's paragraph text is more than this many times the text of
# the long paragraphs the fast pass found (see benchmarks/README.md, `extraction`).
RESCUE_RATIO = 5.0
LONG_PARAGRAPH_CHARS = 80  # paragraphs this long count as body text in that comparison

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


def paragraph_chars(tree: HtmlElement, limit: float = float("inf")) -> int:
    """Characters in the page's long `<p>` elements (whitespace collapsed), counted up to `limit`."""
    total = 0
    for element in tree.iter("p"):
        text = element.text_content()
        if len(text) < LONG_PARAGRAPH_CHARS:  # collapsing whitespace only shortens it
            continue
        length = len(" ".join(text.split()))
        if length >= LONG_PARAGRAPH_CHARS:
            total += length
            if total > limit:
                break
    return total


def needs_second_pass(tree: HtmlElement, paragraphs: tuple[str, ...], ratio: float = RESCUE_RATIO) -> bool:
    """Whether an extraction found too little of the page: the page's long paragraphs hold more
    than `ratio` times the text of the long paragraphs extracted (menus and captions, which come
    as short lines, count as nothing found)."""
    if ratio <= 0:
        return False
    found = sum(len(p) for p in paragraphs if len(p) >= LONG_PARAGRAPH_CHARS)
    limit = ratio * max(found, 1)
    return paragraph_chars(tree, limit) > limit


SIGNED_LEAD, SIGNED_END = 3, 2  # a signed paragraph is among the text's first three or last two
_BOLD_PARAGRAPHS = etree.XPath("//p[strong or b]")


def signed_paragraph(tree: HtmlElement, paragraphs: tuple[str, ...]) -> str | None:
    """The paragraph that signs the article: one near the text's start or end that the page sets
    wholly in bold and that gives only people's names (`<p><strong>Jane Roe</strong></p>`), as
    outlets that print the byline in the body do."""
    edges = [*paragraphs[:SIGNED_LEAD], *paragraphs[SIGNED_LEAD:][-SIGNED_END:]]
    candidates = {" ".join(p.split()) for p in edges if names_only(p)}
    if not candidates:
        return None
    for element in _BOLD_PARAGRAPHS(tree):
        text = " ".join(element.text_content().split())
        if text in candidates and not (element.text or "").strip():
            bold = " ".join(child.text_content() for child in element if child.tag in ("strong", "b"))
            if " ".join(bold.split()) == text:
                return text
    return None


_LABEL_TAGS = ("strong", "b", "dt", "th", "span", "label", "em")


def author_field(tree: HtmlElement) -> str | None:
    """The value of the page's author field: a label element (`<strong>Autorin/Autor</strong>`,
    `<dt>Author:</dt>`) followed by names only, in its tail text or the next element."""
    for element in tree.iter(_LABEL_TAGS):
        label = (element.text or "").strip().rstrip(":").strip().casefold()
        if label not in AUTHOR_LABELS or len(element):
            continue
        value = (element.tail or "").strip().lstrip(":").strip()
        if not value and (following := element.getnext()) is not None:
            value = following.text_content()
        value = " ".join(value.split())
        if value and names_only(value):
            return value
    return None


def printed_bylines(tree: HtmlElement, paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """Authors' names the page prints without a by-word: the paragraph that signs the text, then
    the author field (read before the metadata step prunes the tree)."""
    return tuple(found for found in (signed_paragraph(tree, paragraphs), author_field(tree)) if found)


def _main_text(tree: HtmlElement, url: str | None, include_comments: bool, fast: bool) -> Document | None:
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=include_comments, include_tables=True, fast=fast
    )
    return document if isinstance(document, Document) and document.text else None


def _paragraphs(document: Document) -> tuple[str, ...]:
    return tuple(p.strip() for p in (document.text or "").split("\n") if p.strip())


_CATEGORY_HREF = re.compile(r"/categor(?:y|ies|s)?/")  # the links `extract_catstags("category")` keeps
_CATEGORY_LINKS = etree.XPath("//a[contains(@href, '/categor')]")


def _categories(tree: HtmlElement) -> list[str]:
    """`extract_catstags("category", tree)`, without its XPath search on a page where no link's
    address has a category path (the search keeps only such links)."""
    if any(_CATEGORY_HREF.search(link.get("href", "")) for link in _CATEGORY_LINKS(tree)):
        return extract_catstags("category", tree)
    sections = tree.xpath('.//head//meta[@property="article:section" or contains(@name, "subject")][@content]')
    names = dict.fromkeys(line_processing(e.attrib["content"]) for e in sections if e.attrib["content"])
    return [name for name in names if name]


MAX_BROKEN_JSON_CHARS = 100_000  # longer JSON-LD blocks that do not parse are not searched with regexes


def _json_metadata(tree: HtmlElement, metadata: Document) -> Document:
    """`trafilatura.metadata.extract_meta_json`, except that a block its JSON reader rejects is
    searched with trafilatura's regular expressions only when it is short: on a live blog's
    megabyte of JSON-LD they take most of a second."""
    for element in tree.xpath('.//script[@type="application/ld+json" or @type="application/settings+json"]'):
        if not element.text:
            continue
        try:  # whitespace between JSON tokens is no matter to the parser: minified only for the regexes
            metadata = extract_json(json.loads(normalize_json(element.text), strict=False), metadata)
        except json.JSONDecodeError:
            text = normalize_json(JSON_MINIFY.sub(r"\1", element.text))
            if len(text) <= MAX_BROKEN_JSON_CHARS:
                metadata = extract_json_parse_error(text, metadata)
    return metadata


def page_metadata(
    tree: HtmlElement,
    url: str | None = None,
    with_date: bool = True,
    shown: Callable[[], str | None] | None = None,
) -> Document:
    """Title, author, URL, date, site name and categories, as `trafilatura.metadata.extract_metadata`
    finds them (tags and licence left out; the date only `with_date`). The byline shown on the page
    is the author when the metadata names none: `shown` reads it (by default `shown_author`, which
    prunes `tree` in place, so call this last)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # a broken JSON-LD block: trafilatura's own caller skips it too
        metadata = _json_metadata(tree, metadata)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    if with_date:
        date_config = set_date_params(DEFAULT_CONFIG.getboolean("DEFAULT", "EXTENSIVE_DATE_SEARCH"))
        date_config["url"] = metadata.url
        metadata.date = find_date(tree, **date_config)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (match := META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    if not metadata.categories:
        metadata.categories = _categories(tree)
    if not metadata.author:  # trafilatura prunes a deep copy; this is the tree's last reader, so it prunes the tree
        author = shown() if shown is not None else shown_author(tree)
        metadata.author = normalize_authors(None, author) if author else None
    metadata.clean_and_trim()
    return metadata


def parse_html_page(
    html: str,
    url: str | None = None,
    include_comments: bool = False,
    fallback: bool = False,
    rescue_ratio: float = RESCUE_RATIO,
) -> HtmlPage | None:
    """Main text and metadata of a page, or None when trafilatura finds no main text.

    The fast extraction's result is kept unless `needs_second_pass` says it found too little
    (nothing at all included; `rescue_ratio` 0 turns the second pass off); then trafilatura's
    fallback extractors run and their result is kept. `fallback` runs them on every page instead.
    """
    tree = load_html(html)
    if tree is None:
        return None
    body = _main_text(tree, url, include_comments, fast=not fallback)
    paragraphs = _paragraphs(body) if body is not None else ()
    if not fallback and needs_second_pass(tree, paragraphs, rescue_ratio):
        rescued = _main_text(tree, url, include_comments, fast=False)
        if rescued is not None:
            paragraphs = _paragraphs(rescued)
    if not paragraphs:
        return None
    printed = printed_bylines(tree, paragraphs)
    ld = ld_blocks(tree)  # before the metadata step prunes the tree
    stamp = published_timestamp(html)  # when the page's metadata gives the time, htmldate's search is not needed
    shown = functools.cache(lambda: shown_author(tree))  # read at most once, by the metadata or the byline
    document = page_metadata(tree, url, with_date=stamp is None, shown=shown)
    categories = document.categories if isinstance(document.categories, list) else []
    return HtmlPage(
        title=strip_site_name((document.title or "").strip(), document.sitename, document.hostname),
        paragraphs=paragraphs,
        authors=page_authors(
            html, document.author, document.sitename, document.hostname, shown=shown, printed=printed, ld=ld
        ),
        date=_best_date(document.date or None, stamp),
        site=(document.sitename or document.hostname or None),
        url=document.url or url,
        language=document.language or None,
        sections=tuple(str(c) for c in categories if c),
    )
