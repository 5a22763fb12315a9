"""Views that put several store views together: the home page, and search with facets."""

from __future__ import annotations

from typing import Any

from newsgraph.store import read
from newsgraph.store.articles import ArticleFilter, article_facets, list_articles
from newsgraph.store.base import Store
from newsgraph.store.entities import entities_page
from newsgraph.store.stories import growing_stories, stories_page


def home_view(store: Store) -> dict[str, Any]:
    """Counts, the latest stories and the fastest-growing ones."""
    return {
        "stats": read.stats(store, top=0),
        "latest": stories_page(store, limit=12)["items"],
        "growing": growing_stories(store, limit=6),
    }


def search_view(store: Store, f: ArticleFilter, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
    """A page of matching articles with facets, and the entities the words name."""
    result = list_articles(store, f, limit=limit, cursor=cursor)
    result["facets"] = article_facets(store, f)
    result["entities"] = entities_page(store, q=f.q, limit=5)["items"] if f.q else []
    return result
