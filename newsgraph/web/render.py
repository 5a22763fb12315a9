"""HTML rendering: the Jinja2 environment (autoescaped) and its filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.responses import Response

from newsgraph import __version__

HERE = Path(__file__).resolve().parent
env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)  # every value escaped
templates = Jinja2Templates(env=env)


def _day(value: str | None) -> str:
    return (value or "")[:10] or "undated"


def _when(value: str | None) -> str:
    return (value or "").replace("T", " ")[:16] or "undated"


def _hours(seconds: int | None) -> str:
    if seconds is None:
        return "undated"
    hours = seconds / 3600
    return f"{hours:.1f} h later" if hours < 48 else f"{hours / 24:.1f} days later"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _path(value: str) -> str:
    """A path segment, percent-encoded (source names hold spaces and slashes)."""
    return quote(value, safe="")


def _link(value: str | None) -> str | None:
    """A URL from content, only if it is http(s): `javascript:` and kin are never made links."""
    if not value:
        return None
    scheme = urlsplit(value.strip()).scheme.lower()
    return value.strip() if scheme in ("http", "https") else None


def _query(params: dict[str, Any], **changes: Any) -> str:
    """A query string: `params` with `changes` applied (None drops a key)."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


env.filters.update(day=_day, when=_when, hours=_hours, percent=_percent, path=_path, link=_link)
env.globals.update(query=_query, version=__version__)


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render a page; a browser without a form token gets one as a strict same-site cookie."""
    from newsgraph.web.deps import CSRF_COOKIE, csrf_token, writes_enabled

    token = csrf_token(request)
    full = {"csrf": token, "writes": writes_enabled(request), **context}
    response = templates.TemplateResponse(request, name, full, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


def _marked(snippet: str, spans: list[list[int]]) -> list[tuple[str, bool]]:
    """A search snippet as (text, matched) pieces."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in spans:
        if start > position:
            pieces.append((snippet[position:start], False))
        pieces.append((snippet[start:end], True))
        position = end
    if position < len(snippet):
        pieces.append((snippet[position:], False))
    return pieces


env.filters["marked"] = _marked
