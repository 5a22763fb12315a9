"""Articles written in the tests and the benchmarks (which hand their texts to newsgraph's analysis)."""

from __future__ import annotations

from newsgraph.records import Article, Location


def text_article(ident: str, text: str, title: str = "") -> Article:
    """An English article of plain text and no metadata, read from `<ident>.txt`."""
    return Article(
        id=ident,
        location=Location(f"{ident}.txt"),
        format="text",
        title=title,
        text=text,
        source=None,
        url=None,
        authors=(),
        published=None,
        published_from=None,
        language="en",
    )
