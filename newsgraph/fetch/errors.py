"""Why a fetch did not give a page: `FetchError` with a stable outcome code, and the guard's `BlockedURL`.

The codes are part of the interface: callers record them (a rejection, a deferred poll) and count
them, so they never change meaning.
"""

from __future__ import annotations

from typing import Literal, get_args

from newsgraph.errors import NewsgraphError

FetchCode = Literal[
    "blocked",  # the URL or an address it resolves to is not allowed (scheme, private network)
    "robots_disallowed",  # robots.txt forbids it
    "too_large",  # the (decoded) body is larger than `fetch_max_bytes`
    "wrong_type",  # the Content-Type is not one the caller accepts
    "bad_encoding",  # a Content-Encoding we do not speak, or a corrupt compressed body
    "timeout",  # connecting or reading took longer than the timeouts allow
    "http_error",  # a 4xx (not 429), a 5xx after the retries, a 3xx without a usable Location
    "retry_later",  # the server (429, Retry-After) or its robots.txt asks us to come back at `retry_at`
    "too_many_redirects",
    "connection_failed",  # DNS, refused, reset, TLS … after the retries
    "bad_url",  # not a URL we can request (no scheme, no host, bad port)
]
FETCH_CODES: frozenset[str] = frozenset(get_args(FetchCode))


class FetchError(NewsgraphError):
    """A URL that gave no usable response. `code` is one of `FETCH_CODES`."""

    code: str = "fetch_failed"

    def __init__(self, code: FetchCode, reason: str, url: str, retry_at: str | None = None) -> None:
        super().__init__(f"{reason} ({url})")
        self.code = code
        self.reason = reason
        self.url = url
        self.retry_at = retry_at  # ISO 8601 UTC, for `retry_later`

    def __repr__(self) -> str:
        return f"FetchError({self.code!r}, {self.reason!r}, {self.url!r}, retry_at={self.retry_at!r})"


class BlockedURL(FetchError):
    """The private-network guard refused a URL: its scheme, or an address its host resolves to."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__("blocked", reason, url)
