"""Streamed exports of any listing as CSV or JSON Lines.

A listing is read page by page through its cursor, so an export of 20,000 rows holds one page
in memory, like an export of 20, and a long export never holds a read transaction open.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.responses import StreamingResponse

from newsgraph.store.base import Store
from newsgraph.store.connect import StorePool

EXPORT_PAGE = 200
FORMATS = ("json", "csv", "jsonl")
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}

Fetch = Callable[[Store, str | None, int], dict[str, Any]]


def _rows(pool: StorePool, fetch: Fetch, first: dict[str, Any]) -> Iterator[dict[str, Any]]:
    result = first
    while True:
        yield from result["items"]
        cursor = result["next"]
        if not cursor:
            return
        with pool.reader() as store:
            result = fetch(store, cursor, EXPORT_PAGE)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


CHUNK = 64_000  # characters sent at a time


def _jsonl(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer: list[str] = []
    size = 0
    for row in rows:
        line = json.dumps(row, ensure_ascii=False) + "\n"
        buffer.append(line)
        size += len(line)
        if size >= CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer: Any = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: _cell(v) for k, v in row.items()})
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def export(pool: StorePool, fetch: Fetch, fmt: str, name: str, cursor: str | None = None) -> StreamingResponse:
    """Stream every row of a listing from `cursor` on, as CSV or JSON Lines.

    The first page is read before the response starts, so a bad filter is still a 4xx."""
    with pool.reader() as store:
        first = fetch(store, cursor, EXPORT_PAGE)
    rows = _rows(pool, fetch, first)
    body = _csv(rows) if fmt == "csv" else _jsonl(rows)
    return StreamingResponse(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
