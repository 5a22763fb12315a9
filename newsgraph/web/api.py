"""The JSON API under /api/v1: the store's view functions as JSON, with cursors and exports.

Each list answers `{items, next}`; pass `next` back as `cursor` for the following page, or ask
for `format=csv` or `format=jsonl` to stream every row.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from newsgraph.store import read
from newsgraph.store.articles import ArticleFilter, article_view, list_articles
from newsgraph.store.base import Store
from newsgraph.store.copies import article_diff
from newsgraph.store.entities import add_rule, entities_page, entity_view
from newsgraph.store.overview import home_view, search_view
from newsgraph.store.quotes import quotes_page
from newsgraph.store.sources import list_sources, source_view
from newsgraph.store.stories import growing_stories, stories_page, story_detail
from newsgraph.web.capture import captured_page
from newsgraph.web.checking import CheckRequest, run_check
from newsgraph.web.deps import reader, writer
from newsgraph.web.export import export

router = APIRouter()

Text = Annotated[str | None, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=1000, description="`next` from the previous page")]
Limit = Annotated[int, Query(ge=1, le=500)]
Format = Annotated[Literal["json", "csv", "jsonl"], Query(description="json: one page; csv or jsonl: every row")]
Kind = Annotated[Literal["original", "copy"] | None, Query(description="original articles or copies")]
EntityType = Annotated[Literal["person", "org", "place", "group", "facility", "event"] | None, Query()]
ReadStore = Annotated[Store, Depends(reader)]


def _listing(request: Request, fmt: str, name: str, cursor: str | None, fetch: Any, store: Store) -> Any:
    if fmt == "json":
        return fetch(store, cursor, None)
    return export(request.app.state.pool, fetch, fmt, name, cursor)


@router.get("/stats", summary="Counts of articles, sources, entities, stories, copies and quotes")
def stats(store: ReadStore) -> dict[str, Any]:
    return read.stats(store)


@router.get("/home", summary="The latest stories and the fastest-growing ones (the home page)")
def home(store: ReadStore) -> dict[str, Any]:
    return home_view(store)


@router.get("/articles", summary="Articles, newest first, filtered; full-text search with q")
def articles(
    request: Request,
    store: ReadStore,
    q: Text = None,
    source: Text = None,
    entity: Text = None,
    story: Text = None,
    kind: Kind = None,
    since: Text = None,
    until: Text = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    format: Format = "json",
    text: Annotated[bool, Query(description="include each article's text (exports include it)")] = False,
) -> Any:
    f = ArticleFilter(q=q, source=source, entity=entity, story=story, kind=kind, since=since, until=until)
    whole = text or format != "json"
    return _listing(
        request,
        format,
        "articles",
        cursor,
        lambda s, c, n: list_articles(s, f, limit=n or limit, cursor=c, text=whole),
        store,
    )


@router.get("/search", summary="Full-text search with facets for source, entity, type and date")
def search(
    store: ReadStore,
    q: Text = None,
    source: Text = None,
    entity: Text = None,
    kind: Kind = None,
    since: Text = None,
    until: Text = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    return search_view(
        store, ArticleFilter(q=q, source=source, entity=entity, kind=kind, since=since, until=until), limit, cursor
    )


@router.get("/articles/{ident}", summary="One article: text, mentions, quotes, copies, original, story")
def article(ident: str, store: ReadStore) -> dict[str, Any]:
    return article_view(store, ident)


@router.get("/articles/{ident}/capture", summary="The page exactly as watch captured it (from its WARC record)")
def capture(request: Request, ident: str, store: ReadStore) -> Response:
    return captured_page(request, store, ident)


@router.get("/articles/{ident}/diff", summary="What a copy changed from an original, sentence by sentence")
def diff(ident: str, store: ReadStore, original: Annotated[str, Query(max_length=200)]) -> dict[str, Any]:
    return article_diff(store, ident, original, rows=True)


@router.get("/stories", summary="Stories, latest update first")
def stories(
    request: Request,
    store: ReadStore,
    since: Text = None,
    entity: Text = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    format: Format = "json",
) -> Any:
    return _listing(
        request,
        format,
        "stories",
        cursor,
        lambda s, c, n: stories_page(s, since=since, entity=entity, limit=n or limit, cursor=c),
        store,
    )


@router.get("/stories/growing", summary="Stories that gained most articles lately")
def stories_growing(store: ReadStore, days: Annotated[float, Query(gt=0, le=60)] = 2.0) -> dict[str, Any]:
    return {"items": growing_stories(store, days=days)}


@router.get("/stories/{ident}", summary="One story: timeline, sources, copies, who reported first, quotes")
def story(ident: str, store: ReadStore) -> dict[str, Any]:
    return story_detail(store, ident)


@router.get("/entities", summary="Entities, most mentioned first; q finds any alias or near-spelling")
def entities(
    request: Request,
    store: ReadStore,
    q: Text = None,
    type: EntityType = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    format: Format = "json",
) -> Any:
    return _listing(
        request,
        format,
        "entities",
        cursor,
        lambda s, c, n: entities_page(s, kind=type, q=q, limit=n or limit, cursor=c),
        store,
    )


@router.get("/entities/{ident}", summary="One entity: aliases by source, mentions per week, co-mentions, quotes")
def entity(ident: str, store: ReadStore) -> dict[str, Any]:
    return entity_view(store, ident)


class Curation(BaseModel):
    action: Literal["merge", "split", "rename"]
    a: str = Field(max_length=200, description="merge: one entity's name; split and rename: the entity")
    b: str = Field(max_length=200, description="merge: the other entity; split: the alias; rename: the new name")


@router.post("/entities/curate", summary="Merge, split or rename entities (needs the API token)")
def curate(body: Curation, store: Annotated[Store, Depends(writer)]) -> dict[str, Any]:
    return add_rule(store, body.action, body.a, body.b)


@router.get("/sources", summary="Sources with their volume and original share")
def sources(
    request: Request, store: ReadStore, limit: Limit = 100, cursor: Cursor = None, format: Format = "json"
) -> Any:
    return _listing(
        request, format, "sources", cursor, lambda s, c, n: list_sources(s, limit=n or limit, cursor=c), store
    )


@router.get("/sources/{name:path}", summary="One source: volume and originality over time, copies to and from")
def source(name: str, store: ReadStore) -> dict[str, Any]:
    return source_view(store, name)


@router.get("/quotes", summary="Quotations, each once, with every appearance from the first on")
def quotes(
    request: Request,
    store: ReadStore,
    q: Text = None,
    speaker: Text = None,
    about: Text = None,
    kind: Annotated[Literal["direct", "reported"] | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    format: Format = "json",
) -> Any:
    return _listing(
        request,
        format,
        "quotes",
        cursor,
        lambda s, c, n: quotes_page(s, speaker=speaker, about=about, search=q, kind=kind, limit=n or limit, cursor=c),
        store,
    )


@router.post("/check", summary="Check one article against the knowledge base without storing it")
def check(request: Request, store: ReadStore, body: Annotated[CheckRequest, Body()]) -> dict[str, Any]:
    return run_check(request, store, body)


__all__ = ["router"]
