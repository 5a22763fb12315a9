"""What requests depend on: a borrowed read-only store, a store to write through, the API token
for curation, and the cross-site request check for forms."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator

from fastapi import HTTPException, Request

from newsgraph.settings import Settings
from newsgraph.store.base import Store
from newsgraph.store.connect import open_store

CSRF_COOKIE = "newsgraph_csrf"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def reader(request: Request) -> Iterator[Store]:
    """A read-only store for the length of one request."""
    with request.app.state.pool.reader() as store:
        yield store


def writes_enabled(request: Request) -> bool:
    return bool(settings_of(request).api_token)


def check_token(request: Request, given: str | None) -> None:
    """Curation needs the configured token; without one configured, writes are off."""
    token = settings_of(request).api_token
    if not token:
        raise HTTPException(403, "writes are disabled on this server (set api_token or NEWSGRAPH_API_TOKEN to enable)")
    if not given or not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        raise HTTPException(401, "a valid API token is needed for this", headers={"WWW-Authenticate": "Bearer"})


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def writer(request: Request) -> Iterator[Store]:
    """A writable store for one curation request, after the token check."""
    check_token(request, bearer(request))
    with open_store(request.app.state.db, create=False) as store:
        yield store


def csrf_token(request: Request) -> str:
    """The form token for this browser: the cookie's value, or a new one (set by `remember_csrf`)."""
    value = request.cookies.get(CSRF_COOKIE, "")
    if len(value) == 43 and value.replace("-", "").replace("_", "").isalnum():
        return value
    new: str | None = getattr(request.state, "new_csrf", None)
    if new is None:  # one new token a request, however often a page asks
        new = request.state.new_csrf = secrets.token_urlsafe(32)
    return new


def check_form_origin(request: Request, form_token: str | None) -> None:
    """A form that writes must come from our own pages: same origin, and the cookie's token echoed."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin and not (origin == own or origin.startswith(own + "/")):
        raise HTTPException(403, "cross-site form submission refused")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not form_token or not hmac.compare_digest(cookie.encode(), form_token.encode()):
        raise HTTPException(403, "the form's security token is missing or stale: reload the page and try again")
