"""Checking a text over HTTP: what a request may carry, its size bounds, and one analysis at a time."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field

from newsgraph.errors import UserError
from newsgraph.store.base import Store
from newsgraph.store.check import check_document, raw_from_html, raw_from_stored_url, raw_from_text
from newsgraph.web.deps import settings_of

_ANALYSIS = threading.Lock()  # the language model is shared by the server's threads: one text at a time


class CheckRequest(BaseModel):
    """One article: pasted `text`, a page's `html`, or the `url` of a page already stored."""

    text: str | None = Field(None, max_length=2_000_000)
    html: str | None = Field(None, max_length=2_000_000)
    url: str | None = Field(None, max_length=2_000)
    title: str | None = Field(None, max_length=1_000)
    source: str | None = Field(None, max_length=200)
    published: str | None = Field(None, max_length=64)


def run_check(request: Request, store: Store, body: CheckRequest) -> dict[str, Any]:
    """Answer one check request against the store, storing nothing."""
    settings = settings_of(request)
    given = [name for name in ("text", "html", "url") if (getattr(body, name) or "").strip()]
    if len(given) != 1:
        raise UserError("give exactly one of text, html or url")
    size = len((body.text or body.html or "").encode("utf-8"))
    if size > settings.max_check_bytes:
        raise UserError(f"the text is {size:,} bytes; the limit is {settings.max_check_bytes:,} (max_check_bytes)")
    if body.url and not body.text and not body.html:
        raw = raw_from_stored_url(store, body.url.strip())
    elif body.html:
        raw = raw_from_html(body.html, url=None, title=body.title, source=body.source, published=body.published)
    else:
        raw = raw_from_text(body.text or "", title=body.title, source=body.source, published=body.published)
    with _ANALYSIS:
        return check_document(store, raw, settings)
