"""Authors of a page's article in its JSON-LD (`schema.org` `author`, `@id` references resolved)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from lxml.html import HtmlElement

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.I)
_LD_SCRIPT = re.compile(r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.S | re.I)
_ARTICLE_TYPES = re.compile(r"(?:Article|BlogPosting|Report|NewsArticle)$")


def _types(item: dict[str, Any]) -> list[str]:
    kind = item.get("@type")
    return [str(k) for k in kind] if isinstance(kind, list) else [str(kind)] if kind else []


def _ld_items(html: str) -> Iterator[Any]:
    for match in _LD_SCRIPT.finditer(html):
        try:
            yield json.loads(match.group(1).strip())
        except ValueError:
            continue


def _top_level(data: Any) -> Iterator[dict[str, Any]]:
    """Objects at the top of a JSON-LD block: itself, list members, `@graph` members, `mainEntity`."""
    if isinstance(data, list):
        for item in data:
            yield from _top_level(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), (list, dict)):
                yield from _top_level(data[key])


def _ids(data: Any, into: dict[str, dict[str, Any]]) -> None:
    if isinstance(data, list):
        for item in data:
            _ids(item, into)
    elif isinstance(data, dict):
        ident = data.get("@id")
        if isinstance(ident, str) and "name" in data:
            into.setdefault(ident, data)
        for value in data.values():
            _ids(value, into)


def _ld_names(value: Any, ids: dict[str, dict[str, Any]]) -> Iterator[tuple[str, bool]]:
    """(name, is a person) for each author of a JSON-LD `author` value."""
    if isinstance(value, list):
        for item in value:
            yield from _ld_names(item, ids)
    elif isinstance(value, str):
        if value.strip() and not _LINK.match(value.strip()):
            yield value.strip(), True
    elif isinstance(value, dict):
        if "name" not in value and isinstance(value.get("@id"), str):
            value = ids.get(value["@id"], value)
        name = value.get("name")
        if not name and (value.get("givenName") or value.get("familyName")):
            name = f"{value.get('givenName') or ''} {value.get('familyName') or ''}"
        if isinstance(name, list):
            name = " ".join(str(n) for n in name)
        if isinstance(name, str) and name.strip():
            kinds = _types(value)
            yield name.strip(), not kinds or any(k == "Person" for k in kinds)


def ld_blocks(tree: HtmlElement) -> list[Any]:
    """The JSON-LD blocks of a parsed page, as `jsonld_authors` reads them from its HTML: each
    script whose opening tag names `application/ld+json`, blocks that do not parse left out."""
    blocks = []
    for element in tree.iter("script"):
        if element.text and any("application/ld+json" in value.lower() for value in element.attrib.values()):
            try:
                blocks.append(json.loads(element.text.strip()))
            except ValueError:
                continue
    return blocks


def jsonld_authors(html: str) -> list[tuple[str, bool]]:
    """(name, is a person) for the authors of the page's article in its JSON-LD, in page order."""
    return block_authors(list(_ld_items(html)))


def block_authors(blocks: Sequence[Any]) -> list[tuple[str, bool]]:
    """(name, is a person) for the article's authors in a page's JSON-LD blocks (see `ld_blocks`)."""
    ids: dict[str, dict[str, Any]] = {}
    for data in blocks:
        _ids(data, ids)
    for data in blocks:
        for item in _top_level(data):
            if any(_ARTICLE_TYPES.search(k) for k in _types(item)) and item.get("author"):
                names = list(_ld_names(item["author"], ids))
                if names:
                    return names
    return []
