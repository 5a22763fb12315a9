"""Pure per article: Article → Analysis (mentions, in-document name groups)."""

from newsgraph.enrich.analysis import analyse_articles

__all__ = ["analyse_articles"]
