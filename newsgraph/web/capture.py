"""A captured page as evidence: the WARC response record `watch` wrote, shown as text, never run."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from newsgraph.errors import NotFound
from newsgraph.ingest.warc import read_capture
from newsgraph.store.articles import article_view
from newsgraph.store.base import Store
from newsgraph.web.deps import settings_of


def captured_page(request: Request, store: Store, ident: str) -> Response:
    """The HTTP response as captured — status line, headers, body — as plain text in a sandbox."""
    settings = settings_of(request)
    capture = article_view(store, ident)["capture"]
    if capture is None:
        raise NotFound("this article was not fetched by `newsgraph watch`, so no capture is kept for it")
    path = Path(settings.data_dir) / "warc" / capture["warc_file"]
    if not path.is_file():
        raise NotFound(f"the WARC file {capture['warc_file']} is not under {settings.data_dir}/warc on this server")
    try:
        record = read_capture(path, capture["warc_offset"], settings.fetch_max_bytes)
    except (OSError, ValueError) as exc:
        raise NotFound(f"cannot read the capture: {exc}") from None
    head = [
        f"WARC-Target-URI: {record['url']}",
        f"WARC-Date: {record['captured']}",
        f"WARC file: {capture['warc_file']} at offset {capture['warc_offset']}",
        "",
        record["status"] or "",
        *(f"{k}: {v}" for k, v in record["headers"]),
        "",
        "",
    ]
    body = "\n".join(head).encode("utf-8") + record["body"]
    return Response(
        body,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff"},
    )
