"""The ASGI app: the JSON API under /api/v1 and the HTML pages, over one pool of read-only stores.

Both read through the store's view functions (`newsgraph.store.*`), so the API, the pages and
the CLI's --json give the same data. Every response carries a strict Content-Security-Policy;
errors are a JSON body under /api/ and a page elsewhere, never a traceback.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsgraph import __version__
from newsgraph.errors import NewsgraphError, NotFound, UserError
from newsgraph.settings import Settings
from newsgraph.store.connect import StorePool
from newsgraph.web.api import router as api_router
from newsgraph.web.pages import router as pages_router
from newsgraph.web.render import templates

HERE = Path(__file__).resolve().parent
log = logging.getLogger("newsgraph.web")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str, code: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "code": code, "message": message}}, status_code=status)
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message, "code": code}, status_code=status
    )


def _status(exc: NewsgraphError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, UserError):
        return 400
    return 500


def create_app(db: str, settings: Settings | None = None, pool_size: int = 8) -> FastAPI:
    """The app over the database file `db` (read-only; curation writes only with `api_token` set)."""
    settings = settings or Settings(db=db)
    app = FastAPI(
        title="newsgraph",
        version=__version__,
        description="Stories, copies, entities, quotations and sources of a newsgraph knowledge base.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.pool = StorePool(db, size=pool_size)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(NewsgraphError)
    async def newsgraph_error(request: Request, exc: NewsgraphError) -> Response:
        return _error(request, _status(exc), exc.message, exc.code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'body', 'path'))}: {e.get('msg')}"
            for e in exc.errors()
        )
        return _error(request, 422, f"invalid request: {problems}", "invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        response = _error(request, exc.status_code, message, "http_error")
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def failure(request: Request, exc: Exception) -> Response:
        log.exception("request failed: %s", request.url.path)
        return _error(request, 500, "the server failed on this request; the log has the details", "server_error")

    app.mount("/static/app", StaticFiles(directory=HERE / "static"), name="static")
    swagger = _package_dir("swagger_ui")
    if swagger is not None:
        app.mount("/static/swagger", StaticFiles(directory=swagger / "static"), name="swagger")
    plotly = _package_dir("plotly")
    plotly_js = plotly / "package_data" / "plotly.min.js" if plotly else None

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> Response:
        if plotly_js is None or not plotly_js.is_file():
            raise NotFound("the charting library (the plotly package) is not installed")
        return FileResponse(plotly_js, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    @app.get("/api/v1/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        return templates.TemplateResponse(request, "docs.html", {})

    app.include_router(api_router, prefix="/api/v1")
    app.include_router(pages_router)

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.pool.close()
