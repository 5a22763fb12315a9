"""HTML pages: main text and metadata with trafilatura, paragraphs kept."""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import Document

_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\||,?\s+and\s+|\s+&\s+)\s*")
_BY = re.compile(r"^\s*by\s+", re.I)


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


def parse_html_page(html: str, url: str | None = None, include_comments: bool = False) -> HtmlPage | None:
    """Main text and metadata of a page, or None when trafilatura finds no main text."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=include_comments, include_tables=True
    )
    if not isinstance(document, Document) or not document.text:
        return None
    paragraphs = tuple(p.strip() for p in document.text.split("\n") if p.strip())
    categories = document.categories if isinstance(document.categories, list) else []
    return HtmlPage(
        title=(document.title or "").strip(),
        paragraphs=paragraphs,
        authors=split_authors(document.author),
        date=document.date or None,
        site=(document.sitename or document.hostname or None),
        url=document.url or url,
        language=document.language or None,
        sections=tuple(str(c) for c in categories if c),
    )
