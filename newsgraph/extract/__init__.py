"""Pure: RawDocument → Article | Rejection (main text, title, byline, date, site, language)."""

from newsgraph.extract.article import extract_article

__all__ = ["extract_article"]
