"""Edge: the polite HTTP client (robots, per-host pacing, retries, private-network guard) and the WARC writer.

with Fetcher(settings) as fetcher, WarcArchive.for_settings(settings) as warc:
    result = fetcher.fetch(url, etag=old_etag)      # FetchResult, or raises FetchError(code, …)
    if not result.not_modified:
        warc_file, offset = warc.write(result)
"""

from newsgraph.fetch.archive import WarcArchive, warc_folder
from newsgraph.fetch.client import HTML_TYPES, Fetcher, FetchResult, user_agent
from newsgraph.fetch.errors import FETCH_CODES, BlockedURL, FetchCode, FetchError
from newsgraph.fetch.guard import check_url
from newsgraph.fetch.robots import RobotsCache, RobotsRules
from newsgraph.fetch.urls import canonical_url, is_fetchable

__all__ = [
    "FETCH_CODES",
    "HTML_TYPES",
    "BlockedURL",
    "FetchCode",
    "FetchError",
    "FetchResult",
    "Fetcher",
    "RobotsCache",
    "RobotsRules",
    "WarcArchive",
    "canonical_url",
    "check_url",
    "is_fetchable",
    "user_agent",
    "warc_folder",
]
