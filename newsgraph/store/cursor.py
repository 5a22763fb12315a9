"""Opaque cursors for keyset pagination.

A cursor holds the sort key of the last row a page showed; the next page starts after it. Rows
added later sort before or after that key but never shift the page boundary, so paging stays
stable while an ingest writes.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from newsgraph.errors import BadQuery

MAX_LIMIT = 500


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    """The sort key a cursor holds, or None for the first page; BadQuery when it is not ours."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeError):
        raise BadQuery("cursor is not one this server gave out") from None
    if (
        not isinstance(key, list)
        or len(key) != size
        or not all(v is None or isinstance(v, str | int | float) for v in key)
    ):
        raise BadQuery("cursor is not one this server gave out")
    return key


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def page(items: list[dict[str, Any]], limit: int, key: Any) -> dict[str, Any]:
    """A page of `limit` items from `limit + 1` fetched, with the cursor of the next page."""
    more = len(items) > limit
    shown = items[:limit]
    return {"items": shown, "next": encode_cursor(key(shown[-1])) if more and shown else None}
