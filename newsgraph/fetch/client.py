"""The polite HTTP client: `Fetcher.fetch(url)` gives a `FetchResult` or raises a `FetchError`.

Per request, in order: the URL must be http(s) with a host (`bad_url`) and pass the private-network
guard (`blocked`); robots.txt must allow it (`robots_disallowed`; an unreachable robots.txt defers
the URL); the host's pacing slot is waited for (one request at a time per host, `fetch_host_delay`
or the robots Crawl-delay between starts, whichever is longer). A 429, a 5xx or a dropped
connection is retried `fetch_retries` times after `fetch_backoff * 2**n` seconds with full jitter,
or after the Retry-After the server gave; a wait longer than `fetch_max_wait` is not waited:
`retry_later` with the time. Redirects are followed by hand, each hop passing the guard and
robots again, up to `fetch_max_redirects`. The body is read as a stream, decoded under the
`fetch_max_bytes` cap (`too_large`), after its Content-Type was checked against `accept`
(`wrong_type`). `etag`/`last_modified` make the request conditional; a 304 is a result without a body.

Nothing but `FetchError` leaves `fetch` for network trouble. One `Fetcher` is shared by threads.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn
from urllib.parse import urlsplit

import httpcore
import httpx

from newsgraph import __version__
from newsgraph.fetch.backoff import RETRY_STATUSES, backoff_seconds, retry_after_seconds, utc_iso, utc_iso_in
from newsgraph.fetch.decoding import ACCEPT_ENCODING, BadEncoding, BodyTooLarge, content_codings, read_body
from newsgraph.fetch.errors import BlockedURL, FetchCode, FetchError
from newsgraph.fetch.guard import check_url
from newsgraph.fetch.pacing import HostPacer, TooLong
from newsgraph.fetch.robots import MAX_ROBOTS_BYTES, RobotsCache
from newsgraph.fetch.transport import GuardedTransport
from newsgraph.settings import Settings

HTML_TYPES = ("text/html", "application/xhtml+xml")
ROBOTS_TOKEN = "newsgraph"  # the product token robots.txt groups are matched on
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_REDIRECTS = 5  # RFC 9309: follow at least five


def user_agent(contact: str = "") -> str:
    """`newsgraph/<version> (+<contact>)`, or without the parenthesis when no contact is set."""
    contact = contact.strip()
    return f"newsgraph/{__version__} (+{contact})" if contact else f"newsgraph/{__version__}"


@dataclass(frozen=True)
class FetchResult:
    """A response: 2xx with its decoded body, or 304 (not modified) without one."""

    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # lowercased names; repeated headers joined with ", "
    content: bytes  # decoded (no Content-Encoding left)
    fetched_at: str  # ISO 8601 UTC, when the final request was sent
    elapsed: float  # seconds from sending the final request to the end of its body
    etag: str | None
    last_modified: str | None
    redirects: tuple[str, ...] = ()  # the URLs that answered with a redirect, in order
    request_headers: dict[str, str] = field(default_factory=dict)  # of the final request, lowercased
    http_version: str = "HTTP/1.1"
    reason: str = ""  # the status line's reason phrase
    raw_headers: tuple[tuple[str, str], ...] = ()  # as received: case, order and repeats kept

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        """The media type, lowercased, without parameters ("" when the server sent none)."""
        return _media_type(self.headers.get("content-type"))


@dataclass(frozen=True)
class _Hop:
    """One URL's answer (after retries): the final response, or a redirect to follow."""

    url: str
    status: int
    response: httpx.Response
    content: bytes
    fetched_at: str
    elapsed: float
    location: str | None


