"""When to try again: Retry-After (seconds or an HTTP date) and exponential backoff with full jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (0 for a date in the past), or None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(base: float, attempt: int, cap: float) -> float:
    """Full jitter: uniform in [0, base * 2**attempt], never above `cap` (attempt 0 is the first retry)."""
    return random.uniform(0.0, min(cap, base * 2**attempt))


def utc_iso(moment: datetime | None = None) -> str:
    """`2025-01-31T12:00:00Z`: the form of every fetch time (and of WARC-Date)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_iso_in(seconds: float) -> str:
    return utc_iso(datetime.now(UTC) + timedelta(seconds=seconds))
