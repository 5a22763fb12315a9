"""robots.txt: fetched once per scheme+host+port, parsed with protego, kept for a day.

What a robots.txt answer means follows RFC 9309 and Google's reading of it:

- 2xx: the rules it gives (the first 500 KiB; robots.txt redirects are followed up to five hops);
- 4xx other than 429, or more than five redirects: no rules, everything is allowed;
- 429, 5xx, a timeout, a refused or failed connection, an address the guard blocks: everything is
  disallowed for now, and the file is asked for again after `retry_after` seconds (10 minutes).

Rules are matched on the product token (`newsgraph`), never on the full User-Agent: a contact URL
in the header could otherwise match another robot's group.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from newsgraph.fetch.errors import FetchError

MAX_ROBOTS_BYTES = 500 * 1024
ROBOTS_TTL = 24 * 3600.0
ROBOTS_RETRY = 600.0
MAX_ORIGINS = 10_000  # robots files kept in memory; the least recently used goes first

# Given the robots.txt URL, answer (status, body) or raise FetchError for network trouble.
RobotsFetch = Callable[[str], tuple[int, bytes]]


@dataclass(frozen=True)
class RobotsRules:
    """One origin's robots.txt as we understood it."""

    origin: str
    parser: Protego | None  # None: no rules (allow all) or unreachable (disallow all)
    unreachable: bool
    reason: str  # "200", "404 (no rules)", "503 (unreachable)" … for messages
    expires: float  # on the cache's clock
    failure: str = ""  # for an unreachable file: the fetch code to report (`retry_later`, `timeout` …)

    def allows(self, url: str, user_agent: str) -> bool:
        if self.unreachable:
            return False
        return self.parser is None or self.parser.can_fetch(url, user_agent)

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        rate = self.parser.request_rate(user_agent)
        if rate is not None and rate.requests > 0:
            delay = max(delay or 0.0, rate.seconds / rate.requests)
        return delay


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc.rpartition('@')[2]).lower()}"


def parse_robots(origin: str, status: int, body: bytes, now: float, ttl: float, retry: float) -> RobotsRules:
    """Rules from a robots.txt response (status and body as received)."""
    if 200 <= status < 300:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
        return RobotsRules(origin, Protego.parse(text), False, str(status), now + ttl)
    if status == 429 or status >= 500:
        return RobotsRules(origin, None, True, f"{status} (unreachable)", now + retry, "retry_later")
    return RobotsRules(origin, None, False, f"{status} (no rules)", now + ttl)


class RobotsCache:
    """robots.txt per origin, fetched through `fetch` (the fetcher's guarded, paced client)."""

    def __init__(
        self,
        fetch: RobotsFetch,
        ttl: float = ROBOTS_TTL,
        retry_after: float = ROBOTS_RETRY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.ttl = ttl
        self.retry_after = retry_after
        self._clock = clock
        self._rules: OrderedDict[str, RobotsRules] = OrderedDict()
        self._guard = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}

    def rules(self, url: str) -> RobotsRules:
        """The rules for `url`'s origin, fetching robots.txt when they are missing or stale.

        A `retry_later` FetchError from the fetch (the host may not be asked yet) is raised as is.
        """
        origin = origin_of(url)
        cached = self._cached(origin)
        if cached is not None:
            return cached
        with self._guard:
            lock = self._origin_locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch per origin, however many threads ask
            cached = self._cached(origin)
            if cached is not None:
                return cached
            rules = self._load(origin)
            with self._guard:
                self._rules[origin] = rules
                self._rules.move_to_end(origin)
                while len(self._rules) > MAX_ORIGINS:
                    old, _ = self._rules.popitem(last=False)
                    self._origin_locks.pop(old, None)
            return rules

    def retry_in(self, rules: RobotsRules) -> float:
        """Seconds until `rules` expire and robots.txt is asked for again."""
        return max(0.0, rules.expires - self._clock())

    def allowed(self, url: str, user_agent: str) -> bool:
        return self.rules(url).allows(url, user_agent)

    def crawl_delay(self, url: str, user_agent: str) -> float | None:
        return self.rules(url).crawl_delay(user_agent)

    def _cached(self, origin: str) -> RobotsRules | None:
        with self._guard:
            rules = self._rules.get(origin)
            if rules is None or rules.expires <= self._clock():
                return None
            self._rules.move_to_end(origin)
            return rules

    def _load(self, origin: str) -> RobotsRules:
        now = self._clock()
        try:
            status, body = self._fetch(f"{origin}/robots.txt")
        except FetchError as exc:
            if exc.code == "retry_later":  # the host is not to be asked now: nothing learnt, nothing kept
                raise
            if exc.code == "too_many_redirects":
                return RobotsRules(origin, None, False, "too many redirects (no rules)", now + self.ttl)
            failure = exc.code if exc.code in ("timeout", "connection_failed") else "retry_later"
            reason = f"{exc.code}: {exc.reason} (unreachable)"
            return RobotsRules(origin, None, True, reason, now + self.retry_after, failure)
        return parse_robots(origin, status, body, now, self.ttl, self.retry_after)