class _Retry(Exception):
    """A try that may be repeated: `error` if no try is left, after `wait` seconds (None: backoff)."""

    def __init__(self, error: FetchError, wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait


class Fetcher:
    """Polite, guarded fetching for one process. Use as a context manager, or call `close()`."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.user_agent = user_agent(settings.fetch_contact)
        self.allow_hosts = settings.allow_hosts
        self._client = httpx.Client(
            transport=transport if transport is not None else GuardedTransport(self.allow_hosts),
            headers={"User-Agent": self.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(
                connect=settings.fetch_connect_timeout,
                read=settings.fetch_read_timeout,
                write=settings.fetch_read_timeout,
                pool=settings.fetch_connect_timeout + settings.fetch_read_timeout,
            ),
            follow_redirects=False,
            trust_env=False,
        )
        # a body that trickles in is cut off: read timeouts are per read, this is for the whole body
        self._body_deadline = settings.fetch_connect_timeout + 4 * settings.fetch_read_timeout
        self._pacer = HostPacer()
        self.robots = RobotsCache(self._fetch_robots)

    # -- public -------------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Sequence[str] | None = HTML_TYPES,
    ) -> FetchResult:
        """GET `url` politely. `accept`: the media types wanted (None: any). Raise `FetchError`."""
        headers = {"Accept": ", ".join(accept) if accept else "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        url = current = url.strip()
        redirects: list[str] = []
        while True:
            self._check_target(current)
            self._check_robots(current)
            hop = self._request(current, headers, accept, self._host_delay(current))
            if hop.location is None:
                break
            if len(redirects) >= self.settings.fetch_max_redirects:
                _fail("too_many_redirects", f"more than {self.settings.fetch_max_redirects} redirects", url)
            redirects.append(current)
            current = hop.location
        response = hop.response
        got_etag = response.headers.get("etag") or (etag if hop.status == 304 else None)
        got_modified = response.headers.get("last-modified") or (last_modified if hop.status == 304 else None)
        return FetchResult(
            url=url,
            final_url=current,
            status=hop.status,
            headers={k.lower(): v for k, v in response.headers.items()},
            content=hop.content,
            fetched_at=hop.fetched_at,
            elapsed=hop.elapsed,
            etag=got_etag,
            last_modified=got_modified,
            redirects=tuple(redirects),
            request_headers={k.lower(): v for k, v in response.request.headers.items()},
            http_version=response.http_version,
            reason=response.reason_phrase,
            raw_headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw),
        )

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch `url` now (fetching robots.txt if needed; an unreachable
        one allows nothing). Raises `FetchError` (`retry_later`) when the host may not be asked yet."""
        return self.robots.allowed(url, ROBOTS_TOKEN)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- checks before a request --------------------------------------------------------------

    def _check_target(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            _fail("bad_url", f"not a valid URL: {exc}", url)
        if not parts.scheme:
            _fail("bad_url", "not an absolute URL", url)
        if parts.scheme.lower() in ("http", "https") and not parts.hostname:
            _fail("bad_url", "the URL has no host", url)
        check_url(url, self.allow_hosts)  # BlockedURL for other schemes and private addresses

    def _check_robots(self, url: str) -> None:
        rules = self.robots.rules(url)
        if rules.unreachable:
            code: FetchCode = "retry_later"
            if rules.failure in ("timeout", "connection_failed"):
                code = "timeout" if rules.failure == "timeout" else "connection_failed"
            reason = f"robots.txt of {rules.origin} is unreachable: {rules.reason}"
            raise FetchError(code, reason, url, utc_iso_in(self.robots.retry_in(rules)))
        if not rules.allows(url, ROBOTS_TOKEN):
            _fail("robots_disallowed", f"robots.txt of {rules.origin} disallows it", url)

    def _host_delay(self, url: str) -> float:
        crawl_delay = self.robots.rules(url).crawl_delay(ROBOTS_TOKEN)  # cached by _check_robots
        return max(self.settings.fetch_host_delay, crawl_delay or 0.0)

    # -- one URL, with retries -----------------------------------------------------------------

    def _request(
        self,
        url: str,
        headers: dict[str, str],
        accept: Sequence[str] | None,
        delay: float,
        robots: bool = False,
    ) -> _Hop:
        retries = 0 if robots else max(0, self.settings.fetch_retries)
        host = (urlsplit(url).hostname or "").lower()
        attempt = 0
        while True:
            try:
                return self._attempt(url, host, headers, accept, delay, robots)
            except _Retry as retry:
                wait = retry.wait
                if wait is not None and wait > self.settings.fetch_max_wait:
                    raise FetchError(
                        "retry_later", f"{retry.error.reason}; asked to wait {wait:.0f} s", url, utc_iso_in(wait)
                    ) from None
                if attempt >= retries:
                    if wait is not None and retry.error.code == "http_error":  # a 5xx that said when
                        raise FetchError("retry_later", retry.error.reason, url, utc_iso_in(wait)) from None
                    raise retry.error from None
                if wait is not None:
                    self._pacer.defer(host, wait)  # every request to the host waits, not only this one
                else:
                    time.sleep(backoff_seconds(self.settings.fetch_backoff, attempt, self.settings.fetch_max_wait))
                attempt += 1

    def _attempt(
        self,
        url: str,
        host: str,
        headers: dict[str, str],
        accept: Sequence[str] | None,
        delay: float,
        robots: bool,
    ) -> _Hop:
        max_bytes = MAX_ROBOTS_BYTES if robots else self.settings.fetch_max_bytes
        try:
            request = self._client.build_request("GET", url, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError, ValueError) as exc:
            _fail("bad_url", f"not a valid URL: {exc}", url)
        try:
            with self._pacer.slot(host, delay, self.settings.fetch_max_wait):
                fetched_at = utc_iso()
                started = time.monotonic()
                response = self._client.send(request, stream=True)
                try:
                    status = response.status_code
                    location = None
                    content = b""
                    if status in RETRY_STATUSES and not robots:
                        error = _status_error(response, url)
                        raise _Retry(error, retry_after_seconds(response.headers.get("retry-after")))
                    if status in REDIRECT_STATUSES:
                        location = _location(response, url)
                    elif 300 <= status < 400 and status != 304 and not robots:
                        _fail("http_error", f"HTTP {status} {response.reason_phrase} without a usable redirect", url)
                    elif status >= 400 and not robots:
                        raise _status_error(response, url)
                    elif 200 <= status < 300 or robots:
                        if not robots:
                            _check_type(response, accept, url)
                            _check_length(response, max_bytes, url)
                        if response.is_stream_consumed:  # a transport that read (and decoded) it: MockTransport
                            content = read_body([response.content], [], max_bytes, truncate=robots)
                        else:
                            chunks = self._timed(response.iter_raw(), started, url)
                            codings = content_codings(response.headers.get("content-encoding"))
                            content = read_body(chunks, codings, max_bytes, truncate=robots)
                    return _Hop(url, status, response, content, fetched_at, time.monotonic() - started, location)
                finally:
                    response.close()
        except TooLong as exc:
            reason = f"{host} is not to be asked again for {exc.wait:.0f} s"
            raise FetchError("retry_later", reason, url, utc_iso_in(exc.wait)) from None
        except BlockedURL as exc:  # from the transport, at connect time
            raise BlockedURL(exc.reason, url) from None
        except BodyTooLarge as exc:
            _fail("too_large", f"the body is larger than {exc.size} bytes", url)
        except BadEncoding as exc:
            _fail("bad_encoding", str(exc), url)
        except httpx.ConnectTimeout:
            raise _Retry(FetchError("timeout", "connecting timed out", url)) from None
        except httpx.TimeoutException as exc:
            _fail("timeout", f"{type(exc).__name__}: no answer within the timeout", url)
        except (httpx.NetworkError, httpx.RemoteProtocolError, httpcore.NetworkError) as exc:
            raise _Retry(FetchError("connection_failed", _describe(exc), url)) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            _fail("bad_url", str(exc), url)
        except (httpx.HTTPError, httpcore.ProtocolError, ssl.SSLError, OSError) as exc:
            _fail("connection_failed", _describe(exc), url)

    def _timed(self, chunks: Iterator[bytes], started: float, url: str) -> Iterator[bytes]:
        deadline = started + self._body_deadline
        for chunk in chunks:
            if time.monotonic() > deadline:
                _fail("timeout", f"the body took longer than {self._body_deadline:.0f} s", url)
            yield chunk

    # -- robots.txt, through the same client ---------------------------------------------------

    def _fetch_robots(self, robots_url: str) -> tuple[int, bytes]:
        current = robots_url
        for _ in range(ROBOTS_REDIRECTS + 1):
            self._check_target(current)
            hop = self._request(
                current, {"Accept": "text/plain, */*;q=0.5"}, None, self.settings.fetch_host_delay, robots=True
            )
            if hop.location is None:
                return hop.status, hop.content
            current = hop.location
        _fail("too_many_redirects", f"robots.txt redirects more than {ROBOTS_REDIRECTS} times", robots_url)


def _fail(code: FetchCode, reason: str, url: str) -> NoReturn:
    raise FetchError(code, reason, url)


def _media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def _check_type(response: httpx.Response, accept: Sequence[str] | None, url: str) -> None:
    media = _media_type(response.headers.get("content-type"))
    if not accept or not media:  # no Content-Type at all: let the caller's parser decide
        return
    for wanted in accept:
        wanted = wanted.strip().lower()
        if wanted in (media, "*/*") or (wanted.endswith("/*") and media.startswith(wanted[:-1])):
            return
    _fail("wrong_type", f"Content-Type {media!r} is not one of {', '.join(accept)}", url)


def _check_length(response: httpx.Response, max_bytes: int, url: str) -> None:
    try:
        length = int(response.headers.get("content-length", ""))
    except ValueError:
        return
    if length > max_bytes:
        _fail("too_large", f"Content-Length {length} is larger than {max_bytes} bytes", url)


def _location(response: httpx.Response, url: str) -> str:
    target = response.headers.get("location", "").strip()
    if not target:
        _fail("http_error", f"HTTP {response.status_code} without a Location", url)
    try:
        joined = response.request.url.join(target)
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        _fail("bad_url", f"redirect to an invalid URL {target!r}: {exc}", url)
    return str(joined.copy_with(fragment=None))


def _status_error(response: httpx.Response, url: str) -> FetchError:
    status = response.status_code
    reason = f"HTTP {status} {response.reason_phrase}".strip()
    if status == 429:
        wait = retry_after_seconds(response.headers.get("retry-after"))
        retry_at = utc_iso_in(wait) if wait is not None else utc_iso(datetime.now(UTC))
        return FetchError("retry_later", reason, url, retry_at)
    return FetchError("http_error", reason, url)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
