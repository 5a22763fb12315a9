"""The HTML pages: the same view functions as the API, rendered through autoescaped templates.

Shareable addresses: /, /search, /articles/{id}, /stories, /stories/{id}, /entities,
/entities/{id}, /sources, /sources/{name}, /quotes, /check.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from newsgraph.errors import NewsgraphError, UserError
from newsgraph.store.articles import ArticleFilter, article_view
from newsgraph.store.base import Store
from newsgraph.store.connect import open_store
from newsgraph.store.copies import article_diff
from newsgraph.store.entities import curate_entity, entities_page, entity_view
from newsgraph.store.overview import home_view, search_view
from newsgraph.store.quotes import quotes_page
from newsgraph.store.sources import list_sources, source_view
from newsgraph.store.stories import stories_page, story_detail
from newsgraph.web.checking import CheckRequest, run_check
from newsgraph.web.deps import check_form_origin, check_token, reader, settings_of
from newsgraph.web.present import text_segments, timeline_chart, weekly_chart
from newsgraph.web.render import page

router = APIRouter(include_in_schema=False)

Text = Annotated[str | None, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=1000)]
ReadStore = Annotated[Store, Depends(reader)]


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


@router.get("/")
def home(request: Request, store: ReadStore) -> Response:
    return page(request, "home.html", {"data": home_view(store)})


@router.get("/search")
def search(
    request: Request,
    store: ReadStore,
    q: Text = None,
    source: Text = None,
    entity: Text = None,
    kind: Annotated[Literal["original", "copy"] | None, Query()] = None,
    since: Text = None,
    until: Text = None,
    cursor: Cursor = None,
) -> Response:
    words = q.strip() if q else None
    f = ArticleFilter(q=words or None, source=source, entity=entity, kind=kind, since=since, until=until)
    params = _params(q=words, source=source, entity=entity, kind=kind, since=since, until=until)
    return page(request, "search.html", {"data": search_view(store, f, limit=20, cursor=cursor), "params": params})


@router.get("/articles/{ident}")
def article(request: Request, ident: str, store: ReadStore) -> Response:
    data = article_view(store, ident)
    diff = None
    if data["copy_of"] and data["copy_of"]["original"]:
        diff = article_diff(store, data["id"], data["copy_of"]["original"]["id"], rows=True)
    context = {
        "data": data,
        "segments": text_segments(data["text"], data["mentions"], data["quotes"]),
        "diff": diff,
    }
    return page(request, "article.html", context)


@router.get("/stories")
def stories(request: Request, store: ReadStore, entity: Text = None, cursor: Cursor = None) -> Response:
    data = stories_page(store, entity=entity, limit=30, cursor=cursor)
    return page(request, "stories.html", {"data": data, "params": _params(entity=entity)})


@router.get("/stories/{ident}")
def story(request: Request, ident: str, store: ReadStore) -> Response:
    data = story_detail(store, ident)
    return page(request, "story.html", {"data": data, "plot": timeline_chart(data)})


@router.get("/entities")
def entities(
    request: Request,
    store: ReadStore,
    q: Text = None,
    type: Annotated[Literal["person", "org", "place", "group", "facility", "event"] | None, Query()] = None,
    cursor: Cursor = None,
) -> Response:
    data = entities_page(store, kind=type, q=q, limit=50, cursor=cursor)
    return page(request, "entities.html", {"data": data, "params": _params(q=q, type=type)})


@router.get("/entities/{ident}")
def entity(request: Request, ident: str, store: ReadStore) -> Response:
    data = entity_view(store, ident)
    return page(request, "entity.html", {"data": data, "plot": weekly_chart(data["weeks"], "articles", "articles")})


@router.post("/entities/{ident}/curate")
def curate(
    request: Request,
    ident: str,
    action: Annotated[Literal["merge", "split", "rename"], Form()],
    value: Annotated[str, Form(max_length=200)],
    token: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Curation from the entity page: same-origin form with its form token, and the API token."""
    check_form_origin(request, csrf)
    check_token(request, token)
    if not value.strip():
        raise UserError("give a name for the curation")
    with open_store(request.app.state.db, create=False) as store:
        result = curate_entity(store, ident, action, value.strip())
    return RedirectResponse(f"/entities/{result['entity']}", status_code=303)


@router.get("/sources")
def sources(request: Request, store: ReadStore, cursor: Cursor = None) -> Response:
    return page(request, "sources.html", {"data": list_sources(store, limit=100, cursor=cursor)})


@router.get("/sources/{name:path}")
def source(request: Request, name: str, store: ReadStore) -> Response:
    data = source_view(store, name)
    chart = weekly_chart(data["weeks"], "articles", "articles", extra="original_share")
    return page(request, "source.html", {"data": data, "plot": chart})


@router.get("/quotes")
def quotes(
    request: Request,
    store: ReadStore,
    q: Text = None,
    speaker: Text = None,
    about: Text = None,
    kind: Annotated[Literal["direct", "reported"] | None, Query()] = None,
    cursor: Cursor = None,
) -> Response:
    data = quotes_page(store, speaker=speaker, about=about, search=q, kind=kind, limit=30, cursor=cursor)
    params = _params(q=q, speaker=speaker, about=about, kind=kind)
    return page(request, "quotes.html", {"data": data, "params": params})


@router.get("/check")
def check_form(request: Request) -> Response:
    return page(request, "check.html", {"result": None, "form": {}})


@router.post("/check")
async def check(
    request: Request,
    text: Annotated[str, Form(max_length=2_000_000)] = "",
    url: Annotated[str, Form(max_length=2_000)] = "",
    title: Annotated[str, Form(max_length=1_000)] = "",
    source: Annotated[str, Form(max_length=200)] = "",
    published: Annotated[str, Form(max_length=64)] = "",
    page_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check a pasted text, an uploaded HTML page or a stored page's URL (nothing is stored)."""
    from starlette.concurrency import run_in_threadpool

    limit = settings_of(request).max_check_bytes
    html = ""
    if page_file is not None and page_file.filename:
        content = await page_file.read(limit + 1)
        if len(content) > limit:
            raise UserError(f"the page is larger than {limit:,} bytes (max_check_bytes)")
        html = content.decode("utf-8", "replace")
    form = {"text": text, "url": url, "title": title, "source": source, "published": published}
    body = CheckRequest(
        text=text or None,
        html=html or None,
        url=url or None,
        title=title or None,
        source=source or None,
        published=published or None,
    )

    def answer() -> dict[str, Any]:
        with request.app.state.pool.reader() as store:
            return run_check(request, store, body)

    try:
        result = await run_in_threadpool(answer)
    except NewsgraphError as exc:
        return page(request, "check.html", {"result": None, "form": form, "error": exc.message}, status=400)
    return page(request, "check.html", {"result": result, "form": form})
